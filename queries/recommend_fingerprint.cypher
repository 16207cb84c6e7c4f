// Cheap change detector for the in-process recommendation index: every write is audited in
// its own transaction (graphsvc.audit), so a new audit event means "rebuild".
MATCH (a:AuditEvent)
RETURN count(a) AS events, max(a.at) AS last_at
