// Hand out $n change-log sequence numbers; returns the last one (the new head). The first SET
// takes the head node's write lock before its seq is read (as deliveries/transition.cypher), so
// writers in several processes (Neo4j) get disjoint, increasing ranges; the lock is held until
// the transaction ends, so sequence order is commit order and a rolled-back write gives its
// numbers back.
MERGE (h:ChangeHead {id: 'head'})
ON CREATE SET h.seq = 0
SET h.at = $at
WITH h
SET h.seq = h.seq + $n
RETURN h.seq AS seq
