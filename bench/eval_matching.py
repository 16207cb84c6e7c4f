"""Evaluation of name matching (issue #24): precision and recall of `matched`, review share, speed.

The cases are variants of the demo enterprises' names (graphsvc.matching.variants: brackets,
region placed, dropped or spelt out, company forms, traditional characters, spaces and
punctuation, typing slips) and look-alikes that must not match (branches, the same trade name in
another city, unrelated names, the exact names of enterprises held out of the index). The index
is built from the demo's enterprises file, the rows `matching/names` reads from the graph.

    python -m bench.eval_matching [--scale small|province] [--per-kind 1000] [--speed 10000]

writes bench/results/eval_matching_<scale>.json. Speed: the index build, and matching `--speed`
names (the cases, repeated) against the whole index; target ≤ 10 s for 10,000 names at province
scale.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench.common import RESULTS
from graphsvc.matching.index import NameIndex
from graphsvc.matching.match import match_name
from graphsvc.matching.normalise import resolve_place
from graphsvc.matching.variants import evaluate, generate, split, with_former_names


def enterprise_rows(scale: str) -> list[dict]:
    if scale == "province":
        from bench.common import Context

        path = Context().files["enterprises"]
    else:
        from graphsvc.demo.generate import generate as demo

        path = demo("small", Path(tempfile.mkdtemp(prefix="eval-matching-")))["enterprises"]
    df = pd.read_csv(path, dtype=str, usecols=["uscc", "name", "region_code", "industry_code"]).fillna("")
    return df.to_dict("records")


def run_cases(index: NameIndex, cases: list[dict]) -> list[dict]:
    return [match_name(index, c["name"], [resolve_place(c["region"])] if c["region"] else []) for c in cases]


def evaluate_scale(scale: str, per_kind: int, speed_n: int, seed: int = 7) -> dict:
    rows, held_out = split(enterprise_rows(scale), share=0.05, seed=seed)
    rows = with_former_names(rows, share=0.2, seed=seed)   # a fifth of the enterprises were renamed
    t = time.perf_counter()
    index = NameIndex(rows)
    build_s = time.perf_counter() - t
    cases = generate(rows, seed=seed, per_kind=per_kind, held_out=held_out)
    results = run_cases(index, cases)
    report = evaluate(cases, results)
    names = [cases[i % len(cases)] for i in range(speed_n)]
    t, c = time.perf_counter(), time.process_time()
    run_cases(index, names)
    match_s, match_cpu = time.perf_counter() - t, time.process_time() - c
    report["speed"] = {"indexed_names": len(index), "index_build_s": round(build_s, 2), "names_matched": speed_n,
                       "match_s": round(match_s, 2), "match_cpu_s": round(match_cpu, 2), "per_name_ms": round(1000 * match_s / speed_n, 3),
                       "target": "<= 10 s for 10,000 names at province scale"}
    report["scale"], report["per_kind"] = scale, per_kind
    report["must_hold"] = {
        "precision_ge_99_5": (report["overall"]["precision"] or 0) >= 0.995,
        "recall_ge_90": (report["overall"]["recall"] or 0) >= 0.90,
        "no_branch_matched": report["by_kind"]["branch"]["matched"] == 0,
        "no_cross_city_match": report["by_kind"]["other_city"]["matched"] == 0,
    }
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=("small", "province"), default="province")
    ap.add_argument("--per-kind", type=int, default=1000)
    ap.add_argument("--speed", type=int, default=10_000)
    args = ap.parse_args(argv)
    report = evaluate_scale(args.scale, args.per_kind, args.speed)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"eval_matching_{args.scale}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(json.dumps({k: report[k] for k in ("overall", "speed", "must_hold")}, ensure_ascii=False, indent=1))
    for kind, t in report["by_kind"].items():
        print(f"{kind:30s} cases {t['cases']:5d}  matched {t['matched']:5d}  wrong {t['wrong']:3d}  "
              f"recall {t['recall']}  review {t['review_share']}")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
