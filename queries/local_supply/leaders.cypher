// 链主工厂 recognitions (one row per recognition), optionally for one enterprise.
// graphsvc/ratios.py collapses them into one leader per enterprise.
MATCH (l:Enterprise)-[:HAS]->(r:Recognition)
WHERE r.kind = '链主工厂'
  AND ($uscc IS NULL OR l.uscc = $uscc)
RETURN l.uscc AS uscc, l.name AS name, l.region_code AS region_code,
       r.chain_id AS chain_id, r.status AS status, r.year AS year, r.level AS level
ORDER BY uscc, year
