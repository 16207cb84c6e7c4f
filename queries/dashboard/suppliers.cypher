// Per region code under a prefix: enterprises with at least one outgoing SUPPLIES edge in $year.
MATCH (s:Enterprise)-[x:SUPPLIES]->(:Enterprise)
WHERE s.region_code STARTS WITH $prefix AND x.year = $year
RETURN s.region_code AS region_code, count(DISTINCT s) AS suppliers
ORDER BY region_code
