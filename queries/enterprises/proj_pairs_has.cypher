// The HAS pairs the explore projection holds, as (from key, to key) rows: read one
// relationship at a time (graphsvc/enterprises/projection.py says why).
MATCH (a:Enterprise)-[:HAS]->(r:Recognition)
RETURN a.uscc AS a, r.id AS b
