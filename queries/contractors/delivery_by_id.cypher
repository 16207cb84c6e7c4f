// One delivery a change named, as contractors/deliveries returns it. One key per query: on
// LadybugDB 0.22 an UNWIND of keys followed by relationship patterns scans every delivery
// (~1 s on the province demo), a single key is an index lookup (< 1 ms).
MATCH (p:Enterprise)-[:DELIVERED]->(d:Delivery {id: $id})-[:`FOR`]->(c:Enterprise)
RETURN d.id AS id, p.uscc AS provider, c.uscc AS client, d.provider_type AS provider_type,
       d.unit AS unit, d.status AS status, d.signed_date AS signed_date,
       c.industry_code AS industry_code, c.industry_kind AS industry_kind
