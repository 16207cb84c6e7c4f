"""As-of ranking features and the conditional-logit fit (issue 17), on small made-up graphs."""
from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphsvc.contractors import asof as A
from graphsvc.contractors import fit as F
from graphsvc.contractors import recommend as R

W = R.load_weights()


def _model_weights() -> dict:
    """The file's weights with every model term switched on (and recognised_clients off, as
    the as-of columns do not carry it)."""
    w = copy.deepcopy(W)
    w["terms"]["recognised_clients"]["weight"] = 0.0
    w["terms"].setdefault("specialisation", {"weight": 0.7, "prior": 2.0})
    w["terms"].setdefault("provider_size", {"weight": 0.9, "reference_wan": 5000.0})
    w["terms"].setdefault("same_province", {"weight": 0.4})
    w["rank_all"] = True
    return w


def dl(id_, provider, client, signed, *, t=1, unit="line", status="confirmed", ind="C39", kind="discrete"):
    return {"id": id_, "provider": provider, "client": client, "provider_type": t, "unit": unit,
            "status": status, "signed_date": signed, "industry_code": ind, "industry_kind": kind}


def prov(uscc, region="330108", types=(1,), revenue=5000.0):
    return {"uscc": uscc, "name": uscc, "region_code": region, "provider_types": list(types), "credit_ok": True,
            "revenue_wan": revenue}


PROVIDERS = [prov("P1"), prov("P2", "330110", revenue=50000.0), prov("P3", "330203", types=(1, 2)),
             prov("P4", "320505", revenue=0.0)]
# M (Xiaoshan, C39) supplies leader L (recognised 2021) from 2022; S supplies M; X is a
# co-supplier of L.
CLIENTS = [{"uscc": u, "region_code": r, "industry_code": i, "industry_kind": k, "chains": c}
           for u, r, i, k, c in (("M", "330109", "C39", "discrete", ["HZ01"]), ("L", "330106", "C38", "discrete", ["HZ01"]),
                                 ("S", "330110", "C39", "discrete", []), ("X", "330108", "C26", "process", []),
                                 ("N", "330203", "C26", "process", []))]
LINKS = [{"supplier": "M", "buyer": "L", "year": 2022}, {"supplier": "S", "buyer": "M", "year": 2022},
         {"supplier": "X", "buyer": "L", "year": 2022}]
RECOGNITIONS = [{"uscc": "L", "name": "链主", "kind": "链主工厂", "status": "认定", "year": 2021, "chain_id": "HZ01"}]
EARLY = [dl("D1", "P1", "L", "2022-03-01"), dl("D2", "P2", "S", "2022-05-01"),
         dl("D3", "P3", "X", "2022-06-01", ind="C26", kind="process"),
         dl("D4", "P1", "M", "2023-01-10", unit="factory"), dl("D5", "P2", "N", "2023-02-01", status="disputed"),
         dl("D6", "P3", "N", "2023-02-02", t=2, unit="")]
LATER = [dl("D7", "P2", "M", "2024-05-01"), dl("D8", "P4", "L", "2024-06-01"),
         dl("D9", "P4", "S", "2024-06-02", ind="C39"), dl("D10", "P3", "X", "2024-07-01", ind="C26", kind="process")]


def _graph(deliveries, links=LINKS, recognitions=RECOGNITIONS) -> A.Graph:
    return A.Graph(deliveries, PROVIDERS, recognitions, CLIENTS, links)


def _features(deliveries, date, links=LINKS, recognitions=RECOGNITIONS, w=None):
    ax = A.AsOf(_graph(deliveries, links, recognitions), w or _model_weights())
    m = ax.clients["M"]
    cand, X, cold = ax.features(m, 1, "line", date)
    return ax, {ax.usccs[i]: X[j] for j, i in enumerate(cand)}, cold


def test_features_as_of_a_date_ignore_every_later_delivery_link_and_recognition():
    date = "2024-01-01"
    _, before, _ = _features(EARLY, date)
    later_links = LINKS + [{"supplier": "M", "buyer": "P4", "year": 2024}, {"supplier": "N", "buyer": "M", "year": 2025}]
    later_recs = RECOGNITIONS + [{"uscc": "S", "name": "S", "kind": "链主工厂", "status": "认定", "year": 2024,
                                  "chain_id": "HZ01"}]
    ax, after, _ = _features(EARLY + LATER, date, later_links, later_recs)
    assert before.keys() == after.keys()
    for p in before:
        np.testing.assert_array_equal(before[p], after[p], err_msg=p)
    # Only the deliveries signed before the date were counted: P1's two, P2's one confirmed.
    assert ax.n_all[ax.pos["P1"]] == 2 and ax.n_all[ax.pos["P2"]] == 1 and ax.n_all[ax.pos["P4"]] == 0
    assert ax.disputed[ax.pos["P2"]] == 1
    assert sum(len(v[0]) for v in ax.by_client.values()) == 5
    col = A.COLUMNS.index
    # P1 served the leader M supplies (link of 2022, leader since 2021) and M itself.
    assert after["P1"][col("served_my_leader")] > 0 and after["P1"][col("served_me")] > 0
    # P2 served S, M's supplier, before the date (its delivery to M itself is later).
    assert after["P2"][col("served_chain_peers")] > 0 and after["P2"][col("served_me")] == 0
    # P4's later delivery to the leader is not evidence yet.
    assert after["P4"][col("served_my_leader")] == 0


def test_the_clock_counts_a_delivery_only_from_the_day_after_it_was_signed():
    ax = A.AsOf(_graph(EARLY + LATER), _model_weights())
    ax.at("2024-05-01")
    n = ax.n_all[ax.pos["P2"]]
    ax.at("2024-05-02")
    assert ax.n_all[ax.pos["P2"]] == n + 1
    with pytest.raises(ValueError):
        ax.at("2024-01-01")


def test_links_and_leaders_count_from_the_year_after_they_are_on_record():
    _, f2022, cold = _features(EARLY, "2022-12-31")
    col = A.COLUMNS.index
    assert f2022["P1"][col("served_my_leader")] == 0      # the 2022 link is known from 2023
    assert f2022["P1"][col("served_chain_leader")] > 0    # the leader of M's chain (2021) is known
    assert cold
    _, f2023, cold = _features(EARLY, "2023-01-05")
    assert f2023["P1"][col("served_my_leader")] > 0 and not cold


def test_as_of_after_every_delivery_equals_the_served_ranking():
    """The same formulas: features at a date after everything, weighted, give the scores of
    recommend.score_vector on an index of the whole graph."""
    w = _model_weights()
    rows = EARLY + LATER
    ax, feats, _ = _features(rows, "2099-01-01", w=w)
    ix = R.build_index(rows, PROVIDERS, RECOGNITIONS, [], w)
    m = R.Manufacturer("M", "M", "330109", "C39", "discrete", chain_ids=frozenset({"HZ01"}),
                       buyers=frozenset({"L"}), suppliers=frozenset({"S"}), peers=frozenset({"X"}), linked=True)
    served = R.scores(ix, m, R.Query(1, unit="line"), w)
    vec = A.weight_vector(w)
    assert served.keys() == feats.keys()
    for p, (s, _) in served.items():
        assert float(feats[p] @ vec) == pytest.approx(s, abs=1e-9), p
    # …and the reasons add up to the score, the model terms included.
    out = R.rank(ix, m, R.Query(1, unit="line"), w)
    for it in out["items"]:
        assert sum(r["weight"] for r in it["reasons"]) == pytest.approx(it["score"], abs=0.01)
    assert sum(it["probability"] for it in out["items"]) == pytest.approx(1.0, abs=1e-3)
    spec = [r for it in out["items"] for r in it["reasons"] if r["code"] == "specialisation"]
    assert spec and all(set(r["evidence"]) <= {d["id"] for d in rows} for r in spec)


def test_conditional_logit_recovers_known_weights():
    rng = np.random.default_rng(3)
    true = np.zeros(len(A.COLUMNS))
    true[A.COLUMNS.index("same_district")] = 2.0
    true[A.COLUMNS.index("specialisation")] = 1.0
    true[A.COLUMNS.index("type_experience")] = 0.5
    choices = []
    for _ in range(3000):
        X = np.zeros((30, len(A.COLUMNS)))
        X[:, A.COLUMNS.index("same_district")] = rng.random(30) < 0.2
        X[:, A.COLUMNS.index("specialisation")] = rng.normal(0, 1, 30)
        X[:, A.COLUMNS.index("type_experience")] = rng.random(30)
        u = X @ true + rng.gumbel(size=30)
        choices.append((X, int(np.argmax(u))))
    free = np.ones(len(A.COLUMNS), dtype=bool)
    f = F.fit_logit(choices, np.zeros(len(A.COLUMNS)), free, l2=0.01)
    assert f.stats["converged"]
    for c in ("same_district", "specialisation", "type_experience"):
        j = A.COLUMNS.index(c)
        assert abs(f.weights[j] - true[j]) < 3.5 * f.stats["std_errors"][c] + 0.02, (c, f.weights[j])
    assert np.abs(np.delete(f.weights, [A.COLUMNS.index(c) for c in ("same_district", "specialisation",
                                                                       "type_experience")])).max() < 0.01
    assert 0 < f.stats["mcfadden_r2"] < 1
    # Sampled alternatives (uniform) leave the estimate where it was.
    sampled = [F.sample_choice(X, c, rng, 10) for X, c in choices]
    g = F.fit_logit(sampled, np.zeros(len(A.COLUMNS)), free, l2=0.01)
    assert abs(g.weights[A.COLUMNS.index("same_district")] - 2.0) < 0.25


def test_fixed_terms_stay_at_their_prior_and_bounds_hold():
    rng = np.random.default_rng(5)
    choices = []
    for _ in range(400):
        X = rng.normal(0, 1, (10, len(A.COLUMNS)))
        choices.append((X, int(np.argmin(X[:, A.COLUMNS.index("same_city")]))))   # same_city counts against
    prior = A.weight_vector(_model_weights())
    f = F.fit_logit(choices, prior, F.free_mask(), 1.0, F.lower_bounds())
    for c in F.FIXED:
        assert f.weights[A.COLUMNS.index(c)] == prior[A.COLUMNS.index(c)]
    assert f.weights[A.COLUMNS.index("same_city")] == 0.0


def test_exposure_rule_keeps_a_slot_for_a_provider_new_to_the_type():
    sc = np.array([5.0, 4.0, 3.0, 2.0, 1.0])
    n_type = np.array([50, 40, 30, 20, 2])
    valid = np.ones(5, dtype=bool)
    usccs = ["A", "B", "C", "D", "E"]
    plain = R.best_of(sc, n_type, valid, usccs, 2, {"rank_all": True})
    assert plain == [0, 1]
    assert R.best_of(sc, n_type, valid, usccs, 2, {"rank_all": True, "exposure": {"slots": 1, "max_deliveries": 4}}) \
        == [0, 4]
    # Nothing changes when a new provider already made the list.
    n_type[1] = 3
    assert R.best_of(sc, n_type, valid, usccs, 2, {"rank_all": True, "exposure": {"slots": 1}}) == [0, 1]


@given(st.lists(st.tuples(st.sampled_from([0.0, 0.5, 1.0, 2.0]), st.integers(0, 3), st.booleans()),
                min_size=1, max_size=40),
       st.integers(1, 12), st.booleans())
@settings(max_examples=200, deadline=None)
def test_best_of_orders_as_order_does_with_ties(rows, limit, with_rank):
    """best_of (one lexsort over the candidates at the cut) against order(), the definition:
    score, then type-T experience, then USCC, positive scores only; many ties on purpose."""
    usccs = [f"U{(i * 7919) % 1000:03d}{i}" for i in range(len(rows))]
    sc = np.array([r[0] for r in rows])
    n_type = np.array([r[1] for r in rows])
    valid = np.array([r[2] for r in rows])
    rank = R.TypeTable(usccs).uscc_rank if with_rank else None
    got = R.best_of(sc, n_type, valid, usccs, limit, {}, rank)
    want = R.order({usccs[i]: (sc[i], n_type[i]) for i in range(len(rows)) if valid[i]}, limit)
    assert [usccs[i] for i in got] == [u for u, _ in want]


def test_rolling_replay_fits_each_year_on_earlier_years_only():
    w = _model_weights()
    ax = A.AsOf(_graph(EARLY + LATER), w)
    held = set(F.targets(ax))
    rp = F.replay(ax, {"learned": {"rolling": True, "rank_all": True}}, w, sample=5)
    assert {r["id"] for r in rp.rows} <= held
    by_year = {y: len(v) for y, v in rp.train.items()}
    # The fit used at the start of a year saw exactly the choices of the years before it.
    for y, f in rp.fits.items():
        assert f.stats["choices"] == sum(n for yy, n in by_year.items() if yy < y)
    assert 2022 not in rp.fits and 2023 in rp.fits


def test_first_year_is_ranked_with_the_policy_prior_and_never_with_fitted_weights():
    """The file's fitted weights saw every year, so the rolling evaluation may not use them:
    the hand-set policy prior anchors every fit and ranks the year with nothing earlier."""
    w = _model_weights()
    w["policy_prior"] = {"same_district": 1.6, "same_industry": 2.2, "served_me": 0.5, "disputes": 1.0}
    w["terms"]["same_district"]["weight"] = 50.0     # a fitted weight the replay must not use
    prior = F.policy_vector(w)
    assert prior[A.COLUMNS.index("same_district")] == 1.6 and prior[A.COLUMNS.index("specialisation")] == 0.0
    ax = A.AsOf(_graph(EARLY + LATER), w)
    expected = {}

    def hook(q):
        s = q.X @ prior
        expected[q.delivery.id] = float(R.choice_probabilities(s, np.ones(len(s), dtype=bool))[q.chosen])
        return {}

    every = {d.id for d in ax.dlv if d.status == "confirmed"}     # ask about every delivery, 2022 on
    rp = F.replay(ax, {"learned": {"rolling": True, "rank_all": True}}, w, sample=5, question_hook=hook,
                  question_ids=every)
    first = min(r["year"] for r in rp.rows)
    assert first == 2022 and any(r["year"] > first and r["fitted"] for r in rp.rows)
    assert first not in rp.fits
    for r in rp.rows:
        assert r["fitted"] == (r["year"] in rp.fits)
        if r["year"] == first:
            assert r["p"]["learned"] == pytest.approx(expected[r["id"]], abs=1e-9), r["id"]
    assert {r["id"] for r in F.slices(rp.rows)["fitted_years"]} == {r["id"] for r in rp.rows if r["year"] in rp.fits}


def test_the_replay_draws_the_choices_the_final_fit_draws():
    """refit() fits the served weights on the replay's training choices instead of replaying
    the graph again: the two draws must be the same."""
    w = _model_weights()
    rp = F.replay(A.AsOf(_graph(EARLY + LATER), w), {"learned": {"rolling": True, "rank_all": True}}, w, sample=3)
    pooled = [c for y in sorted(rp.train) for c in rp.train[y]]
    again = F.fit_logit(pooled, F.policy_vector(w), F.free_mask(), 1.0, F.lower_bounds())
    final = F.final_fit(A.AsOf(_graph(EARLY + LATER), w), w, sample=3)
    np.testing.assert_allclose(again.weights, final.weights, atol=1e-9)
    assert again.stats["choices"] == final.stats["choices"] > 0


def test_chain_columns_count_earlier_deliveries_to_members_of_my_chains():
    """same_chain: deliveries to clients sharing a chain with M (L is in HZ01, X in none)."""
    col = A.COLUMNS.index
    _, f, _ = _features(EARLY + LATER, "2024-06-15")
    assert f["P1"][col("same_chain")] > 0          # D1 to L, D4 to M (both in HZ01)
    assert f["P3"][col("same_chain")] == 0 and f["P3"][col("chain_specialisation")] < 0   # only X and N
    assert f["P4"][col("same_chain")] > 0           # D8 to L, signed 2024-06-01
    _, g, _ = _features(EARLY + LATER, "2024-06-01")
    assert g["P4"][col("same_chain")] == 0 and g["P4"][col("chain_specialisation")] == 0   # not yet


def test_experimental_columns_are_fitted_only_when_a_variant_asks_and_never_written():
    w = _model_weights()
    models = {"learned": {"rolling": True, "rank_all": True}, "chain": {"rolling": True, "rank_all": True, "drop": ()}}
    rp = F.replay(A.AsOf(_graph(EARLY + LATER), w), models, w, sample=5)
    for f in rp.fits.values():
        assert all(f.weights[col] == 0 for col in map(A.COLUMNS.index, A.EXPERIMENTAL))
    assert not set(A.EXPERIMENTAL) & set(F.weights_doc(w, F.policy_vector(w), "x", {}, {})["terms"])
    assert set(F.paired_difference(rp.rows, "chain", "learned")) >= {"hit_at_10_diff", "ci95"}


def test_half_year_refits_see_the_first_half_of_the_year_only_from_its_second_half():
    w = _model_weights()
    models = {"half": {"rolling": True, "rank_all": True, "refit": "half"},
              "yearly": {"rolling": True, "rank_all": True, "refit": "year"}}
    rp = F.replay(A.AsOf(_graph(EARLY + LATER), w), models, w, sample=5)
    p = {r["id"]: r["p"] for r in rp.rows}
    for d in ("D7", "D8", "D9"):          # 2024-H1: both fitted on everything before 2024
        assert p[d]["half"] == pytest.approx(p[d]["yearly"], abs=1e-12), d
    assert p["D10"]["half"] != pytest.approx(p["D10"]["yearly"], abs=1e-6)   # 2024-07-01: H1 learned
