// An enterprise asked for as an ecosystem: is it a 聚能工厂 (holds a 聚能工厂 recognition,
// cultivated or recognised) and how many member factories does it organise?
MATCH (e:Enterprise {uscc: $uscc})
OPTIONAL MATCH (e)-[:HAS]->(r:Recognition {kind: '聚能工厂'})
OPTIONAL MATCH (e)-[:ORGANIZES]->(m:Enterprise)
RETURN e.uscc AS uscc, e.name AS name, e.region_code AS region_code,
       count(DISTINCT r) AS platform_recognitions, count(DISTINCT m) AS members
