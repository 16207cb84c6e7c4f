"""Server-side session state (issue #25 finding 7).

A session cookie is signed, so the server cannot take it back; what it can do is refuse it.
Each account has a session generation (`Account.session_gen`): a session carries the
generation it was issued under and is valid only while the account is active, the generation
is unchanged and the session is younger than the absolute lifetime. Logout, disabling the
account and a password change bump the generation, so every earlier cookie stops working —
even one copied before logout, even after the account is enabled again.

>>> now = 1_700_000_000
>>> session_problem({"gen": 3, "iat": now - 60}, {"active": True, "session_gen": 3}, now, 3600)
>>> session_problem({"gen": 2, "iat": now - 60}, {"active": True, "session_gen": 3}, now, 3600)
'ended'
>>> session_problem({"gen": 3, "iat": now - 7200}, {"active": True, "session_gen": 3}, now, 3600)
'expired'
"""
from __future__ import annotations

from graphsvc.core import audit

LIFETIME_SECONDS = 8 * 3600


def generation(account: dict) -> int:
    return int(account.get("session_gen") or 0)


def session_problem(sess: dict, account: dict | None, now: float, lifetime: int = LIFETIME_SECONDS) -> str | None:
    """Why a session (its `gen` and issue time `iat`) no longer admits its account, or None."""
    if not account or not account.get("active"):
        return "inactive"
    if sess.get("gen") != generation(account):
        return "ended"
    iat = sess.get("iat")
    if not isinstance(iat, (int, float)) or not (now - lifetime <= iat <= now + 60):
        return "expired"
    return None


def end_sessions(store, username: str, *, actor: str | None = None, ip: str | None = None,
                 action: str = "session.end") -> int | None:
    """Bump the account's generation; returns the new one (None: no such account)."""
    with store.transaction() as tx:
        rows = tx.run("accounts/end_sessions", username=username)
        if rows:
            audit.record(tx, audit.event(actor or username, action, username, ip=ip))
    return int(rows[0]["session_gen"]) if rows else None


def change_password(store, username: str, current: str, new: str, *, actor: str | None = None,
                    ip: str | None = None, check_current: bool = True) -> int:
    """Set a new password (rules of graphsvc.core.passwords); ends every session of the account.
    Returns the new session generation. Raises AccountError naming what is wrong."""
    from graphsvc.accounts.users import AccountError, authenticate_password, hash_password
    from graphsvc.core.passwords import password_problem

    if check_current and authenticate_password(store, username, current) is None:
        raise AccountError("current password is wrong")
    problem = password_problem(new, username)
    if problem:
        raise AccountError(problem)
    if check_current and new == current:
        raise AccountError("the new password must differ from the current one")
    with store.transaction() as tx:
        rows = tx.run("accounts/set_password", username=username, password_hash=hash_password(new))
        if not rows:
            raise AccountError(f"no user {username}")
        audit.record(tx, audit.event(actor or username, "account.password", username, ip=ip))
    return int(rows[0]["session_gen"])
