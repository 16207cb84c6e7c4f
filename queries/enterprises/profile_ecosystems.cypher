// The 聚能工厂 platforms organising an enterprise and the members it organises (profile page).
MATCH (e:Enterprise {uscc: $uscc})
MATCH (o:Enterprise)-[:ORGANIZES]->(e)
RETURN 'platform' AS role, o.uscc AS uscc, o.name AS name, o.region_code AS region_code
UNION
MATCH (e:Enterprise {uscc: $uscc})
MATCH (e)-[:ORGANIZES]->(m:Enterprise)
RETURN 'member' AS role, m.uscc AS uscc, m.name AS name, m.region_code AS region_code
