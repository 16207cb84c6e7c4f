// Enterprises for the demo accounts: a Hangzhou chain leader and a Binjiang type-1 provider
// with confirmed deliveries (the most active ones, so every page has something to show).
MATCH (l:Enterprise)-[:HAS]->(r:Recognition {kind: '链主工厂'})
WHERE l.region_code STARTS WITH '3301'
WITH l, count(r) AS n
ORDER BY n DESC, l.uscc
LIMIT 1
MATCH (p:Enterprise)-[:DELIVERED]->(d:Delivery {status: 'confirmed', provider_type: 1})
WHERE p.region_code = '330108' AND p.credit_ok = true
WITH l, p, count(d) AS deliveries
ORDER BY deliveries DESC, p.uscc
LIMIT 1
RETURN l.uscc AS manufacturer, l.name AS manufacturer_name, p.uscc AS supplier, p.name AS supplier_name
