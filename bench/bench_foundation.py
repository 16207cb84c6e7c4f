"""Foundation benchmarks: province load, point reads, incremental upsert, memory.

Targets (issue #2, this 2-core machine): province load ≤ 120 s; incremental upsert of 10k
enterprise rows into the province graph ≥ 5k rows/s; resident memory ≤ 1.5 GB.
"""
from __future__ import annotations

import csv
import io
import random
import resource
import tempfile
import time
from pathlib import Path

from bench.common import timed

DATASET = "province (≈200k enterprises, 2M supplies, 50k deliveries)"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load_into(tmp: str, files: dict) -> dict:
    """In a child process: load the province files into an empty database; time and memory."""
    from graphsvc.cli import load_demo_files
    from graphsvc.core.config import load
    from graphsvc.core.reference_graph import ensure_reference
    from graphsvc.core.store import open_store

    s = open_store(load(data_dir=Path(tmp)))
    ensure_reference(s)
    t = time.perf_counter()
    load_demo_files(s, files, progress=False)
    secs = time.perf_counter() - t
    counts = s.counts()
    s.close()
    return {"seconds": secs, "counts": counts, "max_rss_mb": _rss_mb()}


def _fresh_load(ctx) -> list[dict]:
    """The province files into an empty database, in a fresh process so that its peak resident
    memory is the import's own (not the cached graph's or other benchmarks')."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    files = ctx.files
    with tempfile.TemporaryDirectory(prefix="graphsvc-load-") as tmp, \
            ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        res = pool.submit(_load_into, tmp, files).result()
    counts = res["counts"]
    return [{"name": "province load through the importers", "dataset": DATASET, "n": 1,
             "median": round(res["seconds"], 1), "p95": None, "unit": "s", "target": "<= 120 s",
             "counts": {k: counts[k] for k in ("Enterprise", "SUPPLIES", "Delivery", "Recognition")}},
            {"name": "resident memory: peak of the province load process", "dataset": DATASET, "n": 1,
             "median": round(res["max_rss_mb"]), "p95": None, "unit": "MB", "target": "<= 1536 MB"}]


def run(ctx) -> list[dict]:
    rows = _fresh_load(ctx)
    store = ctx.store()
    stored = store.read_cypher("MATCH (e:Enterprise) RETURN e.uscc AS uscc, e.region_code AS region LIMIT 5000")
    usccs = [r["uscc"] for r in stored]
    rnd = random.Random(7)
    rows.append({"name": "point read: enterprise by USCC", "dataset": DATASET,
                 **timed(lambda: store.read("enterprises/get", uscc=rnd.choice(usccs)), repeat=200)})
    rows.append({"name": "list: enterprises in 滨江 (page of 100)", "dataset": DATASET,
                 **timed(lambda: store.read("enterprises/list", prefix="330108", uscc=None, q=None,
                                            provider_type=None, after=None, limit=100), repeat=50)})
    rates = []
    for _ in range(3):  # each on a fresh copy, so every run adds the same 5k new enterprises
        with tempfile.TemporaryDirectory(prefix="graphsvc-bench-") as tmp:
            copy = ctx.writable_copy(Path(tmp))
            try:
                rates.append(_upsert(copy, stored, rnd))
            finally:
                copy.close()
    rates.sort()
    rows.append({"name": "incremental upsert: 10k enterprise rows (5k new, 5k updated)", "dataset": DATASET,
                 "n": len(rates), "median": round(rates[len(rates) // 2]), "p95": None, "unit": "rows/s",
                 "target": ">= 5000 rows/s", "runs": [round(r) for r in rates]})
    rows.append({"name": "resident memory: peak of the benchmark process (reads, upsert)", "dataset": DATASET,
                 "n": 1, "median": round(_rss_mb()), "p95": None, "unit": "MB", "target": "<= 1536 MB"})
    return rows


def _upsert(store, stored, rnd) -> float:
    """10k enterprise rows, half existing (new name and head count) and half new, through the
    real importer."""
    import numpy as np

    from graphsvc.demo.generate import make_usccs
    from loaders.importer import run_import

    new = make_usccs(np.array(["330106"] * 5000), np.arange(90_000_000, 90_005_000))

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["uscc", "name", "region_code", "industry_code", "employees"])
    for i, r in enumerate(stored[:5000]):
        w.writerow([r["uscc"], f"杭州示例更新{i}有限公司", r["region"], "C39", rnd.randint(10, 900)])
    for i in range(5000):
        w.writerow([new[i], f"杭州示例新增{i}有限公司", "330106", "C34", 50])
    data = buf.getvalue().encode()
    t = time.perf_counter()
    rep = run_import(store, "enterprises", data, "upsert-10k.csv", actor="bench")
    secs = time.perf_counter() - t
    assert rep.status == "ok", rep.errors[:3]
    return 10000 / secs
