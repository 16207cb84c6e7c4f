// 攻关项目 of enterprises registered under a region prefix, with owner and service
// organisation names (form 附件2).
MATCH (o:Enterprise)-[:OWNS]->(p:Project)
WHERE o.region_code STARTS WITH $prefix
OPTIONAL MATCH (s:Enterprise)-[:SERVES]->(p)
RETURN p AS project, o.uscc AS owner_uscc, o.name AS owner_name, o.region_code AS region_code,
       s.name AS service_org_name
ORDER BY p.id
