// Every enterprise that was ever a delivery's client, with its place, industry and chains
// (the as-of evaluation and the weight refit read them in one pass).
MATCH (d:Delivery)-[:`FOR`]->(c:Enterprise)
WITH DISTINCT c
OPTIONAL MATCH (c)-[:IN_SEGMENT]->(s:Segment)
RETURN c.uscc AS uscc, c.region_code AS region_code, c.industry_code AS industry_code,
       c.industry_kind AS industry_kind, collect(DISTINCT s.chain_id) AS chains
