// The "1" project of a group leads each of its "N" projects (rule A2.2).
MATCH (lead:Project {one_plus_n: '1'})
WHERE lead.group_id IN $group_ids
MATCH (follower:Project {one_plus_n: 'N'})
WHERE follower.group_id = lead.group_id
CREATE (lead)-[:LEADS]->(follower)
RETURN lead.id AS `from`, follower.id AS `to`
