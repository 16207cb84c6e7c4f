// A token by its hash, with the account it belongs to.
MATCH (t:Token {id: $id})
MATCH (a:Account {username: t.username})
RETURN t AS token, a AS account
