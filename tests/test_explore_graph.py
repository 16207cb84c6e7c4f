"""Issue #15 must-hold: tiers, impact and paths on a small hand-built graph, through the service
and the real engine, every number computed by hand below.

The graph (year 2024 unless said; 杭州 = 3301, 绍兴 = 3306, 上海 = 310101 out of province):

    L1 链主 (330106)  ← A 50 (330110), B 30 (330108), S 20 (330105), E 25 (绍兴 330602)
    L2 链主 (330108)  ← S 40, N 60 (上海)                    S supplies both leaders
    A ⇄ B  A→B 5, B→A 4                                       a cycle between two tier-1 suppliers
    A ← C 10 (绍兴 330602);  B ← P 8, S ← P 2 (P 上海: out-of-province tier 2);  S ← Q 6 (330106)
    C ← D 6 (330108), C → D 2 (a cycle across tiers 2 and 3);  A → C 3 (A is tier 1 already)
    L1 → P 1 (the root itself is never a member);  X → L1 7 in 2023 only
    confirmed delivery DX1 B → L2; claimed delivery DX2 A → L2 (does not count)
    L1 and S in segment HZ01-01 (chain HZ01); L2 and D own projects of "1+N" group G1
"""
from __future__ import annotations

import pytest

from graphsvc.core.access import Principal
from graphsvc.core.errors import BadParameter, NotFound
from graphsvc.enterprises import service

ADMIN = Principal("admin", "admin")
HZ = Principal("hz", "bureau", scope="330100")
BJ = Principal("bj", "bureau", scope="330108")

REGION = {"L1": "330106", "L2": "330108", "A": "330110", "B": "330108", "S": "330105", "E": "330602",
          "N": "310101", "C": "330602", "P": "310101", "Q": "330106", "D": "330108", "X": "330106"}
SUPPLIES = [("A", "L1", 50), ("B", "L1", 30), ("S", "L1", 20), ("E", "L1", 25), ("S", "L2", 40), ("N", "L2", 60),
            ("A", "B", 5), ("B", "A", 4), ("C", "A", 10), ("P", "B", 8), ("P", "S", 2), ("Q", "S", 6),
            ("D", "C", 6), ("C", "D", 2), ("A", "C", 3), ("L1", "P", 1)]


@pytest.fixture
def g(empty_store):
    s = empty_store
    with s.transaction() as tx:
        tx.upsert_nodes("Enterprise", [{"uscc": u, "name": f"企业{u}", "region_code": r, "credit_ok": True,
                                        "revenue_wan": 100.0, "is_manufacturer": True}
                                       for u, r in REGION.items()])
        rows = [{"from": a, "to": b, "year": 2024, "amount_wan": float(v), "segment_id": "HZ01-01",
                 "supplier_region": REGION[a]} for a, b, v in SUPPLIES]
        rows.append({"from": "X", "to": "L1", "year": 2023, "amount_wan": 7.0, "segment_id": "HZ01-01",
                     "supplier_region": "330106"})
        tx.replace_rels("SUPPLIES", rows, mode="pair")
        tx.upsert_nodes("Recognition", [{"id": f"R-{u}", "uscc": u, "kind": "链主工厂", "status": "认定",
                                         "year": 2023, "chain_id": "HZ01"} for u in ("L1", "L2")])
        tx.replace_rels("HAS", [{"from": u, "to": f"R-{u}"} for u in ("L1", "L2")], mode="to")
        tx.replace_rels("IN_SEGMENT", [{"from": u, "to": "HZ01-01"} for u in ("L1", "S")], mode="from")
        tx.upsert_nodes("Delivery", [
            {"id": "DX1", "supplier_uscc": "B", "client_uscc": "L2", "kind": "智能工厂", "status": "confirmed",
             "contract_amount_wan": 12.0, "signed_date": "2024-01-05", "accepted_date": "2024-05-01"},
            {"id": "DX2", "supplier_uscc": "A", "client_uscc": "L2", "kind": "智能工厂", "status": "claimed",
             "contract_amount_wan": 9.0, "signed_date": "2024-01-05", "accepted_date": "2024-05-01"}])
        tx.replace_rels("DELIVERED", [{"from": "B", "to": "DX1"}, {"from": "A", "to": "DX2"}], mode="to")
        tx.replace_rels("FOR", [{"from": "DX1", "to": "L2"}, {"from": "DX2", "to": "L2"}], mode="from")
        tx.upsert_nodes("Project", [{"id": "P-L2", "owner_uscc": "L2", "group_id": "G1", "one_plus_n": "1"},
                                    {"id": "P-D", "owner_uscc": "D", "group_id": "G1", "one_plus_n": "N"}])
        tx.replace_rels("OWNS", [{"from": "L2", "to": "P-L2"}, {"from": "D", "to": "P-D"}], mode="to")
    return s


def by_uscc(items):
    return {i["uscc"]: i for i in items}


def test_upstream_three_tiers_by_hand(g):
    r = service.upstream(g, ADMIN, "L1", year=2024, tiers=3)
    got = {i["uscc"]: (i["tier"], i["amount_wan"], i["via"], i["local"]) for i in r["items"]}
    assert got == {
        "A": (1, 50.0, ["L1"], True), "B": (1, 30.0, ["L1"], True), "S": (1, 20.0, ["L1"], True),
        "E": (1, 25.0, ["L1"], False),
        # tier 2: C supplies A 10; P supplies B 8 + S 2; Q supplies S 6. A→B, B→A stay at tier 1.
        "C": (2, 10.0, ["A"], False), "P": (2, 10.0, ["B", "S"], False), "Q": (2, 6.0, ["S"], True),
        # tier 3: D supplies C 6 (C→D 2 and A→C 3 are not supplies into tier 2); L1→P is the root.
        "D": (3, 6.0, ["C"], True),
    }
    assert len(r["items"]) == len({i["uscc"] for i in r["items"]})      # once each, at the lower tier
    assert r["tiers"] == [{"tier": 1, "count": 4, "amount_wan": 125.0, "local_amount_wan": 100.0},
                          {"tier": 2, "count": 3, "amount_wan": 26.0, "local_amount_wan": 6.0},
                          {"tier": 3, "count": 1, "amount_wan": 6.0, "local_amount_wan": 6.0}]
    assert r["withheld"] == 0 and r["note"] is None
    two = service.upstream(g, ADMIN, "L1", year=2024, tiers=2)
    assert [t["tier"] for t in two["tiers"]] == [1, 2] and "D" not in by_uscc(two["items"])
    big = service.upstream(g, ADMIN, "L1", year=2024, tiers=3, min_amount_wan=20)
    assert sorted(by_uscc(big["items"])) == ["A", "B", "E", "S"] and big["tiers"] == r["tiers"]


def test_downstream_mirror(g):
    r = service.downstream(g, ADMIN, "S", year=2024, tiers=2)
    got = {i["uscc"]: (i["tier"], i["amount_wan"], i["via"]) for i in r["items"]}
    # S sells to L1 20 and L2 40; L1 sells to P 1 (P also supplies S: a cycle, counted once).
    assert got == {"L1": (1, 20.0, ["S"]), "L2": (1, 40.0, ["S"]), "P": (2, 1.0, ["L1"])}
    assert [(t["count"], t["amount_wan"], t["local_amount_wan"]) for t in r["tiers"]] == [(2, 60.0, 60.0),
                                                                                          (1, 1.0, 0.0)]


def test_withheld_enterprises_count_but_are_never_named(g):
    r = service.upstream(g, HZ, "L1", year=2024, tiers=3)
    # 杭州 sees A, B, S, Q, D; E and C (绍兴) and P (上海) are withheld.
    assert sorted(by_uscc(r["items"])) == ["A", "B", "D", "Q", "S"]
    assert r["withheld"] == 3
    assert by_uscc(r["items"])["D"]["via"] == [] and by_uscc(r["items"])["D"]["via_withheld"] == 1
    assert r["tiers"][1] == {"tier": 2, "count": 3, "amount_wan": 26.0, "local_amount_wan": 6.0}
    text = repr(r)
    assert "企业E" not in text and "'P'" not in text and "'C'" not in text
    only = service.upstream(g, BJ, "L2", year=2024, tiers=2)
    # 滨江 sees L2 but none of its suppliers (S 330105, N 上海; P 上海, Q 330106 at tier 2).
    assert only["items"] == [] and only["withheld"] == 4
    assert only["tiers"] == [{"tier": 1, "count": 2, "amount_wan": 100.0, "local_amount_wan": 40.0},
                             {"tier": 2, "count": 2, "amount_wan": 8.0, "local_amount_wan": 6.0}]


def test_impact_by_hand(g):
    a = by_uscc(service.impact(g, ADMIN, "A", year=2024)["items"])
    assert sorted(a) == ["L1"]
    l1 = a["L1"]
    # L1 buys 125 (A 50, B 30, S 20, E 25), 100 of it local. A also sells B 5 of B's 13 (A 5 + P 8).
    assert l1["direct_amount_wan"] == 50.0
    assert l1["indirect_amount_wan"] == pytest.approx(30 * 5 / 13)
    assert l1["direct_share"] == pytest.approx(50 / 125)
    assert l1["exposure_share"] == pytest.approx((50 + 30 * 5 / 13) / 125)
    assert l1["ratio_before"] == pytest.approx(100 / 125)
    assert l1["ratio_after"] == pytest.approx((100 - 50) / (125 - 50))
    assert l1["via"] == ["B"]
    # S is in A's segment HZ01-01, in 杭州, 守信, and is not L1 or A.
    assert l1["local_candidate"] is True and [c["uscc"] for c in l1["local_candidates"]] == ["S"]

    p = service.impact(g, ADMIN, "P", year=2024)["items"]
    # P sells B 8 (of B's 13) and S 2 (of S's 8: P 2 + Q 6); B→L1 30, S→L1 20, S→L2 40.
    assert [r["uscc"] for r in p] == ["L1", "L2"]            # by exposure: 0.1877 before 0.1
    l1, l2 = p
    assert l1["direct_amount_wan"] == 0.0 and l2["direct_amount_wan"] == 0.0
    assert l1["indirect_amount_wan"] == pytest.approx(30 * 8 / 13 + 20 * 2 / 8)
    assert l1["exposure_share"] == pytest.approx((30 * 8 / 13 + 20 * 2 / 8) / 125)
    assert l2["indirect_amount_wan"] == pytest.approx(40 * 2 / 8)
    assert l2["exposure_share"] == pytest.approx(0.1)
    assert l2["ratio_before"] == pytest.approx(40 / 100) and l2["ratio_after"] == pytest.approx(40 / 100)
    assert l2["local_candidate"] is False

    s = by_uscc(service.impact(g, ADMIN, "S", year=2024)["items"])
    # The shared supplier: direct into both leaders, S is local to both.
    assert s["L1"]["direct_share"] == pytest.approx(20 / 125) and s["L1"]["indirect_amount_wan"] == 0.0
    assert s["L1"]["ratio_after"] == pytest.approx(80 / 105)
    assert s["L2"]["direct_share"] == pytest.approx(0.4) and s["L2"]["ratio_after"] == pytest.approx(0.0)
    hidden = service.impact(g, BJ, "B", year=2024)
    assert hidden["items"] == [] and hidden["withheld"] == 1                # L1 is in 西湖区


def test_paths_by_hand(g):
    r = service.paths(g, ADMIN, "L1", "L2", max_hops=2)
    got = sorted(tuple((h["rel"], h["from"]["uscc"], h["to"]["uscc"], h.get("amount_wan"), h.get("delivery_id"),
                        h.get("id")) for h in p["steps"]) for p in r["paths"])
    assert got == sorted([
        (("supplies", "L1", "S", 20.0, None, None), ("supplies", "S", "L2", 40.0, None, None)),
        (("supplies", "L1", "B", 30.0, None, None), ("delivery", "B", "L2", 12.0, "DX1", None)),
        (("chain", "L1", "S", None, None, "HZ01"), ("supplies", "S", "L2", 40.0, None, None)),
    ])                                                     # DX2 is only claimed: no path through A
    assert all(p["hops"] == 2 for p in r["paths"])
    assert service.paths(g, ADMIN, "L1", "L2", max_hops=1)["paths"] == []
    grp = service.paths(g, ADMIN, "L2", "D", max_hops=1)["paths"]
    assert [[(h["rel"], h["id"]) for h in p["steps"]] for p in grp] == [[("group", "G1")]]
    many = service.paths(g, ADMIN, "L1", "L2", max_hops=4)["paths"]
    assert len(many) == 5 and [p["hops"] for p in many][:3] == [2, 2, 2] and all(p["hops"] <= 4 for p in many)
    scoped = service.paths(g, BJ, "B", "L2", max_hops=3)
    named = {h[k]["uscc"] for p in scoped["paths"] for h in p["steps"] for k in ("from", "to")}
    assert named <= {"B", "L2", "D", None} and scoped["withheld"] > 0


def test_bad_input_and_empty_year(g):
    with pytest.raises(NotFound):
        service.upstream(g, ADMIN, "NOPE", year=2024)
    with pytest.raises(NotFound):
        service.upstream(g, BJ, "L1", year=2024)               # out of scope is the same as unknown
    for bad in (0, 5):
        with pytest.raises(BadParameter) as e:
            service.upstream(g, ADMIN, "L1", year=2024, tiers=bad)
        assert e.value.field == "tiers"
    for bad in (0, 7):
        with pytest.raises(BadParameter) as e:
            service.paths(g, ADMIN, "L1", "L2", max_hops=bad)
        assert e.value.field == "max_hops"
    empty = service.upstream(g, ADMIN, "L1", year=2019, tiers=2)
    assert empty["items"] == [] and empty["note"] and [t["count"] for t in empty["tiers"]] == [0, 0]
    assert service.impact(g, ADMIN, "A", year=2019)["items"] == []
    old = service.upstream(g, ADMIN, "L1", year=2023, tiers=1)
    assert [(i["uscc"], i["amount_wan"]) for i in old["items"]] == [("X", 7.0)]
