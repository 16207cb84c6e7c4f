// The projects an enterprise owns, with their "1+N" group (profile page).
MATCH (o:Enterprise {uscc: $uscc})-[:OWNS]->(p:Project)
RETURN p.id AS id, p.name AS name, p.one_plus_n AS one_plus_n, p.group_id AS group_id
ORDER BY p.id
