// The chains the given enterprises' segments belong to (所属产业链 in form 附件1).
MATCH (e:Enterprise)-[:IN_SEGMENT]->(s:Segment)
WHERE e.uscc IN $usccs
RETURN DISTINCT e.uscc AS uscc, s.chain_id AS chain_id
ORDER BY uscc, chain_id
