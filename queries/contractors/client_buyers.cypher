// The enterprises that new delivery clients supply (a new client may be a chain leader's
// supplier, hence a chain peer).
UNWIND $usccs AS u
MATCH (x:Enterprise {uscc: u})-[:SUPPLIES]->(b:Enterprise)
RETURN DISTINCT x.uscc AS supplier, b.uscc AS buyer
