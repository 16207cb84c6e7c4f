// The years that have any supply record.
MATCH (:Enterprise)-[e:SUPPLIES]->(:Enterprise)
RETURN DISTINCT e.year AS year
ORDER BY year
