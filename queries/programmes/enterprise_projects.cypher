// The 攻关项目 an enterprise owns (the self-check page offers them).
MATCH (o:Enterprise {uscc: $uscc})-[:OWNS]->(p:Project)
RETURN p.id AS id, p.name AS name, p.one_plus_n AS one_plus_n, p.group_id AS group_id,
       p.start_date AS start_date, p.investment_wan AS investment_wan
ORDER BY p.id
