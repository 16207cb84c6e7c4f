// The manufacturer's place in the graph: its chains (through its segments) and the
// enterprises it supplies and is supplied by. One row per (rel, other); UNION keeps each once.
MATCH (m:Enterprise {uscc: $uscc})-[:IN_SEGMENT]->(s:Segment)
RETURN 'chain' AS rel, s.chain_id AS other
UNION
MATCH (m:Enterprise {uscc: $uscc})-[:SUPPLIES]->(b:Enterprise)
RETURN 'buyer' AS rel, b.uscc AS other
UNION
MATCH (m:Enterprise {uscc: $uscc})<-[:SUPPLIES]-(x:Enterprise)
RETURN 'supplier' AS rel, x.uscc AS other
