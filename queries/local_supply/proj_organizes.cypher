// The local-supply projection: every platform -> ecosystem member edge (ORGANIZES).
MATCH (p:Enterprise)-[:ORGANIZES]->(m:Enterprise)
RETURN p.uscc AS platform, m.uscc AS member
