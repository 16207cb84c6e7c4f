// Count one failed login against each key; a counter whose window began before $since restarts.
UNWIND $keys AS k
MERGE (t:LoginThrottle {key: k})
ON CREATE SET t.failures = 1, t.window_start = $now
ON MATCH SET t.failures = CASE WHEN t.window_start < $since THEN 1 ELSE t.failures + 1 END,
             t.window_start = CASE WHEN t.window_start < $since THEN $now ELSE t.window_start END
RETURN t.key AS key, t.failures AS failures
