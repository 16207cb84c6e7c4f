// The last change-log sequence number handed out (no row: nothing logged yet).
MATCH (h:ChangeHead {id: 'head'})
RETURN h.seq AS seq
