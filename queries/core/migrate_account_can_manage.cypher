// Accounts from before bureau account administrators manage no accounts.
MATCH (a:Account)
WHERE a.can_manage_accounts IS NULL
SET a.can_manage_accounts = false
