"""The change log's cost (issue #12 item 2; docs/projection.md).

- a 1,000-row supplies import through the real importer, with the log and without it (the
  same store, the same file, runs interleaved): the ratio is what logging adds to a write;
- `Tx.write_log` alone for that import's changes (numbering + appending one entry);
- reading the log since a sequence: nothing new (what every request costs a worker on Neo4j)
  and one 1,000-row entry (what a worker pays once after such an import).

`python -m bench.run changelog` (province graph, a private writable copy; the Neo4j rows on a
server of their own); `python -m bench.bench_changelog small` runs it on the small demo graph.
"""
from __future__ import annotations

import contextlib
import random
import sys
import tempfile
from pathlib import Path

from bench.common import timed
from graphsvc.core.store.base import Tx

ROWS = 1000
REPEAT = 15


def supplies_file(store, n: int = ROWS, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    ents = [r["u"] for r in store.read_cypher("MATCH (e:Enterprise) RETURN e.uscc AS u ORDER BY u LIMIT 5000")]
    segs = [r["sid"] for r in store.read_cypher("MATCH (s:Segment) RETURN s.id AS sid ORDER BY sid")]
    lines = ["供应商统一社会信用代码,采购方统一社会信用代码,年度,采购金额（万元）,链上环节"]
    pairs = set()
    while len(pairs) < n:
        a, b = rng.sample(ents, 2)
        pairs.add((a, b, rng.choice([2023, 2024]), rng.choice(segs)))
    lines += [f"{a},{b},{y},{round(rng.uniform(1, 900), 2)},{s}" for a, b, y, s in sorted(pairs)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def measure(store, dataset: str) -> list[dict]:
    from loaders.importer import run_import

    data = supplies_file(store)

    def import_once():
        rep = run_import(store, "supplies", data, "bench.csv", actor="bench")
        assert rep.status == "ok", rep.errors[:3]

    logged_write = Tx.write_log
    with_log, without = [], []
    import_once()  # first import creates the edges; later ones replace them (the steady state)
    for _ in range(REPEAT):  # interleaved: machine noise falls on both alike
        with_log.append(timed(import_once, repeat=1, warmup=0)["median"])
        Tx.write_log = lambda self, bulk_rows=0: []
        try:
            without.append(timed(import_once, repeat=1, warmup=0)["median"])
        finally:
            Tx.write_log = logged_write

    def stats(xs):
        xs = sorted(xs)
        return {"n": len(xs), "median": xs[len(xs) // 2], "p95": xs[min(len(xs) - 1, int(0.95 * len(xs)))]}

    head = store.change_head()
    (entry,) = [c for c in store.changes_since(head - 1)]
    assert len(entry.rows) == ROWS

    def write_log_only():
        with store.transaction() as tx:
            tx.changes.append((entry.entity, entry.op, entry.rows))
            tx.write_log(store.bulk_rows)
            raise _Rollback  # measure the statements, keep the log as it was

    def write_log_timed():
        with contextlib.suppress(_Rollback):
            write_log_only()

    w, wo = stats(with_log), stats(without)
    rows = [
        {"name": "changelog: 1,000-row supplies import, with log", "dataset": dataset, **w, "unit": "ms",
         "target": "reference below"},
        {"name": "changelog: 1,000-row supplies import, no log", "dataset": dataset, **wo, "unit": "ms",
         "target": "reference (same run)"},
        {"name": "changelog: import ratio with/without log", "dataset": dataset, "n": REPEAT,
         "median": round(w["median"] / wo["median"], 3), "p95": None, "unit": "x", "target": "<= 1.10"},
        {"name": "changelog: write_log of 1,000 rows (in a tx)", "dataset": dataset,
         **timed(write_log_timed, repeat=REPEAT), "target": "small against the import"},
        {"name": "changelog: read since head (nothing new)", "dataset": dataset,
         **timed(lambda: store.changes_since(head), repeat=50), "target": "<= 5 ms (every request on Neo4j)"},
        {"name": "changelog: read one 1,000-row entry", "dataset": dataset,
         **timed(lambda: store.changes_since(head - 1), repeat=20), "target": "once per worker per import"},
    ]
    return rows


class _Rollback(Exception):
    pass


def measure_neo4j() -> list[dict]:
    """On Neo4j (its own server, or `make neo4j`'s), where every request of a worker reads the
    log: the read with nothing new, the read of one 1,000-row entry, and write_log."""
    from bench.bench_engines import _neo4j
    from graphsvc.core.reference_graph import ensure_reference
    from graphsvc.core.store.neo4j_store import Neo4jStore

    env, stop = _neo4j()
    store = Neo4jStore(env["GRAPHSVC_NEO4J_URI"], env["GRAPHSVC_NEO4J_USER"], env["GRAPHSVC_NEO4J_PASSWORD"])
    dataset = "Neo4j 5.26, log of 200 entries"
    try:
        ensure_reference(store)
        for i in range(199):
            with store.transaction() as tx:
                tx.log_change("Delivery", "upsert", [{"id": f"BENCH-{i}", "status": "claimed"}])
        rows = [{"from": f"S{i:04d}", "to": f"B{i:04d}", "year": 2024, "amount_wan": 1.5 * i,
                 "segment_id": "HZ01-01", "supplier_region": "330108"} for i in range(ROWS)]
        with store.transaction() as tx:
            tx.log_change("SUPPLIES", "replace_pair", rows)
        head = store.change_head()

        def write_log_timed():
            with contextlib.suppress(_Rollback), store.transaction() as tx:
                tx.changes.append(("SUPPLIES", "replace_pair", rows))
                tx.write_log(store.bulk_rows)
                raise _Rollback

        return [
            {"name": "changelog neo4j: read since head (nothing new)", "dataset": dataset,
             **timed(lambda: store.changes_since(head), repeat=100), "target": "<= 5 ms (every request)"},
            {"name": "changelog neo4j: read one 1,000-row entry", "dataset": dataset,
             **timed(lambda: store.changes_since(head - 1), repeat=30), "target": "once per worker per import"},
            {"name": "changelog neo4j: write_log of 1,000 rows (in a tx)", "dataset": dataset,
             **timed(write_log_timed, repeat=30), "target": "small against the import"},
        ]
    finally:
        store.close()
        if stop:
            stop()


def run(ctx) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        store = ctx.writable_copy(Path(tmp) / "db")
        try:
            return measure(store, "province (writable copy)") + measure_neo4j()
        finally:
            store.close()


def run_small() -> list[dict]:
    from graphsvc.cli import load_demo
    from graphsvc.core.config import load
    from graphsvc.core.reference_graph import ensure_reference
    from graphsvc.core.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(load(data_dir=Path(tmp) / "db"))
        ensure_reference(store)
        load_demo(store, "small", Path(tmp) / "files", progress=False)
        try:
            return measure(store, "small demo (3k ent., 14k supplies)")
        finally:
            store.close()


if __name__ == "__main__":
    import json

    from bench.common import write_results

    out = run_small() + measure_neo4j() if sys.argv[1:] == ["small"] else None
    if out is None:
        from bench.common import Context

        c = Context()
        try:
            out = run(c)
        finally:
            c.close()
    write_results("bench_changelog", out)
    print(json.dumps(out, ensure_ascii=False, indent=1))
