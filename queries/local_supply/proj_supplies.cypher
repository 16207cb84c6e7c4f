// The local-supply projection: the supply records of one year, with the supplier's region as the
// edge holds it (graphsvc/local_supply/projection.py reads them a year at a time).
MATCH (s:Enterprise)-[e:SUPPLIES]->(b:Enterprise)
WHERE e.year = $year
RETURN s.uscc AS seller, b.uscc AS buyer, e.year AS year, e.amount_wan AS amount_wan,
       e.segment_id AS segment_id, e.supplier_region AS supplier_region
