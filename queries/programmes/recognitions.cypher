// Recognitions of enterprises registered under a region prefix ('' = all), optionally of some
// kinds and one year, with the enterprise facts the targets, quotes and forms need.
MATCH (e:Enterprise)-[:HAS]->(r:Recognition)
WHERE e.region_code STARTS WITH $prefix
  AND ($kinds IS NULL OR r.kind IN $kinds)
  AND ($year IS NULL OR r.year = $year)
RETURN e.uscc AS uscc, e.name AS name, e.region_code AS region_code, e.industry_code AS industry_code,
       e.revenue_wan AS revenue_wan, r.id AS id, r.kind AS kind, r.level AS level, r.status AS status,
       r.year AS year, r.chain_id AS chain_id, r.rating AS rating
ORDER BY e.uscc, r.year, r.kind
