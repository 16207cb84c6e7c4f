// The local-supply projection: every enterprise's segments.
MATCH (e:Enterprise)-[:IN_SEGMENT]->(g:Segment)
RETURN e.uscc AS uscc, g.id AS segment_id
