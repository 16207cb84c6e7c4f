// One account by username.
MATCH (a:Account {username: $username})
RETURN a AS account
