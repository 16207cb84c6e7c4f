// Every delivery with its provider and client, as deliveries/assessment_deliveries gives one
// provider's, for the deliveries part of the projection (graphsvc/deliveries/projection.py).
MATCH (s:Enterprise)-[:DELIVERED]->(d:Delivery)-[:`FOR`]->(c:Enterprise)
RETURN s.uscc AS provider, d.id AS id, d.supplier_uscc AS supplier_uscc, d.kind AS kind,
       d.provider_type AS provider_type, d.unit AS unit, d.quantity AS quantity,
       d.contract_amount_wan AS contract_amount_wan, d.signed_date AS signed_date,
       d.accepted_date AS accepted_date, d.status AS status, d.rating AS rating, d.corrects AS corrects,
       c.uscc AS client_uscc, c.name AS client_name, c.industry_kind AS client_kind,
       c.region_code AS client_region
