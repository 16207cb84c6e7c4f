// Recognitions of the given kinds (chain leaders, clients recognised later, provider lists).
MATCH (e:Enterprise)-[:HAS]->(r:Recognition)
WHERE r.kind IN $kinds
RETURN e.uscc AS uscc, e.name AS name, r.kind AS kind, r.status AS status, r.year AS year,
       r.chain_id AS chain_id
