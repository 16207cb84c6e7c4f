// Deliveries that are evidence for or against a provider (confirmed, disputed), with the
// client's industry and place; claimed and withdrawn ones never count.
MATCH (p:Enterprise)-[:DELIVERED]->(d:Delivery)-[:`FOR`]->(c:Enterprise)
WHERE d.status = 'confirmed' OR d.status = 'disputed'
RETURN d.id AS id, p.uscc AS provider, c.uscc AS client, d.provider_type AS provider_type,
       d.unit AS unit, d.status AS status, d.signed_date AS signed_date,
       c.industry_code AS industry_code, c.industry_kind AS industry_kind
