"""Service health as a caller may see it: anyone learns ok or fault; only an admin gets the
engine and the graph's counts. The fault's detail (paths, lock holder) is for the log only.

>>> class Down:
...     def health(self): return {"ok": False, "detail": "lock held by pid 7"}
>>> status(Down())
({'status': 'fault'}, 'lock held by pid 7')
>>> details(Down(), None)
{}
"""
from __future__ import annotations

from graphsvc.core import projection
from graphsvc.core.access import Principal


def status(store) -> tuple[dict, str | None]:
    """({status: ok|fault}, the fault detail to log or None). Asks nothing else of the store,
    so it answers while the store cannot (not even to look up who is asking)."""
    h = store.health()
    if not h["ok"]:
        return {"status": "fault"}, h.get("detail") or "unhealthy"
    return {"status": "ok"}, None


def details(store, p: Principal | None) -> dict:
    """What an admin sees besides the status: the engine, the graph's counts and this worker's
    projection (its change sequence, the lag behind the change log, each part's build time)."""
    if p is None or not p.is_admin:
        return {}
    return {"engine": store.engine, "counts": store.counts(), "projection": projection.status(store)}
