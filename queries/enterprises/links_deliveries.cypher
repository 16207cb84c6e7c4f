// Confirmed deliveries of each of $usccs as supplier or as client (connection paths).
MATCH (a:Enterprise)
WHERE a.uscc IN $usccs
MATCH (a)-[:DELIVERED]->(d:Delivery)
MATCH (d)-[:`FOR`]->(b:Enterprise)
WHERE d.status = 'confirmed'
RETURN a.uscc AS src, b.uscc AS dst, d.id AS delivery_id, d.contract_amount_wan AS amount_wan,
       d.accepted_date AS accepted_date, d.signed_date AS signed_date
UNION
MATCH (a:Enterprise)
WHERE a.uscc IN $usccs
MATCH (d:Delivery)-[:`FOR`]->(a)
MATCH (b:Enterprise)-[:DELIVERED]->(d)
WHERE d.status = 'confirmed'
RETURN b.uscc AS src, a.uscc AS dst, d.id AS delivery_id, d.contract_amount_wan AS amount_wan,
       d.accepted_date AS accepted_date, d.signed_date AS signed_date
