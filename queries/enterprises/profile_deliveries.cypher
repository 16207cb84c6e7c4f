// Confirmed deliveries of an enterprise as supplier and as client, with the other party (profile page).
MATCH (e:Enterprise {uscc: $uscc})
MATCH (e)-[:DELIVERED]->(d:Delivery)
MATCH (d)-[:`FOR`]->(o:Enterprise)
WHERE d.status = 'confirmed'
RETURN 'supplier' AS side, d.id AS id, d.kind AS kind, d.contract_amount_wan AS amount_wan,
       d.accepted_date AS accepted_date, o.uscc AS other_uscc, o.name AS other_name, o.region_code AS other_region
UNION
MATCH (e:Enterprise {uscc: $uscc})
MATCH (d:Delivery)-[:`FOR`]->(e)
MATCH (o:Enterprise)-[:DELIVERED]->(d)
WHERE d.status = 'confirmed'
RETURN 'client' AS side, d.id AS id, d.kind AS kind, d.contract_amount_wan AS amount_wan,
       d.accepted_date AS accepted_date, o.uscc AS other_uscc, o.name AS other_name, o.region_code AS other_region
