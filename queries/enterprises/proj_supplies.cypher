// Every SUPPLIES edge, grouped by buyer: one row a buyer with its suppliers' USCCs, years,
// amounts and segments as parallel lists (far fewer rows to convert than one an edge).
MATCH (s:Enterprise)-[e:SUPPLIES]->(b:Enterprise)
WITH b, collect(s.uscc) AS suppliers, collect(e.year) AS years, collect(e.amount_wan) AS amounts,
     collect(e.segment_id) AS segments
RETURN b.uscc AS buyer, suppliers, years, amounts, segments
