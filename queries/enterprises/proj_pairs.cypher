// The small relationships the explore projection holds, as (rel, from key, to key) rows.
MATCH (a:Enterprise)-[:DELIVERED]->(d:Delivery)
RETURN 'DELIVERED' AS rel, a.uscc AS a, d.id AS b
UNION ALL
MATCH (d:Delivery)-[:`FOR`]->(b:Enterprise)
RETURN 'FOR' AS rel, d.id AS a, b.uscc AS b
UNION ALL
MATCH (a:Enterprise)-[:ORGANIZES]->(b:Enterprise)
RETURN 'ORGANIZES' AS rel, a.uscc AS a, b.uscc AS b
UNION ALL
MATCH (a:Enterprise)-[:IN_SEGMENT]->(s:Segment)
RETURN 'IN_SEGMENT' AS rel, a.uscc AS a, s.id AS b
UNION ALL
MATCH (a:Enterprise)-[:OWNS]->(p:Project)
RETURN 'OWNS' AS rel, a.uscc AS a, p.id AS b
UNION ALL
MATCH (a:Enterprise)-[:HAS]->(r:Recognition)
RETURN 'HAS' AS rel, a.uscc AS a, r.id AS b
