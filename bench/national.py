"""National scale on one machine (issue #19): `make bench-national`, not part of `make bench`.

Generates `graphsvc demo --scale national` (10x the province: 2M enterprises, ~20M supply
edges; GRAPHSVC_BENCH_NATIONAL_SCALE sets another multiple) and loads it through the importers
into <bench dir>/<scale>-db (kept, like the province graph), each in its own process so that
the load's peak RSS is the load's alone (the generator's tables are not). Then reports the load
time and peak RSS, the database's size on disk; on the province graph, then on the national
one, the projection built as a worker builds it at start (seconds, extra RSS) and the figure
calls of bench/bench_engines.py served from it (local-supply table, a leader's detail, a
chain's coverage, a recommendation) first after the build, cold and warm, each with its growth
ratio national / province beside the data's own growth and that of the records it reads; 10k-row supplies upserts into a copy of
the national graph (bench/bench_ingest.py's, target 10k rows/s); and a SIGKILL halfway through
the national supplies import (into a copy of the graph holding the national enterprises only)
leaving that database as before; and a 5M-row supplies file with one bad row in its last 1,000
(all-or-nothing rejects it naming the row and writes nothing, --partial writes every other row).
Writes bench/results/national.json. `python -m bench.national figures` (or `upserts`, `bad`)
runs only that part on the graphs already loaded.
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
from bench.bench_local_supply import _timed
from bench.common import ROOT, Context, kill_halfway, write_results

SCALE = os.environ.get("GRAPHSVC_BENCH_NATIONAL_SCALE", "national")


def _size_mb(path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def _built(store) -> tuple[dict, dict]:
    """The projection built as a worker builds it at start (bench.bench_build.measure: the
    parts of web.PROJECTION_ORDER one after the other, then their objects moved out of the
    cyclic collector's reach); then each of the four figure calls of bench/bench_engines.py
    once, the first after the build. Returns ({seconds, mb, parts}, {figure: timing})."""
    import gc

    from bench.bench_build import measure

    parts = measure(store, first_use=False)
    gc.collect()
    gc.freeze()
    build = {"seconds": sum(p["seconds"] for p in parts), "cpu": sum(p["cpu"] for p in parts),
             "mb": sum(p["mb"] for p in parts),
             "parts": ", ".join(f"{p['part']} {p['seconds']:.1f} s/{p['cpu']:.1f} s CPU/{p['mb']:+.0f} MB"
                                for p in parts)}
    return build, {name.replace("(warm)", "(first after the build)"): _timed(fn, repeat=1, warmup=0)
                   for name, fn in _figure_calls(store, warm=True).items()}


def _interleaved(stores: tuple, repeat: int = 5) -> tuple[dict, ...]:
    """Each figure call cold and warm on every store, the stores' calls alternating (the
    machine is shared: a change of its load meets both alike). ({figure: timing}, ...) in the
    order of `stores`."""
    from bench.bench_local_supply import _stats

    out = tuple({} for _ in stores)
    for warm in (False, True):
        calls = [_figure_calls(s, warm=warm) for s in stores]
        for name in calls[0]:
            samples = [([], []) for _ in stores]
            for fns in calls:
                fns[name]()                       # warmup: memos made, pages read
            for _ in range(repeat):
                for fns, (wall, cpu) in zip(calls, samples):
                    t, c = time.perf_counter(), time.process_time()
                    fns[name]()
                    cpu.append((time.process_time() - c) * 1000)
                    wall.append((time.perf_counter() - t) * 1000)
            for res, (wall, cpu) in zip(out, samples):
                res[name] = _stats(wall, cpu)
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


def _inputs(store) -> dict[str, int]:
    """The supply records each figure call of bench_engines reads, by the start of its name:
    the table the leaders' records of 2024; the detail the leader's own (all years) and those
    of 2024 into its tier 1; coverage the purchases of Hangzhou's leaders in HZ01's segments
    in 2024. (The demo's leaders and chains do not take exactly the data's growth.)"""
    import numpy as np

    from graphsvc.core import reference
    from graphsvc.local_supply import projection as lsproj
    from graphsvc.local_supply import ratios

    st = lsproj.current(store)
    into = st.edges_into(st.holders(lsproj.LEADER))
    leader = max(x["uscc"] for x in ratios.fetch_leaders(store))
    own = st.edges_into(np.array([st.index[leader]]))
    tier1 = np.unique(st.seller[own[st.year[own] == 2024]]).astype(np.int64)
    tier2 = st.edges_into(tier1)
    segs = [s["id"] for s in reference.chain("HZ01")["segments"]]
    return {"local-supply table": int((st.year[into] == 2024).sum()),
            "one leader's detail": len(own) + int((st.year[tier2] == 2024).sum()),
            "coverage of chain HZ01": len(st.purchase_columns("3301", 2024, segs)["amount"])}


def _figure_rows(big: Context) -> list[dict]:
    """The projection's build and the four figures on the province graph and on the graph of
    `big`'s scale, with their growth: each projection built in turn (the province's first),
    then both kept for the figures' timings, interleaved."""
    import gc

    from graphsvc.core import projection

    small = Context("province")
    p_store, store = small.store(), big.store()
    p_counts, counts = p_store.counts(), store.counts()
    p_build, p_first = _built(p_store)
    n_build, n_first = _built(store)
    province, national = _interleaved((p_store, store))
    province.update(p_first)
    national = {**n_first, **national}
    p_inputs, inputs = _inputs(p_store), _inputs(store)
    gc.unfreeze()
    for s in (p_store, store):
        projection.reset(s)
    small.close()
    big.close()
    growth = counts["SUPPLIES"] / max(1, p_counts["SUPPLIES"])
    dataset = (f"{SCALE}: {counts['Enterprise']} ent, {counts['SUPPLIES']} supplies, {counts['Delivery']} deliveries; "
               f"province: {p_counts['Enterprise']} ent, {p_counts['SUPPLIES']} supplies; "
               f"load average {os.getloadavg()[0]:.1f}")
    rows = []
    for what, key, unit in (("seconds", "seconds", "s"), ("CPU seconds", "cpu", "s"), ("extra RSS", "mb", "MB")):
        v, ref = n_build[key], p_build[key]
        rows.append({"name": f"projection build at start (web.PROJECTION_ORDER): {what}",
                     "dataset": f"{dataset}; {SCALE} parts: {n_build['parts']}", "n": 1, "median": round(v, 1),
                     "p95": round(v, 1), "unit": unit,
                     "target": f"growth {_ratio(v, ref):.1f}x vs data {growth:.1f}x (province {ref:.1f} {unit})"})
    # The machine is shared: the growth by process CPU time beside the growth by wall time.
    for name, r in national.items():
        ref, cpu = province[name]["median"], province[name]["cpu_median"]
        read = next((f"; the records it reads {_ratio(inputs[k], p_inputs[k]):.1f}x ({p_inputs[k]} -> {inputs[k]})"
                     for k in inputs if name.startswith(k)), "")
        rows.append({"name": name, "dataset": dataset, **r,
                     "target": f"growth {_ratio(r['median'], ref):.1f}x, CPU {_ratio(r['cpu_median'], cpu):.1f}x vs data "
                               f"{growth:.1f}x (province median {ref} ms, CPU {cpu} ms){read}"})
    return rows


# Issue #19: "a 5M-row file with one bad row in the last 1,000".
BAD_INPUT_ROWS = 5_000_000


def _bad_input_rows(big: Context) -> list[dict]:
    """bench_ingest's bad-input run on the first BAD_INPUT_ROWS rows of this scale's supplies
    file, into a graph holding this scale's enterprises."""
    from bench.bench_ingest import _bad_input_rows as bad

    files = big.files
    tmp = Path(tempfile.mkdtemp(prefix="graphsvc-bench-national-", dir=big.data_dir().parent))
    try:
        return bad(files["supplies"].parent, tmp, SCALE, BAD_INPUT_ROWS)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _upsert_rows(big: Context) -> list[dict]:
    from bench.bench_ingest import _upserts

    tmp = Path(tempfile.mkdtemp(prefix="graphsvc-bench-national-", dir=big.data_dir().parent))
    try:
        return _upserts(big, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run() -> list[dict]:
    gen_s = _in_child("files")
    big = Context(SCALE)
    files = big.files
    _in_child("load")
    d = big.data_dir()
    load_rss = float((d / "load_rss_mb").read_text()) if (d / "load_rss_mb").exists() else float("nan")
    counts = big.store().counts()
    big.close()
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
    rows += _figure_rows(big)
    rows += _upsert_rows(big)
    rows += _bad_input_rows(big)
    tmp = Path(tempfile.mkdtemp(prefix="graphsvc-bench-national-", dir=d.parent))
    try:
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


def main(only: str | None = None) -> int:
    """Every row (bench/results/national.json), or `only` the figures (with the projection's
    build), the upserts or the bad-input run, on the graphs already loaded or the files
    generated (bench/results/national-<only>.json)."""
    if only is None:
        rows = run()
        write_results("national", rows)
    else:
        rows = {"figures": _figure_rows, "upserts": _upsert_rows, "bad": _bad_input_rows}[only](Context(SCALE))
        write_results(f"national-{only}", rows)
    for r in rows:
        print(f"{r['name']:<60} {r['median']!s:>10} {r['unit']:<6} {r['target']}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("files", "load"):
        _child(sys.argv[1])
        sys.exit(0)
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else None))
