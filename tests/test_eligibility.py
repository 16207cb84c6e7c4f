"""Eligibility rules A1, A2, C1–C2, C3.4, D1–D9: one table row per case, keyed by rule id.

``COVERAGE`` (rule id, outcome) is read by test_rules_catalogue to prove that
every computable rule has a passing and a failing case.
"""

import pytest

from graphsvc.programmes import eligibility as el

ENT = {"uscc": "91330106MA2ABCDE0A", "name": "示例智造有限公司", "region_code": "330106",
       "is_manufacturer": True, "credit_ok": True}


def ent(**kw):
    return {**ENT, **kw}


def dp(enterprise=None, group=None, **project):
    """Facts for hz-2023-digital-project (A2)."""
    proj = {"id": "P1", "start_date": "2022-06-01", "investment_wan": 300, "one_plus_n": None,
            "group_id": None, "prior_city_subsidy": False, **project}
    facts = {"enterprise": enterprise or ent(), "project": proj}
    if group is not None:
        facts["group"] = group
    return facts


def member(pid, marker, gid, uscc="91330106MA2ABCDE1B"):
    return {"project": {"id": pid, "one_plus_n": marker, "group_id": gid},
            "enterprise": {"uscc": uscc, "name": f"示例配套{pid}"}}


def ff(category="智能工厂", recognitions=(), enterprise=None, **extra):
    """Facts for hz-2023-future-factory (A1)."""
    return {"enterprise": enterprise or ent(), "category": category,
            "recognitions": None if recognitions is None else list(recognitions), **extra}


def rec(kind, status="认定", year=2022, level="市"):
    return {"kind": kind, "level": level, "status": status, "year": year}


PROVIDER = {"provider_types": [1, 2], "four_capabilities": True, "revenue_growth": 0.12, "tax_growth": 0.05,
            "high_tech": True, "own_ip": True, "rd_spend_wan": 800, "rd_staff": 45, "has_team": True,
            "three_year_goals": True, "rd_budget": True, "target_fields": ["纺织"], "violations_3y": 0}


def pv(**kw):
    return {"enterprise": {**PROVIDER, **kw}}


DF = {"revenue_wan": 90000, "revenue_growth_3y_avg": 0.1, "profit_margin": 0.08, "tax_per_mu_wan": 35,
      "market_rank_global": 8, "market_rank_national": 3, "credit_rating": "良好", "rd_ratio": 0.06,
      "rd_spend_wan_by_year": {2019: 3000, 2020: 3500, 2021: 4200}, "rd_staff_ratio": 0.2,
      "degree_ratio": 0.6, "is_manufacturer": False, "talent_team": True, "invention_patents": 25,
      "software_copyrights": 40, "standards": 3, "uses_cloud": True, "data_middle_platform": True,
      "security_management": True, "data_classification": True, "developers": 150,
      "integrated_apps": 120, "service_cases_3y": 150, "industries_served": 4}


def df(**kw):
    return {"enterprise": {**DF, **kw}}


# (rule id, facts, expected outcome, what the case shows)
CASES = [
    # A1 “未来工厂”培育企业
    ("A1.1", ff("智能工厂"), "pass", "one of the five kinds"),
    ("A1.1", ff("灯塔工厂"), "fail", "not a Hangzhou kind"),
    ("A1.1", ff(None), "unknown", "category missing"),
    ("A1.2", ff("智能工厂"), "pass", "Hangzhou manufacturer"),
    ("A1.2", ff("云端工厂", enterprise=ent(is_manufacturer=False)), "pass", "云端工厂 need not manufacture"),
    ("A1.2", ff("链主工厂", enterprise=ent(is_manufacturer=False)), "fail", "链主工厂 must manufacture"),
    ("A1.2", ff("智能工厂", enterprise=ent(region_code="330206")), "fail", "registered in Ningbo"),
    ("A1.2", ff("数字化车间", enterprise=ent(region_code="330103")), "pass", "retired 下城 code counts"),
    ("A1.2", ff("智能工厂", enterprise=ent(region_code=None)), "unknown", "region missing"),
    ("A1.3", ff(), "pass", "credit ok"),
    ("A1.3", ff(enterprise=ent(credit_ok=False)), "fail", "on the 失信 list"),
    ("A1.3", ff(enterprise=ent(credit_ok=None)), "unknown", "credit missing"),
    ("A1.4", ff("智能工厂", [rec("数字化车间", year=2022)]), "pass", "数字化车间 → 智能工厂"),
    ("A1.4", ff("链主工厂", [rec("智能工厂", year=2021)]), "pass", "智能工厂 → 链主工厂"),
    ("A1.4", ff("智能工厂", [rec("智能工厂", year=2021)]), "fail", "same tier again"),
    ("A1.4", ff("数字化车间", [rec("智能工厂", year=2022)]), "fail", "lower tier"),
    ("A1.4", ff("链主工厂", [rec("数字化车间", year=2022)]), "fail", "skipping 智能工厂"),
    ("A1.4", ff("链主工厂", [rec("数字化车间", year=2020)]), "not_applicable", "rated outside 2021–2022"),
    ("A1.4", ff("智能工厂", []), "not_applicable", "never rated"),
    ("A1.4", ff("智能工厂", None), "unknown", "recognitions missing"),
    ("A1.5", ff("智能工厂", []), "pass", "not in the pool"),
    ("A1.5", ff("智能工厂", [rec("智能工厂", "培育", 2021)]), "notice", "in the 2021 pool, not rated: need not apply"),
    ("A1.5", ff("链主工厂", [rec("智能工厂", "培育", 2021), rec("智能工厂", "认定", 2022)]), "pass",
     "pooled then rated"),
    ("A1.5", ff("智能工厂", [], in_pool_2021_2022=True), "notice", "explicit pool flag, not rated"),
    ("A1.5", ff("智能工厂", None, in_pool_2021_2022=False), "pass", "explicit flag: not pooled"),
    ("A1.5", ff("智能工厂", None), "unknown", "neither flag nor recognitions"),
    # A2 攻关项目
    ("A2.2", dp(one_plus_n="1", group_id="G1", group=[member("P2", "N", "G1"), member("P3", "N", "G1")]),
     "pass", "one “1”, two “N” in G1"),
    ("A2.2", dp(one_plus_n="N", group_id="G1", group=[member("P2", "1", "G1")]), "pass", "seen from an N"),
    ("A2.2", dp(one_plus_n="1", group_id="G1", group=[member("P2", "1", "G1")]), "fail", "two “1”s"),
    ("A2.2", dp(one_plus_n="N", group_id="G1", group=[member("P2", "N", "G1")]), "fail", "no “1”"),
    ("A2.2", dp(one_plus_n="1", group_id="G1", group=[member("P2", "N", "G2")]), "fail", "N in another group"),
    ("A2.2", dp(one_plus_n="N", group_id="G1"), "unknown", "group not given"),
    ("A2.2", dp(), "not_applicable", "not a 1+N project"),
    ("A2.3", dp(), "pass", "Hangzhou manufacturer, good credit"),
    ("A2.3", dp(ent(region_code="330104")), "pass", "retired 江干 code counts as Hangzhou"),
    ("A2.3", dp(ent(region_code="330183")), "pass", "retired 富阳市 code counts as Hangzhou"),
    ("A2.3", dp(ent(region_code="330206")), "fail", "Ningbo"),
    ("A2.3", dp(ent(is_manufacturer=False)), "fail", "not a manufacturer"),
    ("A2.3", dp(ent(credit_ok=False)), "fail", "失信"),
    ("A2.3", dp(ent(region_code=None)), "unknown", "region missing"),
    ("A2.4", dp(start_date="2022-01-01"), "pass", "exactly 2022-01-01 passes"),
    ("A2.4", dp(start_date="2021-12-31"), "needs_reason", "2021-12-31: 原则上, needs a reason"),
    ("A2.4", dp(start_date=None), "unknown", "start date missing"),
    ("A2.4", dp(start_date="去年"), "unknown", "unreadable date"),
    ("A2.5", dp(investment_wan=200), "pass", "exactly 200 万元 passes"),
    ("A2.5", dp(investment_wan=199.99), "fail", "199.99 万元 fails"),
    ("A2.5", dp(investment_wan=None), "unknown", "investment missing"),
    ("A2.5", dp(investment_wan=150, one_plus_n="N"), "not_applicable", "N projects exempt (A2.7)"),
    ("A2.6", dp(prior_city_subsidy=False), "pass", "no prior subsidy"),
    ("A2.6", dp(prior_city_subsidy=True), "fail", "prior city subsidy"),
    ("A2.6", dp(prior_city_subsidy=True, one_plus_n="1"), "not_applicable", "“1” projects exempt (A2.7)"),
    ("A2.6", dp(prior_city_subsidy=None), "unknown", "prior subsidy unknown"),
    # C 滨江 providers
    ("C1", pv(), "pass", "type 1 with four capabilities"),
    ("C1", pv(four_capabilities=False), "fail", "type 1 without them"),
    ("C1", pv(provider_types=[3, 4]), "not_applicable", "types 3/4 need not"),
    ("C2.1", pv(), "pass", "types 1 and 2"),
    ("C2.1", pv(provider_types="1;6"), "pass", "types as import text"),
    ("C2.1", pv(provider_types=[]), "fail", "no provider type"),
    ("C2.1", pv(provider_types=None), "unknown", "types missing"),
    ("C2.2", pv(), "pass", "growing, high-tech, own IP"),
    ("C2.2", pv(tax_growth=0), "fail", "tax flat is not 正增长"),
    ("C2.2", pv(high_tech=False), "fail", "not high-tech"),
    ("C2.2", pv(revenue_growth=None, revenue_wan_by_year={2021: 900, 2022: 1000}), "pass", "growth from years"),
    ("C2.2", pv(revenue_growth=None), "unknown", "revenue growth missing"),
    ("C2.3", pv(rd_spend_wan=500, rd_staff=30), "pass", "exactly 500 万元 and 30 people"),
    ("C2.3", pv(rd_spend_wan=499), "fail", "R&D spend 499"),
    ("C2.3", pv(rd_staff=29), "fail", "29 R&D staff"),
    ("C2.3", pv(rd_staff=None), "unknown", "R&D staff missing"),
    ("C2.4", pv(), "pass", "team, goals, budget, fields"),
    ("C2.4", pv(target_fields=[]), "fail", "no target field"),
    ("C2.5", pv(violations_3y=0), "pass", "no violation"),
    ("C2.5", pv(violations_3y=["2022 税务"]), "fail", "a tax violation"),
    ("C2.5", pv(violations_3y=None), "unknown", "violations unknown"),
    # D 数字工厂 indicators — strict “超” vs inclusive “以上/不低于”
    ("D1", df(revenue_wan=80001), "pass", "over 8亿"),
    ("D1", df(revenue_wan=80000, revenue_growth_3y_avg=0.1), "fail", "exactly 8亿 is not 超8亿"),
    ("D1", df(revenue_wan=20001, revenue_growth_3y_avg=0.21), "pass", "over 2亿 and growth over 20%"),
    ("D1", df(revenue_wan=30000, revenue_growth_3y_avg=0.20), "fail", "growth exactly 20% is not 超20%"),
    ("D1", df(revenue_wan=20000, revenue_growth_3y_avg=0.5), "fail", "exactly 2亿 is not 超2亿"),
    ("D1", df(revenue_wan=30000, revenue_growth_3y_avg=None), "unknown", "growth needed, missing"),
    ("D2", df(profit_margin=0.07, tax_per_mu_wan=30), "pass", "exactly 7% and 30 万元/亩"),
    ("D2", df(profit_margin=0.0699), "fail", "margin below 7%"),
    ("D2", df(tax_per_mu_wan=29.9), "fail", "tax per mu below 30"),
    ("D3", df(market_rank_global=None, market_rank_national=5), "pass", "national top 5"),
    ("D3", df(market_rank_global=11, market_rank_national=6), "fail", "outside both"),
    ("D3", df(credit_rating="中等"), "fail", "credit below 良好"),
    ("D3", df(market_rank_global=None, market_rank_national=None), "unknown", "no rank"),
    ("D4", df(rd_ratio=0.05), "pass", "exactly 5%"),
    ("D4", df(rd_ratio=0.049), "fail", "below 5%"),
    ("D4", df(rd_spend_wan_by_year={2019: 3000, 2020: 3000, 2021: 4200}), "fail", "flat year"),
    ("D4", df(rd_spend_wan_by_year={2021: 4200}), "unknown", "one year only"),
    ("D5", df(rd_staff_ratio=0.15, degree_ratio=0.51), "pass", "15% R&D, 51% degrees"),
    ("D5", df(degree_ratio=0.50), "fail", "exactly 50% is not 超50%"),
    ("D5", df(degree_ratio=0.15, is_manufacturer=True), "pass", "manufacturer: 15% suffices"),
    ("D5", df(rd_staff_ratio=0.149), "fail", "R&D staff below 15%"),
    ("D5", df(degree_ratio=0.3, is_manufacturer=None), "unknown", "kind of firm decides the bar"),
    ("D6", df(invention_patents=20, standards=3), "pass", "exactly 20 patents, 3 standards"),
    ("D6", df(invention_patents=0, software_copyrights=100), "pass", "100 copyrights instead"),
    ("D6", df(invention_patents=19, software_copyrights=99), "fail", "neither"),
    ("D6", df(standards=2), "fail", "two standards"),
    ("D7", df(), "pass", "cloud, middle platform, security, classification"),
    ("D7", df(data_classification=False), "fail", "no data classification"),
    ("D7", df(uses_cloud=None), "unknown", "cloud use unknown"),
    ("D8", df(developers=101, integrated_apps=101), "pass", "both over 100"),
    ("D8", df(developers=100), "fail", "exactly 100 is not 超过100"),
    ("D9", df(service_cases_3y=101, industries_served=3), "pass", "101 cases, 3 industries"),
    ("D9", df(service_cases_3y=100), "fail", "exactly 100 cases is not 超100"),
    ("D9", df(industries_served=2), "fail", "two industries"),
]


@pytest.mark.parametrize("rule_id,facts,expected,why", CASES,
                         ids=[f"{c[0]}-{c[2]}-{c[3]}" for c in CASES])
def test_rule(rule_id, facts, expected, why):
    r = el.evaluate(rule_id, facts)
    assert r["rule_id"] == rule_id
    assert r["outcome"] == expected, r["reason"]
    assert r["reason"]
    assert set(r) >= {"rule_id", "outcome", "facts_used", "reason"}


# A2.7 is an exemption: it lets an N project under 200 万元 and a “1” project
# with a prior city subsidy through, and does nothing for the other marker.
A27_CASES = [
    ("pass", dp(investment_wan=150, one_plus_n="N"), "N under 200 万元 passes the check"),
    ("pass", dp(prior_city_subsidy=True, one_plus_n="1"), "“1” with a prior subsidy passes"),
    ("fail", dp(investment_wan=150, one_plus_n="1"), "the exemption is not for “1” investment"),
    ("fail", dp(prior_city_subsidy=True, one_plus_n="N"), "nor for “N” prior subsidies"),
]


@pytest.mark.parametrize("expected,facts,why", A27_CASES, ids=[f"A2.7-{c[0]}-{c[2]}" for c in A27_CASES])
def test_a2_7_exemption(expected, facts, why):
    facts = {**facts, "group": []}
    facts["project"]["group_id"] = "G1"
    rules = {r["rule_id"]: r for r in el.check("hz-2023-digital-project", facts)["rules"]}
    # A2.2 needs the rest of the group; judge the A2.5/A2.6 pair the exemption touches
    assert el.combine([rules["A2.5"]["outcome"], rules["A2.6"]["outcome"]]) == expected
    assert "A2.7" in (rules["A2.5"]["reason"] + rules["A2.6"]["reason"]) or expected == "fail"


C34_CASES = [(1000, "pass", "瞪羚企业"), (100000, "pass", "领军培育企业"), (200000, "pass", "领军企业"),
             (999, "fail", None), (None, "unknown", None)]


@pytest.mark.parametrize("revenue,expected,tier", C34_CASES, ids=[f"C3.4-{c[1]}-{c[0]}" for c in C34_CASES])
def test_c3_4_preferred_tier(revenue, expected, tier):
    r = el.preferred_tier(revenue)
    assert (r["outcome"], r["facts_used"]["tier"]) == (expected, tier)


COVERAGE = ([(c[0], c[2]) for c in CASES] + [("A2.7", c[0]) for c in A27_CASES]
            + [("C3.4", c[1]) for c in C34_CASES])


# ---------------------------------------------------------------- programmes

def test_digital_project_pass_and_overall_rules():
    r = el.check("hz-2023-digital-project", dp())
    assert r["programme"] == "hz-2023-digital-project"
    assert r["outcome"] == "pass"
    assert [x["rule_id"] for x in r["rules"]] == ["A2.3", "A2.4", "A2.5", "A2.6", "A2.2"]


def test_missing_fact_is_unknown_and_named():
    facts = dp(start_date=None)
    r = el.check("hz-2023-digital-project", facts)
    assert r["outcome"] == "unknown"
    a24 = next(x for x in r["rules"] if x["rule_id"] == "A2.4")
    assert a24["facts_used"] == {"start_date": None}
    assert "项目开工日期" in a24["reason"] and "start_date" not in a24["reason"]  # people read it: no field keys


def test_fail_beats_unknown():
    r = el.check("hz-2023-digital-project", dp(ent(credit_ok=False), start_date=None))
    assert r["outcome"] == "fail"


def test_every_missing_fact_is_unknown_never_pass():
    # an empty fact set must not pass anything
    for prog in el.PROGRAMMES:
        r = el.check(prog, {})
        if r.get("basis") == "reference":  # reference indicators: all undecided, none met
            assert r["outcome"] == "reference" and r["summary"]["unknown"] == len(r["rules"]), prog
        else:
            assert r["outcome"] == "unknown", prog
        assert all(x["outcome"] in ("unknown", "not_applicable") for x in r["rules"]), prog
        for x in r["rules"]:
            if x["outcome"] == "unknown":
                assert None in x["facts_used"].values() or x["facts_used"] == {}, x


def test_future_factory_programme():
    r = el.check("hz-2023-future-factory", ff("链主工厂", [rec("数字化车间", year=2022)]))
    assert r["outcome"] == "fail"
    a14 = next(x for x in r["rules"] if x["rule_id"] == "A1.4")
    assert "越级" in a14["reason"]


def test_provider_scorecard_items_show_value_threshold_outcome():
    r = el.check("bj-2023-provider", pv(rd_spend_wan=450))
    assert r["outcome"] == "fail"
    c23 = next(x for x in r["rules"] if x["rule_id"] == "C2.3")
    spend = next(i for i in c23["items"] if i["item"] == "rd_spend_wan")
    assert (spend["value"], spend["threshold"], spend["outcome"]) == (450, 500, "fail")
    assert "500万元" in c23["reason"]


def test_digital_factory_scorecard():
    r = el.check("zj-2022-digital-factory", df())
    assert r["outcome"] == "reference" and r["summary"]["met"] == 9 and r["summary"]["not_met"] == 0
    assert [x["rule_id"] for x in r["rules"]] == [f"D{i}" for i in range(1, 10)]
    for x in r["rules"]:
        assert x["items"], x["rule_id"]
        for i in x["items"]:
            assert {"value", "threshold", "outcome"} <= set(i)
    d8 = el.evaluate("D8", df(developers=100))
    assert d8["items"][0]["op"] == ">" and d8["items"][0]["threshold"] == 100


def test_check_group_checks_every_member():
    lead = dp(one_plus_n="1", group_id="G1", prior_city_subsidy=True)
    n1 = dp(ent(uscc="91330106MA2ABCDE1B"), id="P2", one_plus_n="N", group_id="G1", investment_wan=50)
    n2 = dp(ent(uscc="91330106MA2ABCDE2C", region_code="330206"), id="P3", one_plus_n="N", group_id="G1")
    r = el.check_group("hz-2023-digital-project", [lead, n1, n2])
    assert [m["outcome"] for m in r["members"]] == ["pass", "pass", "fail"]
    assert r["outcome"] == "fail"


def test_one_plus_n_markers():
    assert el.one_plus_n("１") == "1" and el.one_plus_n("Ｎ") == "N" and el.one_plus_n(None) is None
    with pytest.raises(ValueError):
        el.one_plus_n("2")


def test_unknown_programme_and_rule():
    with pytest.raises(KeyError):
        el.check("nope", {})
    with pytest.raises(KeyError):
        el.evaluate("Z9", {})
