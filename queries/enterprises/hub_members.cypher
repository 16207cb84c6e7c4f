// The members of chains $chain_ids and of "1+N" groups $group_ids.
UNWIND $chain_ids AS c
MATCH (e:Enterprise)-[:IN_SEGMENT]->(s:Segment)
WHERE s.chain_id = c
RETURN DISTINCT e.uscc AS uscc, 'chain' AS kind, c AS id
UNION
UNWIND $group_ids AS g
MATCH (e:Enterprise)-[:OWNS]->(p:Project)
WHERE p.group_id = g
RETURN DISTINCT e.uscc AS uscc, 'group' AS kind, g AS id
