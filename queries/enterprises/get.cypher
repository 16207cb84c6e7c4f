// One enterprise with its segments and recognitions.
MATCH (e:Enterprise {uscc: $uscc})
OPTIONAL MATCH (e)-[:IN_SEGMENT]->(s:Segment)
WITH e, collect(DISTINCT s.id) AS segment_ids
OPTIONAL MATCH (e)-[:HAS]->(r:Recognition)
RETURN e AS enterprise, segment_ids, collect(DISTINCT r) AS recognitions
