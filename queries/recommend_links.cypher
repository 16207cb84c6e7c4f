// The manufacturer's place in the graph: its chains (through its segments), the enterprises
// it supplies and is supplied by, and its chain peers (the other direct suppliers of the
// chain leaders it supplies). One row per (rel, other); UNION keeps each pair once.
MATCH (m:Enterprise {uscc: $uscc})-[:IN_SEGMENT]->(s:Segment)
RETURN 'chain' AS rel, s.chain_id AS other
UNION
MATCH (m:Enterprise {uscc: $uscc})-[:SUPPLIES]->(b:Enterprise)
RETURN 'buyer' AS rel, b.uscc AS other
UNION
MATCH (m:Enterprise {uscc: $uscc})<-[:SUPPLIES]-(x:Enterprise)
RETURN 'supplier' AS rel, x.uscc AS other
UNION
MATCH (m:Enterprise {uscc: $uscc})-[:SUPPLIES]->(l:Enterprise)-[:HAS]->(:Recognition {kind: $leader_kind})
MATCH (l)<-[:SUPPLIES]-(x:Enterprise)
WHERE x.uscc <> $uscc
RETURN 'peer' AS rel, x.uscc AS other
