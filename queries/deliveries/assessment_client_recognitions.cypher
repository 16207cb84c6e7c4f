// The recognitions held by the clients of one provider (rule C3.5 rewards deliveries to
// clients holding a qualifying one). Ordered: the rule cites the first qualifying one, and
// without an order each engine returns its own (found on Neo4j by tests/test_neo4j_equality.py).
MATCH (s:Enterprise {uscc: $uscc})-[:DELIVERED]->(:Delivery)-[:`FOR`]->(c:Enterprise)-[:HAS]->(r:Recognition)
RETURN DISTINCT c.uscc AS client_uscc, r.kind AS kind, r.level AS level, r.status AS status, r.year AS year
ORDER BY client_uscc, year, kind, level, status
