// The OWNS pairs the explore projection holds, as (from key, to key) rows: read one
// relationship at a time (graphsvc/enterprises/projection.py says why).
MATCH (a:Enterprise)-[:OWNS]->(p:Project)
RETURN a.uscc AS a, p.id AS b
