"""Money rules B10, B12, C3.1–C3.3, C3.5–C3.8.

For money, “pass” means money is due and “fail” that a rule stops or zeroes it.
``COVERAGE`` (rule id, outcome) is read by test_rules_catalogue.
"""

import pytest

from graphsvc.programmes import subsidies as sb


def recog(kind, level="市", year=2023):
    return {"kind": kind, "level": level, "year": year}


def paid(kind, amount, level="市", year=2022):
    return {"kind": kind, "level": level, "year": year, "amount_wan": amount}


# (rule id, recognition, already received, awarded this year, expected payable, outcome, why)
B10_CASES = [
    ("B10", recog("链主工厂"), [], {}, 500, "pass", "first award, top tier"),
    ("B10", recog("数字化车间"), [], {"数字化车间": 49}, 80, "pass", "49 awarded: the 50th is paid"),
    ("B10", recog("数字化车间"), [], {"数字化车间": 50}, 0, "fail", "at the yearly cap of 50"),
    ("B10", recog("智能工厂"), [paid("数字化车间", 80)], {}, 120, "pass", "80 → 200 pays the difference"),
    ("B10", recog("链主工厂"), [paid("数字化车间", 80), paid("智能工厂", 120)], {}, 300, "pass",
     "two steps paid before"),
    ("B10", recog("链主工厂"), [], {"链主工厂": 4}, 500, "pass", "4 of 5 awarded"),
    ("B10", recog("链主工厂"), [], {"链主工厂": 5}, 0, "fail", "at the yearly cap of 5"),
    ("B10", recog("智能工厂"), [], {"智能工厂": 20}, 0, "fail", "at the yearly cap of 20"),
    ("B10", recog("智能工厂"), [paid("智能工厂", 200)], {}, 0, "fail", "same tier again"),
    ("B10", recog("数字化车间"), [paid("智能工厂", 200)], {}, 0, "fail", "moving down"),
    ("B10", recog("智能工厂"), [paid("数字化车间", 250)], {}, 0, "fail", "never negative"),
    ("B10", recog("工业互联网平台", "省"), [], {}, 200, "pass", "provincial platform"),
    ("B10", recog("工业互联网平台", "国家"), [paid("工业互联网平台", 200, "省")], {}, 100, "pass",
     "provincial → national platform"),
    ("B10", recog("工业互联网平台", "国家"), [paid("智能工厂", 200)], {}, 300, "pass", "ladders are separate"),
    ("B10", recog("云端工厂"), [], {}, 0, "fail", "no award for 云端工厂"),
    ("B10", recog("智能工厂", "省"), [], {}, 0, "fail", "provincial 智能工厂 is not the city's award"),
    ("B10", recog("智能工厂", year=2026), [], {}, 0, "fail", "after the policy's 2025-12-31 end"),
    ("B10", {"kind": "智能工厂", "level": "市"}, [], {}, 0, "unknown", "year missing"),
]


@pytest.mark.parametrize("rule_id,recognition,received,awarded,payable,outcome,why", B10_CASES,
                         ids=[f"{c[0]}-{c[5]}-{c[6]}" for c in B10_CASES])
def test_b10_quote(rule_id, recognition, received, awarded, payable, outcome, why):
    q = sb.quote(recognition, received, awarded)
    assert (q["payable_wan"], q["outcome"]) == (payable, outcome), q["reason"]
    assert q["rule_ids"] == ["B10"] and q["reason"]
    assert q["payable_wan"] >= 0


def test_b10_quote_shape_and_difference():
    q = sb.quote(recog("智能工厂"), [paid("数字化车间", 80)], {"智能工厂": 3})
    assert {k: q[k] for k in ("amount_wan", "already_paid_wan", "payable_wan")} == \
        {"amount_wan": 200, "already_paid_wan": 80, "payable_wan": 120}
    assert "差额" in q["reason"]
    capped = sb.quote(recog("链主工厂"), [], {"链主工厂": 5})
    assert "名额已满" in capped["reason"] and capped["amount_wan"] == 500


# ---------------------------------------------------------------- C3.5 item 14

CLIENTS = [
    {"uscc": "C1", "kind": "智能工厂", "level": "省", "status": "认定", "year": 2022, "region_code": "330602"},
    {"uscc": "C2", "kind": "数字化车间", "level": "市", "status": "培育", "year": 2022},
    {"uscc": "C3", "kind": "工业互联网平台", "level": "省", "status": "认定", "year": 2021, "region_code": "320500"},
    {"uscc": "C4", "kind": "未来工厂", "level": "省", "status": "认定", "year": 2023},
]


def delivery(did, client, amount, status="confirmed", rating=None, supplier="S1", signed="2022-03-01",
             supplier_region="330108"):
    return {"id": did, "supplier_uscc": supplier, "client_uscc": client, "contract_amount_wan": amount,
            "status": status, "rating": rating, "signed_date": signed, "supplier_region": supplier_region}


C35_CASES = [
    ("C3.5", delivery("d1", "C1", 300), 45, "pass", "15% at a recognised 智能工厂"),
    ("C3.5", delivery("d2", "C4", 300, rating="excellent"), 60, "pass", "excellent: 20%"),
    ("C3.5", delivery("d3", "C2", 300), 0, "fail", "client only cultivated"),
    ("C3.5", delivery("d4", "C3", 300), 0, "fail", "client's platform outside Zhejiang"),
    ("C3.5", delivery("d5", "C9", 300), 0, "fail", "client holds no recognition"),
    ("C3.5", delivery("d6", "C1", 300, status="claimed"), 0, "fail", "claimed, not confirmed"),
    ("C3.5", delivery("d7", "C1", None), 0, "unknown", "contract amount missing"),
]


@pytest.mark.parametrize("rule_id,d,reward,outcome,why", C35_CASES, ids=[f"{c[0]}-{c[3]}-{c[4]}" for c in C35_CASES])
def test_item14_line(rule_id, d, reward, outcome, why):
    r = sb.item14_reward([d], CLIENTS)
    line = r["lines"][0]
    assert (line["reward_wan"], line["outcome"]) == (reward, outcome), line["reason"]
    assert r["rule_ids"] == ["C3.5"]


def test_item14_cap_per_provider():
    ds = [delivery("a", "C1", 400), delivery("b", "C4", 300, rating="优秀"),  # 60 + 60
          delivery("c", "C1", 100, supplier="S2")]                               # 15
    r = sb.item14_reward(ds, {c["uscc"]: [c] for c in CLIENTS})  # dict form accepted too
    assert [x["reward_wan"] for x in r["lines"]] == [60, 60, 15]
    assert [x["payable_wan"] for x in r["lines"]] == [60, 40, 15]
    assert r["providers"]["S1"] == {"reward_wan": 120, "total_wan": 100, "capped": True}
    assert r["providers"]["S2"]["total_wan"] == 15
    assert r["total_wan"] == 115
    assert "100万元" in r["lines"][1]["reason"]


# ---------------------------------------------------------------- C3.6 / C3.7

MODULE_CASES = [
    ("C3.6", (1000, 2000, 1, 0), 150, "pass", "15% of R&D"),
    ("C3.6", (1000, 1000, 1, 0), 100, "pass", "≤ 10% of purchases"),
    ("C3.6", (5000, 9000, 2, 0), 200, "pass", "≤ 200 万元 a year"),
    ("C3.6", (1000, 2000, 3, 200), 0, "fail", "year's 200 万元 used up"),
    ("C3.6", (1000, 2000, 4, 0), 0, "fail", "fourth year"),
    ("C3.6", (None, 2000, 1, 0), 0, "unknown", "R&D spend missing"),
    ("C3.7", (1000, 1000, 1, 0), 200, "pass", "20% of R&D"),
    ("C3.7", (1000, 500, 1, 0), 150, "pass", "≤ 30% of purchases"),
    ("C3.7", (5000, 5000, 3, 0), 300, "pass", "≤ 300 万元 a year"),
    ("C3.7", (1000, 1000, 4, 0), 0, "fail", "fourth year"),
]


@pytest.mark.parametrize("rule_id,args,amount,outcome,why", MODULE_CASES,
                         ids=[f"{c[0]}-{c[3]}-{c[4]}" for c in MODULE_CASES])
def test_module_subsidies(rule_id, args, amount, outcome, why):
    fn = sb.item15_subsidy if rule_id == "C3.6" else sb.item16_subsidy
    r = fn(*args)
    assert (r["rule_id"], r["amount_wan"], r["outcome"]) == (rule_id, amount, outcome), r["reason"]


# ---------------------------------------------------------------- C3.1–C3.3

CULTIVATION_CASES = [
    ("C3.1", lambda: sb.batch_check(10), "pass", "10 in a batch"),
    ("C3.1", lambda: sb.batch_check(11), "fail", "11 in a batch"),
    ("C3.1", lambda: sb.cultivation_award("final", 2023, 2026, True, paid_so_far_wan=1000), "fail",
     "1000 万元 total reached"),
    ("C3.2", lambda: sb.cultivation_award("signing", 2023, 2023), "pass", "start-up money"),
    ("C3.2", lambda: sb.cultivation_award("midterm", 2023, 2025, True), "pass", "midterm slipped one year"),
    ("C3.2", lambda: sb.cultivation_award("midterm", 2023, 2026, True), "fail", "midterm slipped two years"),
    ("C3.2", lambda: sb.cultivation_award("midterm", 2023, 2024, False), "fail", "midterm failed"),
    ("C3.2", lambda: sb.cultivation_award("final", 2023, 2026, False), "fail", "final not excellent"),
    ("C3.2", lambda: sb.cultivation_award("final", 2023, 2026, None), "unknown", "final result missing"),
    ("C3.3", lambda: sb.cultivation_award("final", 2023, 2030, True, extension_years=3), "pass",
     "extended by 3 years"),
    ("C3.3", lambda: sb.cultivation_award("final", 2023, 2031, True, extension_years=4), "fail",
     "extension over 3 years"),
]


@pytest.mark.parametrize("rule_id,call,outcome,why", CULTIVATION_CASES,
                         ids=[f"{c[0]}-{c[2]}-{c[3]}" for c in CULTIVATION_CASES])
def test_cultivation(rule_id, call, outcome, why):
    r = call()
    assert r["outcome"] == outcome, r["reason"]
    assert rule_id in r.get("rule_ids", [r.get("rule_id")])


def test_cultivation_amounts_respect_total():
    assert sb.cultivation_award("signing", 2023, 2023)["amount_wan"] == 200
    assert sb.cultivation_award("midterm", 2023, 2024, True, paid_so_far_wan=200)["amount_wan"] == 500
    assert sb.cultivation_award("final", 2023, 2026, True, paid_so_far_wan=800)["amount_wan"] == 200


# ---------------------------------------------------------------- C3.8, B12

STANDARD_CASES = [
    ("C3.8", {"scope": "international", "role": "lead"}, 100, "pass", "lead an international standard"),
    ("C3.8", {"scope": "international", "role": "participate"}, 50, "pass", "take part internationally"),
    ("C3.8", {"scope": "national", "role": "lead", "rank": 1}, 20, "pass", "national, first place"),
    ("C3.8", {"scope": "national", "role": "participate", "rank": 4}, 0, "fail", "national, fourth place"),
    ("C3.8", {"scope": "industry", "role": "participate", "rank": 2}, 10, "pass", "industry, second place"),
    ("C3.8", {"scope": "industry", "role": "participate", "rank": 3}, 0, "fail", "industry, third place"),
    ("C3.8", {"scope": "zhejiang_made", "role": "participate"}, 5, "pass", "浙江制造, taking part"),
    ("C3.8", {"scope": "group", "role": "lead"}, 0, "fail", "group standards earn nothing"),
    ("C3.8", {"scope": "national", "role": "participate"}, 0, "unknown", "rank missing"),
]


@pytest.mark.parametrize("rule_id,std,award,outcome,why", STANDARD_CASES,
                         ids=[f"{c[0]}-{c[3]}-{c[4]}" for c in STANDARD_CASES])
def test_standards_award(rule_id, std, award, outcome, why):
    line = sb.standards_award([std])["lines"][0]
    assert (line["award_wan"], line["outcome"]) == (award, outcome), line["reason"]


B12_CASES = [
    ("B12", ({2020: 100, 2021: 120, 2022: 130}, 2023, 350), 350, "pass", "request equal to 3 years' tax"),
    ("B12", ({2020: 100, 2021: 120, 2022: 130}, 2023, 351), 350, "fail", "request above it"),
    ("B12", ({2019: 999, 2021: 120, 2022: 130}, 2023, 100), None, "unknown", "2020 tax missing"),
]


@pytest.mark.parametrize("rule_id,args,cap,outcome,why", B12_CASES, ids=[f"{c[0]}-{c[3]}-{c[4]}" for c in B12_CASES])
def test_credit_guarantee(rule_id, args, cap, outcome, why):
    g = sb.credit_guarantee(*args)
    assert (g["cap_wan"], g["outcome"]) == (cap, outcome), g["reason"]


COVERAGE = ([(c[0], c[5]) for c in B10_CASES] + [(c[0], c[3]) for c in C35_CASES]
            + [(c[0], c[3]) for c in MODULE_CASES] + [(c[0], c[2]) for c in CULTIVATION_CASES]
            + [(c[0], c[3]) for c in STANDARD_CASES] + [(c[0], c[3]) for c in B12_CASES])
