// Stored deliveries among the given ids (imports must not change a confirmed one).
MATCH (d:Delivery)
WHERE d.id IN $ids
RETURN d AS delivery
