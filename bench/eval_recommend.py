"""Offline evaluation of the contractor ranking (issues 4 and 17).

Headline: the as-of evaluation. Each client's most recent confirmed delivery is a question:
rank the candidates of its type (offers the type, credit_ok, not the client) with every
feature computed only from what was known on the delivery's signing date (deliveries signed
before it, chain leaders and supply links of earlier years; graphsvc.contractors.asof), and
see where the provider that got the job lands. Hit@10, NDCG@10 and MRR with 95% bootstrap
intervals, overall, by year, by provider type, for cold-start manufacturers and for long-tail
providers (1–4 earlier confirmed deliveries of the type), for

- ``learned``: weights refitted at the start of each half-year by conditional logit on the
  deliveries signed before it (never on a question; graphsvc.contractors.fit), with and
  without the exposure rule (one of the ten slots for a provider new to the type);
  ``learned_yearly``: refitted each year on the earlier years only;
- ``shipped``: the weights file as it is (graphsvc/refdata/ranking_weights.yaml);
- baselines: random, most delivered, popularity within type × industry, type × district;
- ``oracle``: the demo generator's own utility (bench/oracle.py), the ceiling, and
  ``oracle_asof``: the same utility with only the ties the date rules let a ranking know.

Also a reliability table of the learned model's choice probabilities, the weights of each
yearly fit, and (secondary, ``--full-graph N``) the old full-graph leave-last-out figure
(an index of the whole graph minus the hidden delivery: it sees later deliveries).

    python -m bench.eval_recommend [--sample 0] [--seed 7] [--full-graph 1500] [--ablation]

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


def baseline_hook(ax, seed: int):
    """The simple rankers, over the same candidates and as-of counts."""
    rng = np.random.default_rng(seed)

    def hook(q):
        t, di = q.delivery.ptype, ax.divs.get(q.client.division)
        zeros = np.zeros(len(ax.usccs))
        return {"random": rng.random(len(q.cand)), "most_delivered": q.n_type.astype(float),
                "popularity_type_industry": (ax.n_type_div[q.cand, t, di].astype(float) if di is not None
                                             else np.zeros(len(q.cand))),
                "popularity_type_district": ax.n_type_district.get((t, q.client.district), zeros)[q.cand]}

    return hook


def evaluate_asof(store, weights: dict, sample: int | None, seed: int, oracle: bool = True,
                  variants: dict | None = None) -> dict:
    """The rolling as-of evaluation (see the module docstring)."""
    from graphsvc.contractors import asof as A
    from graphsvc.contractors import fit as F

    t = time.perf_counter()
    g = A.read_graph(store, weights)
    read_s = time.perf_counter() - t
    ax = A.AsOf(g, weights)
    asks = set(F.targets(ax))
    if sample and sample < len(asks):
        asks = set(random.Random(seed).sample(sorted(asks), sample))
    hooks = [baseline_hook(ax, seed)]
    if oracle:
        from bench.oracle import oracle_hook
        hooks.append(oracle_hook(ax))

    def hook(q):
        out = {}
        for h in hooks:
            out.update(h(q))
        return out

    learned = {"rolling": True, "rank_all": True, "refit": F.REFIT}
    exposure = weights.get("exposure") or {"slots": 1, "max_deliveries": 4}
    models = {"learned": learned, "learned_exposure": {**learned, "exposure": exposure},
              "learned_yearly": {**learned, "refit": "year"},
              "shipped": {k: v for k, v in weights.items() if k != "exposure"},
              **{name: {**learned, **v} for name, v in (variants or {}).items()}}
    t = time.perf_counter()
    rp = F.replay(ax, models, weights, seed=seed, question_ids=asks, question_hook=hook,
                  progress=lambda n, d: print(f"  {n} questions ({d}, {time.perf_counter() - t:.0f} s)",
                                              file=sys.stderr))
    replay_s = time.perf_counter() - t
    names = [*models, "random", "most_delivered", "popularity_type_industry", "popularity_type_district"]
    names += ["oracle", "oracle_asof"] if oracle else []
    res = {"questions": len(rp.rows), "skipped_not_a_candidate": rp.skipped, "read_s": round(read_s, 1),
           "replay_s": round(replay_s, 1), "metrics": F.summary(rp.rows, names),
           "reliability_learned": F.reliability(rp.rows, "learned"),
           "variants_vs_learned": {name: F.paired_difference(rp.rows, name, "learned") for name in variants or {}},
           "fits": {str(y): {"weights": {c: round(float(v), 3) for c, v in zip(A.COLUMNS, f.weights)},
                             **{k: v for k, v in f.stats.items() if k != "std_errors"}}
                    for y, f in sorted(rp.fits.items())}}
    for name in names:
        m = res["metrics"][name]["all"]
        lt, cs = res["metrics"][name]["long_tail_1_4"], res["metrics"][name]["cold_start"]
        print(f"  {name:<26} hit@10 {m['hit_at_10']:.3f} {m['hit_at_10_ci95']}  ndcg@10 {m['ndcg_at_10']:.3f} "
              f"{m['ndcg_at_10_ci95']}  mrr {m['mrr']:.3f}  long-tail {lt.get('hit_at_10', 0):.3f} "
              f"cold {cs.get('hit_at_10', 0):.3f}", file=sys.stderr)
    for name, diff in res["variants_vs_learned"].items():
        print(f"  {name} - learned: hit@10 {diff['hit_at_10_diff']:+.4f} {diff['ci95']} (paired)", file=sys.stderr)
    return res


def _variant(text: str) -> dict:
    """'same_chain,chain_specialisation@half' -> {"drop": (...), "refit": "half"}."""
    cols, _, refit = text.partition("@")
    return {"drop": tuple(c for c in cols.split(",") if c), "refit": refit or "year"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=0, help="questions of the as-of evaluation (0 = all)")
    ap.add_argument("--full-graph", type=int, default=1500,
                    help="manufacturers for the secondary full-graph figure (0 = skip)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-oracle", action="store_true", help="skip regenerating the demo world for the oracle")
    ap.add_argument("--ablation", action="store_true", help="also switch each term off in turn (full graph)")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME=COL,COL[@half]",
                    help="also a rolling fit without these columns (default: the experimental ones; "
                         "@half: refitted each half-year), on the same questions")
    args = ap.parse_args(argv)

    from bench.common import Context, write_results

    ctx = Context()
    try:
        store = ctx.store()
        weights = R.load_weights()
        variants = {v.split("=")[0]: _variant(v.split("=", 1)[1]) for v in args.variant}
        asof = evaluate_asof(store, weights, args.sample or None, args.seed, oracle=not args.no_oracle,
                             variants=variants)
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
               "weights_version": str(weights["version"]), "k": K, "as_of": asof, "index_build_s": round(build_s, 2)}
        if args.full_graph:
            res["full_graph_secondary"] = evaluate(ix, get_m, weights, args.full_graph, args.seed, progress=True)
        if args.ablation:
            res["ablation_term_off"] = ablation(ix, get_m, weights, args.full_graph or None, args.seed)
        path = write_results("eval_recommend", res)
    finally:
        ctx.close()
    head = {n: res["as_of"]["metrics"][n]["all"] for n in res["as_of"]["metrics"]}
    print(json.dumps({"dataset": res["dataset"], "as_of": head,
                      "full_graph_secondary": (res.get("full_graph_secondary") or {}).get("ranking")},
                     ensure_ascii=False, indent=1))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
