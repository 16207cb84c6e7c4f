// Every supply into one leader, all years, with the supplier's name and region.
MATCH (s:Enterprise)-[e:SUPPLIES]->(l:Enterprise {uscc: $uscc})
RETURN e.year AS year, s.uscc AS supplier_uscc, s.name AS supplier_name, e.supplier_region AS supplier_region,
       e.amount_wan AS amount_wan, e.segment_id AS segment_id
ORDER BY year, supplier_uscc, segment_id
