// The enterprises one new delivery client supplies (it may be a chain leader's supplier,
// hence a chain peer). One key per query: see delivery_by_id.cypher.
MATCH (x:Enterprise {uscc: $uscc})-[:SUPPLIES]->(b:Enterprise)
RETURN DISTINCT b.uscc AS buyer
