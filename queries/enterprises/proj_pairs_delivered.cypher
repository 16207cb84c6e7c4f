// The DELIVERED pairs the explore projection holds, as (from key, to key) rows: read one
// relationship at a time (graphsvc/enterprises/projection.py says why).
MATCH (a:Enterprise)-[:DELIVERED]->(d:Delivery)
RETURN a.uscc AS a, d.id AS b
