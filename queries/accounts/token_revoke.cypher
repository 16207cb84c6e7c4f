// Revoke one token (by hash) or every token of a user.
MATCH (t:Token)
WHERE t.id = $id OR t.username = $username
SET t.revoked = true
RETURN t.id AS id
