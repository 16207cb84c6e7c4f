// The years in which any 链主工厂 registered under $leader_prefix received supplies.
MATCH (:Enterprise)-[e:SUPPLIES]->(l:Enterprise)-[:HAS]->(r:Recognition)
WHERE r.kind = '链主工厂' AND l.region_code STARTS WITH $leader_prefix
RETURN DISTINCT e.year AS year
ORDER BY year
