"""Applying a 1,000-row supplies delta to the whole projection (issue #12: <= 50 ms on the
province demo).

bench_local_supply times the delta on the shared supply edges and the local-supply part
alone; a write acknowledges only once *every* built part holds it (`projection.catch_up` in
the writing thread). So here every part a worker builds at start is built, then each round
hands the projection one committed 1,000-row delta as the supplies importer logs it (half the
rows replace stored records, half are new purchases of chain leaders) and times, in the order
a request would meet them, each part brought up to date (`projection.current`), then the
recomputations the writer does after catching up (`projection.after_catch_up`: the details,
asked for once beforehand, of the leaders whose own supplies the delta changed). The graph on disk is the shared read-only copy: the delta is
handed to the projection as if it had been committed.

`python -m bench.run delta` writes bench/results/bench_delta.json.
"""
from __future__ import annotations

import importlib
import os
import random
import time

from bench.bench_local_supply import YEAR, supplies_delta
from bench.common import ms_summary
from graphsvc.core import projection

ROUNDS = 9


def _ask_every_detail(store, year: int = YEAR) -> None:
    """Ask for every leader's detail once, as the serving bench's clients do: the writer
    recomputes those a delta makes stale (whatif.refresh_details)."""
    from graphsvc.local_supply import ratios, whatif

    for leader in ratios.fetch_leaders(store):
        whatif.fetch_detail(store, leader, year)


def measure(store, rounds: int = ROUNDS, seed: int = 12) -> dict[str, list[float]]:
    """{part name (or "total" / "after catch-up"): [ms per round]}."""
    import web
    from graphsvc.local_supply import projection as lsproj

    for mod in web.PROJECTION_MODULES:
        importlib.import_module(mod)
    names = [n for n in web.PROJECTION_ORDER if n in projection.warm_order()]
    projection.reset(store)
    projection.warm(store, names, background=False)
    _ask_every_detail(store)
    rng = random.Random(seed)
    out: dict[str, list[float]] = {n: [] for n in (*names, "total", "after catch-up")}
    for _ in range(rounds):
        rows = supplies_delta(projection.current(store, lsproj.NAME), rng)
        projection.committed(store, [("SUPPLIES", "replace_pair", rows)])
        total = 0.0
        for name in names:
            t = time.perf_counter()
            projection.current(store, name)
            ms = (time.perf_counter() - t) * 1000
            out[name].append(ms)
            total += ms
        out["total"].append(total)
        t = time.perf_counter()
        projection.catch_up(store)    # the parts are current: this times the after-hooks
        out["after catch-up"].append((time.perf_counter() - t) * 1000)
    return out


def run(ctx) -> list[dict]:
    store = ctx.store()
    load0 = os.getloadavg()[0]
    res = measure(store)
    dataset = f"province demo, 1,000 rows (500 replaced + 500 new), load {load0:.1f}-{os.getloadavg()[0]:.1f}"
    rows = [{"name": f"apply 1,000-row supplies delta: {name}", "dataset": dataset, **ms_summary(ms), "target": "-"}
            for name, ms in res.items() if name not in ("total", "after catch-up")]
    rows.append({"name": "apply 1,000-row supplies delta: every part built at start", "dataset": dataset,
                 **ms_summary(res["total"]), "target": "<= 50 ms"})
    rows.append({"name": "after the delta: leader details recomputed by the writer", "dataset": dataset,
                 **ms_summary(res["after catch-up"]), "target": "-"})
    return rows


if __name__ == "__main__":
    from bench.common import Context

    c = Context()
    try:
        for r in run(c):
            print(f"{r['name']:<64} {r['median']:9.2f} {r['p95']:9.2f} ms   {r['dataset']}")
    finally:
        c.close()
