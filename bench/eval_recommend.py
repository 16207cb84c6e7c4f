"""Offline evaluation of the contractor ranking (issue 4): leave the last delivery out.

For each manufacturer with confirmed deliveries in the province demo graph, hide its most
recent confirmed delivery (by signed date, then id), ask for a recommendation of that
delivery's provider type (and unit) as if the delivery had not happened, and see where the
provider that actually got the job lands. Reported: Hit@10 (it is in the top 10) and
NDCG@10 (1/log2(1 + rank) when it is; one relevant item, so the ideal DCG is 1), for

- the ranking (graphsvc.contractors.recommend, the weights in graphsvc/refdata/ranking_weights.yaml),
- "most delivered": providers of the type by their number of confirmed deliveries of it,
- "random": a seeded shuffle of the same candidates.

All three see the same candidates (the hard filters: offers the type, credit_ok, not the
manufacturer itself) and the same graph minus the hidden delivery. Deliveries whose provider
fails the hard filters (e.g. on the 失信 list) cannot be recommended by design; they are
counted and left out of the metric.

    python -m bench.eval_recommend [--sample 4000] [--seed 7] [--ablation]

writes bench/results/eval_recommend.json.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import defaultdict

import numpy as np

from graphsvc.contractors import recommend as R

K = 10


def targets(ix: R.Index) -> list[R.Dlv]:
    """Each client's most recent confirmed delivery."""
    last: dict[str, R.Dlv] = {}
    for ds in ix.confirmed.values():
        for d in ds:
            cur = last.get(d.client)
            if cur is None or (d.signed, d.id) > (cur.signed, cur.id):
                last[d.client] = d
    return sorted(last.values(), key=lambda d: d.id)


def _hit_ndcg(rank: int | None) -> tuple[float, float]:
    if rank is None or rank > K:
        return 0.0, 0.0
    return 1.0, 1.0 / math.log2(1 + rank)


def evaluate(ix: R.Index, get_manufacturer, weights: dict, sample: int | None = 4000, seed: int = 7,
             progress: bool = False) -> dict:
    """Run the leave-last-out evaluation; `get_manufacturer(uscc) -> Manufacturer`."""
    all_targets = targets(ix)
    eligible = [d for d in all_targets
                if d.provider in ix.providers and ix.providers[d.provider].credit_ok
                and d.ptype in ix.providers[d.provider].types]
    rng = random.Random(seed)
    chosen = eligible if not sample or sample >= len(eligible) else sorted(rng.sample(eligible, sample),
                                                                         key=lambda d: d.id)
    sums = {name: defaultdict(float) for name in ("ranking", "most_delivered", "random")}
    by_type = defaultdict(lambda: defaultdict(float))
    cold = defaultdict(float)
    shuffle = random.Random(seed + 1)
    t0 = time.perf_counter()
    ms = []
    for i, d in enumerate(chosen):
        m = get_manufacturer(d.client)
        q = R.Query(d.ptype, unit=d.unit if d.unit in R.UNIT_RANK else None, limit=K)
        ex = frozenset([d.id])
        t = time.perf_counter()
        best, n_cand, _ = R.top(ix, m, q, weights, K, ex)
        ms.append((time.perf_counter() - t) * 1000)
        ranked = [p for p, _ in best]
        ranks = {"ranking": ranked.index(d.provider) + 1 if d.provider in ranked else None}
        pop = most_delivered(ix, m, q, d, K)
        ranks["most_delivered"] = pop.index(d.provider) + 1 if d.provider in pop else None
        cand = R.candidates(ix, m, q)
        rnd = shuffle.sample(cand, min(K, len(cand)))
        ranks["random"] = rnd.index(d.provider) + 1 if d.provider in rnd else None
        for name, r in ranks.items():
            h, g = _hit_ndcg(r)
            sums[name]["hit"] += h
            sums[name]["ndcg"] += g
            sums[name]["n"] += 1
        h, g = _hit_ndcg(ranks["ranking"])
        by_type[d.ptype]["hit"] += h
        by_type[d.ptype]["ndcg"] += g
        by_type[d.ptype]["n"] += 1
        by_type[d.ptype]["candidates"] += n_cand
        if R.is_cold_start(ix, m, ex):
            cold["hit"] += h
            cold["n"] += 1
        if progress and (i + 1) % 500 == 0:
            print(f"  {i + 1}/{len(chosen)} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    ms.sort()

    def summary(s):
        n = max(1, s["n"])
        return {"hit_at_10": round(s["hit"] / n, 4), "ndcg_at_10": round(s["ndcg"] / n, 4)}

    return {
        "targets": len(all_targets), "eligible": len(eligible), "evaluated": len(chosen),
        "left_out_hard_filters": len(all_targets) - len(eligible), "sample_seed": seed,
        "weights_version": str(weights["version"]),
        "ranking": summary(sums["ranking"]), "most_delivered": summary(sums["most_delivered"]),
        "random": summary(sums["random"]),
        "ranking_by_type": {str(t): {**summary(s), "n": int(s["n"]),
                                     "mean_candidates": round(s["candidates"] / max(1, s["n"]), 1)}
                            for t, s in sorted(by_type.items())},
        "ranking_cold_start": {"n": int(cold["n"]), "hit_at_10": round(cold["hit"] / max(1, cold["n"]), 4)},
        "scoring_ms_median": round(ms[len(ms) // 2], 2) if ms else None,
    }


def most_delivered(ix: R.Index, m: R.Manufacturer, q: R.Query, hidden: R.Dlv, k: int) -> list[str]:
    """Baseline: the candidates with the most confirmed deliveries of the type (the hidden
    one not counted), ties by USCC."""
    tt = ix.tables[q.provider_type]
    n = tt.n_type.copy()
    i = tt.pos.get(hidden.provider)
    if i is not None and hidden.ptype == q.provider_type:
        n[i] -= 1
    ok = {p for p in R.candidates(ix, m, q)}
    idx = [j for j in np.lexsort((np.array(tt.usccs), -n)) if tt.usccs[j] in ok][:k]
    return [tt.usccs[j] for j in idx]


def ablation(ix, get_manufacturer, weights, sample, seed) -> dict:
    """Hit@10 / NDCG@10 with each term switched off in turn (weight 0)."""
    out = {}
    for code in R.TERMS:
        w = {**weights, "terms": {c: dict(t, weight=0.0 if c == code else t["weight"])
                                  for c, t in weights["terms"].items()}}
        r = evaluate(ix, get_manufacturer, w, sample, seed)
        out[code] = r["ranking"]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=4000, help="manufacturers to evaluate (0 = all)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--ablation", action="store_true", help="also switch each term off in turn")
    args = ap.parse_args(argv)

    from bench.common import Context, write_results

    ctx = Context()
    try:
        store = ctx.store()
        weights = R.load_weights()
        t = time.perf_counter()
        ix = R.load_index(store, weights)
        build_s = time.perf_counter() - t
        cache: dict[str, R.Manufacturer] = {}

        def get_m(uscc):
            if uscc not in cache:
                cache[uscc] = R.fetch_links(store, R.fetch_manufacturer(store, uscc), ix)
            return cache[uscc]

        counts = store.counts()
        res = {"dataset": f"province demo graph: {counts['Enterprise']} enterprises, {counts['SUPPLIES']} supplies, "
                          f"{counts['Delivery']} deliveries ({sum(len(v) for v in ix.confirmed.values())} confirmed)",
               "index_build_s": round(build_s, 2), "k": K,
               **evaluate(ix, get_m, weights, args.sample or None, args.seed, progress=True)}
        if args.ablation:
            res["ablation_term_off"] = ablation(ix, get_m, weights, args.sample or None, args.seed)
        path = write_results("eval_recommend", res)
    finally:
        ctx.close()
    print(json.dumps({k: res[k] for k in ("dataset", "evaluated", "ranking", "most_delivered", "random")},
                     ensure_ascii=False, indent=1))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
