"""Targets B2–B5 (杭州), E1/E2 (绍兴), D10 (浙江) against recognitions.

For a target, “pass” means it is met (shortfall 0) and “fail” that it falls
short.  ``COVERAGE`` (rule id, outcome) is read by test_rules_catalogue.
"""

import pytest

from graphsvc.programmes import targets as tg


def recs(n, kind, status="认定", year=2023, region="330106", level="市", prefix=None):
    """n recognitions of distinct enterprises."""
    p = prefix or f"{kind}{status}{region}{level}{year}"
    return [{"uscc": f"{p}-{i}", "region_code": region, "kind": kind, "level": level,
             "status": status, "year": year} for i in range(n)]


def row(rows, target_id):
    return next(r for r in rows if r["target_id"] == target_id)


# (rule id, region, year, recognitions, target id, expected actual, outcome, why)
CASES = [
    ("B2", "330100", 2025, recs(50, "聚能工厂", "培育") + recs(50, "链主工厂") + recs(50, "智能工厂", "培育"),
     "hz-2025-B2-three-kinds", 150, "pass", "150 of the three kinds"),
    ("B2", "330100", 2025, recs(149, "智能工厂"), "hz-2025-B2-three-kinds", 149, "fail", "149 of them"),
    ("B3", "330100", 2024, recs(5, "聚能工厂", "培育"), "hz-2025-B3-jn", 5, "pass", "5 聚能工厂"),
    ("B3", "330100", 2024, recs(4, "聚能工厂"), "hz-2025-B3-jn", 4, "fail", "4 聚能工厂"),
    ("B4", "330100", 2025, recs(10, "链主工厂", "培育") + recs(20, "链主工厂"),
     "hz-2025-B4-lz-cultivated", 30, "pass", "30 cultivated incl. recognised"),
    ("B4", "330100", 2025, recs(10, "链主工厂", "培育") + recs(20, "链主工厂"),
     "hz-2025-B4-lz-recognised", 20, "pass", "20 recognised"),
    ("B4", "330100", 2025, recs(25, "链主工厂", "培育") + recs(4, "链主工厂"),
     "hz-2025-B4-lz-recognised", 4, "fail", "only 4 recognised"),
    ("B5", "330100", 2025, recs(120, "智能工厂", "培育"), "hz-2025-B5-zn-cultivated", 120, "pass", "120 智能工厂"),
    ("B5", "330100", 2025, recs(79, "智能工厂"), "hz-2025-B5-zn-recognised", 79, "fail", "79 recognised"),
    ("B5", "330100", 2025, recs(200, "数字化车间"), "hz-2025-B5-sz-recognised", 200, "pass", "200 workshops"),
    ("B5", "330100", 2025, recs(999, "数字化车间", "培育"), "hz-2025-B5-sz-cultivated", 999, "fail",
     "999 workshops"),
    # E1: 2023 cumulative additions — 省级智能工厂（数字化车间） 15+15+15 = 45
    ("E1", "330600", 2023, recs(20, "智能工厂", level="省", region="330602", year=2021)
     + recs(25, "数字化车间", level="省", region="330603", year=2023), "sx-E1-3", 45, "pass", "45 by 2023"),
    ("E1", "330600", 2023, recs(44, "智能工厂", level="省", region="330602", year=2022), "sx-E1-3", 44, "fail",
     "44 by 2023"),
    ("E1", "330600", 2021, recs(2, "未来工厂", level="省", region="330681", year=2021), "sx-E1-2", 2, "pass",
     "2 provincial 未来工厂 in 2021"),
    ("E1", "330600", 2025, recs(963, "数字化车间", region="330604", year=2024), "sx-E1-5", 963, "fail",
     "964 workshops due by 2025"),
    # E2: district shares of the 2021–2025 additions
    ("E2", "330603", 2025, recs(23, "智能工厂", region="330603", year=2022), "sx-E2-330603-4", 23, "pass",
     "柯桥 23 市级智能工厂"),
    ("E2", "330603", 2025, recs(22, "智能工厂", region="330621", year=2022), "sx-E2-330603-4", 22, "fail",
     "22, some under the retired 绍兴县 code"),
    ("E2", "330683", 2024, recs(1, "未来工厂", level="省", region="330683", year=2022), "sx-E2-330683-2", 1,
     "pass", "嵊州 保1: one is the floor"),
    ("E2", "330683", 2024, [], "sx-E2-330683-2", 0, "fail", "嵊州 none yet"),
    # D10: about 10 recognised and 30 piloted a year
    ("D10", "330000", 2023, recs(10, "数字工厂", level="省", region="330108"), "zj-D10-recognised", 10, "pass",
     "10 recognised in 2023"),
    ("D10", "330000", 2023, recs(29, "数字工厂", "培育", level="省", region="330108"), "zj-D10-pilot", 29, "fail",
     "29 piloted in 2023"),
]


@pytest.mark.parametrize("rule_id,region,year,recognitions,target_id,actual,outcome,why", CASES,
                         ids=[f"{c[0]}-{c[6]}-{c[7]}" for c in CASES])
def test_progress(rule_id, region, year, recognitions, target_id, actual, outcome, why):
    r = row(tg.progress(region, year, recognitions), target_id)
    assert r["rule_id"] == rule_id
    assert r["actual"] == actual
    assert (r["shortfall"] == 0) == (outcome == "pass")
    assert r["shortfall"] == max(0, r["target"] - actual)


B4_CASES = [(0.60, "pass"), (0.6000001, "pass"), (0.1 * 6, "pass"), (0.5999, "fail"), (0.0, "fail")]


@pytest.mark.parametrize("ratio,outcome", B4_CASES, ids=[f"B4-{c[1]}-{c[0]}" for c in B4_CASES])
def test_b4_local_supply_ratio(ratio, outcome):
    assert tg.b4_meets_target(ratio) is (outcome == "pass")
    assert tg.b4_local_supply(ratio)["outcome"] == outcome


COVERAGE = [(c[0], c[6]) for c in CASES] + [("B4", c[1]) for c in B4_CASES]


def test_b4_missing_ratio_is_unknown():
    r = tg.b4_local_supply(None)
    assert r["outcome"] == "unknown" and "供应链本地化配套比例" in r["reason"] and "local_supply_ratio" not in r["reason"]
    with pytest.raises(ValueError):
        tg.b4_meets_target(None)


def test_row_shape():
    rows = tg.progress("330100", 2023, [])
    assert rows and all(set(r) == {"target_id", "rule_id", "indicator", "target", "aim", "actual",
                                   "shortfall", "note", "applies_to", "district_actual"} for r in rows)
    assert {r["rule_id"] for r in rows} == {"B2", "B3", "B4", "B5"}
    cloud = row(rows, "hz-2025-B2-cloud")
    assert cloud["target"] is None and cloud["shortfall"] is None and "一批" in cloud["note"]


def test_hangzhou_counts_distinct_enterprises_and_retired_codes():
    # one firm cultivated in 2021 and recognised in 2022 counts once; 330103 (下城) is Hangzhou
    data = [{"uscc": "A", "region_code": "330103", "kind": "链主工厂", "level": "市", "status": "培育", "year": 2021},
            {"uscc": "A", "region_code": "330103", "kind": "链主工厂", "level": "市", "status": "认定", "year": 2022},
            {"uscc": "B", "region_code": "330206", "kind": "链主工厂", "level": "市", "status": "认定", "year": 2022}]
    rows = tg.progress("330100", 2023, data)
    assert row(rows, "hz-2025-B4-lz-cultivated")["actual"] == 1
    assert row(rows, "hz-2025-B4-lz-recognised")["actual"] == 1


def test_hangzhou_district_scope_and_year_cut():
    data = recs(3, "智能工厂", region="330105", year=2022) + recs(2, "智能工厂", region="330106", year=2022) \
        + recs(4, "智能工厂", region="330105", year=2024)
    # 330103 is the retired 下城 code: it asks for today's 拱墅 330105
    rows = tg.progress("330103", 2023, data)
    r = row(rows, "hz-2025-B5-zn-recognised")
    # B5 is a city-wide aim: the city's count is compared with it, the district's shown apart
    assert (r["actual"], r["district_actual"], r["applies_to"]) == (5, 3, "330100") and "全市目标" in r["note"]
    assert row(tg.progress("330100", 2024, data), "hz-2025-B5-zn-recognised")["actual"] == 9


def test_records_without_region_are_noted_not_counted():
    data = recs(2, "智能工厂") + [{"uscc": "X", "region_code": None, "kind": "智能工厂", "level": "市",
                                   "status": "认定", "year": 2023}]
    r = row(tg.progress("330100", 2023, data), "hz-2025-B5-zn-recognised")
    assert r["actual"] == 2 and "1条记录缺少地区或年度" in r["note"]


def test_e1_reads_yearly_additions_and_base():
    rows = tg.progress("330600", 2023, [])
    assert [r["target_id"] for r in rows] == ["sx-E1-2", "sx-E1-3", "sx-E1-4", "sx-E1-5"]
    targets = {r["target_id"]: r["target"] for r in rows}
    assert targets == {"sx-E1-2": 6, "sx-E1-3": 45, "sx-E1-4": 58, "sx-E1-5": 590}
    assert "基数30" in row(rows, "sx-E1-3")["note"] and "75" in row(rows, "sx-E1-3")["note"]
    final = {r["target_id"]: r["target"] for r in tg.progress("330600", 2025, [])}
    assert final == {"sx-E1-2": 10, "sx-E1-3": 70, "sx-E1-4": 94, "sx-E1-5": 964}
    assert tg.progress("330600", 2020, []) == []


def test_e1_counts_only_new_recognitions_at_the_right_level():
    data = recs(5, "智能工厂", level="省", region="330602", year=2020) \
        + recs(3, "智能工厂", level="市", region="330602", year=2022) \
        + recs(2, "智能工厂", level="省", region="330106", year=2022)
    rows = tg.progress("330600", 2023, data)
    assert row(rows, "sx-E1-3")["actual"] == 0   # 2020 ones are the base; Hangzhou ones are elsewhere
    assert row(rows, "sx-E1-4")["actual"] == 3


def test_e2_floor_and_aim():
    rows = tg.progress("330624", 2025, recs(1, "未来工厂", level="省", region="330624", year=2023))
    r = row(rows, "sx-E2-330624-2")
    assert (r["target"], r["aim"], r["actual"], r["shortfall"]) == (1, 2, 1, 0)
    assert "保1争2" in r["note"] and "力争2" in r["note"]
    numbered = {x["target_id"]: (x["target"], x["aim"]) for x in rows}
    assert numbered == {"sx-E2-330624-2": (1, 2), "sx-E2-330624-3": (6, None),
                        "sx-E2-330624-4": (8, None), "sx-E2-330624-5": (64, None)}
    # 上虞 under its retired code 330682 gets 上虞区's allocation
    assert row(tg.progress("330682", 2025, []), "sx-E2-330604-5")["target"] == 160


def test_other_regions_have_no_targets():
    assert tg.progress("330200", 2023, []) == []
    assert tg.progress("330000", 2021, []) == []   # D10 starts in 2022
