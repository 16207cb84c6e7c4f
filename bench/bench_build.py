"""The projection's build at start (issue #12: <= 15 s and <= 600 MB extra RSS on the province
demo), part by part in the order a worker builds them (`web.PROJECTION_ORDER`; then the parts
built on a request's first use, `web.PROJECTION_ON_FIRST_USE`, reported apart), in this
process: each part's wall seconds, the CPU seconds of the process (the engine reads in threads
of its own; the machine is shared, so wall seconds move with its load) and the resident memory
it added (RSS after the build and `projection.release_memory`, minus RSS before); then the
totals. One build per process: a second would find the engine's pages already read.

`python -m bench.bench_build` prints the table with the load average; `python -m bench.run
build` writes bench/results/bench_build.json.
"""
from __future__ import annotations

import importlib
import os
import time

from bench.common import rss_mb
from graphsvc.core import projection


def measure(store, names=None, first_use: bool = True) -> list[dict]:
    """[{part, seconds, mb}] for each part built in `names` (default: the worker's order, then
    the parts built on first use unless `first_use` is false)."""
    import web

    for mod in web.PROJECTION_MODULES:
        importlib.import_module(mod)
    later = web.PROJECTION_ON_FIRST_USE if first_use else ()
    names = names or [n for n in (*web.PROJECTION_ORDER, *later) if n in projection.warm_order()]
    projection.reset(store)
    store.read_cypher("RETURN 1 AS ok")   # open the database before the first reading
    out = []
    for name in names:
        rss0 = rss_mb()
        t, cpu = time.perf_counter(), time.process_time()
        # As a worker builds at start (web.warm_projection): one part after the other (the
        # worker freezes the objects alive once all are built).
        projection.warm(store, [name], background=False)
        secs, cpu = time.perf_counter() - t, time.process_time() - cpu
        out.append({"part": name, "seconds": secs, "cpu": cpu, "mb": rss_mb() - rss0,
                    "at_start": name not in web.PROJECTION_ON_FIRST_USE})
    return out


def run(ctx) -> list[dict]:
    store = ctx.store()
    parts = measure(store)
    load = os.getloadavg()[0]
    dataset = f"province demo, load {load:.1f}"
    rows = [{"name": f"build {p['part']}" + ("" if p["at_start"] else " (on first use)"), "dataset": dataset, "n": 1, "median": round(p["seconds"], 2),
             "p95": round(p["seconds"], 2), "unit": "s", "target": "-", "cpu_s": round(p["cpu"], 2),
             "extra_rss_mb": round(p["mb"], 1)}
            for p in parts]
    start = [p for p in parts if p["at_start"]]
    total_s = sum(p["seconds"] for p in start)
    total_mb = sum(p["mb"] for p in start)
    rows.append({"name": "projection build at start: total", "dataset": dataset, "n": 1, "median": round(total_s, 2),
                 "p95": round(total_s, 2), "unit": "s", "target": "<= 15 s"})
    rows.append({"name": "projection build at start: extra RSS", "dataset": dataset, "n": 1,
                 "median": round(total_mb, 1), "p95": round(total_mb, 1), "unit": "MB", "target": "<= 600 MB"})
    return rows


if __name__ == "__main__":
    from bench.common import Context

    c = Context()
    try:
        t0 = os.getloadavg()[0]
        parts = measure(c.store())
        print(f"load before {t0:.2f}, after {os.getloadavg()[0]:.2f}")
        for p in parts:
            print(f"{p['part']:<24} {p['mb']:8.1f} MB {p['seconds']:7.2f} s {p['cpu']:7.2f} s CPU"
                  f"{'' if p['at_start'] else '  (on first use)'}")
        for label, ps in (("total at start", [p for p in parts if p["at_start"]]), ("total, every part", parts)):
            print(f"{label:<24} {sum(p['mb'] for p in ps):8.1f} MB {sum(p['seconds'] for p in ps):7.2f} s "
                  f"{sum(p['cpu'] for p in ps):7.2f} s CPU")
    finally:
        c.close()
