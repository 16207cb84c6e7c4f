"""Issue 13, policy fidelity: one test per item, each naming the seed sentence it rests on
(``SEED_<name>`` constants, checked to occur in docs/seeds/).  ``COVERAGE`` (rule id, outcome)
for the new rules C4.1–C4.11 and B13 is read by test_rules_catalogue."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from graphsvc.core.access import Principal
from graphsvc.core.formatting import wan_text
from graphsvc.local_supply import headline
from graphsvc.programmes import catalogue, coverage, eligibility as el, facts as fx, provider_support as ps
from graphsvc.programmes import quotes, service, subsidies as sb, targets as tg

SEEDS = Path(__file__).resolve().parent.parent / "docs" / "seeds"


def in_seed(prefix: str, sentence: str) -> str:
    """The sentence, after checking it is the seed's (whitespace of the PDF copies ignored)."""
    text = re.sub(r"\s+", "", next(SEEDS.glob(prefix + "_*.txt")).read_text(encoding="utf-8"))
    assert re.sub(r"\s+", "", sentence) in text, sentence
    return sentence


def rec(kind, status="认定", year=2022, level="市"):
    return {"kind": kind, "level": level, "status": status, "year": year}


# ------------------------------------------------------------------ 1. B10 差额 after two tiers
SEED_B10 = in_seed("002", "补助资金均按进档差额执行")


def test_item1_b10_paid_is_the_highest_tier_not_the_sum():
    """数字化车间 2021 (80) then 智能工厂 2022 (difference 120): 链主工厂 2023 pays 500 − 200 = 300."""
    history = quotes.paid_history([rec("数字化车间", year=2021), rec("智能工厂", year=2022)], 2023)
    assert [h["amount_wan"] for h in history] == [80, 120]
    q = sb.quote({"kind": "链主工厂", "level": "市", "year": 2023}, history, {})
    assert (q["already_paid_wan"], q["payable_wan"], q["outcome"]) == (200, 300, "pass"), SEED_B10


# ------------------------------------------------------------------ 2. type 2 and the 四大能力
SEED_TYPE2 = in_seed("003", "在工业互联网平台（产业大脑）建设中，具备系统解决问题的“四大能力”")


def test_item2_platform_provider_needs_the_four_capabilities():
    base = {"enterprise": {"provider_types": [2], "four_capabilities": False}}
    assert el.evaluate("C1", base)["outcome"] == "fail", SEED_TYPE2
    assert el.evaluate("C1", {"enterprise": {"provider_types": [2], "four_capabilities": True}})["outcome"] == "pass"
    assert catalogue.params("C1")["four_capabilities_required_for"] == [1, 2, 5, 6]
    assert el.evaluate("C1", {"enterprise": {"provider_types": [3, 4]}})["outcome"] == "not_applicable"


# ------------------------------------------------------------------ 3. item 14 for 区内企业
SEED_ITEM14_DISTRICT = in_seed("003", "支持区内企业助力浙江省传统制造业转型升级")
CLIENT = [{"uscc": "C", "kind": "智能工厂", "level": "省", "status": "认定", "year": 2023}]


def _d(**kw):
    return {"id": "d1", "supplier_uscc": "S", "client_uscc": "C", "contract_amount_wan": 100,
            "status": "confirmed", "signed_date": "2023-02-01", **kw}


def test_item3_provider_outside_the_district_gets_no_reward():
    west_lake = sb.item14_reward([_d()], CLIENT, providers={"S": {"name": "西湖服务商", "region_code": "330106"}})
    line = west_lake["lines"][0]
    assert (line["reward_wan"], line["outcome"], west_lake["total_wan"]) == (0, "fail", 0), SEED_ITEM14_DISTRICT
    assert "西湖区" in line["reason"] and "区内企业" in line["reason"]
    binjiang = sb.item14_reward([_d()], CLIENT, providers={"S": {"name": "滨江服务商", "region_code": "330108"}})
    assert binjiang["total_wan"] == 15


# ------------------------------------------------------------------ 5. ceilings are ceilings
SEED_CEILINGS = in_seed("002", "分别给予不超过500万元、200万元、80万元的一次性补助")


def test_item5_factory_awards_are_quoted_as_ceilings_platforms_as_fixed():
    q = sb.quote({"kind": "链主工厂", "level": "市", "year": 2023}, [], {})
    assert "不超过500万元" in q["reason"] and "补助500万元" not in q["reason"] and q["ceiling"], SEED_CEILINGS
    platform = sb.quote({"kind": "工业互联网平台", "level": "国家", "year": 2023}, [], {})
    assert "补助300万元" in platform["reason"] and "不超过" not in platform["reason"]


# ------------------------------------------------------------------ 6. A1.5 is a notice
SEED_A15 = in_seed("000", "2021-2022年已列入杭州市“未来工厂”培育库但未评定的企业，无需再次申报培育")


def test_item6_pooled_not_rated_is_a_notice_not_a_failure():
    facts = {"enterprise": {"region_code": "330106", "is_manufacturer": True, "credit_ok": True},
             "category": "智能工厂", "recognitions": [rec("智能工厂", "培育", 2021)]}
    r = el.check("hz-2023-future-factory", facts)
    a15 = next(x for x in r["rules"] if x["rule_id"] == "A1.5")
    assert a15["outcome"] == "notice" and "无需再次申报培育" in a15["reason"], SEED_A15
    assert r["outcome"] == "pass"


# ------------------------------------------------------------------ 7. reference indicators
SEED_REFERENCE = in_seed("001", "浙江省数字工厂建设参考要素指标（试行）")


def test_item7_digital_factory_indicators_are_reference_not_hard():
    facts = {"revenue_wan": 90000, "profit_margin": 0.05}  # D1 met, D2 not met, the rest undecided
    r = el.check("zj-2022-digital-factory", facts)
    assert r["outcome"] == "reference" and r["basis"] == "reference", SEED_REFERENCE
    assert (r["summary"]["met"], r["summary"]["not_met"], r["summary"]["total"]) == (1, 1, 9)
    assert "不是申报的硬性条件" in r["summary"]["text"]


# ------------------------------------------------------------------ 8. “原则上”
SEED_IN_PRINCIPLE = in_seed("000", "项目原则上要求2022年1月1日以后开工")


def test_item8_in_principle_start_date_needs_a_reason():
    r = el.evaluate("A2.4", {"project": {"start_date": "2021-12-31"}})
    assert r["outcome"] == "needs_reason" and r["reason"].startswith("原则上不符合，需说明理由"), SEED_IN_PRINCIPLE
    assert catalogue.rule("A2.4")["in_principle"] is True
    assert el.combine(["pass", "needs_reason"]) == "needs_reason" and el.combine(["needs_reason", "fail"]) == "fail"


# ------------------------------------------------------------------ 9. item 14 estimate and timing
SEED_EXPERT = in_seed("003", "经浙江省智能制造专家委员会认定，按照合同金额给予15%的奖励")
BJ = {"S": {"name": "滨江服务商", "region_code": "330108"}}


def test_item9_listing_before_the_contract_does_not_count_and_amounts_are_estimates():
    listed_2022 = [{"uscc": "C", "kind": "智能工厂", "level": "省", "status": "认定", "year": 2022}]
    r = sb.item14_reward([_d(signed_date="2023-05-01")], listed_2022, providers=BJ)
    assert (r["lines"][0]["outcome"], r["total_wan"]) == ("fail", 0), SEED_EXPERT
    assert "早于合同签订" in r["lines"][0]["reason"]
    ok = sb.item14_reward([_d(signed_date="2022-05-01")], listed_2022, providers=BJ)
    assert ok["total_wan"] == 15 and ok["estimate"] is True
    assert "待经浙江省智能制造专家委员会认定" in ok["lines"][0]["reason"] and "估算" in ok["reason"]
    assert catalogue.params("C3.5")["listing_from"] == "contract_signed_year"


# ------------------------------------------------------------------ 10. the 60% is a city-wide aim
SEED_B4 = in_seed("002", "到2025年,力争全市培育冠军型“链主工厂”30家以上,其中认定20家左右,供应链本地化配套比例达60%左右")


def test_item10_headline_is_the_pooled_city_figure_with_its_definition():
    items = [{"uscc": "A", "region_code": "330106", "scope": "330100", "local_amount": 80.0, "total_amount": 100.0,
              "suppliers": 2, "meets_target": True},
             {"uscc": "B", "region_code": "330108", "scope": "330100", "local_amount": 20.0, "total_amount": 300.0,
              "suppliers": 3, "meets_target": False},
             {"uscc": "Z", "region_code": "330602", "scope": "330600", "local_amount": 9.0, "total_amount": 9.0,
              "suppliers": 1, "meets_target": True}]
    h = headline.city_headline(items, "330100", 2024)
    assert (h["ratio_amount"], h["meets_aim"], h["aim"], h["aim_year"]) == (0.25, False, 0.6, 2025), SEED_B4
    assert h["measure_name"] == "市内本地配套比例（按金额）" and "同一设区市" in h["definition"]
    assert headline.measure_label("district")["measure_name"] != h["measure_name"]


# ------------------------------------------------------------------ 11. wording a bureau can sign
SEED_CREDIT = in_seed("000", "信用良好")


def test_item11_texts_read_plainly():
    credit = el.evaluate("A1.3", {"enterprise": {"credit_ok": False}})
    assert credit["reason"] == "已列入失信联合惩戒对象名单，不符合", SEED_CREDIT
    rated = el.evaluate("A1.5", {"recognitions": [rec("数字化车间", year=2021)]})
    assert "未列入" not in rated["reason"] and "2021年已评定" in rated["reason"]
    d1 = el.evaluate("D1", {"revenue_wan": 50000, "revenue_growth_3y_avg": 0.1})
    assert "8亿元" in d1["reason"] and "80000万元" not in d1["reason"]
    assert "start_date" not in el.missing_reason(["start_date"])
    odd = sb.item14_reward([_d(contract_amount_wan=301.19, signed_date="2023-01-01")], CLIENT, providers=BJ)
    assert odd["lines"][0]["reward_wan"] == 45.18 and "45.18万元" in odd["lines"][0]["reason"]
    big = [_d(id=f"d{i}", contract_amount_wan=400, signed_date="2023-01-01") for i in range(2)]
    capped = sb.item14_reward(big, CLIENT, providers=BJ)
    assert "滨江服务商" in capped["reason"] and "S已达" not in capped["reason"]
    assert wan_text(80000) == "8亿元" and wan_text(45.1785) == "45.18万元"


def test_item11_self_check_page_shows_no_field_keys(api):
    page = api("provider").get("/eligibility?programme=bj-2023-provider", headers={"Accept": "text/html"})
    assert page.status_code == 200
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page.text, flags=re.S))
    for key in ("four_capabilities", "rd_spend_wan", "revenue_growth", "target_fields", "What-if"):
        assert key not in visible, key


# ------------------------------------------------------------------ 12. each document's own regions
SEED_HZ_FORM = in_seed("000", "2023年杭州市“未来工厂”培育企业汇总表")


def test_item12_programmes_and_forms_apply_to_their_regions():
    sx = Principal("b", "bureau", "330600", None)
    assert [p["id"] for p in service.programmes_for(sx)] == ["zj-2022-digital-factory"], SEED_HZ_FORM
    west_lake = Principal("b", "bureau", "330106", None)
    assert "bj-2023-provider" not in [p["id"] for p in service.programmes_for(west_lake)]
    assert "bj-2023-provider" in [p["id"] for p in service.programmes_for(Principal("b", "bureau", "330100", None))]
    assert [f["id"] for f in service.export_choices(sx)["forms"]] == ["digital-factory-ranking"]
    assert "杭州市" in coverage.form_refusal("future-factory-summary", "330600")
    assert coverage.form_refusal("digital-factory-ranking", "330600") is None


def test_item12_export_outside_its_region_is_403_with_a_reason(api, accounts):
    r = api("sx_bureau").get("/api/v1/exports/future-factory-summary?region=330600&year=2023")
    assert r.status_code == 403 and "只适用于杭州市" in r.json()["detail"]
    ok = api("sx_bureau").get("/api/v1/exports/digital-factory-ranking?region=330600&year=2022&format=json")
    assert ok.status_code == 200
    check = api("sx_bureau").post("/api/v1/eligibility/check", json={"programme": "bj-2023-provider",
                                                                     "uscc": accounts["provider"]["uscc"]})
    assert check.status_code == 403 and "滨江" in check.json()["detail"]


# ------------------------------------------------------------------ 13. district vs city targets
SEED_CITY_TARGET = in_seed("002", "到2025年,力争全市培育示范型“智能工厂”120家以上,其中认定80家左右")


def test_item13_a_district_is_not_compared_with_city_targets():
    data = [{"uscc": f"U{i}", "region_code": "330106" if i < 2 else "330108", "kind": "智能工厂", "level": "市",
             "status": "认定", "year": 2023} for i in range(5)]
    row = next(r for r in tg.progress("330106", 2023, data) if r["target_id"] == "hz-2025-B5-zn-recognised")
    assert (row["actual"], row["district_actual"], row["applies_to"]) == (5, 2, "330100"), SEED_CITY_TARGET
    assert "未分解到区县" in row["note"]
    assert tg.applicable("330106")[0]["own"] is False and tg.applicable("330602")[0]["own"] is True
    assert headline.measure_of("330106", "330106") == "district" and headline.measure_of("330106", "330100") == "city"


# ------------------------------------------------------------------ 14. units of ratio facts
SEED_GROWTH = in_seed("003", "年营收、税收保持正增长")


def test_item14_ratios_are_fractions_or_percent_text_and_implausible_ones_are_refused():
    assert fx.coerce_fact("revenue_growth", "5%") == 0.05 == fx.coerce_fact("revenue_growth", 0.05), SEED_GROWTH
    with pytest.raises(fx.FactError) as e:
        fx.coerce_fact("revenue_growth", 12)
    assert e.value.field == "facts.revenue_growth" and "1200%" in e.value.detail
    with pytest.raises(fx.FactError):
        fx.coerce_fact("rd_ratio", 5)  # a share of revenue cannot be 500%


def test_item14_api_states_the_unit_and_answers_400(api, accounts):
    r = api("provider").post("/api/v1/eligibility/check", json={
        "programme": "bj-2023-provider", "uscc": accounts["provider"]["uscc"], "facts": {"revenue_growth": 12}})
    assert r.status_code == 400 and r.json()["field"] == "facts.revenue_growth"
    spec = api(None).get("/api/v1/openapi.json").json()
    body = spec["paths"]["/api/v1/eligibility/check"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = body if "properties" in body else spec["components"]["schemas"][body["$ref"].split("/")[-1]]
    assert "5%" in schema["properties"]["facts"]["properties"]["revenue_growth"]["description"]


# ------------------------------------------------------------------ 15. the remaining clauses
SEED_C4 = {
    "C4.1": in_seed("003", "给予其最高三年100%房租补贴"),
    "C4.2": in_seed("003", "经认定可直接列入培育名单，并按其研发投入最高给予15%资助"),
    "C4.3": in_seed("003", "对具有行业特色的行业工业互联网平台服务商按项目研发投入实际支出额的20%给予补贴"),
    "C4.4": in_seed("003", "最高1000万的研发资助、最高500万元创业发展资助以及最高500万元额度银行贷款利率贴息"),
    "C4.5": in_seed("003", "对获得创投机构投资额累计达1000万元及以上的区内或区外迁入的智造供给科技型中小企业"),
    "C4.6": in_seed("003", "经认定按上市进度分阶段给予400万元资金奖励"),
    "C4.7": in_seed("003", "可给予重组标的30%以内2年贷款贴息，原则上最高不超过2000万元"),
    "C4.8": in_seed("003", "年营业收入达3亿元或税收达2000万元、从业人员达300人的智造供给企业用地需求可即提即议"),
    "C4.9": in_seed("003", "新获得省级科技进步奖一、二、三等奖的，分别给予50万元、20万元、10万元奖励"),
    "C4.10": in_seed("003", "对新认定的国家、省、市级研发中心（工程研究中心、企业技术中心），分别给予100万元、50万元、20万元奖励"),
    "C4.11": in_seed("003", "经事前报备同意，对落户我区的服务机构可最高给予全额房租补贴"),
    "B13": in_seed("002", "本意见涉及的政策按“就高不重复”原则执行"),
}
C4_CASES = [
    ("C4.1", {"newly_introduced": True, "core_ip_leading": True, "annual_rent_wan": 60, "year_number": 3}, "pass", 60),
    ("C4.1", {"newly_introduced": True, "core_ip_leading": True, "annual_rent_wan": 60, "year_number": 4}, "fail", None),
    ("C4.2", {"project_recognised": True, "rd_spend_wan": 1000}, "pass", 150),
    ("C4.2", {"project_recognised": False, "rd_spend_wan": 1000}, "fail", None),
    ("C4.3", {"provider_types": [2], "industry_platform": True, "project_rd_spend_wan": 500}, "pass", 100),
    ("C4.3", {"provider_types": [1], "industry_platform": True, "project_rd_spend_wan": 500}, "fail", None),
    ("C4.4", {"in_5050": True, "year_number": 1}, "pass", 1500),
    ("C4.4", {"in_5050": False}, "fail", None),
    ("C4.5", {"vc_investment_wan": 1000, "tech_sme": True, "region_code": "330108"}, "pass", None),
    ("C4.5", {"vc_investment_wan": 999.99, "tech_sme": True, "region_code": "330108"}, "fail", None),
    ("C4.6", {"listing_stage_recognised": True}, "pass", 400),
    ("C4.6", {"listing_stage_recognised": False}, "fail", None),
    ("C4.7", {"restructuring_wan": 50000, "loan_interest_2y_wan": 1200}, "pass", 1200),
    ("C4.7", {"restructuring_wan": 49999, "loan_interest_2y_wan": 1200}, "fail", None),
    ("C4.7", {"restructuring_wan": 100000, "loan_interest_2y_wan": 2500}, "needs_reason", 2500),
    ("C4.8", {"revenue_wan": 10000, "tax_wan": 2000, "employees": 300}, "pass", None),
    ("C4.8", {"revenue_wan": 30000, "tax_wan": 100, "employees": 299}, "fail", None),
    ("C4.9", {"science_awards": [{"level": "national", "grade": 2}, {"level": "provincial", "grade": 3}]}, "pass", 110),
    ("C4.9", {"science_awards": [{"level": "national", "grade": 3}]}, "fail", 0),
    ("C4.10", {"rd_institutions": [{"kind": "key_lab", "level": "provincial"}, {"kind": "rd_centre", "level": "city"}]},
     "pass", 220),
    ("C4.10", {"rd_institutions": [{"kind": "enterprise_institute", "level": "city"}]}, "fail", 0),
    ("C4.11", {"service_agency": True, "prior_filing_approved": True, "region_code": "330108", "annual_rent_wan": 30},
     "pass", 30),
    ("C4.11", {"service_agency": True, "prior_filing_approved": False, "region_code": "330108"}, "fail", None),
    ("C4.1", {"newly_introduced": True}, "unknown", None),
]
B13_CASES = [
    ("B13", [{"rule_id": "B10", "matter": "M", "amount_wan": 200}], "pass", 200),
    ("B13", [{"rule_id": "B10", "matter": "M", "amount_wan": 200},
             {"rule_id": "other", "matter": "M", "amount_wan": 150, "source": "区级配套"}], "fail", 200),
]


@pytest.mark.parametrize("rule_id,facts,outcome,amount", C4_CASES, ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(C4_CASES)])
def test_item15_binjiang_items(rule_id, facts, outcome, amount):
    r = ps.support(facts, [rule_id])[0]
    assert (r["outcome"], r["amount_wan"]) == (outcome, amount), (SEED_C4[rule_id], r["reason"])
    assert r["reason"]


@pytest.mark.parametrize("rule_id,candidates,outcome,payable", B13_CASES, ids=[c[2] for c in B13_CASES])
def test_item15_highest_not_duplicated(rule_id, candidates, outcome, payable):
    r = ps.highest_not_duplicated(candidates)
    assert (r["outcome"], r["payable_wan"]) == (outcome, payable), SEED_C4["B13"]
    assert "就高不重复" in r["reason"]


def test_item15_thresholds_are_data(tmp_path):
    import shutil

    import yaml

    for f in catalogue.RULES_DIR.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "bj-2023-provider.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    next(r for r in data["rules"] if r["id"] == "C4.8")["params"]["min_employees"] = 200
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    cat = catalogue.load(tmp_path)
    facts = {"revenue_wan": 30000, "employees": 250}
    assert ps.c4_8(facts)["outcome"] == "fail" and ps.c4_8(facts, cat)["outcome"] == "pass"


def test_item15_in_the_subsidy_quote(api, accounts):
    provider = accounts["provider"]["uscc"]
    r = api("provider").post("/api/v1/subsidies/quote", json={
        "uscc": provider, "support": {"listing_stage_recognised": True, "in_5050": False}})
    assert r.status_code == 200, r.text
    lines = {x["rule_id"]: x for x in r.json()["lines"]}
    assert lines["C4.6"]["amount_wan"] == 400 and lines["C4.4"]["outcome"] == "fail"
    q = api("provider").post("/api/v1/subsidies/quote", json={
        "uscc": provider, "recognition": {"kind": "工业互联网平台", "level": "省", "year": 2024},
        "other_awards": [{"source": "区级工业互联网平台奖励", "amount_wan": 250}]})
    assert q.status_code == 200, q.text
    body = q.json()
    assert "B13" in body["rule_ids"] and body["b13"]["chosen"]["source"] == "区级工业互联网平台奖励"
    assert body["payable_wan"] == 0 and "就高不重复" in body["reason"]
    maker = accounts["maker"]["uscc"]
    outside = api("admin").post("/api/v1/subsidies/quote", json={"uscc": maker, "support": {}})
    assert outside.status_code == 200 and outside.json()["lines"] == [] and "区内企业" in outside.json()["reason"]


COVERAGE = [(c[0], c[2]) for c in C4_CASES] + [(c[0], c[2]) for c in B13_CASES]
