// Remove the LEADS links of the given 1+N groups before they are rebuilt.
MATCH (a:Project)-[l:LEADS]->(b:Project)
WHERE a.group_id IN $group_ids OR b.group_id IN $group_ids
DELETE l
RETURN a.id AS `from`, b.id AS `to`
