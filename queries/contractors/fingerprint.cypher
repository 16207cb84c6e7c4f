// Cheap change detector for the in-process recommendation index: every write is audited in
// its own transaction (graphsvc.audit), so a new audit event means "rebuild". Called with
// $since = '' (every event); having a parameter keeps the statement on the driver's
// prepared-statement path, which is several times faster on LadybugDB than a bare query.
MATCH (a:AuditEvent)
WHERE a.at >= $since
RETURN count(a) AS events, max(a.at) AS last_at
