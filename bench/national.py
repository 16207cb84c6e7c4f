"""National scale on one machine (issue #19): `make bench-national`, not part of `make bench`.

Generates `graphsvc demo --scale national` (10x the province: 2M enterprises, ~20M supply
edges; GRAPHSVC_BENCH_NATIONAL_SCALE sets another multiple), loads it through the importers
into bench/.data/<scale>-db (kept, like the province graph), and reports the load time, peak
RSS of the load, the database's size on disk, and the figure calls of bench/bench_engines.py
(local-supply table, a leader's detail, a chain's coverage, a recommendation) on the national
and the province graph with the same harness, each with its growth ratio national / province
beside the data's own growth. Writes bench/results/national.json.
"""
from __future__ import annotations

import os
import resource
import sys
import time

from bench.bench_engines import _figure_calls
from bench.common import Context, timed, write_results

SCALE = os.environ.get("GRAPHSVC_BENCH_NATIONAL_SCALE", "national")


def _size_mb(path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def _figures(store) -> dict:
    return {name: timed(fn, repeat=5, warmup=1) for name, fn in _figure_calls(store).items()}


def run() -> list[dict]:
    big = Context(SCALE)
    t = time.perf_counter()
    files = big.files
    gen_s = time.perf_counter() - t
    store = big.store()
    counts = store.counts()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    dataset = (f"{SCALE}: {counts['Enterprise']} ent, {counts['SUPPLIES']} supplies, {counts['Delivery']} deliveries; "
               f"load average {os.getloadavg()[0]:.1f}")
    rows = [
        {"name": "generate the files", "dataset": dataset, "n": 1, "median": round(gen_s, 1), "p95": round(gen_s, 1),
         "unit": "s", "target": ""},
        {"name": "load through the importers (all kinds)", "dataset": dataset, "n": 1,
         "median": round(big.load_seconds, 1), "p95": round(big.load_seconds, 1), "unit": "s", "target": "<= 480 s"},
        {"name": "peak RSS of this process (load and figures)", "dataset": dataset, "n": 1, "median": round(rss),
         "p95": round(rss), "unit": "MB", "target": "<= 8192 MB"},
        {"name": "database on disk", "dataset": dataset, "n": 1, "median": round(_size_mb(big.data_dir())),
         "p95": round(_size_mb(big.data_dir())), "unit": "MB", "target": "reported"},
        {"name": "input files", "dataset": dataset, "n": 1, "median": round(sum(p.stat().st_size for p in files.values()) / 2**20),
         "p95": None, "unit": "MB", "target": "reported"},
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
    return rows


def main() -> int:
    rows = run()
    write_results("national", rows)
    for r in rows:
        print(f"{r['name']:<52} {r['median']!s:>10} {r['unit']:<6} {r['target']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
