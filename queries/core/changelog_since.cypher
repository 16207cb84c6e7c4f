// The change-log entries after $after_seq, oldest first (one indexed range read per request in
// a process that is not the only writer).
MATCH (c:Change)
WHERE c.seq > $after_seq
RETURN c.seq AS seq, c.entity AS entity, c.op AS op, c.rows AS rows
ORDER BY seq
LIMIT $limit
