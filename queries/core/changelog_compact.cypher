// Delete change-log entries up to $upto_seq written before $before_at (compaction).
MATCH (c:Change)
WHERE c.seq <= $upto_seq AND c.at < $before_at
DELETE c
