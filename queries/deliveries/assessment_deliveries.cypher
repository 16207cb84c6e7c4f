// Every delivery of one provider with its client (the client's industry kind decides the
// type-1 units). The clients' recognitions come from assessment_client_recognitions.
MATCH (s:Enterprise {uscc: $uscc})-[:DELIVERED]->(d:Delivery)
MATCH (d)-[:`FOR`]->(c:Enterprise)
RETURN d.id AS id, d.supplier_uscc AS supplier_uscc, d.kind AS kind, d.provider_type AS provider_type,
       d.unit AS unit, d.quantity AS quantity, d.contract_amount_wan AS contract_amount_wan,
       d.signed_date AS signed_date, d.accepted_date AS accepted_date, d.status AS status,
       d.rating AS rating, d.corrects AS corrects,
       c.uscc AS client_uscc, c.name AS client_name, c.industry_kind AS client_kind,
       c.region_code AS client_region
