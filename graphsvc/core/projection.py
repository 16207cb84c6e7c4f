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
`Tx.replace_rels` modes) or "delete", `rows` the rows as written. `current(store, name)`
returns the part's state brought up to everything committed so far.

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

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


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


@dataclass
class _Slot:
    state: Any = None
    seq: int = -1            # last change folded in; -1 = not built
    built_at: float = 0.0
    build_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


_PARTS: dict[str, Part] = {}
# Per store: its change sequence in this process, pending changes, and each part's slot.
_STATE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def register(part: Part) -> Part:
    _PARTS[part.name] = part
    return part


def _store_state(store) -> dict:
    with _GUARD:
        st = _STATE.get(store)
        if st is None:
            st = {"seq": 0, "log": [], "slots": {}}
            _STATE[store] = st
        return st


def committed(store, changes: list[tuple[str, str, list[dict]]]) -> None:
    """Called by the store adapter after a transaction committed, with `Tx.changes`."""
    if not changes:
        return
    st = _store_state(store)
    with _GUARD:
        for entity, op, rows in changes:
            st["seq"] += 1
            st["log"].append(Change(st["seq"], entity, op, rows))


def head(store) -> int:
    """The sequence number of the newest committed change this process knows of."""
    return _store_state(store)["seq"]


def current(store, name: str):
    """The state of part `name` for `store`, up to date with every committed change."""
    part = _PARTS[name]
    st = _store_state(store)
    with _GUARD:
        slot = st["slots"].setdefault(name, _Slot())
    with slot.lock:
        target = head(store)
        if slot.seq < 0:
            _build(store, part, slot, target)
        elif slot.seq < target:
            pending = [c for c in st["log"] if c.seq > slot.seq and c.seq <= target
                       and (part.entities is None or c.entity in part.entities)]
            new = part.apply(slot.state, pending) if pending else slot.state
            if new is None:
                _build(store, part, slot, target)
            else:
                slot.state, slot.seq = new, target
        _compact(st)
        return slot.state


def _build(store, part: Part, slot: _Slot, target: int) -> None:
    t0 = time.perf_counter()
    slot.state = part.build(store)
    slot.build_seconds = time.perf_counter() - t0
    slot.built_at = time.time()
    slot.seq = target


def _compact(st: dict) -> None:
    """Drop changes every built slot has folded in (unbuilt slots build from the database)."""
    done = [s.seq for s in st["slots"].values() if s.seq >= 0]
    low = min(done) if done else st["seq"]
    with _GUARD:
        if st["log"] and st["log"][0].seq <= low:
            st["log"] = [c for c in st["log"] if c.seq > low]


def reset(store=None) -> None:
    """Forget projections (all, or one store's): the next `current` builds afresh."""
    with _GUARD:
        if store is None:
            _STATE.clear()
        else:
            _STATE.pop(store, None)


def status(store) -> dict:
    """For /health: the change sequence, and each built part's sequence, lag and build time."""
    st = _store_state(store)
    parts = {name: {"seq": s.seq, "lag": st["seq"] - s.seq, "build_seconds": round(s.build_seconds, 3)}
             for name, s in st["slots"].items() if s.seq >= 0}
    return {"seq": st["seq"], "parts": parts}
