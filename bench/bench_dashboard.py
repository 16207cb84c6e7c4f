"""The bureau dashboard and district map (issue #12): served from the dashboard projection part
against the Cypher files it replaced, measured side by side in one run on the same graph.

Rows: the part's build time and extra RSS; per call (a province summary, a city summary, a
district summary, the four district-map measures), the projection's median as the first call
after a delivery confirmation, after a supplies import, with nothing kept, and warm; and the
Cypher files' median, with the ratio to it. The
two paths are checked to give the same figures before anything is timed.
"""
from __future__ import annotations

import time

from bench.common import rss_mb, timed
from graphsvc.core import projection
from graphsvc.dashboard import projection as dproj
from graphsvc.dashboard import summary as D

YEAR = 2024



def calls(store):
    """name -> fn(read) for the dashboard's figures."""
    hz = {d["code"] for d in D.districts_of("330100")}
    out = {f"summary {r}": (lambda read, r=r: D.fetch_summary(store, r, YEAR, read))
           for r in ("330000", "330100", "330108")}
    for m in D.MEASURES:
        out[f"district map 330100 {m}"] = lambda read, m=m: D.fetch_districts(store, "330100", m, YEAR, hz, read)
    return out


def run(ctx) -> list[dict]:
    store = ctx.store()
    projection.reset(store)
    rss0 = rss_mb()
    t = time.perf_counter()
    st = projection.current(store, dproj.NAME)     # builds the shared supply edges too
    build_s = time.perf_counter() - t
    dataset = (f"province: {len(st.edges.uscc):,} enterprises, {st.edges.n:,} supplies, "
               f"{len(st.del_status):,} deliveries, {len(st.rec_facts):,} recognitions")
    rows = [
        {"name": "dashboard projection build (with the shared supply edges)", "dataset": dataset, "n": 1,
         "median": round(build_s, 2), "p95": round(build_s, 2), "unit": "s", "target": "<= 15 s"},
        {"name": "dashboard projection extra RSS (with the shared supply edges)", "dataset": dataset, "n": 1,
         "median": round(rss_mb() - rss0, 1), "p95": round(rss_mb() - rss0, 1), "unit": "MB",
         "target": "<= 600 MB"},
    ]
    served = dproj.reader(store)

    def after(touch, fn):
        """fn as the first call after a write: `touch` bumps what the write would."""
        def go():
            touch(projection.current(store, dproj.NAME))
            return fn(served)
        return go

    def confirmed(st):            # a delivery confirmed
        st.touched["Delivery"] += 1

    def supplied(st):             # a supplies import (the shared edges' version moves)
        st.edges.version += 1_000_000

    def everything(st):           # nothing kept
        st.memo.clear()

    for name, fn in calls(store).items():
        # (Sums are rounded to 0.01 万元 and ratios to 4 places before they are shown.)
        assert fn(served) == fn(store.read), f"{name}: the projection disagrees with the Cypher files"
        ref = timed(lambda fn=fn: fn(store.read), repeat=3, warmup=1)
        for kind, res in (
                ("projection, first after a confirmation", timed(after(confirmed, fn), repeat=7, warmup=1)),
                ("projection, first after a supplies import", timed(after(supplied, fn), repeat=7, warmup=1)),
                ("projection, nothing kept", timed(after(everything, fn), repeat=7, warmup=1)),
                ("projection, warm", timed(lambda fn=fn: fn(served), repeat=20, warmup=2))):
            rows.append({"name": f"{name}: {kind}", "dataset": dataset, **res, "target": "<= 100 ms",
                         "ratio": round(res["median"] / ref["median"], 4)})
        rows.append({"name": f"{name}: Cypher files (reference)", "dataset": dataset, **ref, "target": "",
                     "ratio": 1.0})
    return rows
