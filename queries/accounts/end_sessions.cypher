// End every session of an account: sessions carry the generation they were issued under.
MATCH (a:Account {username: $username})
SET a.session_gen = coalesce(a.session_gen, 0) + 1
RETURN a.session_gen AS session_gen
