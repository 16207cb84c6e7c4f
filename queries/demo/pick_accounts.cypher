// Enterprises for the demo accounts: the Hangzhou chain leaders and the Binjiang type-1
// providers with the most confirmed deliveries, best first (so every page has something to
// show; the second of each is the "same role, other enterprise" account of the access tests).
MATCH (l:Enterprise)-[:HAS]->(r:Recognition {kind: '链主工厂'})
WHERE l.region_code STARTS WITH '3301'
WITH l, count(r) AS n
ORDER BY n DESC, l.uscc
LIMIT 2
RETURN 'manufacturer' AS role, l.uscc AS uscc, l.name AS name, n AS weight
UNION ALL
MATCH (p:Enterprise)-[:DELIVERED]->(d:Delivery {status: 'confirmed', provider_type: 1})
WHERE p.region_code = '330108' AND p.credit_ok = true
WITH p, count(d) AS n
ORDER BY n DESC, p.uscc
LIMIT 2
RETURN 'supplier' AS role, p.uscc AS uscc, p.name AS name, n AS weight
