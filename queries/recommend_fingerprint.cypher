// Cheap change detector for the in-process recommendation index: every write is audited in
// its own transaction (graphsvc.audit), so a new audit event or delivery means "rebuild".
MATCH (a:AuditEvent)
WITH count(a) AS events
MATCH (d:Delivery)
RETURN events, count(d) AS deliveries
