// Every recognition with its holder, for the dashboard projection (graphsvc/dashboard/projection.py).
MATCH (e:Enterprise)-[:HAS]->(r:Recognition)
RETURN r.id AS id, e.uscc AS uscc, e.name AS name, r.kind AS kind, r.level AS level, r.status AS status,
       r.year AS year, r.chain_id AS chain_id
