// The FOR pairs the explore projection holds, as (from key, to key) rows: read one
// relationship at a time (graphsvc/enterprises/projection.py says why).
MATCH (d:Delivery)-[:`FOR`]->(b:Enterprise)
RETURN d.id AS a, b.uscc AS b
