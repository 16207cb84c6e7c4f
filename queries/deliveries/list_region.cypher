// Deliveries whose client ($side = 'client') or supplier ($side = 'supplier') lies in a region
// prefix ('' = all), newest first, optionally of one status or one supplier / client.
MATCH (s:Enterprise)-[:DELIVERED]->(d:Delivery)
MATCH (d)-[:`FOR`]->(c:Enterprise)
WHERE ($status IS NULL OR d.status = $status)
  AND ($supplier IS NULL OR d.supplier_uscc = $supplier)
  AND ($client IS NULL OR d.client_uscc = $client)
  AND (($side = 'client' AND c.region_code STARTS WITH $prefix)
       OR ($side = 'supplier' AND s.region_code STARTS WITH $prefix))
  AND ($after_key IS NULL OR coalesce(d.created_at, d.signed_date, '') < $after_key
       OR (coalesce(d.created_at, d.signed_date, '') = $after_key AND d.id < $after_id))
RETURN d AS delivery, s.name AS supplier_name, c.name AS client_name, c.region_code AS client_region
ORDER BY coalesce(d.created_at, d.signed_date, '') DESC, d.id DESC
LIMIT $limit
