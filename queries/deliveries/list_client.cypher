// Deliveries addressed to one client enterprise, newest first, optionally of one status
// (status 'claimed' = awaiting the client's confirmation).
MATCH (d:Delivery)-[:`FOR`]->(c:Enterprise {uscc: $uscc})
MATCH (s:Enterprise)-[:DELIVERED]->(d)
WHERE ($status IS NULL OR d.status = $status)
  AND ($after_key IS NULL OR coalesce(d.created_at, d.signed_date, '') < $after_key
       OR (coalesce(d.created_at, d.signed_date, '') = $after_key AND d.id < $after_id))
RETURN d AS delivery, s.name AS supplier_name, c.name AS client_name, c.region_code AS client_region
ORDER BY coalesce(d.created_at, d.signed_date, '') DESC, d.id DESC
LIMIT $limit
