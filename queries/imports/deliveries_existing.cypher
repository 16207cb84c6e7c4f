// Stored deliveries among the given ids (imports must not change a confirmed one).
UNWIND $ids AS i
MATCH (d:Delivery {id: i})
RETURN d AS delivery
