// Keep SUPPLIES.supplier_region in step when an enterprise's registered region changes.
UNWIND $rows AS r
MATCH (s:Enterprise {uscc: r.uscc})-[e:SUPPLIES]->(:Enterprise)
SET e.supplier_region = r.region_code
