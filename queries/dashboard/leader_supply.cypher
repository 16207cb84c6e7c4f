// Chain leaders (any $kind recognition, as on /local-supply) under a region prefix and what they bought in $year,
// summed per supplier region code; a leader without supplies gives one row with a null supplier_region.
MATCH (l:Enterprise)-[:HAS]->(r:Recognition)
WHERE r.kind = $kind AND l.region_code STARTS WITH $prefix
WITH DISTINCT l
OPTIONAL MATCH (s:Enterprise)-[x:SUPPLIES]->(l)
WHERE x.year = $year
RETURN l.uscc AS uscc, l.name AS name, l.region_code AS region_code,
       s.region_code AS supplier_region, sum(x.amount_wan) AS amount, count(x) AS edges
ORDER BY uscc, supplier_region
