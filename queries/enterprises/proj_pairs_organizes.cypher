// The ORGANIZES pairs the explore projection holds, as (from key, to key) rows: read one
// relationship at a time (graphsvc/enterprises/projection.py says why).
MATCH (a:Enterprise)-[:ORGANIZES]->(b:Enterprise)
RETURN a.uscc AS a, b.uscc AS b
