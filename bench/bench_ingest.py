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
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
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
    return out


if __name__ == "__main__":
    _child(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
