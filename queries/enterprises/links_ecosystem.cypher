// 聚能工厂 ecosystem links (ORGANIZES) of each of $usccs, platform -> member (connection paths).
UNWIND $usccs AS u
MATCH (a:Enterprise {uscc: u})
MATCH (a)-[:ORGANIZES]->(b:Enterprise)
RETURN a.uscc AS src, b.uscc AS dst
UNION
UNWIND $usccs AS u
MATCH (a:Enterprise {uscc: u})
MATCH (b:Enterprise)-[:ORGANIZES]->(a)
RETURN b.uscc AS src, a.uscc AS dst
