// The years in which any of the given leaders received supplies.
UNWIND $leaders AS lu
MATCH (l:Enterprise {uscc: lu})
MATCH (:Enterprise)-[e:SUPPLIES]->(l)
RETURN DISTINCT e.year AS year
ORDER BY year
