// Accounts from before session generations start at generation 0.
MATCH (a:Account)
WHERE a.session_gen IS NULL
SET a.session_gen = 0
