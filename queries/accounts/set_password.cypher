// A new password hash (the user's own choice: no change is pending any more); every existing
// session of the account ends with it.
MATCH (a:Account {username: $username})
SET a.password_hash = $password_hash, a.must_change_password = false,
    a.session_gen = coalesce(a.session_gen, 0) + 1
RETURN a.session_gen AS session_gen
