// All accounts, without password hashes.
MATCH (a:Account)
RETURN a.username AS username, a.role AS role, a.scope AS scope, a.uscc AS uscc, a.active AS active,
       a.created_at AS created_at
ORDER BY a.username
