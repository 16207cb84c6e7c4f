// Stored projects in the given 1+N groups, so a group is relinked as a whole.
MATCH (p:Project)
WHERE p.group_id IN $group_ids
RETURN p.id AS id, p.group_id AS group_id, p.one_plus_n AS one_plus_n
