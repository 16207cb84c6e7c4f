"""National scale on one machine (issue #19): `make bench-national`, not part of `make bench`.

Generates `graphsvc demo --scale national` (10x the province: 2M enterprises, ~20M supply
edges; GRAPHSVC_BENCH_NATIONAL_SCALE sets another multiple) and loads it through the importers
into <bench dir>/<scale>-db (kept, like the province graph), each in its own process so that
the load's peak RSS is the load's alone (the generator's tables are not). Then reports the load
time and peak RSS, the database's size on disk, the figure calls of bench/bench_engines.py
(local-supply table, a leader's detail, a chain's coverage, a recommendation) cold and warm on
the national and the province graph with the same harness, each with its growth ratio national
/ province beside the data's own growth; 10k-row supplies upserts into a copy of the national
graph (bench/bench_ingest.py's, target 10k rows/s); and a SIGKILL halfway through the national
supplies import (into a copy of the graph holding the national enterprises only) leaving that
database as before. Writes bench/results/national.json.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_engines import _figure_calls
from bench.common import ROOT, Context, kill_halfway, timed, write_results

SCALE = os.environ.get("GRAPHSVC_BENCH_NATIONAL_SCALE", "national")


def _size_mb(path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def _figures(store) -> dict:
    from graphsvc.contractors import recommend as R

    calls = {warm: _figure_calls(store, warm=warm) for warm in (False, True)}
    # The index is built once per process, before any timing (a cold recommendation is a
    # manufacturer the index has not read links for, not an index build). After the supply
    # projections (`_figure_calls` builds them): built first, on the national graph, the
    # index's reads left too little of the buffer pool for the 21M-edge read that follows.
    R.index_for(store)
    out = {}
    for warm in (False, True):
        for name, fn in calls[warm].items():
            out[name] = timed(fn, repeat=5, warmup=1)
    return out


def _child(step: str) -> None:
    """`files`: generate the scale's files; `load`: load them (both cached on disk). `load`
    records its peak RSS beside the load time it records."""
    ctx = Context(SCALE)
    if step == "files":
        print(json.dumps({k: str(p) for k, p in ctx.files.items()}))
        return
    d = ctx.data_dir()
    fresh = not (d / ".loaded").exists()
    ctx.store()
    ctx.close()
    if fresh:
        (d / "load_rss_mb").write_text(f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")


def _in_child(step: str) -> float:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bench.national", step], cwd=ROOT)
    if proc.returncode:
        raise RuntimeError(f"national {step} failed ({proc.returncode})")
    return time.perf_counter() - t


def _graph_state(data_dir: Path) -> dict:
    from graphsvc.core.config import load
    from graphsvc.core.store import open_store

    store = open_store(load(data_dir=data_dir, read_only=True))
    try:
        return store.counts()
    finally:
        store.close()


def _kill_halfway(big: Context, tmp: Path) -> dict:
    """The national supplies file imported by `graphsvc import` into a graph holding the
    national enterprises, killed once its progress says half the staged parts are copied
    inside the open transaction; then the graph's counts against those before."""
    from graphsvc.core.config import load
    from graphsvc.core.reference_graph import ensure_reference
    from graphsvc.core.store import open_store
    from loaders.importer import run_import

    files = big.files
    data_dir = tmp / "kill-db"
    store = open_store(load(data_dir=data_dir))
    ensure_reference(store)
    rep = run_import(store, "enterprises", files["enterprises"].read_bytes(), "enterprises.csv", actor="bench")
    if rep.status != "ok":
        raise RuntimeError(f"enterprises import {rep.status}")
    store.close()
    before = _graph_state(data_dir)
    env = {**os.environ, "GRAPHSVC_DATA_DIR": str(data_dir), "GRAPHSVC_SECRET_KEY": "bench-secret",
           "TMPDIR": str(tmp)}
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "graphsvc.cli", "import", "supplies", str(files["supplies"]),
                             "--progress-lines"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    writes = [line.split()[3] for line in kill_halfway(proc) if line.startswith("progress supplies 写入")]
    killed_after = time.perf_counter() - t
    t = time.perf_counter()
    after = _graph_state(data_dir)   # opening replays or discards what the killed writer left
    reopen = time.perf_counter() - t
    return {"killed": proc.returncode == -signal.SIGKILL, "at": writes[-1] if writes else "none", "killed_after_s": killed_after,
            "reopen_s": reopen, "before": before, "after": after, "same": before == after}


def run() -> list[dict]:
    from bench.bench_ingest import _upserts

    gen_s = _in_child("files")
    big = Context(SCALE)
    files = big.files
    _in_child("load")
    d = big.data_dir()
    load_rss = float((d / "load_rss_mb").read_text()) if (d / "load_rss_mb").exists() else float("nan")
    store = big.store()
    counts = store.counts()
    dataset = (f"{SCALE}: {counts['Enterprise']} ent, {counts['SUPPLIES']} supplies, {counts['Delivery']} deliveries; "
               f"load average {os.getloadavg()[0]:.1f}")
    disk = round(_size_mb(d))
    rows = [
        {"name": "generate the files (or find them generated)", "dataset": dataset, "n": 1, "median": round(gen_s, 1),
         "p95": round(gen_s, 1), "unit": "s", "target": ""},
        {"name": "load through the importers (all kinds)", "dataset": dataset, "n": 1,
         "median": round(big.load_seconds, 1), "p95": round(big.load_seconds, 1), "unit": "s", "target": "<= 480 s"},
        {"name": "peak RSS of the loading process", "dataset": dataset, "n": 1, "median": round(load_rss),
         "p95": round(load_rss), "unit": "MB", "target": "<= 8192 MB"},
        {"name": "database on disk", "dataset": dataset, "n": 1, "median": disk, "p95": disk, "unit": "MB",
         "target": "reported"},
        {"name": "input files", "dataset": dataset, "n": 1,
         "median": round(sum(p.stat().st_size for p in files.values()) / 2**20), "p95": None, "unit": "MB",
         "target": "reported"},
    ]
    national = _figures(store)
    big.close()
    small = Context("province")
    province = _figures(small.store())
    growth = counts["SUPPLIES"] / max(1, small.store().counts()["SUPPLIES"])
    small.close()
    for name, r in national.items():
        ratio = r["median"] / province[name]["median"] if province[name]["median"] else float("nan")
        rows.append({"name": name, "dataset": dataset, **r,
                     "target": f"growth {ratio:.1f}x vs data {growth:.1f}x (province median {province[name]['median']} ms)"})
    tmp = Path(tempfile.mkdtemp(prefix="graphsvc-bench-national-", dir=d.parent))
    try:
        rows += _upserts(big, tmp)
        shutil.rmtree(tmp / "upsert-db", ignore_errors=True)
        k = _kill_halfway(big, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows.append({"name": "SIGKILL halfway through the supplies import: graph as before", "dataset":
                 f"{SCALE} supplies file into its enterprises; killed at part {k['at']} after "
                 f"{k['killed_after_s']:.0f} s; counts before {json.dumps(k['before'])}; "
                 f"load average {os.getloadavg()[0]:.1f}", "n": 1, "median": round(k["reopen_s"], 1),
                 "p95": None, "unit": "s", "target": f"killed {k['killed']}, counts unchanged {k['same']} "
                 "(median: reopening the database)"})
    return rows


def main() -> int:
    rows = run()
    write_results("national", rows)
    for r in rows:
        print(f"{r['name']:<60} {r['median']!s:>10} {r['unit']:<6} {r['target']}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1:
        _child(sys.argv[1])
        sys.exit(0)
    sys.exit(main())
