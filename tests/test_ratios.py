"""Local-supply ratios (B4) and the what-if as pure functions: worked examples and boundaries."""
from __future__ import annotations

import doctest
import itertools

import pytest

from graphsvc.local_supply import coverage
from graphsvc.core.formatting import pct_text
from graphsvc.core import regions
from graphsvc.local_supply import ratios
from graphsvc.local_supply import exports as supply_exports
from graphsvc.local_supply import whatif
from graphsvc.programmes import catalogue


def E(supplier, region, amount, year=2024, segment="HZ01-01", name=None):
    return {"year": year, "supplier_uscc": supplier, "supplier_name": name or supplier, "supplier_region": region,
            "amount_wan": amount, "segment_id": segment}


@pytest.mark.parametrize("mod", [ratios, whatif, coverage])
def test_docstring_examples(mod):
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_target_comes_from_the_rules_data():
    assert ratios.target_ratio() == catalogue.params("B4")["local_supply_ratio"] == 0.6
    # Another catalogue (next year's figures) changes the target without a code change.
    cat = {"rules": {"B4": {"params": {"local_supply_ratio": 0.7}}}}
    assert ratios.target_ratio(cat) == 0.7
    f = ratios.figures(65.0, 100.0, 1, 2, target=0.7, catalogue=cat)
    assert f["meets_target"] is False and f["gap_amount"] == pytest.approx(5.0)


def test_exactly_sixty_percent_meets_the_target():
    # 153 / 255 is exactly 3/5 in decimal, and within float noise of 0.6.
    f = ratios.figures(153.0, 255.0, 3, 5, target=0.6)
    assert f["ratio_amount"] == pytest.approx(0.6, abs=1e-12)
    assert f["meets_target"] is True
    assert f["gap_amount"] == pytest.approx(0.0, abs=1e-9)
    # Summed from cents, the ratio may land a hair below 0.6: still meets.
    edges = [E("A", "330106", 61.2), E("B", "330106", 30.6), E("C", "310101", 61.2)]
    local, total, nl, n = ratios.sums_from_edges(edges, lambda r: r.startswith("3301"))
    f = ratios.figures(local, total, nl, n, target=0.6)
    assert f["meets_target"] is True
    assert pct_text(f["ratio_amount"]) == "60.00%"


def test_just_below_sixty_percent_fails_and_is_not_shown_as_sixty():
    f = ratios.figures(59.96, 100.0, 1, 2, target=0.6)
    assert f["meets_target"] is False
    assert f["gap_amount"] == pytest.approx(0.04)
    assert pct_text(f["ratio_amount"]) == "59.96%"
    assert pct_text(0.599999) == "59.99%"


def test_no_supplies_is_null_with_a_reason_never_zero():
    f = ratios.figures(*ratios.sums_from_edges([], lambda r: True), target=0.6)
    assert f["ratio_amount"] is None and f["ratio_count"] is None and f["meets_target"] is None
    assert f["reason"] == "该年度无供货记录"
    zero = ratios.figures(0.0, 0.0, 0, 1, target=0.6)
    assert zero["ratio_amount"] is None and "合计为0" in zero["reason"]


def test_count_ratio_counts_distinct_suppliers():
    edges = [E("A", "330106", 10, segment="HZ01-01"), E("A", "330106", 10, segment="HZ01-02"),
             E("B", "320500", 80)]
    local, total, nl, n = ratios.sums_from_edges(edges, lambda r: regions.is_local(r, "330100"))
    assert (local, total, nl, n) == (20.0, 100.0, 1, 2)
    f = ratios.figures(local, total, nl, n, target=0.6)
    assert f["ratio_count"] == 0.5 and f["ratio_amount"] == 0.2 and f["gap_amount"] == pytest.approx(40.0)


def test_scope_decides_what_is_local():
    # Default: the leader's city; a retired district code still lies in its successor.
    assert ratios.scope_of("330108", None) == "330100"
    assert ratios.scope_of("330108", "330108") == "330108"
    assert regions.is_local("330103", "330105") and not regions.is_local("330106", "330108")
    assert regions.is_local("330683", "330000") and not regions.is_local("320505", "330000")


def test_leaders_collapse_recognitions():
    rows = [{"uscc": "X", "name": "甲", "region_code": "330183", "chain_id": "HZ02", "status": "培育", "year": 2021},
            {"uscc": "X", "name": "甲", "region_code": "330183", "chain_id": "HZ02", "status": "认定", "year": 2022},
            {"uscc": "Y", "name": "乙", "region_code": "330108", "chain_id": "HZ01", "status": "培育", "year": 2023}]
    ls = {x["uscc"]: x for x in ratios.leaders_from_recognitions(rows)}
    assert ls["X"]["status"] == "认定" and ls["X"]["district"] == "330111"   # 富阳: retired code normalised
    assert ls["Y"]["status"] == "培育" and ls["Y"]["chain_name"] == "视觉智能（数字安防）"
    assert [x["uscc"] for x in ratios.visible_leaders(list(ls.values()), "330108")] == ["Y"]
    assert [x["uscc"] for x in ratios.visible_leaders(list(ls.values()), None, chain="HZ02")] == ["X"]


def test_table_pools_per_chain_and_district():
    leaders = [{"uscc": "L1", "name": "甲", "chain": "HZ01", "district": "330106", "region_code": "330106"},
               {"uscc": "L2", "name": "乙", "chain": "HZ01", "district": "330108", "region_code": "330108"},
               {"uscc": "L3", "name": "丙", "chain": "HZ02", "district": "330108", "region_code": "330108"}]
    sums = [{"uscc": "L1", "year": 2024, "local_amount": 60.0, "total_amount": 100.0, "local_suppliers": 3, "suppliers": 5},
            {"uscc": "L2", "year": 2024, "local_amount": 30.0, "total_amount": 100.0, "local_suppliers": 1, "suppliers": 5},
            {"uscc": "L3", "year": 2023, "local_amount": 9.0, "total_amount": 10.0, "local_suppliers": 1, "suppliers": 1}]
    t = ratios.ratio_table(leaders, sums, 2024, 0.6)
    items = {i["uscc"]: i for i in t["items"]}
    assert items["L1"]["meets_target"] is True and items["L2"]["meets_target"] is False
    assert items["L3"]["ratio_amount"] is None and items["L3"]["reason"] == "该年度无供货记录"
    assert [i["uscc"] for i in t["items"]] == ["L2", "L1", "L3"]      # worst first, no data last
    chains = {c["chain"]: c for c in t["pooled"]["chains"]}
    assert chains["HZ01"]["ratio_amount"] == 0.45 and chains["HZ01"]["gap_amount"] == pytest.approx(30.0)
    assert chains["HZ02"]["ratio_amount"] is None and chains["HZ02"]["leaders"] == 1
    dist = {d["district"]: d for d in t["pooled"]["districts"]}
    assert dist["330108"]["leaders"] == 2 and dist["330108"]["leaders_with_data"] == 1
    assert dist["330108"]["ratio_count"] == 0.2
    assert t["years"] == [2023, 2024]
    empty = ratios.ratio_table(leaders, sums, 2030, 0.6)
    assert empty["items"] == [] and "2030年" in empty["note"]


def test_leader_detail_tier2_and_trend():
    edges = [E("A", "330110", 30.0, 2024, "HZ01-01"), E("B", "320500", 70.0, 2024, "HZ01-02"),
             E("A", "330110", 50.0, 2023, "HZ01-01"), E("B", "320500", 50.0, 2023, "HZ01-02")]
    tier2 = [{"tier1_uscc": "A", "supplier_uscc": "C", "supplier_region": "330109", "amount_wan": 5.0},
             {"tier1_uscc": "B", "supplier_uscc": "D", "supplier_region": "440300", "amount_wan": 15.0}]
    d = ratios.leader_detail({"uscc": "L", "name": "甲", "region_code": "330106"}, edges, tier2, 2024, 0.6,
                             data_years=[2022, 2023, 2024])
    assert d["leader"]["scope"] == "330100" and d["leader"]["scope_name"] == "杭州市"
    assert d["figures"]["ratio_amount"] == 0.3 and d["figures"]["gap_amount"] == pytest.approx(30.0)
    assert [s["uscc"] for s in d["by_supplier"]] == ["B", "A"]
    assert d["by_supplier"][0]["local"] is False and d["by_supplier"][0]["share"] == 0.7
    assert d["tier2"]["ratio_amount"] == 0.25 and d["tier2"]["ratio_count"] == 0.5
    assert [(t["year"], t["ratio_amount"]) for t in d["trend"]] == [(2022, None), (2023, 0.5), (2024, 0.3)]
    # Scope 滨江: nothing is local any more.
    d2 = ratios.leader_detail({"uscc": "L", "region_code": "330106"}, edges, tier2, 2024, 0.6, scope="330108")
    assert d2["figures"]["ratio_amount"] == 0.0 and d2["leader"]["scope_name"] == "杭州市滨江区"


# ---------------------------------------------------------------- what-if

def brute_force_min(local, total, amounts, target):
    """The fewest purchases reaching the target, by trying every subset size."""
    for k in range(len(amounts) + 1):
        for combo in itertools.combinations(amounts, k):
            if ratios.meets((local + sum(a for _, a in combo)) / total):
                return k
    return None


@pytest.mark.parametrize("local,amounts", [
    (40.0, [("a", 35.0), ("b", 20.0), ("c", 5.0)]),
    (10.0, [("a", 15.0), ("b", 10.0), ("c", 6.0), ("d", 14.0), ("e", 5.0)]),
    (0.0, [("a", 12.0), ("b", 12.0), ("c", 12.0), ("d", 12.0), ("e", 12.0)]),
    (55.0, [("a", 1.0), ("b", 2.0), ("c", 3.0), ("d", 4.0)]),
    (59.0, [("a", 1.0), ("b", 40.0)]),
])
def test_smallest_set_is_minimal(local, amounts):
    total = local + sum(a for _, a in amounts)
    chosen = whatif.smallest_set(local, total, amounts, 0.6)
    best = brute_force_min(local, total, amounts, 0.6)
    assert (None if chosen is None else len(chosen)) == best
    if chosen:
        moved = sum(a for pid, a in amounts if pid in chosen)
        assert ratios.meets((local + moved) / total)


def test_smallest_set_stops_exactly_at_sixty_percent():
    # Moving exactly 20 of 100 from 40% lands on 60.0%: one step suffices and it is the 20.
    assert whatif.smallest_set(40.0, 100.0, [("big", 50.0), ("exact", 20.0), ("small", 19.99)], 0.6) == ["exact"]
    assert whatif.smallest_set(40.0, 100.0, [("small", 19.99)], 0.6) is None


def test_plan_reports_steps_and_segments_without_candidates():
    purchases = [{"supplier_uscc": "X", "supplier_name": "外甲", "segment_id": "HZ01-01", "amount": 25.0},
                 {"supplier_uscc": "Y", "supplier_name": "外乙", "segment_id": "HZ01-02", "amount": 15.0},
                 {"supplier_uscc": "Z", "supplier_name": "外丙", "segment_id": None, "amount": 10.0}]
    cands = {"HZ01-01": [{"uscc": "L1", "name": "本地甲"}], "HZ01-02": [{"uscc": "L2", "name": "本地乙"}]}
    r = whatif.plan(30.0, 80.0, purchases, cands, 0.6)
    assert r["need_amount"] == pytest.approx(18.0)
    assert [(s["step"], s["supplier_uscc"], s["candidate"]["uscc"]) for s in r["steps"]] == [(1, "X", "L1")]
    assert r["steps"][0]["ratio_after"] == pytest.approx(55 / 80) and r["steps"][0]["meets_target_after"]
    notes = {s["segment_id"]: s["note"] for s in r["segments"]}
    assert notes[None] == whatif.NO_SEGMENT and notes["HZ01-01"] is None
    # Nothing substitutable enough: say so plainly, with the best reachable ratio.
    r = whatif.plan(10.0, 100.0, [{"supplier_uscc": "X", "segment_id": "HZ01-01", "amount": 90.0}],
                    {"HZ01-01": []}, 0.6)
    assert r["reachable"] is False and r["steps"] == []
    assert r["segments"][0]["note"] == whatif.NO_LOCAL
    assert "最高只能达到10.00%" in r["summary"] and "视觉智能" not in r["summary"]
    # Already there.
    r = whatif.plan(60.0, 100.0, [{"supplier_uscc": "X", "segment_id": "HZ01-01", "amount": 40.0}],
                    {"HZ01-01": [{"uscc": "L1", "name": "本地甲"}]}, 0.6)
    assert r["steps"] == [] and r["reachable"] is True and "无需替代" in r["summary"]


def test_what_if_uses_only_local_credit_candidates_of_the_segment():
    leader = {"uscc": "L", "name": "甲", "region_code": "330106"}
    edges = [E("A", "330110", 30.0), E("B", "320500", 70.0, segment="HZ01-02")]
    d = ratios.leader_detail(leader, edges, [], 2024, 0.6)
    rows = [{"segment_id": "HZ01-02", "uscc": "C", "name": "本地丙", "region_code": "330108", "revenue_wan": 10.0},
            {"segment_id": "HZ01-02", "uscc": "D", "name": "外地丁", "region_code": "330600", "revenue_wan": 99.0}]
    w = whatif.what_if(d, edges, rows)
    assert [s["candidate"]["uscc"] for s in w["steps"]] == ["C"]
    assert w["segments"][0]["candidates_count"] == 1
    w2 = whatif.what_if(d, edges, rows[1:])
    assert w2["reachable"] is False and w2["segments"][0]["note"] == "本地（杭州市）没有该环节的守信企业，无法就地替代"


# ---------------------------------------------------------------- coverage (pure)

SEG = [{"id": "HZ01-01", "name": "甲环节", "stage": "upstream"}, {"id": "HZ01-02", "name": "乙环节", "stage": "midstream"}]
CHAIN = {"id": "HZ01", "name": "示例链", "segments": SEG}


def test_coverage_gap_single_point_and_platform_capacity():
    members = [{"segment_id": "HZ01-02", "uscc": "M1", "name": "m1", "region_code": "330106", "credit_ok": True,
                "revenue_wan": 5.0},
               {"segment_id": "HZ01-02", "uscc": "M2", "name": "m2", "region_code": "330108", "credit_ok": False,
                "revenue_wan": 5.0},
               {"segment_id": "HZ01-01", "uscc": "FAR", "name": "far", "region_code": "330602", "credit_ok": True,
                "revenue_wan": 5.0}]
    purchases = [{"leader_uscc": "L1", "segment_id": "HZ01-01", "supplier_uscc": "S1", "supplier_name": "s1",
                  "supplier_region": "310101", "amount_wan": 50.0},
                 {"leader_uscc": "L2", "segment_id": "HZ01-01", "supplier_uscc": "S2", "supplier_name": "s2",
                  "supplier_region": "320500", "amount_wan": 50.0},
                 {"leader_uscc": "L1", "segment_id": "HZ01-02", "supplier_uscc": "M1", "supplier_name": "m1",
                  "supplier_region": "330106", "amount_wan": 30.0}]
    platforms = [{"platform_uscc": "P", "platform_name": "聚能", "platform_region": "330110", "segment_id": "HZ01-01",
                  "member_uscc": "FAR", "member_region": "330602", "revenue_wan": 800.0, "credit_ok": True},
                 {"platform_uscc": "Q", "platform_name": "外地平台", "platform_region": "330602",
                  "segment_id": "HZ01-02", "member_uscc": "M9", "member_region": "330602", "revenue_wan": 1.0,
                  "credit_ok": True}]
    r = coverage.coverage(CHAIN, 2024, "330100", members, purchases, platforms,
                          [{"uscc": "L1", "name": "l1", "region_code": "330106"},
                           {"uscc": "L2", "name": "l2", "region_code": "330108"}])
    a, b = r["segments"]
    # HZ01-01: no Hangzhou member (the Shaoxing one does not count) -> gap, covered by the platform.
    assert a["gap"] and a["local_enterprises"] == 0 and a["local_share"] == 0.0
    assert a["single_point"] is None              # 50/50: nobody carries MORE than half
    assert a["platform_pooled_members"] == 1 and a["platform_pooled_capacity_wan"] == 800.0
    assert a["covered_by_platform"] and "聚能工厂" in a["flags"][0]
    # HZ01-02: two local members, one supplier carrying everything -> single point, local share 100%.
    assert not b["gap"] and b["local_enterprises"] == 2 and b["local_credit_ok"] == 1
    assert b["single_point"]["uscc"] == "M1" and b["single_point"]["share"] == 1.0 and b["single_point"]["local"]
    assert b["platform_pooled_members"] == 0      # platform Q is not in 杭州
    assert r["summary"]["gaps"] == 1 and r["summary"]["single_points"] == 1
    assert r["summary"]["local_share"] == pytest.approx(30 / 130)
    dist = {d["code"]: d for d in r["districts"]}
    assert dist["330106"]["enterprises"] == 1 and dist["330106"]["suppliers_to_leaders"] == 1
    assert dist["330108"]["leaders"] == 1
    kinds = {n["id"]: n["kind"] for n in r["graph"]["nodes"]}
    assert kinds["HZ01-01"] == "segment" and kinds["L1"] == "leader" and kinds["M1"] == "enterprise"
    assert next(n for n in r["graph"]["nodes"] if n["id"] == "M1")["single_point"] is True


def test_coverage_local_basis():
    assert coverage.local_basis("bureau", "330600", None) == ("330600", "caller_region")
    assert coverage.local_basis("admin", None, None) == ("330100", "admin_default")
    assert coverage.local_basis("bureau", "330100", "330108") == ("330108", "requested")


def test_workbooks_have_chinese_headers():
    import io

    from openpyxl import load_workbook

    t = ratios.ratio_table([{"uscc": "L1", "name": "甲", "chain": "HZ01", "district": "330106",
                             "region_code": "330106"}],
                           [{"uscc": "L1", "year": 2024, "local_amount": 60.0, "total_amount": 100.0,
                             "local_suppliers": 3, "suppliers": 5}], 2024, 0.6)
    t["target"] = 0.6
    wb = load_workbook(io.BytesIO(supply_exports.ratio_workbook(t)))
    ws = wb["链主工厂"]
    assert [c.value for c in ws[2]] == supply_exports.RATIO_HEADERS
    assert ws["J3"].value == 0.6 and ws["J3"].number_format == "0.00%" and ws["O3"].value == "是"
    assert set(wb.sheetnames) == {"链主工厂", "按产业链汇总", "按区县汇总"}
