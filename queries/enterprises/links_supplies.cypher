// Supplies of each of $usccs in either direction, summed per pair and year (connection paths).
// src -> dst is the supply's direction.
MATCH (a:Enterprise)
WHERE a.uscc IN $usccs
MATCH (a)-[e:SUPPLIES]->(b:Enterprise)
RETURN a.uscc AS src, b.uscc AS dst, e.year AS year, sum(e.amount_wan) AS amount_wan
UNION
MATCH (a:Enterprise)
WHERE a.uscc IN $usccs
MATCH (b:Enterprise)-[e:SUPPLIES]->(a)
RETURN b.uscc AS src, a.uscc AS dst, e.year AS year, sum(e.amount_wan) AS amount_wan
