"""Candidate ranking features, measured before anyone serves them (issue 17).

One as-of replay (graphsvc.contractors.asof, the same clock and candidates as
bench/eval_recommend.py) records, besides the model's columns, raw counts from which other
specialisation estimates can be computed; then each variant (the served columns plus one
candidate column) is refitted by conditional logit at the start of every half-year on what
was signed before it, as fit.replay does, and its Hit@10 is compared with the served columns'
on the same questions (paired bootstrap). ``--truth`` adds the demo generator's hidden
specialisation (bench/oracle.py's world) as a column: not a feature anyone can serve, but the
most any specialisation estimate could add under this model.

    python -m bench.rank_features [--sample 6000] [--truth] [--variant NAME ...]

writes bench/results/rank_features.json.
"""
from __future__ import annotations

import argparse
import random
import sys
import time

import numpy as np

from graphsvc.contractors import asof as A
from graphsvc.contractors import fit as F
from graphsvc.contractors import recommend as R

RAW = ("n_div", "n_all", "share", "n_div_far", "n_all_far", "local_share", "true_spec")
SERVED = tuple(c for c in A.COLUMNS if c not in A.EXPERIMENTAL)
E4 = float(np.e ** 4)


class Recorder(A.AsOf):
    """AsOf that also counts, as of the clock, each provider's deliveries to clients outside
    its own district and every district's deliveries per client industry."""

    def __init__(self, g: A.Graph, weights: dict, truth=None):
        super().__init__(g, weights)
        n, nd = len(self.usccs), len(self.divs) + 1
        self.dcode = {x: k for k, x in enumerate(sorted({str(v) for v in self.district}))}
        self.pdist = np.array([self.dcode[str(v)] for v in self.district])
        self.n_div_far = np.zeros((n, nd))
        self.n_all_far = np.zeros(n)
        self.dist_div = np.zeros((len(self.dcode) + 1, nd))
        self.truth = truth            # (provider index -> hidden spec row or -1, spec, industry index)

    def _add(self, d: R.Dlv) -> None:
        super()._add(d)
        i = self.pos.get(d.provider)
        if i is None or d.status != "confirmed":
            return
        di = self.divs.get(d.division, len(self.divs))
        cl = self.clients.get(d.client)
        district = cl.district if cl else None
        if district != self.district[i]:
            self.n_div_far[i, di] += 1
            self.n_all_far[i] += 1
        if district:
            self.dist_div[self.dcode.get(str(district), len(self.dcode)), di] += 1

    def features(self, m, ptype, unit, date):
        cand, X, cold = super().features(m, ptype, unit, date)
        E = np.zeros((len(cand), len(RAW)))
        di = self.divs.get(m.division) if m.division else None
        E[:, 1] = self.n_all[cand]
        E[:, 4] = self.n_all_far[cand]
        if di is not None:
            share = R.division_share(self.div_total[di], self.total)
            E[:, 0], E[:, 2], E[:, 3] = self.n_div[cand, di], share, self.n_div_far[cand, di]
            local = self.dist_div[self.pdist[cand]]
            E[:, 5] = (local[:, di] + 1) / (local.sum(axis=1) + 1 / share)
        if self.truth is not None:
            row, spec, ind_of = self.truth
            j = row[cand]
            if m.division in ind_of:
                E[:, 6] = np.where(j >= 0, spec[np.maximum(j, 0), ind_of[m.division]], 0)
        return cand, np.hstack([X, E]), cold


def truth_of(ax: A.AsOf):
    """The generator's hidden specialisations, per AsOf provider index (bench/oracle.py's world)."""
    from graphsvc.demo import generate as G

    w, t = G.world("province", 2023)
    ent_of = {u: i for i, u in enumerate(t["uscc"])}
    pos = {int(e): j for j, e in enumerate(w.truth["prov"])}
    row = np.array([pos.get(ent_of.get(u, -1), -1) for u in ax.usccs])
    return row, w.truth["spec"], {c: i for i, c in enumerate(w.industry_codes)}


def collect(ax: A.AsOf, asks: set, seed: int = 7) -> dict:
    """Training choices (the chosen row and sampled others, drawn as fit.replay draws them) and
    the questions' full candidate matrices, in signing order."""
    rng = np.random.default_rng(seed)
    order = np.argsort(np.argsort(np.array(ax.usccs)))
    train, qs = [], []
    for d, q in F.choice_questions(ax):
        train.append((F._period(d.signed, "half"), F.sample_choice(q.X, q.chosen, rng)[0]))
        if d.id in asks:
            qs.append({"period": F._period(d.signed, "half"), "X": q.X.astype(np.float32), "chosen": q.chosen,
                       "n_type": q.n_type, "order": order[q.cand], "cold_start": q.cold_start})
    return {"train": train, "questions": qs, "columns": A.COLUMNS + RAW}


# ---------------------------------------------------------------- candidate columns

def posterior_x(n, N, share, z: float = 8.0, prior_mult: float = 2.5):
    """ln(1 + (e⁴ − 1)·P(specialist)): the generator's specialisation factor in expectation,
    P from a binomial likelihood ratio of n deliveries in the industry out of N (a specialist's
    rate e⁴·share/(z + (e⁴ − 1)·share) against share/z) and a prior of prior_mult × share.

    >>> [round(float(x), 2) for x in posterior_x(np.array([0, 0, 3]), np.array([0, 20, 3]), 0.05)]
    [2.04, 0.02, 4.0]
    """
    d = np.clip(share, 1e-4, 0.5)
    q0, q1 = d / z, E4 * d / (z + (E4 - 1) * d)
    llr = n * np.log(q1 / q0) + (N - n) * np.log((1 - q1) / (1 - q0))
    pi = np.clip(prior_mult * d, 1e-3, 0.9)
    p = 1 / (1 + np.exp(-np.clip(np.log(pi / (1 - pi)) + llr, -50, 50)))
    return np.log1p((E4 - 1) * p)


def variants(ci: dict) -> dict:
    """{name: {column: fn(raw matrix) -> values}}: the served columns plus one candidate each."""
    base = {c: (lambda M, j=ci[c]: M[:, j]) for c in SERVED}

    def raw(name):
        return lambda M: M[:, ci[name]]

    return {
        "served": base,
        "posterior": {**base, "posterior": lambda M: posterior_x(raw("n_div")(M), raw("n_all")(M), raw("share")(M))},
        "local_share": {**base, "local_share": lambda M: R.specialisation_x(
            raw("n_div")(M), raw("n_all")(M), raw("local_share")(M), 2.0)},
        "outside_district": {**base, "outside_district": lambda M: R.specialisation_x(
            raw("n_div_far")(M), raw("n_all_far")(M), raw("share")(M), 2.0)},
        "chain": {**base, "same_chain": raw("same_chain"), "chain_specialisation": raw("chain_specialisation")},
        "true_spec": {**base, "true_spec": raw("true_spec")},
    }


def rolling(data: dict, cols: dict, base: dict, l2: float = 1.0) -> tuple[list, dict]:
    """Half-yearly refits on everything signed before each half-year; each question's rank and
    top-10 position under the fit of its own half-year."""
    names = list(cols)
    pp = base.get("policy_prior") or {}
    prior = np.array([float(pp.get(n, 0.0)) for n in names])
    free = np.array([n not in F.FIXED for n in names])
    raw = np.vstack([x for _, x in data["train"]]).astype(float)
    T = np.column_stack([f(raw) for f in cols.values()])
    ends = np.cumsum([len(x) for _, x in data["train"]])
    train = [(T[e - len(x): e], 0) for e, (_, x) in zip(ends, data["train"])]
    periods = [p for p, _ in data["train"]]
    fits, w = {}, prior
    for p in sorted({q["period"] for q in data["questions"]}):
        past = train[: sum(1 for x in periods if x < p)]   # signing order
        w = F.fit_logit(past, prior, free, l2, np.zeros(len(names))).weights if past else prior
        fits[p] = w
    ranks = []
    for q in data["questions"]:
        s = np.column_stack([f(q["X"].astype(float)) for f in cols.values()]) @ fits[q["period"]]
        ranks.append(F.rank_of(s, q["n_type"], q["order"], q["chosen"]))
    return ranks, {p: dict(zip(names, np.round(v, 3).tolist())) for p, v in fits.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=6000, help="questions (0 = all)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--truth", action="store_true", help="also the generator's hidden specialisation")
    ap.add_argument("--variant", action="append", default=[], help="variants to fit (default: all)")
    args = ap.parse_args(argv)

    from bench.common import Context, write_results

    ctx = Context()
    try:
        g = A.read_graph(ctx.store(), R.load_weights())
    finally:
        ctx.close()
    weights = F.with_model_terms(R.load_weights(), g.providers)
    ax = Recorder(g, weights)
    if args.truth:
        ax.truth = truth_of(ax)
    asks = sorted(F.targets(ax))
    if args.sample and args.sample < len(asks):
        asks = random.Random(args.seed).sample(asks, args.sample)
    t = time.perf_counter()
    data = collect(ax, set(asks), args.seed)
    print(f"replayed in {time.perf_counter() - t:.0f} s: {len(data['questions'])} questions", file=sys.stderr)
    ci = {c: j for j, c in enumerate(data["columns"])}
    by_name = variants(ci)
    chosen = ["served", *(args.variant or [v for v in by_name if v != "served"])]
    if not args.truth:
        chosen = [v for v in chosen if v != "true_spec"]
    rows = [{"cold_start": q["cold_start"], "ranks": {}, "top10": {}} for q in data["questions"]]
    res = {"questions": len(rows), "variants": {}}
    for name in chosen:
        ranks, fits = rolling(data, by_name[name], weights)
        for r, k in zip(rows, ranks):
            r["ranks"][name], r["top10"][name] = k, (k if k <= F.K else None)
        all_, cold = F.metrics(rows, name), F.metrics([r for r in rows if r["cold_start"]], name)
        res["variants"][name] = {"all": all_, "cold_start": cold, "last_fit": fits[max(fits)],
                                 "vs_served": F.paired_difference(rows, name, "served") if name != "served" else None}
        print(f"  {name:<18} hit@10 {all_['hit_at_10']:.4f} ndcg@10 {all_['ndcg_at_10']:.4f} "
              f"cold {cold['hit_at_10']:.4f}  vs served {res['variants'][name]['vs_served']}", file=sys.stderr)
    print(f"wrote {write_results('rank_features', res)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
