// Tier 2: supplies in $year into the enterprises that supplied the leader in $year.
// (`WITH … WHERE` on each hop: filtering both SUPPLIES edges in one MATCH returned no rows on
// LadybugDB 0.22, and a plain MATCH after WITH DISTINCT was planned as a full scan.)
MATCH (l:Enterprise {uscc: $uscc})
MATCH (t:Enterprise)-[e1:SUPPLIES]->(l)
WITH t, e1
WHERE e1.year = $year
WITH DISTINCT t
MATCH (s:Enterprise)-[e2:SUPPLIES]->(t)
WITH t, s, e2
WHERE e2.year = $year
RETURN t.uscc AS tier1_uscc, s.uscc AS supplier_uscc, e2.supplier_region AS supplier_region,
       e2.amount_wan AS amount_wan
