// The local-supply projection: every supply record, with the supplier's region as the edge holds it.
MATCH (s:Enterprise)-[e:SUPPLIES]->(b:Enterprise)
RETURN s.uscc AS seller, b.uscc AS buyer, e.year AS year, e.amount_wan AS amount_wan,
       e.segment_id AS segment_id, e.supplier_region AS supplier_region
