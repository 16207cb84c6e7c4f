// A new password hash; every existing session of the account ends with it.
MATCH (a:Account {username: $username})
SET a.password_hash = $password_hash, a.session_gen = coalesce(a.session_gen, 0) + 1
RETURN a.session_gen AS session_gen
