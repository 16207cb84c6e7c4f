// Move one delivery from $from_status to $to_status, or do nothing (0 rows) if it is no longer
// in $from_status. The first SET takes the node's write lock before the status is read, so two
// concurrent transactions cannot both see 'claimed' (Neo4j reads committed data; LadybugDB
// serialises writers anyway).
MATCH (d:Delivery {id: $id})
SET d.status = d.status
WITH d
WHERE d.status = $from_status
SET d.status = $to_status, d.confirmed_by = $confirmed_by, d.confirmed_at = $confirmed_at
RETURN d AS delivery
