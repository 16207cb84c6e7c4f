"""Per-process caches of figures, keyed by a data version: one place for every feature.

The figures only change when data is written, and every write is audited. Results are kept
per process, keyed by the store, a data version and the parameters; the first request after a
write computes, later ones reuse. Cached values are shared: treat them as read-only.
"""
from __future__ import annotations

import json
import threading
import weakref
from collections import OrderedDict

_CACHE: OrderedDict = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_ENTRIES = 64   # small query results and computed pages (coverage ~1 MB at province scale)


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


def data_version(store) -> tuple | None:
    """(audit events, supply records); None when the store cannot say (then nothing is cached)."""
    a = store.read_one("core/version_audit")
    s = store.read_one("core/version_supplies")
    if not a or not s:
        return None
    return int(a["n"]), int(s["n"])


def _store_key(store) -> str:
    return f"{type(store).__name__}:{getattr(store, 'path', None) or getattr(store, 'uri', None) or id(store)}"


def cached_read(store, name: str, version: tuple | None = None, **params) -> list[dict]:
    """store.read(name, **params), reused while the data version is unchanged."""
    version = version if version is not None else data_version(store)
    if version is None:
        return store.read(name, **params)
    key = (_store_key(store), version, name, json.dumps(params, sort_keys=True, default=str))
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    rows = store.read(name, **params)
    with _CACHE_LOCK:
        _CACHE[key] = rows
        while len(_CACHE) > CACHE_ENTRIES:
            _CACHE.popitem(last=False)
    return rows


def cached_call(store, version: tuple | None, name: str, params: dict, compute):
    """compute(), reused while the data version is unchanged (for pure results built from
    cached reads: the same inputs give the same output). The result is shared: read-only."""
    if version is None:
        return compute()
    key = (_store_key(store), version, f"call:{name}", json.dumps(params, sort_keys=True, default=str))
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    value = compute()
    with _CACHE_LOCK:
        _CACHE[key] = value
        while len(_CACHE) > CACHE_ENTRIES:
            _CACHE.popitem(last=False)
    return value


_latest: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_latest_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_latest_guard = threading.Lock()


def latest(store, name: str, version, build):
    """One value per (store, name), rebuilt by build() when `version` changed.

    For large per-store structures (the recommendation index): a rebuild happens under a
    lock, so concurrent requests wait for one build instead of starting several. Returns
    (value, rebuilt).
    """
    slot = _latest.get(store, {}).get(name)
    if slot is not None and slot[0] == version:
        return slot[1], False
    with _latest_guard:
        lock = _latest_locks.setdefault(store, {}).setdefault(name, threading.Lock())
    with lock:
        slot = _latest.get(store, {}).get(name)
        if slot is not None and slot[0] == version:
            return slot[1], False
        value = build()
        with _latest_guard:
            _latest.setdefault(store, {})[name] = (version, value)
        return value, True
