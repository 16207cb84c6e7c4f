// How many change-log entries there are, and the oldest kept (the compaction command reports it).
MATCH (c:Change)
RETURN count(c) AS entries, min(c.seq) AS oldest
