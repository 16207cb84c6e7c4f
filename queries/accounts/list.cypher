// All accounts, without password hashes.
MATCH (a:Account)
RETURN a.username AS username, a.role AS role, a.scope AS scope, a.uscc AS uscc, a.active AS active,
       a.created_at AS created_at, a.must_change_password AS must_change_password,
       a.can_manage_accounts AS can_manage_accounts
ORDER BY a.username
