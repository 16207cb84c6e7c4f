// One enterprise and its 链主工厂 recognitions (empty list when it holds none).
MATCH (e:Enterprise {uscc: $uscc})
OPTIONAL MATCH (e)-[:HAS]->(r:Recognition)
WHERE r.kind = '链主工厂'
RETURN e.uscc AS uscc, e.name AS name, e.region_code AS region_code,
       collect(r.chain_id) AS chain_ids, collect(r.status) AS statuses, collect(r.year) AS years
