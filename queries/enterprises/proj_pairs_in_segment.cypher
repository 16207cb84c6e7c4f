// The IN_SEGMENT pairs the explore projection holds, as (from key, to key) rows: read one
// relationship at a time (graphsvc/enterprises/projection.py says why).
MATCH (a:Enterprise)-[:IN_SEGMENT]->(s:Segment)
RETURN a.uscc AS a, s.id AS b
