"""In-memory projections of the graph that the figures compute from, kept current by changes.

The database stays the system of record; a projection is a feature's columnar copy of what
its figures read (the way Neo4j's Graph Data Science projects a graph into memory). A feature
registers a `Part` once, at import time:

    projection.register(Part("local_supply", build=build_arrays, apply=apply_changes))

- `build(store) -> state` reads what the part needs in bulk;
- `apply(state, changes) -> state | None` folds committed changes into the state (returning a
  new state object, or the same one changed in place under the part's lock), or None when it
  would rather be rebuilt (a bulk load, an entity it cannot patch).

A change is `Change(seq, entity, op, rows)`: `entity` a node label or relationship type of
`graphsvc.core.schema`, `op` "upsert", "replace_pair", "replace_from", "replace_to" (the
`Tx.replace_rels` modes), "delete" or "update" (`Tx.log_change`), `rows` the rows as written.
`current(store, name)` returns the part's state brought up to everything committed so far.
`warm(store)` builds the registered parts in a background thread when a worker starts; a
request that needs a part meanwhile waits for that one build (the part's lock) instead of
starting its own.
A "bulk" change (a load too large to list, or entity "*": the whole graph) is never handed to
`apply`: the parts it concerns rebuild. An `apply` that meets an op it does not handle returns
None.

Every transaction appends its changes to the persisted change log (`Change` nodes, numbered by
the `ChangeHead` counter) before it commits (docs/projection.md). The writing process folds them
in right after commit; where other processes write the same database (`store.shared_log`,
Neo4j with several workers) `current` first reads the log past the newest sequence it holds.

>>> part = Part("doc_example", build=lambda store: {"n": 0},
...             apply=lambda state, changes: {"n": state["n"] + sum(len(c.rows) for c in changes)})
>>> _ = register(part)
>>> class FakeStore: pass
>>> s = FakeStore()
>>> current(s, "doc_example")
{'n': 0}
>>> committed(s, [("SUPPLIES", "replace_pair", [{"from": "a", "to": "b"}])])
>>> current(s, "doc_example")
{'n': 1}
"""
from __future__ import annotations

import contextlib
import gc
import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphsvc.core import reqtiming


@dataclass(frozen=True)
class Change:
    seq: int
    entity: str
    op: str
    rows: list[dict]


@dataclass
class Part:
    name: str
    build: Callable[[Any], Any]
    apply: Callable[[Any, list[Change]], Any]
    # The entities whose changes concern this part; None = every change.
    entities: frozenset[str] | None = None
    # Parts this one derives from: brought up to date first (at least as far as this one), and
    # when one of them was rebuilt (a new state object) this part rebuilds from it.
    needs: tuple[str, ...] = ()


@dataclass
class _Slot:
    state: Any = None
    seq: int = -1            # last change folded in; -1 = not built
    built_at: float = 0.0
    build_seconds: float = 0.0
    building: int = -1       # while a build runs: the sequence it will hold (keep later changes)
    deps: tuple = ()         # the states of the parts it needs, as it last built or applied on them
    lock: threading.Lock = field(default_factory=threading.Lock)


_LOG = logging.getLogger(__name__)
_PARTS: dict[str, Part] = {}
# Per store: the newest sequence this process holds every change up to ("seq"; None until read
# from the store's log head), the changes not yet folded into every built slot ("log", by seq),
# and each part's slot.
_STATE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()
# At most this many log entries are read at once; a process further behind rebuilds instead.
READ_LIMIT = 10_000


def register(part: Part) -> Part:
    _PARTS[part.name] = part
    return part


def _log_head(store) -> int:
    """The store's persisted log head (0 for a store without a change log)."""
    head = getattr(store, "change_head", None)
    return head() if head else 0


def _state(store) -> dict:
    """This process's projection state for `store`, without touching the database."""
    with _GUARD:
        st = _STATE.get(store)
        if st is None:
            st = {"seq": None, "log": {}, "slots": {}, "sync_lock": threading.Lock(), "synced_at": 0.0,
                  "warm": None}
            _STATE[store] = st
    return st


def _store_state(store) -> dict:
    st = _state(store)
    if st["seq"] is None:
        head = _log_head(store)  # outside the guard: a database read
        with _GUARD:
            if st["seq"] is None:
                st["seq"] = head
    return st


def _concerns(part: Part, c: Change) -> bool:
    return part.entities is None or c.entity == "*" or c.entity in part.entities


def _advance(st: dict) -> None:
    """Move the contiguous head over changes already held (under _GUARD)."""
    while st["seq"] + 1 in st["log"]:
        st["seq"] += 1


def committed(store, changes) -> None:
    """Called by the store adapter after a transaction committed, with the `Change`s it logged
    (`Tx.write_log`); (entity, op, rows) tuples from a store without a log are numbered here."""
    if not changes:
        return
    st = _store_state(store)
    with _GUARD:
        for c in changes:
            if not isinstance(c, Change):
                c = Change(max([st["seq"], *st["log"]]) + 1, *c)
            if c.seq > st["seq"]:
                st["log"][c.seq] = c
        _advance(st)
    _compact(st)  # nothing built yet (a CLI import): nothing to keep


def catch_up(store) -> None:
    """Fold the changes committed so far into every part this process has built. The store
    adapters call it in the writing thread once the transaction is committed and its lock
    released, so a write is acknowledged with the projection already holding it: the next read
    finds the parts current instead of patching them itself (the first request after a
    1,000-row import paid 30-150 ms of patching on the province demo). A part whose apply asks
    for a rebuild is rebuilt here; one that fails is left to the next read."""
    st = _state(store)
    for name in [n for n in _PARTS if n in st["slots"]]:
        if st["slots"][name].seq >= 0:
            try:
                current(store, name)
            except Exception:
                _LOG.exception("projection part %s: applying committed changes failed", name)
    for fn in _AFTER_CATCH_UP:
        try:
            fn(store)
        except Exception:
            _LOG.exception("projection: %s after catching up failed", getattr(fn, "__qualname__", fn))


# Called by catch_up with the store once the built parts hold the committed changes (after_catch_up).
_AFTER_CATCH_UP: list[Callable[[Any], None]] = []


def after_catch_up(fn: Callable[[Any], None]) -> Callable[[Any], None]:
    """Register fn(store) for catch_up to call in the writing thread once the built parts hold
    the committed changes: a feature recomputes there the kept results those changes made stale
    that the next read would otherwise recompute on its path."""
    if fn not in _AFTER_CATCH_UP:
        _AFTER_CATCH_UP.append(fn)
    return fn


def built(store, name: str):
    """The state of part `name` if this process has built it for `store`, else None (no
    build, no catching up)."""
    slot = _state(store)["slots"].get(name)
    return slot.state if slot is not None and slot.seq >= 0 else None


# The time the request this thread serves arrived (request_started), None outside a request.
_REQUEST = threading.local()


def request_started() -> None:
    """Mark the start of a request on this thread (web's before_request). Within it the log is
    read at most once, however many parts the request asks for: a read started after the
    request arrived holds every write acknowledged before it."""
    _REQUEST.arrived = time.monotonic()


def request_ended() -> None:
    _REQUEST.arrived = None


def sync(store) -> None:
    """Take in the changes other processes committed (stores whose `shared_log` is set): one
    indexed read of the log past the newest sequence held. A gap (entries compacted away, or
    more than READ_LIMIT behind) makes every part rebuild."""
    if not getattr(store, "shared_log", False):
        return
    st = _store_state(store)
    arrived = getattr(_REQUEST, "arrived", None) or time.monotonic()
    # Single flight: concurrent requests share one read. A read that started after this call
    # arrived has seen every write acknowledged before it, so it serves this call too.
    with st["sync_lock"]:
        if st["synced_at"] > arrived:
            return
        started = time.monotonic()
        _sync_read(store, st)
        st["synced_at"] = started


def _sync_read(store, st: dict) -> None:
    after = st["seq"]
    found = store.changes_since(after, READ_LIMIT)
    if not found:
        return
    with _GUARD:
        if st["seq"] != after:          # another thread synced meanwhile: take what is new
            found = [c for c in found if c.seq > st["seq"]]
            after = st["seq"]
        if found and (found[0].seq != after + 1 or len(found) >= READ_LIMIT):
            # The log no longer holds what we lack: rebuild every part from the database.
            st["log"].clear()
            for slot in st["slots"].values():
                slot.seq = -1
            st["seq"] = found[-1].seq
            return
        for c in found:
            st["log"].setdefault(c.seq, c)   # this process's own entries keep their rows
        _advance(st)


def head(store) -> int:
    """The sequence number of the newest committed change this process holds."""
    return _store_state(store)["seq"]


def current(store, name: str):
    """The state of part `name` for `store`, up to date with every committed change."""
    part = _PARTS[name]
    sync(store)
    st = _store_state(store)
    target = st["seq"]
    # The parts it derives from first, each at least up to `target` (possibly further).
    deps = tuple(current(store, d) for d in part.needs)
    with _GUARD:
        slot = st["slots"].setdefault(name, _Slot())
    with reqtiming.section("slot_wait"):
        slot.lock.acquire()
    try:
        if slot.seq >= 0 and any(a is not b for a, b in zip(deps, slot.deps)):
            slot.seq = -1                 # a part it derives from was rebuilt: so is this one
        if slot.seq < 0:
            _build(store, part, slot, target)
        elif slot.seq < target:
            with _GUARD:
                pending = [st["log"][s] for s in sorted(st["log"])
                           if slot.seq < s <= target and _concerns(part, st["log"][s])]
            with reqtiming.section("apply"), reqtiming.section(f"apply:{name}"):
                new = None if any(c.op == "bulk" for c in pending) else \
                    part.apply(slot.state, pending) if pending else slot.state
            if new is None:
                _build(store, part, slot, target)
            else:
                slot.state, slot.seq = new, target
        slot.deps = deps
        _compact(st)
        return slot.state
    finally:
        slot.lock.release()


def warm_order(names=None) -> list[str]:
    """The parts to build at start: `names` (in that order; unknown names are left out) or
    every registered part in registration order.

    >>> _ = register(Part("doc_other", build=lambda store: 0, apply=lambda state, changes: state))
    >>> warm_order(["doc_other", "no such part"])
    ['doc_other']
    """
    return [n for n in names if n in _PARTS] if names is not None else list(_PARTS)


def warm(store, names=None, background: bool = True, freeze: bool = False) -> threading.Thread | None:
    """Build the parts `names` (default: every registered part) for `store` one after the
    other, in a daemon thread (`background`) or here. A request needing a part meanwhile waits
    for its build under the part's lock: one build, not one per request. `status` shows the
    progress (`warm`: state, the part being built, the parts still waiting, seconds so far).
    `freeze`: once built, move every object alive (the parts' millions of long-lived names,
    dicts and sets) out of the cyclic garbage collector's reach (`gc.freeze`), so its full
    collections no longer walk them in the middle of a request (about 150 ms each on the
    province data); they are still freed by reference counting when a part is replaced.

    >>> _ = register(Part("doc_warm", build=lambda store: 0, apply=lambda state, changes: state))
    >>> class WarmStore: pass
    >>> w = WarmStore()
    >>> warm(w, ["doc_warm"], background=False)
    >>> status(w)["warm"]["state"], status(w)["warm"]["waiting"], "doc_warm" in status(w)["parts"]
    ('done', [], True)
    """
    order = warm_order(names)
    # No database read here: a gunicorn worker calls this while booting, and a worker whose
    # boot raises (Neo4j down) makes the master shut down instead of serving 503s.
    st = _state(store)
    info = {"state": "running", "building": None, "waiting": list(order), "failed": {},
            "started": time.monotonic(), "seconds": None, "rss_mb": {"before": resident_mb(), "after": None}}
    st["warm"] = info

    def run():
        # Through a handle whose page cache is dropped afterwards (Store.bulk_reads).
        with store.bulk_reads() if hasattr(store, "bulk_reads") else contextlib.nullcontext():
            for name in order:
                info["building"] = name
                try:
                    current(store, name)
                except Exception as exc:  # the part builds again on first use; /health shows it
                    _LOG.exception("projection part %s: build at start failed", name)
                    info["failed"][name] = type(exc).__name__
                info["waiting"].remove(name)
        release_memory()
        info["building"] = None
        if freeze:
            gc.collect()
            gc.freeze()
        info["seconds"] = round(time.monotonic() - info["started"], 3)
        info["rss_mb"]["after"] = resident_mb()
        info["state"] = "failed" if info["failed"] else "done"
        _LOG.info("projection built at start in %.1f s: %s", info["seconds"], ", ".join(order))

    if not background:
        run()
        return None
    t = threading.Thread(target=run, name="projection-warm", daemon=True)
    t.start()
    return t


def _build(store, part: Part, slot: _Slot, target: int) -> None:
    """Build from the database. `target` was read before: a change committed during the build
    may be in the state and is applied again later (applying a change is idempotent)."""
    t0 = time.perf_counter()
    slot.building = target
    try:
        slot.state = part.build(store)
        slot.seq = target
    finally:
        slot.building = -1
    slot.build_seconds = time.perf_counter() - t0
    slot.built_at = time.time()
    release_memory()


def resident_mb() -> float | None:
    """This process's resident memory in MB (Linux; None elsewhere): the build at start
    reports it before and after (`status`), since a worker's memory once serving is
    mostly the projection, the engine's pages it read and the libraries it loaded.

    >>> resident_mb() is None or resident_mb() > 0
    True
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def release_memory() -> None:
    """Hand the memory a bulk build used only while reading (Arrow buffers, freed rows) back to
    the system: Arrow's pool and the C allocator keep freed memory otherwise (about 140 MB of
    resident memory on the province data)."""
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):
        pass
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _compact(st: dict) -> None:
    """Drop changes every built slot has folded in (unbuilt slots build from the database)."""
    with _GUARD:
        done = [s.seq for s in st["slots"].values() if s.seq >= 0] + \
               [s.building for s in st["slots"].values() if s.building >= 0]
        low = min(done) if done else st["seq"]
        for s in [s for s in st["log"] if s <= low]:
            del st["log"][s]


def reset(store=None) -> None:
    """Forget projections (all, or one store's): the next `current` builds afresh."""
    with _GUARD:
        if store is None:
            _STATE.clear()
        else:
            _STATE.pop(store, None)


def status(store) -> dict:
    """For /health: the newest change this process holds (`seq`), the persisted log's head and
    the lag behind it, each built part's sequence, lag and build time, the parts building now
    (`building`), the registered parts neither built nor building (`unbuilt`: they build on the
    first request that needs them) and the progress of the build at start (`warm`, None when
    none was started; with the process's resident memory before and after it)."""
    st = _store_state(store)
    log_head = max(_log_head(store), st["seq"])
    parts = {name: {"seq": s.seq, "lag": log_head - s.seq, "build_seconds": round(s.build_seconds, 3),
                    "built_at": round(s.built_at, 3)}
             for name, s in list(st["slots"].items()) if s.seq >= 0}
    building = sorted(name for name, s in list(st["slots"].items()) if s.building >= 0)
    w = st["warm"]
    warm_info = None if w is None else {
        "state": w["state"], "building": w["building"], "waiting": list(w["waiting"]), "failed": dict(w["failed"]),
        "seconds": w["seconds"] if w["seconds"] is not None else round(time.monotonic() - w["started"], 3),
        "rss_mb": dict(w["rss_mb"])}
    return {"seq": st["seq"], "head": log_head, "lag": log_head - st["seq"], "parts": parts,
            "building": building, "unbuilt": sorted(n for n in _PARTS if n not in parts and n not in building),
            "warm": warm_info}
