// Accounts from before password resets online have no pending password change.
MATCH (a:Account)
WHERE a.must_change_password IS NULL
SET a.must_change_password = false
