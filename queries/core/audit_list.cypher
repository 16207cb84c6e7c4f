// Audit events, newest first, optionally restricted to a set of region codes (null = all).
MATCH (e:AuditEvent)
WHERE ($regions IS NULL OR e.region_code IN $regions)
  AND ($action IS NULL OR e.action STARTS WITH $action)
  AND ($after_at IS NULL OR e.at < $after_at OR (e.at = $after_at AND e.id > $after_id))
RETURN e AS event
ORDER BY e.at DESC, e.id
LIMIT $limit
