// One 攻关项目 with its owner enterprise and its 数字工程服务机构 (rules A2, form 附件2).
MATCH (p:Project {id: $id})
OPTIONAL MATCH (o:Enterprise)-[:OWNS]->(p)
OPTIONAL MATCH (s:Enterprise)-[:SERVES]->(p)
RETURN p AS project, o AS owner, s.uscc AS service_org_uscc, s.name AS service_org_name
