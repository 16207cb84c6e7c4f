// Every delivery with its supplier, client and status, for the dashboard projection
// (graphsvc/dashboard/projection.py).
MATCH (p:Enterprise)-[:DELIVERED]->(d:Delivery)-[:`FOR`]->(c:Enterprise)
RETURN d.id AS id, p.uscc AS supplier, c.uscc AS client, d.status AS status
