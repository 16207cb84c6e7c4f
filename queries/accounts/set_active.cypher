// Enable or disable an account.
MATCH (a:Account {username: $username})
SET a.active = $active
RETURN a.username AS username
