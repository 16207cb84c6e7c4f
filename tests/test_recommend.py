"""Contractor ranking (issue 4): the pure scoring on worked examples, then on the demo graph."""
from __future__ import annotations

import copy
import math

import pytest

from graphsvc.core import audit
from graphsvc.contractors import recommend as R
from loaders.importer import run_import

W = R.load_weights()


def _flat_weights(**over) -> dict:
    """Every count term worth 1.0 from its first piece of evidence (saturation 1): the
    worked examples then read as 'one point per kind of evidence'."""
    w = copy.deepcopy(W)
    # The fitted model's extra terms, all-candidates ranking and exposure slot stay out of
    # the worked examples.
    for key in ("rank_all", "exposure"):
        w.pop(key, None)
    for code in R.MODEL_TERMS:
        w["terms"].pop(code, None)
    for code, t in w["terms"].items():
        t["weight"] = 1.0
        if code not in R.FLAG_TERMS and code != "disputes":
            t["saturation"] = 1
    for code, weight in over.items():
        w["terms"][code]["weight"] = weight
    return w


def dl(id_, provider, client, *, t=1, unit="line", status="confirmed", signed="2023-03-01", ind="C39",
       kind="discrete"):
    return {"id": id_, "provider": provider, "client": client, "provider_type": t, "unit": unit,
            "status": status, "signed_date": signed, "industry_code": ind, "industry_kind": kind}


def prov(uscc, region="330108", types=(1,), credit=True, **kw):
    return {"uscc": uscc, "name": f"服务商{uscc}", "region_code": region, "provider_types": list(types),
            "credit_ok": credit, **kw}


M = R.Manufacturer("M", "示例制造", "330110", "C39", "discrete")


# ---------------------------------------------------------------- pure pieces

def test_saturation_and_contribution_worked_examples():
    assert R.saturate(0, 4) == 0.0
    assert R.saturate(4, 4) == 1.0
    assert R.saturate(1, 4) == pytest.approx(math.log(2) / math.log(5))
    w = {"terms": {"same_industry": {"weight": 2.5, "saturation": 4}, "same_city": {"weight": 0.8},
                   "disputes": {"weight": 1.5}}}
    assert R.contribution("same_industry", 1, w) == pytest.approx(2.5 * math.log(2) / math.log(5))
    assert R.contribution("same_industry", 9, w) == 2.5
    assert R.contribution("same_city", 1, w) == 0.8
    assert R.contribution("same_city", 0, w) == 0.0
    # 1 disputed out of 3 confirmed + 1 disputed: minus a quarter of the weight.
    assert R.contribution("disputes", 1, w, total=4) == pytest.approx(-0.375)


def test_division_and_c2():
    assert R.division("C3911") == "C39"
    base = {"provider_types": [1], "high_tech": True, "rd_spend_wan": 500, "rd_staff": 30}
    assert R.meets_c2(base)
    assert not R.meets_c2({**base, "rd_staff": 29})
    assert not R.meets_c2({**base, "high_tech": False})
    assert not R.meets_c2({**base, "provider_types": []})


def test_worked_example_every_term_is_a_reason_with_its_evidence():
    """P1 has one of each kind of evidence; with flat weights its score is their count."""
    w = _flat_weights()
    rows = [dl("D1", "P1", "C1", unit="workshop"),                    # same industry, unit ≥ line, type 1
            dl("D2", "P1", "C2", t=2, unit=None, ind="C34"),          # same kind, other industry
            dl("D3", "P1", "M", t=3, unit=None),                      # served M itself
            dl("D4", "P1", "L1", t=2, unit=None, ind="C26", kind="process"),  # M's own chain leader
            dl("D5", "P1", "C3", status="disputed"),
            dl("D6", "P1", "C4", status="claimed"),                   # no evidence either way
            dl("D7", "P1", "C5", status="withdrawn")]
    recs = [{"uscc": "L1", "name": "链主甲", "kind": "链主工厂", "status": "认定", "year": 2022, "chain_id": "HZ01"},
            {"uscc": "C1", "name": "客户", "kind": "智能工厂", "status": "认定", "year": 2024, "chain_id": None}]
    ix = R.build_index(rows, [prov("P1", region="330110")], recs, [], w)
    m = R.Manufacturer("M", "示例制造", "330110", "C39", "discrete", buyers=frozenset({"L1"}))
    out = R.rank(ix, m, R.Query(1, unit="line"), w)
    item = out["items"][0]
    got = {r["code"]: r for r in item["reasons"]}
    assert set(got) == {"same_industry", "same_kind", "served_me", "served_my_leader", "unit_experience",
                        "recognised_clients", "type_experience", "same_district", "disputes"}
    assert got["same_industry"]["evidence"] == ["D3", "D1"]        # newest first; D3 is M's own (C39)
    assert got["same_kind"]["evidence"] == ["D2"]
    assert got["served_me"]["evidence"] == ["D3"]
    assert got["served_my_leader"]["evidence"] == ["D4"]
    assert got["unit_experience"]["evidence"] == ["D1"]
    assert got["recognised_clients"]["evidence"] == ["D1"]         # C1 recognised in 2024, after 2023
    assert got["type_experience"]["evidence"] == ["D1"]
    assert got["same_district"]["evidence"] == []
    assert got["disputes"]["evidence"] == ["D5"]
    # 4 confirmed + 1 disputed: the dispute costs a fifth of its weight.
    assert got["disputes"]["weight"] == pytest.approx(-0.2)
    assert item["score"] == pytest.approx(8 - 0.2)
    assert all(r["text"] for r in item["reasons"])
    assert "链主甲" in got["served_my_leader"]["text"]
    assert not any(e in ("D6", "D7") for r in item["reasons"] for e in r["evidence"])
    # Positive reasons first, biggest first; the deduction last.
    assert item["reasons"][-1]["code"] == "disputes"


def test_disputes_count_against_and_claims_count_for_nothing():
    w = _flat_weights()
    rows = [dl("A1", "A", "C1"), dl("B1", "B", "C1"), dl("B2", "B", "C2", status="disputed"),
            dl("C1x", "C", "C1"), dl("C2x", "C", "C9", status="claimed")]
    ix = R.build_index(rows, [prov("A"), prov("B"), prov("C")], [], [], w)
    out = R.rank(ix, M, R.Query(1), w)
    order = [i["uscc"] for i in out["items"]]
    assert order == ["A", "C", "B"]
    by = {i["uscc"]: i for i in out["items"]}
    assert by["A"]["score"] == by["C"]["score"] > by["B"]["score"]


def test_hard_filters_credit_type_list_and_c2():
    w = _flat_weights()
    rows = [dl(f"D{p}", p, "C1") for p in "ABCDE"]
    providers = [prov("A"), prov("B", credit=False), prov("C", types=(2,)),
                 prov("D", high_tech=True, rd_spend_wan=600, rd_staff=40), prov("E")]
    recs = [{"uscc": "E", "name": "E", "kind": "智造供给培育", "status": "培育", "year": 2023, "chain_id": None}]
    ix = R.build_index(rows, providers, recs, [], w)
    got = lambda **kw: [i["uscc"] for i in R.rank(ix, M, R.Query(1, **kw), w)["items"]]
    assert set(got()) == {"A", "D", "E"}           # B is 失信, C lacks type 1
    assert got(recognised_only=True) == ["E"]
    assert got(c2_only=True) == ["D"]
    assert got(recognised_only=True, c2_only=True) == []
    # The manufacturer itself is never its own contractor.
    me = R.Manufacturer("A", "A", "330110", "C39", "discrete")
    assert "A" not in [i["uscc"] for i in R.rank(ix, me, R.Query(1), w)["items"]]


def test_unit_at_or_above_the_one_asked_for():
    w = _flat_weights()
    rows = [dl("D1", "A", "C1", unit="cell"), dl("D2", "B", "C1", unit="factory")]
    ix = R.build_index(rows, [prov("A"), prov("B")], [], [], w)

    def unit_ev(unit):
        return {i["uscc"]: [r["evidence"] for r in i["reasons"] if r["code"] == "unit_experience"]
                for i in R.rank(ix, M, R.Query(1, unit=unit), w)["items"]}

    assert unit_ev("cell") == {"A": [["D1"]], "B": [["D2"]]}
    assert unit_ev("workshop") == {"A": [], "B": [["D2"]]}
    assert [i["uscc"] for i in R.rank(ix, M, R.Query(1, unit="workshop"), w)["items"]] == ["B", "A"]


def test_recognised_later_only_counts_recognitions_after_the_delivery():
    w = _flat_weights()
    rows = [dl("D1", "A", "C1", signed="2023-05-01"), dl("D2", "B", "C2", signed="2023-05-01"),
            dl("D3", "C", "C3", signed="2023-05-01")]
    recs = [{"uscc": "C1", "name": "", "kind": "数字化车间", "status": "认定", "year": 2024, "chain_id": None},
            {"uscc": "C2", "name": "", "kind": "数字化车间", "status": "认定", "year": 2022, "chain_id": None},
            {"uscc": "C3", "name": "", "kind": "智能工厂", "status": "培育", "year": 2024, "chain_id": None}]
    ix = R.build_index(rows, [prov("A"), prov("B"), prov("C")], recs, [], w)
    assert ix.recognised_after == frozenset({"D1"})


def test_chain_leader_and_peers():
    w = _flat_weights()
    # Type-2 work, asked about type 1: only the ties to M's chain can speak for A, B and C.
    rows = [dl(f"D{i}", p, c, t=2, unit=None, ind="C26", kind="process")
            for i, (p, c) in enumerate([("A", "L1"), ("B", "L2"), ("C", "S1"), ("E", "X")], 1)]
    recs = [{"uscc": "L1", "name": "我的链主", "kind": "链主工厂", "status": "认定", "year": 2022, "chain_id": "HZ01"},
            {"uscc": "L2", "name": "同链链主", "kind": "链主工厂", "status": "培育", "year": 2022, "chain_id": "HZ01"}]
    ix = R.build_index(rows, [prov(p, region="440300") for p in "ABCE"], recs, [], w)
    m = R.Manufacturer("M", "示例制造", "330110", "C39", "discrete", chain_ids=frozenset({"HZ01"}),
                       buyers=frozenset({"L1"}), peers=frozenset({"S1"}))
    out = R.rank(ix, m, R.Query(1), w)
    codes = {i["uscc"]: [r["code"] for r in i["reasons"]] for i in out["items"]}
    assert "served_my_leader" in codes["A"]
    assert "served_chain_leader" in codes["B"]
    assert "served_chain_peers" in codes["C"]
    assert "E" not in codes     # nothing ties E to M: no reason, not listed
    assert not out["cold_start"]


def test_cold_start_uses_industry_and_locality_and_says_so():
    w = _flat_weights()
    rows = [dl("D1", "A", "C1"), dl("D2", "B", "C2", ind="C13", kind="process")]
    ix = R.build_index(rows, [prov("A", region="440300"), prov("B", region="330110"), prov("C", region="330106")],
                       [], [], w)
    out = R.rank(ix, M, R.Query(1), w)
    assert out["cold_start"] is True and "尚无" in out["note"]
    codes = {i["uscc"]: {r["code"] for r in i["reasons"]} for i in out["items"]}
    assert codes["A"] == {"same_industry", "type_experience"}
    assert codes["B"] == {"same_district", "type_experience"}
    assert codes["C"] == {"same_city"}


def test_weights_file_is_versioned_and_checked():
    assert W["version"] and set(R.TERMS) <= set(W["terms"]) <= set(R.TERMS) | set(R.MODEL_TERMS)
    summary = R.weights_summary(W)
    assert summary["version"] == str(W["version"])
    assert summary["terms"]["same_district"]["weight"] == W["terms"]["same_district"]["weight"]
    bad = copy.deepcopy(W)
    del bad["terms"]["disputes"]
    with pytest.raises(R.WeightsError, match="disputes"):
        R.validate_weights(bad)
    with pytest.raises(R.WeightsError, match="version"):
        R.validate_weights({**W, "version": None})


# ---------------------------------------------------------------- on the demo graph

@pytest.fixture(scope="module")
def demo_index(store):
    return R.index_for(store)


def test_index_reads_only_confirmed_and_disputed(store, demo_index):
    rows = store.read_cypher("MATCH (d:Delivery) RETURN d.status AS s, count(d) AS n")
    n = {r["s"]: r["n"] for r in rows}
    assert sum(len(v) for v in demo_index.confirmed.values()) == n["confirmed"]
    assert sum(len(v) for v in demo_index.disputed.values()) == n.get("disputed", 0)
    assert len(demo_index.providers) >= 50 and len(demo_index.leaders) >= 20


def test_fast_scores_equal_the_per_provider_evidence(store, demo_index, accounts):
    """scores() adds terms sparsely; it must agree with evidence() provider by provider."""
    for user in ("maker", "maker2"):
        m = R.fetch_links(store, R.fetch_manufacturer(store, accounts[user]["uscc"]), demo_index)
        for q in (R.Query(1, unit="line"), R.Query(2, scenario="智能化生产"), R.Query(6)):
            fast = R.scores(demo_index, m, q, W)
            assert fast, (user, q)
            for p, (s, _) in fast.items():
                assert s == pytest.approx(R.score_of(R.evidence(demo_index, p, m, q), W), abs=1e-9), p
    # And with a delivery hidden (the offline evaluation's path).
    m = R.fetch_links(store, R.fetch_manufacturer(store, accounts["maker"]["uscc"]), demo_index)
    hidden = next(d for ds in demo_index.by_client.get(m.uscc, {}).values() for d in ds) \
        if demo_index.by_client.get(m.uscc) else next(iter(demo_index.by_id.values()))
    ex = frozenset([hidden.id])
    q = R.Query(hidden.ptype)
    for p, (s, _) in R.scores(demo_index, m, q, W, exclude=ex).items():
        ev = R.evidence(demo_index, p, m, q, exclude=ex)
        assert hidden.id not in {d.id for v in ev.values() if isinstance(v, list) for d in v if hasattr(d, "id")}
        assert s == pytest.approx(R.score_of(ev, W), abs=1e-9)


def test_recommendation_on_demo_graph_cites_real_confirmed_deliveries(store, accounts):
    uscc = accounts["maker"]["uscc"]
    body = R.fetch_recommendation(store, uscc, R.Query(1, unit="line", limit=10))
    assert body["manufacturer"] == uscc and body["weights"]["version"] == str(W["version"])
    items = body["items"]
    assert len(items) == 10
    assert [i["rank"] for i in items] == list(range(1, 11))
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    cited = {e: (i["uscc"], r["code"]) for i in items for r in i["reasons"] for e in r["evidence"]}
    assert cited
    stored = {r["delivery"]["id"]: r["delivery"]
              for r in store.read("imports/deliveries_existing", ids=sorted(cited))}
    assert set(stored) == set(cited)
    for did, (provider, code) in cited.items():
        d = stored[did]
        assert d["supplier_uscc"] == provider
        assert d["status"] == ("disputed" if code == "disputes" else "confirmed"), (did, code)
        if code in ("type_experience", "unit_experience", "recognised_clients"):
            assert d["provider_type"] == 1
        if code == "served_me":
            assert d["client_uscc"] == uscc


def test_no_credit_failed_provider_is_ever_recommended(store, demo_index, accounts):
    bad = {p for p, v in demo_index.providers.items() if not v.credit_ok}
    assert bad, "the demo data has 失信 providers"
    for user in ("maker", "maker2"):
        for t in range(1, 7):
            body = R.fetch_recommendation(store, accounts[user]["uscc"], R.Query(t, limit=50))
            assert not {i["uscc"] for i in body["items"]} & bad


def _top(store, uscc, t=1):
    return R.fetch_recommendation(store, uscc, R.Query(t, limit=5))["items"]


def test_index_follows_writes_and_live_check_drops_a_new_blacklisting(fresh_store, accounts):
    uscc = accounts["maker"]["uscc"]
    top = _top(fresh_store, uscc)[0]
    # 1. Put the top provider on the 失信 list *without* logging the change: the index does
    #    not notice, but the live check before answering drops it.
    with fresh_store.transaction() as tx:
        tx.run_cypher("MATCH (e:Enterprise {uscc: $u}) SET e.credit_ok = false", {"u": top["uscc"]})
    assert top["uscc"] not in {i["uscc"] for i in _top(fresh_store, uscc)}
    # 2. Dispute one of the second provider's cited deliveries, change-logged like every write
    #    of a figure's input: the index folds the change in and the delivery moves from
    #    evidence for to evidence against.
    second = _top(fresh_store, uscc)[0]
    cited = next(r["evidence"][0] for r in second["reasons"] if r["code"] == "type_experience")
    with fresh_store.transaction() as tx:
        tx.run_cypher("MATCH (d:Delivery {id: $id}) SET d.status = 'disputed'", {"id": cited})
        tx.log_change("Delivery", "upsert", [{"id": cited, "status": "disputed"}])
        audit.record(tx, audit.event("test", "delivery.dispute", cited))
    after = next(i for i in R.fetch_recommendation(fresh_store, uscc, R.Query(1, limit=50))["items"]
                 if i["uscc"] == second["uscc"])
    codes = {e: r["code"] for r in after["reasons"] for e in r["evidence"]}
    assert codes.get(cited) == "disputes"


def test_new_manufacturer_is_a_cold_start_with_industry_and_locality(fresh_store):
    from graphsvc.demo.generate import make_usccs
    import numpy as np

    new = make_usccs(np.array(["330110"]), np.array([87654321]))[0]
    csv = ("uscc,name,region_code,industry_code,industry_kind,is_manufacturer\n"
           f"{new},杭州示例新来精密机械有限公司,330110,C34,discrete,true\n").encode()
    assert run_import(fresh_store, "enterprises", csv, "new.csv", actor="test").status == "ok"
    body = R.fetch_recommendation(fresh_store, new, R.Query(1, limit=10))
    assert body["cold_start"] is True and body["note"]
    assert body["items"], "a newcomer still gets recommendations"
    allowed = {"same_industry", "same_kind", "same_district", "same_city", "type_experience", "unit_experience",
               "recognised_clients", "disputes", *R.MODEL_TERMS}     # nothing tied to the newcomer itself
    assert {r["code"] for i in body["items"] for r in i["reasons"]} <= allowed
    assert any(r["code"] in ("same_industry", "same_district") for r in body["items"][0]["reasons"])


def test_background_prefetch_of_leader_suppliers_matches_per_leader_reads(store):
    prefetched, lazy = R.load_index(store, W), R.load_index(store, W)
    R._prefetch_leader_suppliers(store, prefetched, W)
    assert set(prefetched.leader_suppliers) == set(prefetched.leaders)
    assert any(prefetched.leader_suppliers.values())
    for leader in prefetched.leaders:
        assert prefetched.leader_suppliers[leader] == R._leader_suppliers(store, lazy, leader), leader


def _from_database(store, uscc, q):
    """The recommendation computed from the database alone: a fresh index, the manufacturer's
    record and links read by query, the live check."""
    ix = R.load_index(store, W)
    m = R.fetch_links(store, R.fetch_manufacturer(store, uscc), ix)
    body = R.rank(ix, m, q, W, check=lambda us: R.live_check(store, us, q))
    return {"manufacturer": m.uscc, "manufacturer_info": R.manufacturer_info(m, ix), **body, "limit": q.limit}


def _served(store, uscc, q, monkeypatch):
    """What a request is answered, with the database reads the request itself makes (the
    projections are brought up to date first: that is their upkeep, not the request's)."""
    from graphsvc.core import projection
    from graphsvc.enterprises import directory
    from graphsvc.enterprises import projection as explore

    R.index_for(store, W), directory.current(store), explore.current(store)
    reads = []
    for name in ("read", "read_one"):
        real = getattr(store, name)
        monkeypatch.setattr(store, name, lambda q_, *a, _real=real, **kw: reads.append(q_) or _real(q_, *a, **kw))
    projection.request_started()
    try:
        return R.fetch_recommendation(store, uscc, q, W), reads
    finally:
        projection.request_ended()
        monkeypatch.undo()


def test_served_recommendation_equals_one_from_the_database_after_writes(fresh_store, accounts, monkeypatch):
    """Issue 12: a request takes the manufacturer, its links and ties from the projections the
    change log keeps current; the only database read left is the live check of the providers
    returned. After a delivery is confirmed and a provider's credit flag is changed by an
    enterprise import, the answer equals one computed from the database."""
    from graphsvc.core.access import Principal
    from graphsvc.core.vocabulary import DELIVERY_KINDS
    from graphsvc.deliveries import ledger

    maker = accounts["maker"]["uscc"]
    queries = (R.Query(1, limit=10), R.Query(1, unit="line", limit=10), R.Query(6, limit=10))

    def check(step):
        for q in queries:
            got, reads = _served(fresh_store, maker, q, monkeypatch)
            assert got == _from_database(fresh_store, maker, q), (step, q)
            # Neo4j: one read of the change log (the other workers' writes), once per request.
            assert set(reads) <= {"contractors/verify", "core/changelog_since"}, (step, reads)
            assert reads.count("core/changelog_since") <= 1, (step, reads)

    check("start")
    top = R.fetch_recommendation(fresh_store, maker, queries[0], W)["items"]
    # A provider's delivery to the maker, claimed then confirmed: new served_me evidence.
    provider = top[-1]["uscc"]
    admin = Principal("admin", "admin")
    body = {"supplier_uscc": provider, "client_uscc": maker, "kind": sorted(DELIVERY_KINDS[1])[0],
            "contract_amount_wan": 20, "signed_date": "2024-06-01", "unit": "factory"}
    d = ledger.claim(fresh_store, admin, body)
    ledger.transition(fresh_store, admin, d["id"], "confirm")
    served = R.fetch_recommendation(fresh_store, maker, queries[0], W)
    assert any(d["id"] in r["evidence"] for i in served["items"] for r in i["reasons"] if r["code"] == "served_me")
    check("confirmed")
    # The top provider put on the 失信 list by an enterprise import: it is no longer offered.
    csv = f"uscc,name,credit_ok\n{top[0]['uscc']},{top[0]['name']},false\n".encode()
    assert run_import(fresh_store, "enterprises", csv, "credit.csv", actor="test").status == "ok"
    assert top[0]["uscc"] not in {i["uscc"] for i in R.fetch_recommendation(fresh_store, maker, queries[0], W)["items"]}
    check("credit flag")
