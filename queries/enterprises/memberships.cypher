// The chains (through segments) and "1+N" groups (through owned projects) of each of $usccs.
UNWIND $usccs AS u
MATCH (e:Enterprise {uscc: u})-[:IN_SEGMENT]->(s:Segment)
RETURN DISTINCT e.uscc AS uscc, 'chain' AS kind, s.chain_id AS id
UNION
UNWIND $usccs AS u
MATCH (e:Enterprise {uscc: u})-[:OWNS]->(p:Project)
WHERE p.group_id IS NOT NULL AND p.group_id <> ''
RETURN DISTINCT e.uscc AS uscc, 'group' AS kind, p.group_id AS id
