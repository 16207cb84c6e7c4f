// One delivery with its supplier and client (their regions decide who may see and decide it),
// and the ids of the records that correct it. One path from the delivery: written as three
// MATCH clauses LadybugDB planned a scan of every enterprise (158 ms on the province demo
// against 0.5 ms), on every confirmation's visibility check and read-back.
MATCH (s:Enterprise)-[:DELIVERED]->(d:Delivery {id: $id})-[:`FOR`]->(c:Enterprise)
OPTIONAL MATCH (n:Delivery)-[:CORRECTS]->(d)
RETURN d AS delivery, s.uscc AS supplier_uscc, c.uscc AS client_uscc, s.name AS supplier_name, s.region_code AS supplier_region,
       c.name AS client_name, c.region_code AS client_region, c.industry_kind AS client_kind,
       collect(n.id) AS corrected_by
