// Per leader and year: supply into the leader, split by whether the supplier's region code
// starts with the leader's local prefix ($leaders: [{uscc, prefix}]).
UNWIND $leaders AS x
MATCH (l:Enterprise {uscc: x.uscc})
MATCH (s:Enterprise)-[e:SUPPLIES]->(l)
WHERE ($year IS NULL OR e.year = $year)
RETURN x.uscc AS uscc, e.year AS year,
       sum(e.amount_wan) AS total_amount,
       sum(CASE WHEN s.region_code STARTS WITH x.prefix THEN e.amount_wan ELSE 0.0 END) AS local_amount,
       count(DISTINCT s.uscc) AS suppliers,
       count(DISTINCT CASE WHEN s.region_code STARTS WITH x.prefix THEN s.uscc ELSE NULL END) AS local_suppliers
