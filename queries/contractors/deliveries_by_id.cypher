// The deliveries a change named, as contractors/deliveries returns them, for large changes
// (one scan, ~1 s on the province demo; a few ids are read one by one: delivery_by_id).
UNWIND $ids AS i
MATCH (d:Delivery {id: i})
MATCH (p:Enterprise)-[:DELIVERED]->(d)
MATCH (d)-[:`FOR`]->(c:Enterprise)
RETURN d.id AS id, p.uscc AS provider, c.uscc AS client, d.provider_type AS provider_type,
       d.unit AS unit, d.status AS status, d.signed_date AS signed_date,
       c.industry_code AS industry_code, c.industry_kind AS industry_kind
