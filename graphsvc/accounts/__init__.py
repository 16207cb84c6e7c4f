"""Accounts and API tokens: users with a role and a scope, Argon2id passwords, hashed bearer tokens."""
