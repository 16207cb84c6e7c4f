// Enterprises in the given segments whose region code starts with $prefix and that are not on
// the 失信 list: who could take over a non-local purchase (what-if).
UNWIND $segment_ids AS sid
MATCH (c:Enterprise)-[:IN_SEGMENT]->(g:Segment {id: sid})
WHERE c.region_code STARTS WITH $prefix
  AND c.credit_ok = true
  AND c.uscc <> $exclude
RETURN sid AS segment_id, c.uscc AS uscc, c.name AS name, c.region_code AS region_code,
       c.revenue_wan AS revenue_wan
