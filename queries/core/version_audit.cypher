// Part of the data version of the local-supply caches: every write is audited (one AuditEvent
// each). Answered from table metadata in about a millisecond; see core/version_supplies.
MATCH (a:AuditEvent)
RETURN count(a) AS n
