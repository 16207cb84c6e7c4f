// 聚能工厂 ecosystem links (ORGANIZES) of each of $usccs, platform -> member (connection paths).
MATCH (a:Enterprise)
WHERE a.uscc IN $usccs
MATCH (a)-[:ORGANIZES]->(b:Enterprise)
RETURN a.uscc AS src, b.uscc AS dst
UNION
MATCH (a:Enterprise)
WHERE a.uscc IN $usccs
MATCH (b:Enterprise)-[:ORGANIZES]->(a)
RETURN b.uscc AS src, a.uscc AS dst
