// The records that correct one delivery, with their status.
MATCH (n:Delivery)-[:CORRECTS]->(o:Delivery {id: $id})
RETURN n.id AS id, n.status AS status
ORDER BY n.id
