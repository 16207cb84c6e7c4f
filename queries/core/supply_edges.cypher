// Every supply record, one row an edge: what the in-memory projections build from
// (graphsvc/core/supply_edges.py, which local supply and explore derive from), read as Arrow columns.
MATCH (s:Enterprise)-[e:SUPPLIES]->(b:Enterprise)
RETURN s.uscc AS seller, b.uscc AS buyer, e.year AS year, e.amount_wan AS amount_wan,
       e.segment_id AS segment_id, e.supplier_region AS supplier_region
