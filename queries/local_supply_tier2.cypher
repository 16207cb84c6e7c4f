// Tier 2: supplies in $year into the enterprises that supplied the leader in $year.
MATCH (t:Enterprise)-[e1:SUPPLIES]->(l:Enterprise {uscc: $uscc})
WHERE e1.year = $year
WITH DISTINCT t
MATCH (s:Enterprise)-[e2:SUPPLIES]->(t)
WHERE e2.year = $year
RETURN t.uscc AS tier1_uscc, s.uscc AS supplier_uscc, s.region_code AS supplier_region,
       e2.amount_wan AS amount_wan
