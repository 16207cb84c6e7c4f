"""LadybugDB and Neo4j side by side in one run: the same import and the same figures.

`python -m bench.run engines`. Starts its own Neo4j 5.26 (tools/neo4j_server.py, 1 GB heap,
512 MB page cache), or uses the one `make neo4j` started (.neo4j/env). The dataset is the
generated demo at GRAPHSVC_BENCH_ENGINES_SCALE (default "small": the province scale on Neo4j
takes longer than a benchmark run should on the 2-core machine); both engines get the same
files through the same importers. Each row is one measurement on one engine; the Neo4j rows
carry the ratio Neo4j / LadybugDB in `target`, there being no target for the ratio itself.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, timed

SCALE = os.environ.get("GRAPHSVC_BENCH_ENGINES_SCALE", "small")
IMPORT_RUNS = 3


def _neo4j():
    sys.path.insert(0, str(ROOT / "tools"))
    import neo4j_server as n4

    env_file = ROOT / ".neo4j" / "env"
    if env_file.exists():
        env = n4.read_env(env_file)
        try:
            n4.wait_bolt(env["GRAPHSVC_NEO4J_URI"], env["GRAPHSVC_NEO4J_USER"], env["GRAPHSVC_NEO4J_PASSWORD"], 5)
            return env, None
        except n4.ServerError:
            pass
    home = Path(tempfile.mkdtemp(prefix="graphsvc-bench-neo4j-"))
    run = n4.start(home)
    return run.env(), lambda: n4.stop(home)


def _fresh(engine: str, env: dict, tmp: Path):
    from graphsvc.core.reference_graph import ensure_reference
    from graphsvc.core.store.ladybug_store import LadybugStore
    from graphsvc.core.store.neo4j_store import Neo4jStore

    if engine == "neo4j":
        s = Neo4jStore(env["GRAPHSVC_NEO4J_URI"], env["GRAPHSVC_NEO4J_USER"], env["GRAPHSVC_NEO4J_PASSWORD"])
        s.drop_all()
    else:
        s = LadybugStore(tmp / f"lb-{time.monotonic_ns()}" / "graph.lbdb")
    ensure_reference(s)
    return s


def _figure_calls(store, warm: bool = False):
    """The four figure calls as served (from the projection), cold: the local-supply figures
    as after a supplies write into every enterprise (their memos and result caches stale,
    bench_local_supply.stale_supplies), and each recommendation asked for another manufacturer
    (whose links the index has not kept). `warm`: the same calls as a repeated request meets
    them, memos and caches kept and one manufacturer. The first call builds the projection
    parts it needs when they are not built yet."""
    from bench.bench_local_supply import stale_supplies
    from graphsvc.local_supply import coverage
    from graphsvc.local_supply import ratios
    from graphsvc.contractors import recommend as R

    leaders = sorted(ratios.fetch_leaders(store), key=lambda x: x["uscc"], reverse=True)
    leader = leaders[0]
    makers = iter([leader["uscc"]] * 1000 if warm else [x["uscc"] for x in leaders])
    state = "warm" if warm else "cold"

    def cold(fn):
        return fn if warm else stale_supplies(store, fn)

    return {
        f"local-supply table, all leaders ({state})": cold(lambda: ratios.fetch_table(store, 2024)),
        f"one leader's detail ({state})": cold(lambda: ratios.fetch_leader(store, leader, 2024)),
        f"coverage of chain HZ01, Hangzhou ({state})": cold(
            lambda: coverage.fetch_coverage(store, "HZ01", 2024, "330100", "admin_default")),
        f"top-10 recommendation, type 1 line ({state})": lambda: R.fetch_recommendation(
            store, next(makers), R.Query(1, unit="line")),
    }


def run(ctx) -> list[dict]:
    from graphsvc.demo import generate as demo
    from graphsvc.cli import DEMO_ORDER, load_demo_files

    tmp = Path(tempfile.mkdtemp(prefix="graphsvc-bench-engines-"))
    files = demo.generate(SCALE, tmp / "files")
    env, stop = _neo4j()
    rows: list[dict] = []
    try:
        results: dict = {}
        for engine in ("ladybug", "neo4j"):
            secs = []
            for i in range(IMPORT_RUNS):
                s = _fresh(engine, env, tmp)
                t = time.perf_counter()
                load_demo_files(s, {k: files[k] for k in DEMO_ORDER}, progress=False)
                secs.append(time.perf_counter() - t)
                if i < IMPORT_RUNS - 1:
                    s.close()
            counts = s.counts()
            dataset = f"{SCALE} demo: {counts['Enterprise']} ent, {counts['SUPPLIES']} supplies"
            secs.sort()
            results[(engine, "import")] = {"n": IMPORT_RUNS, "median": round(secs[len(secs) // 2], 2),
                                          "p95": round(secs[-1], 2), "unit": "s"}
            for name, fn in _figure_calls(s).items():
                results[(engine, name)] = timed(fn, repeat=7, warmup=1)
            s.close()
        for (engine, name), r in results.items():
            row = {"name": f"{engine}: {'import of every demo file' if name == 'import' else name}",
                   "dataset": dataset, **r, "target": ""}
            if engine == "neo4j":
                base = results[("ladybug", name)]["median"]
                row["target"] = f"ratio neo4j/ladybug {r['median'] / base:.2f}" if base else ""
            rows.append(row)
    finally:
        if stop:
            stop()
    return rows
