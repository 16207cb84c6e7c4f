// The ledger events (claim, confirm, dispute, withdraw) of one delivery, oldest first.
MATCH (e:AuditEvent)
WHERE e.target = $id AND e.action STARTS WITH 'delivery.'
RETURN e AS event
ORDER BY e.at, e.id
