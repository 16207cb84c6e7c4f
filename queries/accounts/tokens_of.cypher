// The tokens of one account (their ids are hashes: the tokens themselves are never stored).
MATCH (t:Token)
WHERE t.username = $username
RETURN t.id AS id, t.username AS username, t.created_at AS created_at, t.expires_at AS expires_at,
       t.revoked AS revoked
ORDER BY t.created_at DESC, t.id
