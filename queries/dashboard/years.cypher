// Years present in the data (supplies and recognitions), for the year choosers.
MATCH (:Enterprise)-[s:SUPPLIES]->(:Enterprise)
RETURN DISTINCT s.year AS year
UNION
MATCH (r:Recognition)
RETURN DISTINCT r.year AS year
