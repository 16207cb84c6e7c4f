// The chains (through segments) and "1+N" groups (through owned projects) of each of $usccs.
// An IN-list on the label, not UNWIND + key match: followed by a relationship pattern the
// UNWIND form was planned as a scan of every edge on LadybugDB 0.22 (see supplies_into).
MATCH (e:Enterprise)
WHERE e.uscc IN $usccs
MATCH (e)-[:IN_SEGMENT]->(s:Segment)
RETURN DISTINCT e.uscc AS uscc, 'chain' AS kind, s.chain_id AS id
UNION
MATCH (e:Enterprise)
WHERE e.uscc IN $usccs
MATCH (e)-[:OWNS]->(p:Project)
WHERE p.group_id IS NOT NULL AND p.group_id <> ''
RETURN DISTINCT e.uscc AS uscc, 'group' AS kind, p.group_id AS id
