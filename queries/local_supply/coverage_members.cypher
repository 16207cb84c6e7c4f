// Enterprises in the segments of chain $chain_id whose region code starts with $prefix.
MATCH (e:Enterprise)-[:IN_SEGMENT]->(g:Segment)-[:OF_CHAIN]->(c:Chain {id: $chain_id})
WHERE e.region_code STARTS WITH $prefix
RETURN g.id AS segment_id, e.uscc AS uscc, e.name AS name, e.region_code AS region_code,
       e.credit_ok AS credit_ok, e.revenue_wan AS revenue_wan
