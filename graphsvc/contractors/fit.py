"""Learning the ranking weights (issue 17): a conditional logit over the candidates of each
delivery, and the rolling as-of evaluation that scores it.

Each confirmed delivery is one choice: the provider that got the job among the candidates
of its type on its signing date (``asof.AsOf``), with each candidate's term values as the
features. The weights maximise the conditional-logit likelihood with an L2 pull towards the
previous weights; terms the demo data cannot teach (``FIXED``) keep their policy weights and
enter as an offset. To keep the fit small, each choice keeps the chosen provider and a uniform
random sample of the others, which leaves the conditional-logit estimate consistent.

The rolling evaluation replays the graph in signing order. Each client's most recent
confirmed delivery is a question; every confirmed delivery is a training choice for the
periods after its own (rolling origin). At the first delivery of each half-year (``REFIT``;
or of each year) the model is refitted on every choice signed before it, and that period's
questions are ranked with it: no model is fitted on a delivery it is asked about, nor on
anything signed in or after its period.
"""
from __future__ import annotations

import copy
import datetime as _dt
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

from graphsvc.contractors import asof as A
from graphsvc.contractors import recommend as R

# Terms whose weights are policy, not data (see ranking_weights.yaml): an offset in the fit.
FIXED = ("served_me", "disputes")
# Alternatives kept per training choice besides the chosen one.
SAMPLE_ALTERNATIVES = 60
K = 10


@dataclass
class Fit:
    weights: np.ndarray            # in asof.COLUMNS order
    stats: dict


def stack(choices: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, group start offsets, row of the chosen alternative per group)."""
    sizes = np.array([len(x) for x, _ in choices])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    X = np.vstack([x for x, _ in choices]) if choices else np.zeros((0, len(A.COLUMNS)))
    chosen = starts + np.array([c for _, c in choices], dtype=np.int64)
    return X, starts, chosen


def _group_softmax(s: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mx = np.maximum.reduceat(s, starts)
    e = np.exp(s - np.repeat(mx, sizes))
    den = np.add.reduceat(e, starts)
    return e / np.repeat(den, sizes), mx + np.log(den)


def fit_logit(choices: list[tuple[np.ndarray, int]], prior: np.ndarray, free: np.ndarray, l2: float = 1.0,
              lower: np.ndarray | None = None) -> Fit:
    """Maximum-likelihood conditional logit with an L2 penalty (strength `l2`) towards `prior`
    on the free coefficients; the others stay at `prior`. `lower`: per-coefficient lower bounds."""
    X, starts, chosen = stack(choices)
    n = len(starts)
    sizes = np.diff(np.concatenate([starts, [len(X)]]))
    xc = X[chosen].sum(axis=0)
    prior = np.asarray(prior, dtype=float)
    free = np.asarray(free, dtype=bool)
    idx = np.flatnonzero(free)

    def full(v):
        w = prior.copy()
        w[idx] = v
        return w

    def nll(v):
        w = full(v)
        p, lse = _group_softmax(X @ w, starts, sizes)
        f = lse.sum() - xc @ w + 0.5 * l2 * np.sum((v - prior[idx]) ** 2)
        g = (X.T @ p - xc)[idx] + l2 * (v - prior[idx])
        return f, g

    lo = lower if lower is not None else np.full(len(prior), -np.inf)
    res = minimize(nll, prior[idx], jac=True, method="L-BFGS-B",
                   bounds=[(None if not np.isfinite(lo[i]) else lo[i], None) for i in idx])
    w = full(res.x)
    p, lse = _group_softmax(X @ w, starts, sizes)
    ll = float(xc @ w - lse.sum())
    ll0 = float(-np.log(sizes).sum())
    # Standard errors from the observed information (penalty included) of the free terms.
    Xp = X * p[:, None]
    m = np.add.reduceat(Xp, starts, axis=0) if n else np.zeros((0, X.shape[1]))
    H = X.T @ Xp - m.T @ m
    Hf = H[np.ix_(idx, idx)] + l2 * np.eye(len(idx))
    try:
        se = np.sqrt(np.clip(np.diag(np.linalg.inv(Hf)), 0, None))
    except np.linalg.LinAlgError:
        se = np.full(len(idx), np.nan)
    stats = {"choices": int(n), "alternatives": int(len(X)), "log_likelihood": round(ll, 2),
             "null_log_likelihood": round(ll0, 2), "mcfadden_r2": round(1 - ll / ll0, 4) if ll0 else None,
             "l2": l2, "converged": bool(res.success), "iterations": int(res.nit),
             "std_errors": {A.COLUMNS[i]: round(float(s), 4) for i, s in zip(idx, se)}}
    return Fit(w, stats)


def sample_choice(X: np.ndarray, chosen: int, rng: np.random.Generator, k: int = SAMPLE_ALTERNATIVES):
    """The chosen row and `k` other rows drawn uniformly (the chosen one becomes row 0)."""
    others = np.delete(np.arange(len(X)), chosen)
    take = rng.choice(others, size=min(k, len(others)), replace=False)
    return X[np.concatenate([[chosen], take])].astype(np.float32), 0


# ---------------------------------------------------------------- rolling replay

def free_mask(drop: tuple = A.EXPERIMENTAL) -> np.ndarray:
    """The coefficients a fit learns: not FIXED, not dropped (those stay at the prior, 0)."""
    return np.array([c not in FIXED and c not in drop for c in A.COLUMNS])


def policy_vector(weights: dict) -> np.ndarray:
    """The hand-set policy weights (``policy_prior`` in the weights file, never fitted to
    data) in asof.COLUMNS order; a term it does not name weighs 0. Without the block, the
    file's own weights.

    >>> v = policy_vector({"terms": {"same_district": {"weight": 9.0}},
    ...                    "policy_prior": {"same_district": 1.6, "same_city": 0.7}})
    >>> float(v[A.COLUMNS.index("same_district")]), float(v[A.COLUMNS.index("specialisation")])
    (1.6, 0.0)
    """
    pp = weights.get("policy_prior")
    if not pp:
        return A.weight_vector(weights)
    return np.array([float(pp.get(c, 0.0)) for c in A.COLUMNS])


def lower_bounds() -> np.ndarray:
    """Every learned weight is >= 0 (the reasons read as evidence for, disputes as against)."""
    return np.zeros(len(A.COLUMNS))


def targets(ax: A.AsOf) -> dict[str, R.Dlv]:
    """Each client's most recent confirmed delivery (the questions), by id."""
    last: dict[str, R.Dlv] = {}
    for d in ax.dlv:
        if d.status == "confirmed":
            cur = last.get(d.client)
            if cur is None or (d.signed, d.id) > (cur.signed, cur.id):
                last[d.client] = d
    return {d.id: d for d in last.values()}


@dataclass
class Replay:
    """What a rolling replay gathered: training choices per year and the questions asked."""

    train: dict[int, list] = field(default_factory=dict)     # year -> [(X sample, chosen row)]
    fits: dict[int, Fit] = field(default_factory=dict)        # evaluated year -> fit on earlier years
    rows: list[dict] = field(default_factory=list)            # one per question (see ask())
    skipped: int = 0


def rank_of(s: np.ndarray, n_type: np.ndarray, order: np.ndarray, c: int) -> int:
    """1-based rank of candidate `c` by score, then type experience, then USCC (`order`)."""
    sc, tc = s[c], n_type[c]
    above = s > sc + 1e-12
    tie = np.abs(s - sc) <= 1e-12
    tie_before = tie & ((n_type > tc) | ((n_type == tc) & (order < order[c])))
    return int(above.sum() + tie_before.sum()) + 1


def replay(ax: A.AsOf, models: dict, base: dict, *, l2: float = 1.0, seed: int = 7, years: tuple | None = None,
           question_hook=None, progress=None, sample: int = SAMPLE_ALTERNATIVES,
           question_ids: set | None = None) -> Replay:
    """Replay the graph in signing order, fitting at each new year and asking each question.

    `models`: {name: weights doc}; a doc with ``rolling: true`` takes its weights from the
    rolling fit (its other keys, e.g. ``exposure``, still apply; ``drop``: the columns left out
    of its fit, weight 0, by default asof.EXPERIMENTAL; ``refit``: ``year`` (default) or
    ``half``, refitted on the first delivery of each half-year on everything signed before it;
    variants are compared on the same questions). `question_hook(q)`
    may add scores {name: vector over q.cand} for other rankers (baselines, the oracle).
    """
    rng = np.random.default_rng(seed)
    asks = question_ids if question_ids is not None else set(targets(ax))
    order = np.argsort(np.argsort(np.array(ax.usccs)))
    out = Replay()
    # Never the weights file's fitted weights: they were learned on every year, the
    # evaluated ones included. The hand-set policy prior anchors each fit and ranks the
    # questions of a year with no earlier year to learn from.
    prior = policy_vector(base)
    variants = sorted({_variant(w) for w in models.values() if w.get("rolling")} | {DEFAULT_VARIANT})
    current = {v: _dropped(prior, v[0]) for v in variants}
    seen: dict[str, str] = {}
    for d in ax.dlv:
        if d.status != "confirmed" or not d.signed:
            continue
        y = int(d.signed[:4])
        due = [v for v in variants if seen.get(v[1]) != _period(d.signed, v[1])]
        # Every choice so far was signed before this delivery's period began (signing order).
        past = [c for yy in sorted(out.train) for c in out.train[yy]] if due else []
        for v in due:
            if past:
                f = fit_logit(past, _dropped(prior, v[0]), free_mask(v[0]), l2, lower_bounds())
                if v == DEFAULT_VARIANT:
                    out.fits[y] = f
                current[v] = f.weights
        seen.update((v[1], _period(d.signed, v[1])) for v in variants)
        is_q = d.id in asks
        q = ax.question(d)
        if q is None or q.chosen is None or len(q.cand) < 2:
            out.skipped += int(is_q)
            continue
        # Rolling origin: every delivery trains only the fits of the periods after its own (the
        # years after y, or the half-years after its half), so no model is ever fitted on a
        # delivery it is asked about.
        out.train.setdefault(y, []).append(sample_choice(q.X, q.chosen, rng, sample))
        if not is_q or (years and y not in years):
            continue
        row = ask(ax, q, models, current, order, question_hook)
        row["fitted"] = y in out.fits
        out.rows.append(row)
        if progress and len(out.rows) % 2000 == 0:
            progress(len(out.rows), d.signed)
    return out


DEFAULT_VARIANT = (A.EXPERIMENTAL, "year")
# The schedule of the rolling evaluation's headline model: refitted each half-year on
# everything signed before it (issue 17: +0.009 Hit@10 over yearly refits, paired, mostly the
# second half of the first year, which a yearly schedule ranks with the policy prior).
REFIT = "half"


def _variant(doc: dict) -> tuple:
    """(columns dropped, refit schedule) of a rolling model."""
    return tuple(doc.get("drop", A.EXPERIMENTAL)), doc.get("refit", "year")


def _period(signed: str, schedule: str) -> str:
    return signed[:4] if schedule == "year" else f"{signed[:4]}H{1 if signed[5:7] <= '06' else 2}"


def _dropped(w: np.ndarray, drop: tuple) -> np.ndarray:
    """`w` with the columns named in `drop` at 0."""
    return np.where([c in drop for c in A.COLUMNS], 0.0, w)


def ask(ax: A.AsOf, q: A.Question, models: dict, rolling: dict, order: np.ndarray, hook) -> dict:
    """Where the chosen provider lands under each model: {model: {rank, top10 rank, p}}."""
    c = q.chosen
    n_type = q.n_type
    o = order[q.cand]
    usccs = [ax.usccs[i] for i in q.cand]
    valid = np.ones(len(q.cand), dtype=bool)
    row = {"id": q.delivery.id, "year": int(q.delivery.signed[:4]), "ptype": q.delivery.ptype,
           "cold_start": q.cold_start, "candidates": len(q.cand), "prior_type": int(n_type[c]),
           "prior_same_industry": int(q.X[c, A.COLUMNS.index("same_industry")] > 0),
           "ranks": {}, "top10": {}, "p": {}, "p_top": {}}
    scores = {}
    for name, w in models.items():
        vec = rolling[_variant(w)] if w.get("rolling") else A.weight_vector(w)
        scores[name] = (q.X @ vec, w)
    if hook:
        for name, s in hook(q).items():
            scores[name] = (s, {"rank_all": True})
    for name, (s, doc) in scores.items():
        row["ranks"][name] = rank_of(s, n_type, o, c)
        if doc.get("exposure") or not doc.get("rank_all"):
            best = R.best_of(s, n_type, valid, usccs, K, doc)
            row["top10"][name] = best.index(c) + 1 if c in best else None
        else:
            row["top10"][name] = row["ranks"][name] if row["ranks"][name] <= K else None
        if name in models:
            p = R.choice_probabilities(s, valid)
            row["p"][name] = float(p[c])
            top = np.argsort(-s)[:K]
            row["p_top"][name] = [(float(p[i]), bool(i == c)) for i in top]
    return row


# ---------------------------------------------------------------- metrics

def metrics(rows: list[dict], name: str, n_boot: int = 1000, seed: int = 11) -> dict:
    """Hit@10, NDCG@10 and MRR with 95% bootstrap intervals over the questions."""
    if not rows:
        return {"n": 0}
    top = np.array([r["top10"][name] or 0 for r in rows], dtype=float)
    full = np.array([r["ranks"][name] for r in rows], dtype=float)
    hit = (top > 0).astype(float)
    ndcg = np.where(top > 0, 1 / np.log2(1 + np.maximum(top, 1)), 0.0)
    rr = np.where(top > 0, 1 / np.maximum(top, 1), 1 / full)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(rows), size=(n_boot, len(rows)))
    out = {"n": len(rows)}
    for key, v in (("hit_at_10", hit), ("ndcg_at_10", ndcg), ("mrr", rr)):
        b = v[idx].mean(axis=1)
        out[key] = round(float(v.mean()), 4)
        out[key + "_ci95"] = [round(float(np.percentile(b, 2.5)), 4), round(float(np.percentile(b, 97.5)), 4)]
    return out


def paired_difference(rows: list[dict], name: str, ref: str, n_boot: int = 1000, seed: int = 11) -> dict:
    """Hit@10 of `name` minus that of `ref` on the same questions, with a paired 95% bootstrap
    interval (much tighter than the two separate intervals)."""
    d = np.array([(r["top10"][name] is not None) - (r["top10"][ref] is not None) for r in rows], dtype=float)
    if not len(d):
        return {"n": 0}
    b = d[np.random.default_rng(seed).integers(0, len(d), size=(n_boot, len(d)))].mean(axis=1)
    return {"n": len(d), "hit_at_10_diff": round(float(d.mean()), 4),
            "ci95": [round(float(np.percentile(b, 2.5)), 4), round(float(np.percentile(b, 97.5)), 4)]}


def reliability(rows: list[dict], name: str, bins=(0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0001)) -> list[dict]:
    """Calibration of the shown probabilities: the top-10 items of every question, binned by
    the model's probability; the mean probability against how often the item was the choice."""
    ps = np.array([p for r in rows for p, _ in r["p_top"].get(name, ())])
    ys = np.array([y for r in rows for _, y in r["p_top"].get(name, ())], dtype=float)
    out = []
    for lo, hi in zip(bins[:-1], bins[1:]):
        m = (ps >= lo) & (ps < hi)
        if m.any():
            out.append({"bin": f"[{lo:.2f}, {min(hi, 1):.2f})", "items": int(m.sum()),
                        "mean_probability": round(float(ps[m].mean()), 4), "chosen_rate": round(float(ys[m].mean()), 4)})
    return out


def slices(rows: list[dict]) -> dict[str, list[dict]]:
    """The question subsets reported separately."""
    out: dict[str, list[dict]] = {"all": rows,
                                  "fitted_years": [r for r in rows if r.get("fitted")],
                                  "cold_start": [r for r in rows if r["cold_start"]],
                                  "long_tail_1_4": [r for r in rows if 1 <= r["prior_type"] <= 4],
                                  "no_same_industry": [r for r in rows if not r["prior_same_industry"]]}
    for y in sorted({r["year"] for r in rows}):
        out[f"year_{y}"] = [r for r in rows if r["year"] == y]
    for t in sorted({r["ptype"] for r in rows}):
        out[f"type_{t}"] = [r for r in rows if r["ptype"] == t]
    return out


# ---------------------------------------------------------------- the refit

def final_fit(ax: A.AsOf, base: dict, l2: float = 1.0, seed: int = 7,
              sample: int = SAMPLE_ALTERNATIVES) -> Fit:
    """Fit on every confirmed delivery in the graph (for serving), each as of its own date
    (`ax` must be fresh: its clock at the start)."""
    rng = np.random.default_rng(seed)
    choices = [sample_choice(q.X, q.chosen, rng, sample) for _, q in choice_questions(ax)]
    return fit_logit(choices, policy_vector(base), free_mask(), l2, lower_bounds())


def choice_questions(ax: A.AsOf):
    """(delivery, question) for every confirmed delivery that is a choice (its provider among
    at least two candidates), in signing order, each as of its date."""
    for d in ax.dlv:
        if d.status != "confirmed" or not d.signed:
            continue
        q = ax.question(d)
        if q is None or q.chosen is None or len(q.cand) < 2:
            continue
        yield d, q


def weights_doc(base: dict, w: np.ndarray, version: str, stats: dict, evaluation: dict) -> dict:
    """A new weights document: `base` with the fitted weights, its fit statistics and the
    rolling as-of evaluation it achieved."""
    doc = copy.deepcopy(base)
    doc["version"] = version
    doc["rank_all"] = True
    for c, v in zip(A.COLUMNS, w):
        if c in A.EXPERIMENTAL:
            continue
        t = doc["terms"].setdefault(c, {"label": R_LABELS.get(c, c)})
        t["weight"] = round(float(v), 4)
    doc["terms"]["recognised_clients"]["weight"] = 0.0
    doc["fit"] = {"method": "conditional logit, L2 towards the policy prior, sampled alternatives",
                  "fitted_at": _dt.date.today().isoformat(), **stats}
    doc["evaluation"] = evaluation
    return doc


R_LABELS = {"specialisation": "行业专长（平滑后的同行业交付占比）", "provider_size": "企业规模（营业收入）",
            "same_province": "同省（不同城市）"}


def next_version(version: str) -> str:
    """2026.1 -> 2026.2 (the year part is kept; a non-numeric tail gets .1 appended)."""
    head, _, tail = str(version).rpartition(".")
    return f"{head}.{int(tail) + 1}" if head and tail.isdigit() else f"{version}.1"


def summary(rows: list[dict], names) -> dict:
    return {name: {k: metrics(v, name) for k, v in slices(rows).items()} for name in names}



def with_model_terms(base: dict, providers: list[dict]) -> dict:
    """`base` with the model terms present (weight 0 if new) and the size reference set to the
    providers' median revenue, so that features and weights agree."""
    doc = copy.deepcopy(base)
    revs = sorted(float(p["revenue_wan"]) for p in providers if (p.get("revenue_wan") or 0) > 0)
    for c in R.MODEL_TERMS:
        doc["terms"].setdefault(c, {"label": R_LABELS[c], "weight": 0.0})
    doc["terms"]["specialisation"].setdefault("prior", 2.0)
    if revs:
        doc["terms"]["provider_size"]["reference_wan"] = round(revs[len(revs) // 2], 1)
    doc["terms"]["provider_size"].setdefault("reference_wan", 8000.0)
    return doc


def refit(graph: A.Graph, base: dict, *, l2: float = 1.0, seed: int = 7, version: str | None = None,
          progress=None) -> dict:
    """Refit the weights from the graph: the rolling as-of evaluation of the procedure, then
    the fit on every delivery for serving. Returns the new weights document."""
    base = with_model_terms(base, graph.providers)
    exposure = base.get("exposure") or {"slots": 1, "max_deliveries": 4}
    learned = {"rolling": True, "rank_all": True, "refit": REFIT}
    models = {"learned": learned, "learned_exposure": {**learned, "exposure": exposure},
              "learned_yearly": {"rolling": True, "rank_all": True, "refit": "year"}}
    rp = replay(A.AsOf(graph, base), models, base, l2=l2, seed=seed, progress=progress)
    evaluation = {"protocol": "as of each question's signing date; each client's most recent confirmed delivery "
                              "is a question; weights refitted at the start of each half-year on every delivery "
                              "signed before it (learned_yearly: each year on earlier years only), anchored on the "
                              "hand-set policy prior, which also ranks the first period: nothing earlier to learn "
                              "from; fitted_years: the questions of the years after the first",
                  "questions": len(rp.rows)}
    for name in models:
        sl = slices(rp.rows)
        evaluation[name] = {k: metrics(sl[k], name) for k in ("all", "fitted_years", "long_tail_1_4", "cold_start")}
        evaluation[name]["by_year_hit_at_10"] = {k[5:]: metrics(v, name).get("hit_at_10")
                                                 for k, v in sl.items() if k.startswith("year_")}
    # The replay drew the same choices final_fit() would (same deliveries, same seed, same
    # order): fit on them instead of replaying the graph a second time.
    f = fit_logit([c for y in sorted(rp.train) for c in rp.train[y]], policy_vector(base), free_mask(), l2,
                  lower_bounds())
    doc = weights_doc(base, f.weights, version or next_version(base["version"]), f.stats, evaluation)
    doc["exposure"] = exposure
    return doc


HEADER = """# Contractor ranking weights (docs/figures.md §10, issues 4 and 17).
#
# Written by `graphsvc recommend-refit` from the graph: a conditional-logit fit of the terms
# to every confirmed delivery, each as of its signing date (graphsvc/contractors/fit.py).
# A provider's score is the sum of its terms (count terms weight × min(1, ln(1+n)/ln(1+sat)),
# flags their weight, disputes −weight × disputed share, specialisation and provider_size
# weight × value); the shown probability is the softmax of the scores over the candidates.
# `fit` holds the fit statistics and `evaluation` the rolling as-of evaluation of the
# procedure (weights refitted each half-year on what was signed before it, never on an
# evaluated delivery; learned_yearly: each year on the earlier years).
# `policy_prior` holds the hand-set weights of version 2026.1 (never fitted): every fit is pulled
# towards them (L2) and they rank the first period of the rolling evaluation, which has nothing
# earlier to learn from (the fitted weights below saw every year, so they may not).
# served_me and disputes keep policy weights (the demo data cannot teach them);
# recognised_clients is dropped (0): it read recognitions that were not yet known.
# Change `version` whenever a number changes: every response names it.
"""


def dump(doc: dict) -> str:
    import yaml

    return HEADER + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=110)
