// Supplies of each of $usccs in either direction, summed per pair and year (connection paths).
// src -> dst is the supply's direction.
UNWIND $usccs AS u
MATCH (a:Enterprise {uscc: u})
MATCH (a)-[e:SUPPLIES]->(b:Enterprise)
RETURN a.uscc AS src, b.uscc AS dst, e.year AS year, sum(e.amount_wan) AS amount_wan
UNION
UNWIND $usccs AS u
MATCH (a:Enterprise {uscc: u})
MATCH (b:Enterprise)-[e:SUPPLIES]->(a)
RETURN b.uscc AS src, a.uscc AS dst, e.year AS year, sum(e.amount_wan) AS amount_wan
