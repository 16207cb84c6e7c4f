// Every enterprise's key and region: the enterprise index of the shared supply-edges
// projection part (graphsvc/core/supply_edges.py), read as Arrow columns.
MATCH (e:Enterprise)
RETURN e.uscc AS uscc, e.region_code AS region_code
