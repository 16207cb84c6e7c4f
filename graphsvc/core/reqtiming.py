"""Where a served request's time goes (diagnostic, off unless GRAPHSVC_REQ_TIMING names a file).

Per request: wall time, the thread's CPU time, and the time spent in named sections (database
reads, waiting for a projection part's lock, applying changes, computing a figure), plus how
many writes were under way while it ran; one JSON line per request appended to the file.
"""
from __future__ import annotations

import json
import os
import threading
import time
from contextlib import contextmanager

PATH = os.environ.get("GRAPHSVC_REQ_TIMING") or None
_T = threading.local()
_W = {"writes": 0, "active": 0, "catch_up": 0}
_OUT = threading.Lock()


def start(endpoint: str) -> None:
    if PATH:
        _T.cur = {"ep": endpoint, "t0": time.perf_counter(), "c0": time.thread_time(),
                  "w0": _W["writes"], "a0": _W["active"] or _W["catch_up"], "sec": {}}


def end() -> None:
    cur = getattr(_T, "cur", None) if PATH else None
    if cur is None:
        return
    _T.cur = None
    row = {"ep": cur["ep"], "at": time.time(), "wall": round((time.perf_counter() - cur["t0"]) * 1e3, 2),
           "cpu": round((time.thread_time() - cur["c0"]) * 1e3, 2), "writes": _W["writes"] - cur["w0"],
           "busy": bool(cur["a0"] or _W["active"] or _W["catch_up"]),
           **{k: round(v * 1e3, 2) for k, v in cur["sec"].items()}}
    with _OUT, open(PATH, "a") as f:
        f.write(json.dumps(row) + "\n")


@contextmanager
def section(name: str):
    cur = getattr(_T, "cur", None) if PATH else None
    if cur is None:
        yield
        return
    t = time.perf_counter()
    try:
        yield
    finally:
        cur["sec"][name] = cur["sec"].get(name, 0.0) + time.perf_counter() - t


@contextmanager
def writing(kind: str):
    """Count a write (kind "active": the transaction; "catch_up": the projection patch)."""
    _W[kind] += 1
    try:
        yield
    finally:
        _W[kind] -= 1
        if kind == "active":
            _W["writes"] += 1
