// Deliveries per status touching a region prefix: made by its providers, made for its clients.
MATCH (p:Enterprise)-[:DELIVERED]->(d:Delivery)-[:`FOR`]->(c:Enterprise)
WHERE p.region_code STARTS WITH $prefix OR c.region_code STARTS WITH $prefix
RETURN d.status AS status,
       sum(CASE WHEN p.region_code STARTS WITH $prefix THEN 1 ELSE 0 END) AS by_providers,
       sum(CASE WHEN c.region_code STARTS WITH $prefix THEN 1 ELSE 0 END) AS to_clients
ORDER BY status
