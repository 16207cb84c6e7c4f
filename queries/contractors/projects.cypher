// 攻关项目 and the 数字工程服务机构 named on them (for the B1 scenario term).
MATCH (o:Enterprise)-[:SERVES]->(p:Project)
RETURN o.uscc AS provider, p.id AS id, p.name AS name, p.start_date AS start_date
