"""Login throttling that counts failures, kept in the graph store (issue #25 findings 11, 12;
issue #20 item 3).

Keys (hashed, so a 5,000-character username costs the same row as any other):
- `a:<address>` — failures from one client address, over all accounts;
- `u:<username>` — failures against one account name, from anywhere;
- `p:<username>|<address>` — failures against one account from one address.

Decision for an attempt:
- the address has failed `per_address` times in the window → refused (the guesser's own
  address, whichever account it tries);
- the account has failed `per_account` times in the window → refused only from addresses that
  have already failed on it; a correct password from a new address still gets in, so a guesser
  cannot lock the owner out cheaply, and a distributed guesser gets one try per address.
Successful logins never count. Unknown usernames are counted like known ones, so the lockout
says nothing about whether an account exists. Everything lives in the store (shared by every
worker, kept across restarts); rows older than the window are deleted when a failure is written,
so nothing grows in memory and the table holds at most the failures of one window.

>>> refused({"a": 0, "u": 10, "p": 0}, per_account=10, per_address=30)
False
>>> refused({"a": 1, "u": 10, "p": 1}, per_account=10, per_address=30)
True
"""
from __future__ import annotations

import datetime as dt
import hashlib


def keys(username: str, address: str) -> dict[str, str]:
    def h(s: str) -> str:
        return hashlib.sha256(s.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    user = (username or "").strip().lower()
    return {"a": "a:" + h(address), "u": "u:" + h(user), "p": "p:" + h(user + "\x00" + address)}


def refused(failures: dict[str, int], *, per_account: int, per_address: int) -> bool:
    if failures.get("a", 0) >= per_address:
        return True
    return failures.get("u", 0) >= per_account and failures.get("p", 0) > 0


def _iso(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds")


def _since(now: dt.datetime, window_s: int) -> str:
    return _iso(now - dt.timedelta(seconds=window_s))


def counts(store, k: dict[str, str], *, window_s: int, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or dt.datetime.now(dt.UTC)
    since = _since(now, window_s)
    rows = {r["key"]: r for r in store.read("accounts/throttle_get", keys=list(k.values()))}
    out = {}
    for name, key in k.items():
        r = rows.get(key)
        out[name] = int(r["failures"] or 0) if r and (r["window_start"] or "") >= since else 0
    return out


def record_failure(store, k: dict[str, str], *, window_s: int, now: dt.datetime | None = None) -> None:
    now = now or dt.datetime.now(dt.UTC)
    since = _since(now, window_s)
    with store.transaction() as tx:
        tx.run("accounts/throttle_clear", keys=[], since=since)
        tx.run("accounts/throttle_fail", keys=list(k.values()), now=_iso(now), since=since)


def record_success(store, k: dict[str, str]) -> None:
    # The account counter stays: an attack on the account may still be under way.
    with store.transaction() as tx:
        tx.run("accounts/throttle_clear", keys=[k["p"]], since="")
