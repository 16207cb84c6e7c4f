// The 聚能工厂 (holders of a 聚能工厂 recognition) registered under $prefix ('' for all),
// with their number of member factories: the ecosystems a caller may pick from.
MATCH (e:Enterprise)-[:HAS]->(r:Recognition {kind: '聚能工厂'})
WHERE e.region_code STARTS WITH $prefix
OPTIONAL MATCH (e)-[:ORGANIZES]->(m:Enterprise)
RETURN e.uscc AS uscc, e.name AS name, e.region_code AS region_code, count(DISTINCT m) AS members
ORDER BY members DESC, uscc
