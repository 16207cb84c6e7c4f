// Migration (schema 0.1 -> 0.2): fill SUPPLIES.supplier_region from the supplier's region.
MATCH (s:Enterprise)-[e:SUPPLIES]->(:Enterprise)
WHERE e.supplier_region IS NULL
SET e.supplier_region = s.region_code
