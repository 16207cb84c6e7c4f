// What the 链主工厂 registered under $prefix bought in $year in the given segments, one row per
// supply record and 链主工厂 recognition (graphsvc/coverage.py keeps one recognition per leader).
MATCH (s:Enterprise)-[e:SUPPLIES]->(l:Enterprise)-[:HAS]->(r:Recognition)
WHERE r.kind = '链主工厂' AND l.region_code STARTS WITH $prefix
  AND e.year = $year AND e.segment_id IN $segment_ids
RETURN l.uscc AS leader_uscc, r.id AS recognition_id, e.segment_id AS segment_id, s.uscc AS supplier_uscc,
       s.name AS supplier_name, e.supplier_region AS supplier_region, e.amount_wan AS amount_wan
