"""Per-process caches of figures, keyed by a data version: one place for every feature.

The figures only change when data is written, and every write is audited. Results are kept
per process, keyed by the store, a data version and the parameters; the first request after a
write computes, later ones reuse. Cached values are shared: treat them as read-only.
"""
from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


# ---------------------------------------------------------------- serialised figures

@dataclass(frozen=True)
class Figure:
    """A result checked for its caller but not computed yet: `compute()` gives it, `key` names
    it for every caller it is the same for (None: not to be shared)."""

    key: tuple | None
    compute: Callable[[], Any]


class Parts(dict):
    """A figure's dict whose dict and list values are kept results, shared by the figures that
    hold them and never changed; `texts` (shared the same way) keeps their serialised text by
    key, so that serialising the figure again reuses it (web.respond.figure_json). A leader's
    detail after a write is its kept detail with a new tier-2 block: its ~100 KB were
    serialised afresh for every leader after every import (7-8 ms each, ~230 leaders per
    1,000-row import on the province demo)."""

    __slots__ = ("texts",)

    def __init__(self, *args, texts: dict | None = None, **kw):
        super().__init__(*args, **kw)
        self.texts = {} if texts is None else texts


FIGURE_BYTES = 256 * 2**20   # every leader's detail and every chain's coverage of a province fit


class Serialised:
    """Serialised results (bytes) by key, least recently used dropped past `max_bytes`.

    The key names the figure, its parameters and the stamps of what a change can touch (the
    leaders, chains, regions it reads: `graphsvc.local_supply.projection.State.stamp_*`), never one
    global version: a write replaces the entries it touched — their keys are no longer asked
    for and age out — and leaves the others served as they were. A figure asked for by several
    requests at once is computed once (per key)."""

    def __init__(self, max_bytes: int = FIGURE_BYTES):
        self.max_bytes = max_bytes
        self.size = 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict = {}

    def get(self, key, build) -> tuple[str, bytes]:
        """(tag, bytes) kept for `key`, else build() (bytes) kept with its tag and returned. The
        tag is a digest of the bytes (an HTTP ETag, the same in every process)."""
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
            flight = self._building.setdefault(key, threading.Lock())
        with flight:
            with self._lock:
                hit = self._items.get(key)
            if hit is not None:
                return hit
            try:
                body = build()
                value = (hashlib.blake2b(body, digest_size=16).hexdigest(), body)
                self._put(key, value)
            finally:
                with self._lock:
                    self._building.pop(key, None)
            return value

    def _put(self, key, value: tuple[str, bytes]) -> None:
        with self._lock:
            if len(value[1]) > self.max_bytes:
                return
            old = self._items.pop(key, None)
            self.size += len(value[1]) - (len(old[1]) if old is not None else 0)
            self._items[key] = value
            while self.size > self.max_bytes:
                _, gone = self._items.popitem(last=False)
                self.size -= len(gone[1])

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._items

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0


FIGURES = Serialised()
