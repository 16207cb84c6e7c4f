// Failure counters of a login attempt's keys (account, address, account at address).
MATCH (t:LoginThrottle)
WHERE t.key IN $keys
RETURN t.key AS key, t.failures AS failures, t.window_start AS window_start
