// Move one delivery from $from_status to $to_status, or do nothing (0 rows) if it is no longer
// in $from_status. The first SET takes the node's write lock before the status is read, so two
// concurrent transactions cannot both see 'claimed' (Neo4j reads committed data; LadybugDB
// serialises writers anyway). The lock is taken by writing a property this statement overwrites
// anyway, not `status`: Neo4j caches a property read in the row, so `SET d.status = d.status`
// read the status BEFORE the lock and the check below saw that stale value (21 of 50 concurrent
// confirmations succeeded on Neo4j 5.26; tests/test_neo4j_ledger.py).
MATCH (d:Delivery {id: $id})
SET d.confirmed_by = d.confirmed_by
WITH d
WHERE d.status = $from_status
SET d.status = $to_status, d.confirmed_by = $confirmed_by, d.confirmed_at = $confirmed_at
RETURN d AS delivery
