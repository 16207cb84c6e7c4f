// The local-supply projection: the years that have supply records (it reads them a year at a time).
MATCH (:Enterprise)-[e:SUPPLIES]->(:Enterprise)
WHERE e.year IS NOT NULL
RETURN DISTINCT e.year AS year
ORDER BY year
