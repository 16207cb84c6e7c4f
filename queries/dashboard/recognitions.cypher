// Recognitions of enterprises under a region prefix, in the shape graphsvc.rules.targets.progress reads.
MATCH (e:Enterprise)-[:HAS]->(r:Recognition)
WHERE e.region_code STARTS WITH $prefix
RETURN e.uscc AS uscc, e.region_code AS region_code, r.kind AS kind, r.level AS level,
       r.status AS status, r.year AS year
ORDER BY uscc, year, kind
