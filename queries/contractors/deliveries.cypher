// Every delivery with its provider, client and status, and the client's industry: confirmed
// ones are evidence for a provider, disputed ones against; claimed and withdrawn ones never
// count, but the index keeps them so that a later status change is folded in by id.
MATCH (p:Enterprise)-[:DELIVERED]->(d:Delivery)-[:`FOR`]->(c:Enterprise)
RETURN d.id AS id, p.uscc AS provider, c.uscc AS client, d.provider_type AS provider_type,
       d.unit AS unit, d.status AS status, d.signed_date AS signed_date,
       c.industry_code AS industry_code, c.industry_kind AS industry_kind
