// 聚能工厂 platforms registered under $prefix and their ecosystem members in chain $chain_id's
// segments (ORGANIZES edges), one row per platform, segment and member.
MATCH (p:Enterprise)-[:HAS]->(r:Recognition)
WHERE r.kind = '聚能工厂' AND p.region_code STARTS WITH $prefix
WITH DISTINCT p
MATCH (p)-[:ORGANIZES]->(m:Enterprise)
MATCH (m)-[:IN_SEGMENT]->(g:Segment)-[:OF_CHAIN]->(c:Chain {id: $chain_id})
RETURN p.uscc AS platform_uscc, p.name AS platform_name, p.region_code AS platform_region,
       g.id AS segment_id, m.uscc AS member_uscc, m.region_code AS member_region,
       m.revenue_wan AS revenue_wan, m.credit_ok AS credit_ok
