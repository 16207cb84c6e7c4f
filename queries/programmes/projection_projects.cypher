// Every 攻关项目 with its owner and service organisation, as programmes/region_projects gives
// them for one region, for the projects part of the projection (graphsvc/programmes/projects.py).
MATCH (o:Enterprise)-[:OWNS]->(p:Project)
OPTIONAL MATCH (s:Enterprise)-[:SERVES]->(p)
RETURN p AS project, o.uscc AS owner_uscc, o.name AS owner_name, o.region_code AS region_code,
       s.uscc AS service_org_uscc, s.name AS service_org_name
ORDER BY p.id
