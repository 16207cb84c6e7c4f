// Forget counters: the given keys (a successful login), or every window older than $since.
MATCH (t:LoginThrottle)
WHERE t.key IN $keys OR t.window_start < $since
DELETE t
