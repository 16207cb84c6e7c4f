"""Accounts, passwords and API tokens, stored in the graph so one backup holds everything.

Passwords are hashed with Argon2id (argon2-cffi). API tokens are random 256-bit strings;
only their SHA-256 is stored — a fast hash is right here because the token itself carries
the entropy, and it lets a lookup be an index hit.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import threading
import weakref

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from graphsvc.core import audit
from graphsvc.core import regions
from graphsvc.core.access import ROLES, Principal

_hasher = PasswordHasher()


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verifying against this keeps the time of "no such user" equal to "wrong password";
    # made on first use so that starting a worker does not pay for a hash.
    return _hasher.hash("graphsvc-dummy-password")
TOKEN_PREFIX = "gs_"


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def validate_account(role: str, scope: str | None, uscc: str | None, password: str) -> None:
    from stdnum.cn import uscc as stdnum_uscc

    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if role == "bureau" and not (scope and regions.is_known_region(scope)):
        raise AccountError("a bureau account needs --scope with a known region code (e.g. 330100)")
    if role in ("manufacturer", "supplier") and not (uscc and stdnum_uscc.is_valid(uscc)):
        raise AccountError(f"a {role} account needs --uscc with a valid 统一社会信用代码")
    from graphsvc.core.passwords import password_problem

    problem = password_problem(password)
    if problem:
        raise AccountError(problem)


def add_user(store, username: str, role: str, password: str, *, scope: str | None = None,
             uscc: str | None = None, actor: str | None = None, must_change_password: bool = False,
             can_manage_accounts: bool = False) -> dict:
    from graphsvc.core.passwords import password_problem, username_problem

    problem = username_problem(username) or password_problem(password, username)
    if problem:
        raise AccountError(problem)
    validate_account(role, scope, uscc, password)
    if store.read_one("accounts/get", username=username):
        raise AccountError(f"user {username} exists already")
    row = {"username": username, "password_hash": hash_password(password), "role": role,
           "scope": regions.current_code(scope) if scope else None, "uscc": uscc, "active": True,
           "created_at": audit.now_iso(), "session_gen": 0, "must_change_password": must_change_password,
           "can_manage_accounts": can_manage_accounts and role == "bureau"}
    with store.transaction() as tx:
        tx.upsert_nodes("Account", [row])
        audit.record(tx, audit.event(actor, "account.add", username, region_code=row["scope"],
                                     detail={"role": role, "scope": row["scope"], "uscc": uscc,
                                             "can_manage_accounts": row["can_manage_accounts"]}))
    return {k: v for k, v in row.items() if k != "password_hash"}


def set_active(store, username: str, active: bool, actor: str | None = None,
               region_code: str | None = None) -> None:
    with store.transaction() as tx:
        if not tx.run("accounts/set_active", username=username, active=active):
            raise AccountError(f"no user {username}")
        if not active:
            tx.run("accounts/token_revoke", id=None, username=username)
        # Disabling (and enabling) ends every session: a cookie from before never works again.
        tx.run("accounts/end_sessions", username=username)
        audit.record(tx, audit.event(actor, "account.enable" if active else "account.disable", username,
                                     region_code=region_code))


# ---------------------------------------------------------------- what authentication reads

# Per store: (query name, key) -> (the store's accounts_generation when read, the row). Every
# request authenticates, and a database read per request was a tenth of a served figure's time;
# a commit of this process writing accounts or tokens moves the generation, so a revoke, a
# disable or a password change is in the very next request. Where other processes write the
# same database (`store.shared_log`) their writes would not move it: nothing is kept there.
_AUTH_ROWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_AUTH_GUARD = threading.Lock()
AUTH_ROWS_MAX = 10_000


def _auth_row(store, name: str, **key) -> dict | None:
    """store.read_one(name, **key), kept while no accounts write of this process committed."""
    if getattr(store, "shared_log", False):
        return store.read_one(name, **key)
    gen = getattr(store, "accounts_generation", None)
    k = (name, *sorted(key.items()))
    with _AUTH_GUARD:
        hit = _AUTH_ROWS.get(store, {}).get(k)
    if hit is not None and gen is not None and hit[0] == gen:
        return hit[1]
    row = store.read_one(name, **key)   # the generation was read first: a write meanwhile discards it
    if row is not None and gen is not None:
        with _AUTH_GUARD:
            rows = _AUTH_ROWS.setdefault(store, {})
            if len(rows) >= AUTH_ROWS_MAX:
                rows.clear()
            rows[k] = (gen, row)
    return row


def account_row(store, username: str) -> dict | None:
    """{"account": …} of `username` (None: no such account), as queries/accounts/get.cypher
    gives it; shared with other requests, read-only."""
    return _auth_row(store, "accounts/get", username=username)


def list_users(store) -> list[dict]:
    return store.read("accounts/list")


def _principal(acc: dict) -> Principal:
    return Principal(acc["username"], acc["role"], acc.get("scope"), acc.get("uscc"))


def authenticate_password(store, username: str, password: str) -> Principal | None:
    row = store.read_one("accounts/get", username=username)
    acc = row["account"] if row else None
    try:
        _hasher.verify(acc["password_hash"] if acc else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if not acc or not acc.get("active"):
        return None
    return _principal(acc)


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(store, username: str, *, days: int | None = None, actor: str | None = None) -> str:
    row = store.read_one("accounts/get", username=username)
    if not row or not row["account"].get("active"):
        raise AccountError(f"no active user {username}")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    if days is not None and days < 1:
        raise AccountError("--days must be at least 1 (or use --no-expiry)")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    expires = (now + dt.timedelta(days=days)).isoformat() if days else None
    with store.transaction() as tx:
        tx.upsert_nodes("Token", [{"id": _token_hash(raw), "username": username, "created_at": now.isoformat(),
                                   "expires_at": expires, "revoked": False}])
        audit.record(tx, audit.event(actor, "token.create", username, detail={"expires_at": expires}))
    return raw


def revoke_token(store, *, raw: str | None = None, username: str | None = None,
                 actor: str | None = None) -> int:
    with store.transaction() as tx:
        done = tx.run("accounts/token_revoke", id=_token_hash(raw) if raw else None, username=username)
        audit.record(tx, audit.event(actor, "token.revoke", username or "(token)",
                                     detail={"count": len(done)}))
    return len(done)


def authenticate_token(store, raw: str) -> Principal | None:
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    row = _auth_row(store, "accounts/token_get", id=_token_hash(raw))
    if not row:
        return None
    tok, acc = row["token"], row["account"]
    if tok.get("revoked") or not acc.get("active"):
        return None
    if tok.get("expires_at") and tok["expires_at"] <= audit.now_iso():
        return None
    return _principal(acc)
