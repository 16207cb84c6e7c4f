// One delivery with its supplier and client (their regions decide who may see and decide it),
// and the ids of the records that correct it.
MATCH (d:Delivery {id: $id})
MATCH (s:Enterprise)-[:DELIVERED]->(d)
MATCH (d)-[:`FOR`]->(c:Enterprise)
OPTIONAL MATCH (n:Delivery)-[:CORRECTS]->(d)
RETURN d AS delivery, s.uscc AS supplier_uscc, c.uscc AS client_uscc, s.name AS supplier_name, s.region_code AS supplier_region,
       c.name AS client_name, c.region_code AS client_region, c.industry_kind AS client_kind,
       collect(n.id) AS corrected_by
