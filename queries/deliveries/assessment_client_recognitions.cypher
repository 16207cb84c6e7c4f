// The recognitions held by the clients of one provider (rule C3.5 rewards deliveries to
// clients holding a qualifying one).
MATCH (s:Enterprise {uscc: $uscc})-[:DELIVERED]->(:Delivery)-[:`FOR`]->(c:Enterprise)-[:HAS]->(r:Recognition)
RETURN DISTINCT c.uscc AS client_uscc, r.kind AS kind, r.level AS level, r.status AS status, r.year AS year
