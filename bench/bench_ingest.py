"""Import speed against the engine's own bulk load, side by side in one run (issue #19).

`python -m bench.run ingest`. The province enterprises and supplies files (200k + 2.02M rows)
go into a fresh LadybugDB twice per round, each in its own process so that peak RSS is that
load's alone:
- through the importers (`run_import`: every check on, change log, audit), and
- through raw `COPY … FROM (LOAD WITH HEADERS … FROM '<file>')` of the same files into the same
  schema (Enterprise, LOCATED_IN, IN_SEGMENT, SUPPLIES), the reference.
Rounds interleave the two (importer, raw, importer, raw, …) so both see the same machine load.
The ratio is raw seconds / importer seconds (1.0: as fast as the engine's own COPY); target
>= 0.6, and the importer's peak RSS <= 1 GB. Both use the buffer pool the service's rule gives
a fresh database (graphsvc.core.config.buffer_pool_rule).

Then, once each:
- 10k-row supplies imports (half replacing stored edges, half new) into a private copy of the
  loaded province graph, in rows/s (target >= 10k rows/s);
- the province supplies file with one bad row among its last 1,000, into a graph holding the
  enterprises: all-or-nothing must reject it naming that row and write nothing, `partial` must
  write every other row (checked; the bench fails otherwise), with the seconds each took.
"""
from __future__ import annotations

import itertools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.common import ROOT

ROUNDS = int(os.environ.get("GRAPHSVC_BENCH_INGEST_ROUNDS", "3"))
KINDS = ("enterprises", "supplies")

_ENT = ("uscc", "name", "region_code", "industry_code", "industry_kind", "is_manufacturer", "provider_types",
        "high_tech", "credit_ok", "revenue_wan", "rd_spend_wan", "rd_staff", "employees", "segment_ids")
_SUP = ("supplier_uscc", "buyer_uscc", "year", "amount_wan", "segment_id")


def _load(columns, path: Path) -> str:
    return f"LOAD WITH HEADERS ({', '.join(f'{c} STRING' for c in columns)}) FROM '{path}' (header=true)"


def raw_statements(files: dict) -> list[list[str]]:
    """The reference: one transaction per file, as the importer writes them."""
    ent, sup = _load(_ENT, files["enterprises"]), _load(_SUP, files["supplies"])
    return [[
        f"COPY Enterprise FROM ({ent} RETURN uscc, name, region_code, industry_code, industry_kind, "
        "CAST(is_manufacturer AS BOOLEAN), CAST(string_split(provider_types, ';') AS INT64[]), "
        "CAST(high_tech AS BOOLEAN), CAST(credit_ok AS BOOLEAN), CAST(revenue_wan AS DOUBLE), "
        "CAST(rd_spend_wan AS DOUBLE), CAST(rd_staff AS INT64), CAST(employees AS INT64), CAST(NULL AS STRING[]))",
        f"COPY LOCATED_IN FROM ({ent} RETURN uscc, region_code)",
        f"COPY IN_SEGMENT FROM ({ent} WITH uscc, string_split(segment_ids, ';') AS segs UNWIND segs AS sg "
        "WITH uscc, sg WHERE sg <> '' RETURN uscc, sg)",
    ], [
        f"COPY SUPPLIES FROM ({sup} RETURN supplier_uscc, buyer_uscc, CAST(year AS INT64), "
        "CAST(amount_wan AS DOUBLE), segment_id, substring(supplier_uscc, 3, 6))",
    ]]


def _child(mode: str, files_dir: Path, db_dir: Path) -> None:
    """One load in this process; prints {"seconds", "counts"} as JSON."""
    from graphsvc.core.config import load
    from graphsvc.core.reference_graph import ensure_reference
    from graphsvc.core.store import open_store

    files = {k: files_dir / f"{k}.csv" for k in KINDS}
    store = open_store(load(data_dir=db_dir))
    ensure_reference(store)
    t = time.perf_counter()
    if mode == "importer":
        from loaders.importer import run_import

        for kind in KINDS:
            rep = run_import(store, kind, files[kind].read_bytes(), files[kind].name, actor="bench")
            if rep.status != "ok":
                raise SystemExit(f"{kind} import {rep.status}: {rep.errors[:3]}")
    else:
        conn = store._conn()
        for tx in raw_statements(files):
            conn.execute("BEGIN TRANSACTION")
            for stmt in tx:
                conn.execute(stmt)
            conn.execute("COMMIT")
    seconds = time.perf_counter() - t
    counts = {k: v for k, v in store.counts().items() if k in ("Enterprise", "SUPPLIES", "LOCATED_IN", "IN_SEGMENT")}
    print(json.dumps({"seconds": seconds, "counts": counts}))


def _bad_row_file(path: Path, max_rows: int | None = None) -> tuple[bytes, int, int]:
    """(the supplies file — its first `max_rows` data rows when given — with one row among its
    last 1,000 given a year no parser takes, that row's spreadsheet number, its data rows)."""
    with open(path, "rb") as f:
        # Only the lines kept are read (the national file is 21M rows, 1.2 GB).
        lines = [line.rstrip(b"\n") for line in itertools.islice(f, None if max_rows is None else max_rows + 1)]
    if lines and not lines[-1]:
        lines.pop()
    bad = len(lines) - 500            # a line index; the header is line 0, spreadsheet row 1
    cells = lines[bad].split(b",")
    cells[_SUP.index("year")] = "20２4年".encode()
    lines[bad] = b",".join(cells)
    return b"\n".join(lines) + b"\n", bad + 1, len(lines) - 1


def _bad_input(files_dir: Path, db_dir: Path, max_rows: int | None = None) -> None:
    """All-or-nothing, then --partial, on the supplies file of `files_dir` (its first `max_rows`
    rows when given) with one bad row in its last 1,000, into a graph holding the enterprises;
    prints the two imports' figures as JSON."""
    from graphsvc.core.config import load
    from graphsvc.core.reference_graph import ensure_reference
    from graphsvc.core.store import open_store
    from loaders.importer import run_import

    store = open_store(load(data_dir=db_dir))
    ensure_reference(store)
    ent = files_dir / "enterprises.csv"
    if run_import(store, "enterprises", ent.read_bytes(), ent.name, actor="bench").status != "ok":
        raise SystemExit("enterprises import failed")
    data, bad_row, rows = _bad_row_file(files_dir / "supplies.csv", max_rows)
    out = {"rows": rows, "bad_row": bad_row}
    for mode in ("whole", "partial"):
        t = time.perf_counter()
        rep = run_import(store, "supplies", data, "supplies.csv", actor="bench", partial=mode == "partial")
        seconds = time.perf_counter() - t
        named = sorted({(e["row"], e["field"]) for e in rep.errors})
        if named != [(bad_row, "year")]:
            raise SystemExit(f"{mode}: the report names {named[:5]}, not row {bad_row}")
        stored = store.counts()["SUPPLIES"]
        want = (0, "rejected") if mode == "whole" else (rows - 1, "ok")
        if (stored, rep.status) != want:
            raise SystemExit(f"{mode}: {rep.status} with {stored} edges stored, wanted {want}")
        out[mode] = {"seconds": seconds, "stored": stored}
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def _upsert_files(path: Path, rounds: int, n: int = 10_000) -> Iterator[bytes]:
    """Per round, `n` supplies rows for the loaded graph: half replace stored edges (same
    supplier, buyer, year and segment; a new amount), half are new (the same parties in a year
    no file has, each key once). Made one round at a time: the stream row stops at the
    engine's first checkpoint, well before `rounds`."""
    with open(path, encoding="utf-8") as f:
        header = next(f)
        for k in range(rounds):
            replaced, new, keys = [], [], set()
            while len(replaced) < n // 2 or len(new) < n - n // 2:
                c = next(f).rstrip("\n").split(",")
                if len(replaced) < n // 2:
                    replaced.append([*c[:3], str(float(c[3] or 0) + 1), *c[4:]])
                key = (c[0], c[1], *c[4:])
                if len(new) < n - n // 2 and key not in keys:
                    keys.add(key)
                    new.append([c[0], c[1], str(2030 + k), "12.5", *c[4:]])
            yield (header + "".join(",".join(r) + "\n" for r in replaced + new)).encode()


# The stream row imports until the engine has checkpointed once (its log shrank), at most this many.
STREAM_ROUNDS = 60


def _upserts(ctx, tmp: Path) -> list[dict]:
    """10k-row supplies imports into a private copy of the loaded graph of `ctx`'s scale: each
    import's rate over ROUNDS imports, then a stream of them until the engine's own checkpoint
    has come once, as a steady writer meets it (docs/domain-model.md, engine notes)."""
    from loaders.importer import STREAM_BYTES, run_import

    store = ctx.writable_copy(tmp / "upsert-db")
    wal = tmp / "upsert-db" / "graph.lbdb.wal"
    before = store.counts()["SUPPLIES"]
    secs, rows, logs = [], [], []
    try:
        for k, data in enumerate(_upsert_files(ctx.files["supplies"], max(ROUNDS, STREAM_ROUNDS))):
            t = time.perf_counter()
            rep = run_import(store, "supplies", data, "upsert.csv", actor="bench")
            secs.append(time.perf_counter() - t)
            if rep.status != "ok":
                raise RuntimeError(f"upsert {rep.status}: {rep.errors[:3]}")
            rows.append(rep.rows)
            logs.append(wal.stat().st_size if wal.exists() else 0)
            if k + 1 >= ROUNDS and (getattr(store, "engine", "") != "ladybug" or (k and logs[-1] < logs[-2])):
                break
        grown = store.counts()["SUPPLIES"] - before
        threshold = getattr(store, "checkpoint_bytes", 0) >> 20
    finally:
        store.close()
    rates = sorted(r / s for r, s in zip(rows[:ROUNDS], secs[:ROUNDS]))
    load = f"load average {os.getloadavg()[0]:.1f}"
    dataset = (f"{ctx.scale} graph ({before} supplies) + {rows[0]} rows per import, half replacing stored edges, "
               f"whole-file path (under {STREAM_BYTES >> 20} MB); "
               f"{grown} edges added over {len(rows)} imports; {load}")
    out = [{"name": "10k-row supplies upsert into the loaded graph", "dataset": dataset, "n": ROUNDS,
            "median": round(statistics.median(rates)), "p95": round(rates[0]), "unit": "rows/s",
            "target": ">= 10000 rows/s (p95 column: the slowest import)"}]
    if len(rows) > ROUNDS:
        # After the first import (which opens the database and warms its pages).
        stream = sum(rows[1:]) / sum(secs[1:])
        out.append({"name": "10k-row upserts in a stream, through one engine checkpoint", "n": len(rows) - 1,
                    "dataset": (f"{ctx.scale} graph; {len(rows) - 1} imports after the first, log "
                                f"{max(logs) >> 20} MB at most, checkpoint threshold {threshold} MB; the import "
                                f"that checkpointed took {max(secs[1:]):.1f} s, the others "
                                f"{statistics.median(secs[1:]):.2f} s median; {load}"),
                    "median": round(stream), "p95": round(min(r / s for r, s in zip(rows[1:], secs[1:]))),
                    "unit": "rows/s", "target": "(rows over time, checkpoint included; p95 column: the slowest)"})
    return out


def _bad_input_rows(files_dir: Path, tmp: Path, scale: str = "province", max_rows: int | None = None) -> list[dict]:
    db = tmp / "bad-input"
    proc = subprocess.run([sys.executable, "-m", "bench.bench_ingest", "bad", str(files_dir), str(db),
                           *([str(max_rows)] if max_rows else [])], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    shutil.rmtree(db, ignore_errors=True)
    if proc.returncode:
        raise RuntimeError(f"bad-input run failed ({proc.returncode})")
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    dataset = (f"{scale} supplies file, {got['rows']} rows, row {got['bad_row']} (in the last 1,000) with a bad "
               f"year; graph holds the enterprises; peak RSS {got['rss_mb']:.0f} MB; "
               f"load average {os.getloadavg()[0]:.1f}")
    return [{"name": "one bad row, all-or-nothing: rejected naming it, nothing written", "dataset": dataset,
             "n": 1, "median": round(got["whole"]["seconds"], 1), "p95": round(got["whole"]["seconds"], 1),
             "unit": "s", "target": f"row {got['bad_row']} named, {got['whole']['stored']} edges stored"},
            {"name": "one bad row, --partial: every other row written", "dataset": dataset, "n": 1,
             "median": round(got["partial"]["seconds"], 1), "p95": round(got["partial"]["seconds"], 1),
             "unit": "s", "target": f"{got['partial']['stored']} of {got['rows'] - 1} good rows stored"}]


def _measure(mode: str, files_dir: Path, tmp: Path) -> dict:
    db = tmp / f"{mode}-{time.monotonic_ns()}"
    proc = subprocess.Popen([sys.executable, "-m", "bench.bench_ingest", mode, str(files_dir), str(db)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    shutil.rmtree(db, ignore_errors=True)
    if proc.returncode:
        raise RuntimeError(f"{mode} load failed ({proc.returncode})")
    return {**json.loads(out.strip().splitlines()[-1]), "rss_mb": usage.ru_maxrss / 1024}


def run(ctx) -> list[dict]:
    files_dir = ctx.files["supplies"].parent
    tmp = Path(tempfile.mkdtemp(prefix="graphsvc-bench-ingest-"))
    got: dict[str, list[dict]] = {"importer": [], "raw": []}
    load_before = os.getloadavg()[0]
    try:
        for _ in range(ROUNDS):
            for mode in ("importer", "raw"):
                got[mode].append(_measure(mode, files_dir, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    counts = got["importer"][0]["counts"]
    if counts != got["raw"][0]["counts"]:
        raise RuntimeError(f"the two loads differ: {counts} vs {got['raw'][0]['counts']}")
    rows_n = counts["Enterprise"] + counts["SUPPLIES"]
    dataset = (f"province: {counts['Enterprise']} enterprises + {counts['SUPPLIES']} supplies; "
               f"load average {load_before:.1f} → {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    out = []
    med = {}
    for mode in ("importer", "raw"):
        secs = sorted(r["seconds"] for r in got[mode])
        rss = sorted(r["rss_mb"] for r in got[mode])
        med[mode] = statistics.median(secs)
        label = "importers (run_import, all checks)" if mode == "importer" else "raw COPY FROM the same files"
        out.append({"name": f"{label}: load", "dataset": dataset, "n": len(secs), "median": round(med[mode], 2),
                    "p95": round(secs[-1], 2), "unit": "s", "target": ""})
        out.append({"name": f"{label}: rows/s", "dataset": dataset, "n": len(secs),
                    "median": round(rows_n / med[mode]), "p95": round(rows_n / secs[-1]), "unit": "rows/s",
                    "target": ""})
        out.append({"name": f"{label}: peak RSS", "dataset": dataset, "n": len(rss),
                    "median": round(statistics.median(rss)), "p95": round(rss[-1]), "unit": "MB",
                    "target": "<= 1024 MB" if mode == "importer" else ""})
    ratios = sorted(r["seconds"] / i["seconds"] for i, r in zip(got["importer"], got["raw"]))
    out.append({"name": "importer speed / raw COPY speed (per round)", "dataset": dataset, "n": len(ratios),
                "median": round(statistics.median(ratios), 2), "p95": round(ratios[0], 2), "unit": "ratio",
                "target": ">= 0.6 (p95 column: the worst round)",
                "rounds": [{"importer_s": round(i["seconds"], 1), "raw_s": round(r["seconds"], 1)}
                           for i, r in zip(got["importer"], got["raw"])]})
    tmp = Path(tempfile.mkdtemp(prefix="graphsvc-bench-ingest-"))
    try:
        out += _upserts(ctx, tmp)
        out += _bad_input_rows(files_dir, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


if __name__ == "__main__":
    if sys.argv[1] == "bad":
        _bad_input(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else None)
    else:
        _child(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
