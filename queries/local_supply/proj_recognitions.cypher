// The local-supply projection: every recognition held by an enterprise (HAS), with its holder.
MATCH (l:Enterprise)-[:HAS]->(r:Recognition)
RETURN l.uscc AS owner, r.id AS id, r.kind AS kind, r.status AS status, r.year AS year,
       r.chain_id AS chain_id, r.level AS level
