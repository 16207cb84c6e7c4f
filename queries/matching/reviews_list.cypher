// Queued name-matching rows of one status within a region prefix, by id after a key (keyset).
MATCH (m:MatchReview)
WHERE m.status = $status AND m.region_code STARTS WITH $prefix AND m.id > $after
RETURN m AS review
ORDER BY m.id
LIMIT $limit
