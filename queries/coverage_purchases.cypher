// What the given leaders bought in $year in the given segments, one row per supply record.
UNWIND $leaders AS lu
MATCH (l:Enterprise {uscc: lu})
MATCH (s:Enterprise)-[e:SUPPLIES]->(l)
WHERE e.year = $year AND e.segment_id IN $segment_ids
RETURN lu AS leader_uscc, e.segment_id AS segment_id, s.uscc AS supplier_uscc, s.name AS supplier_name,
       s.region_code AS supplier_region, e.amount_wan AS amount_wan
