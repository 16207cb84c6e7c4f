// Every delivery of one provider with its client (industry kind decides the type-1 units)
// and the client's recognitions (rule C3.5), plus the record each one corrects.
MATCH (s:Enterprise {uscc: $uscc})-[:DELIVERED]->(d:Delivery)
MATCH (d)-[:`FOR`]->(c:Enterprise)
OPTIONAL MATCH (c)-[:HAS]->(r:Recognition)
RETURN d AS delivery, c.name AS client_name, c.industry_kind AS client_kind,
       c.region_code AS client_region, collect(r) AS recognitions
