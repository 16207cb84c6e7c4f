"""The issue-7 API over the live server: rules catalogue, eligibility, subsidy quotes, targets,
the government forms as .xlsx (opened with openpyxl), and the access matrix rows."""
from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
import yaml

from graphsvc.core import regions

ACCESS = Path(__file__).resolve().parent / "access" / "programmes.yaml"
CALLERS = ("anonymous", "admin", "hz_bureau", "bj_bureau", "sx_bureau", "maker", "maker2", "provider", "provider2")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHECK = "/api/v1/eligibility/check"
GROUP = "GT-RULES-7"


def ensure_rule_projects(api, accounts) -> dict:
    """Projects this module owns on the shared server (re-importing them changes nothing):
    maker leads a 1+N group with maker2 as its N; maker also has a single project exactly on
    the A2.4 / A2.5 lines."""
    m, m2 = accounts["maker"]["uscc"], accounts["maker2"]["uscc"]
    csv = ("id,owner_uscc,name,industry_code,investment_wan,start_date,one_plus_n,group_id,prior_city_subsidy\n"
           f"T7-EDGE,{m},自查测试边界项目,C39,200,2022-01-01,,,false\n"
           f"T7-LEAD,{m},自查测试牵头项目,C39,900,2022-06-01,1,{GROUP},true\n"
           f"T7-N,{m2},自查测试协同项目,C35,80,2022-07-01,N,{GROUP},false\n")
    r = api("admin").post("/api/v1/imports/projects", files={"file": ("t7.csv", csv.encode("utf-8"), "text/csv")})
    assert r.status_code == 200, r.text
    return {"edge": "T7-EDGE", "lead": "T7-LEAD", "n": "T7-N"}


@pytest.fixture(scope="module")
def projects(api, accounts):
    return ensure_rule_projects(api, accounts)


def by_rule(body: dict) -> dict:
    return {r["rule_id"]: r for r in body["rules"]}


# ---------------------------------------------------------------- catalogue

def test_rules_catalogue_is_public(api):
    body = api(None).get("/api/v1/rules").json()
    ids = {r["id"] for r in body["rules"]}
    assert {"A2.5", "B4", "B10", "C3.5", "D1", "E2"} <= ids
    a25 = next(r for r in body["rules"] if r["id"] == "A2.5")
    assert a25["params"] == {"min_investment_wan": 200} and a25["computable"] is True
    assert {p["id"] for p in body["programmes"]} == {"hz-2023-digital-project", "hz-2023-future-factory",
                                                      "bj-2023-provider", "zj-2022-digital-factory"}
    assert {d["id"] for d in body["documents"]} >= {"hz-2023-call", "sx-2021-2025-plan"}
    one = api(None).get("/api/v1/rules/A2.4").json()
    assert one["params"]["min_start_date"] == "2022-01-01"           # ISO, not an HTTP date
    assert one["programmes"] == ["hz-2023-digital-project"]
    r = api(None).get("/api/v1/rules/A9.9")
    assert r.status_code == 404 and r.json()["error"] == "not_found"


# ---------------------------------------------------------------- eligibility

def test_maker_checks_its_own_stored_project(api, projects):
    r = api("maker").post(CHECK, json={"programme": "hz-2023-digital-project", "project_id": projects["edge"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outcome"] == "pass"
    rules = by_rule(body)
    assert [x["rule_id"] for x in body["rules"]] == ["A2.3", "A2.4", "A2.5", "A2.6", "A2.2"]
    assert rules["A2.5"]["facts_used"]["investment_wan"] == 200 and rules["A2.5"]["outcome"] == "pass"
    assert rules["A2.4"]["facts_used"]["start_date"] == "2022-01-01" and rules["A2.4"]["outcome"] == "pass"
    assert all(set(x) >= {"rule_id", "outcome", "facts_used", "reason"} for x in body["rules"])
    assert "items" in rules["A2.3"]                                   # scorecard items kept
    assert "group_check" not in body


def test_group_members_and_scoping(api, projects, accounts):
    lead = api("maker").post(CHECK, json={"programme": "hz-2023-digital-project", "project_id": projects["lead"]})
    assert lead.status_code == 200
    rules = by_rule(lead.json())
    assert rules["A2.6"]["outcome"] == "not_applicable"               # “1” ignores the prior subsidy
    assert rules["A2.2"]["outcome"] == "pass"
    assert {m["project_id"] for m in rules["A2.2"]["facts_used"]["group"]} == {projects["lead"], projects["n"]}
    # maker2's project: 404 for maker, 200 for maker2 (an “N” under 200 万元 is exempt from A2.5)
    other = api("maker").post(CHECK, json={"programme": "hz-2023-digital-project", "project_id": projects["n"]})
    assert other.status_code == 404
    own = api("maker2").post(CHECK, json={"programme": "hz-2023-digital-project", "project_id": projects["n"]})
    assert own.status_code == 200 and by_rule(own.json())["A2.5"]["outcome"] == "not_applicable"
    # the Hangzhou bureau sees the project and the whole group; Shaoxing's does not see it at all
    hz = api("hz_bureau").post(CHECK, json={"programme": "hz-2023-digital-project", "project_id": projects["n"]})
    assert hz.status_code == 200
    grp = hz.json()["group_check"]
    assert grp["group_id"] == GROUP and {m["project_id"] for m in grp["projects"]} == {projects["lead"], projects["n"]}
    assert grp["outcome"] == "pass"
    # a Hangzhou programme does not apply to the Shaoxing bureau at all (issue 13.12): 403 with why
    sx = api("sx_bureau").post(CHECK, json={"programme": "hz-2023-digital-project", "project_id": projects["n"]})
    assert sx.status_code == 403 and "杭州市" in sx.json()["detail"]
    missing = api("admin").post(CHECK, json={"programme": "hz-2023-digital-project", "project_id": "NO-SUCH"})
    assert missing.status_code == 404


def test_what_if_overlays_stored_facts(api, accounts):
    uscc = accounts["maker"]["uscc"]
    base = api("maker").post(CHECK, json={"programme": "hz-2023-digital-project", "uscc": uscc})
    assert base.status_code == 200
    assert base.json()["outcome"] == "unknown"                        # no project facts: never a silent pass
    a24 = by_rule(base.json())["A2.4"]
    assert a24["outcome"] == "unknown" and "项目开工日期" in a24["reason"] and a24["facts_used"] == {"start_date": None}
    fail = api("maker").post(CHECK, json={"programme": "hz-2023-digital-project", "uscc": uscc, "facts": {
        "start_date": "2021-12-31", "investment_wan": 199.99, "prior_city_subsidy": False}}).json()
    assert fail["outcome"] == "fail"
    # A2.4 is “原则上” (needs a reason), A2.5 is hard
    assert by_rule(fail)["A2.4"]["outcome"] == "needs_reason" and by_rule(fail)["A2.5"]["outcome"] == "fail"
    assert fail["what_if"] == ["investment_wan", "prior_city_subsidy", "start_date"]
    # credit overridden by the what-if (the stored enterprise is in good standing)
    bad = api("maker").post(CHECK, json={"programme": "hz-2023-digital-project", "uscc": uscc,
                                         "facts": {"enterprise": {"credit_ok": False}}}).json()
    assert by_rule(bad)["A2.3"]["outcome"] == "fail"
    a1 = api("maker").post(CHECK, json={"programme": "hz-2023-future-factory", "uscc": uscc,
                                        "facts": {"category": "云端工厂"}}).json()
    assert [r["rule_id"] for r in a1["rules"]] == ["A1.1", "A1.2", "A1.3", "A1.4", "A1.5"]


@pytest.mark.parametrize("body,status,field", [
    ({"project_id": "P00001"}, 400, "programme"),
    ({"programme": 7, "project_id": "P00001"}, 400, "programme"),
    ({"programme": "hz-2023-digital-project"}, 400, "project_id"),
    ({"programme": "hz-2023-digital-project", "uscc": "12345"}, 400, "uscc"),
    ({"programme": "hz-2023-digital-project", "uscc": "{maker}", "facts": {"investment_wan": "两百"}}, 400,
     "facts.investment_wan"),
    ({"programme": "hz-2023-digital-project", "uscc": "{maker}", "facts": {"one_plus_n": "M"}}, 400,
     "facts.one_plus_n"),
    ({"programme": "hz-2023-digital-project", "uscc": "{maker}", "facts": {"nonsense": 1}}, 400, "facts.nonsense"),
    ({"programme": "hz-2023-digital-project", "uscc": "{maker}", "facts": [1]}, 400, "facts"),
    ({"programme": "hz-2099-nothing", "uscc": "{maker}"}, 404, None),
])
def test_eligibility_bad_input(api, accounts, body, status, field):
    body = json.loads(json.dumps(body).replace("{maker}", accounts["maker"]["uscc"]))
    r = api("maker").post(CHECK, json=body)
    assert r.status_code == status, r.text
    if field:
        assert r.json()["field"] == field
    assert r.json()["detail"]


def test_eligibility_needs_a_json_body(api):
    r = api("maker").post(CHECK, data="programme=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400


def test_supplier_checks_itself_as_a_provider(api, accounts):
    r = api("provider").post(CHECK, json={"programme": "bj-2023-provider", "uscc": accounts["provider"]["uscc"],
                                          "facts": {"four_capabilities": True, "violations_3y": 0}})
    assert r.status_code == 200
    rules = by_rule(r.json())
    assert rules["C2.5"]["outcome"] == "pass"
    c23 = rules["C2.3"]
    assert {i["item"] for i in c23["items"]} == {"rd_spend_wan", "rd_staff"}
    assert all({"value", "threshold", "outcome"} <= set(i) for i in c23["items"])
    d = api("admin").post(CHECK, json={"programme": "zj-2022-digital-factory", "uscc": accounts["maker"]["uscc"]})
    assert d.status_code == 200 and len(d.json()["rules"]) == 9


# ---------------------------------------------------------------- subsidies

def test_quote_difference_and_scope(api, store, accounts):
    from tests.test_programmes import _ladder_case

    uscc, year, _ = _ladder_case(store)           # the server runs on a copy of the same demo graph
    r = api("admin").post("/api/v1/subsidies/quote", json={"uscc": uscc, "recognition": {
        "kind": "智能工厂", "level": "市", "year": year}})
    assert r.status_code == 200, r.text
    q = r.json()
    assert (q["amount_wan"], q["already_paid_wan"], q["payable_wan"], q["rule_ids"]) == (200, 80, 120, ["B10"])
    assert q["note"]
    plat = api("provider").post("/api/v1/subsidies/quote", json={"uscc": accounts["provider"]["uscc"],
                                                                 "recognition": {"kind": "工业互联网平台", "level": "国家",
                                                                                 "year": 2024}}).json()
    assert plat["amount_wan"] == 300 and plat["tier"] == "platform"
    other = api("maker").post("/api/v1/subsidies/quote", json={"uscc": uscc, "recognition": {
        "kind": "智能工厂", "level": "市", "year": year}})
    assert other.status_code == 404 or uscc == accounts["maker"]["uscc"]
    for body, field in [({"uscc": uscc}, "recognition"),
                        ({"uscc": uscc, "recognition": {"kind": "金牌工厂", "level": "市", "year": 2023}}, "recognition.kind"),
                        ({"uscc": uscc, "recognition": {"kind": "智能工厂", "level": "市", "year": "去年"}}, "recognition.year"),
                        ({"uscc": "nope", "recognition": {"kind": "智能工厂", "level": "市", "year": 2023}}, "uscc")]:
        bad = api("admin").post("/api/v1/subsidies/quote", json=body)
        assert bad.status_code == 400 and bad.json()["field"] == field, bad.text


# ---------------------------------------------------------------- targets

def test_targets_for_hangzhou_and_shaoxing(api):
    hz = api("hz_bureau").get("/api/v1/targets?year=2024")           # default: the bureau's scope
    assert hz.status_code == 200
    body = hz.json()
    assert body["region"] == "330100" and body["year"] == 2024
    rows = {r["target_id"]: r for r in body["rows"]}
    assert {r["rule_id"] for r in body["rows"]} == {"B2", "B3", "B4", "B5"}
    for r in body["rows"]:
        if r["target"] is not None:
            assert r["shortfall"] == max(0, r["target"] - r["actual"])
    assert rows["hz-2025-B4-lz-cultivated"]["target"] == 30
    sx = api("sx_bureau").get("/api/v1/targets?region=330624&year=2024").json()   # 新昌: 保1争2
    fut = next(r for r in sx["rows"] if "未来工厂" in r["indicator"])
    assert (fut["target"], fut["aim"]) == (1, 2)
    e1 = api("sx_bureau").get("/api/v1/targets?year=2023").json()
    assert {r["rule_id"] for r in e1["rows"]} == {"E1"}
    assert api("sx_bureau").get("/api/v1/targets?region=330106").status_code == 403
    assert api("hz_bureau").get("/api/v1/targets?region=330683").status_code == 403
    bad = api("hz_bureau").get("/api/v1/targets?region=abc")
    assert bad.status_code == 400 and bad.json()["field"] == "region"
    assert api("hz_bureau").get("/api/v1/targets?year=twenty").json()["field"] == "year"
    assert api("maker").get("/api/v1/targets?region=330100").status_code == 403


# ---------------------------------------------------------------- exports (.xlsx read back)

def _download(client, form, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    r = client.get(f"/api/v1/exports/{form}?{query}")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == XLSX
    assert "attachment" in r.headers["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(r.content)).active


def _rows(client, form, **params):
    query = "&".join(f"{k}={v}" for k, v in {**params, "format": "json"}.items())
    r = client.get(f"/api/v1/exports/{form}?{query}")
    assert r.status_code == 200, r.text
    return r.json()


def _data_rows(ws, first: int, n_cols: int):
    out = []
    r = first
    while isinstance(ws.cell(row=r, column=1).value, int):
        out.append([ws.cell(row=r, column=c).value for c in range(1, n_cols + 1)])
        r += 1
    return out, r


def test_export_future_factory_summary(api):
    client = api("bj_bureau")
    data = _rows(client, "future-factory-summary", year=2023)
    assert data["region"] == "330108" and data["count"] == len(data["rows"]) and data["count"] > 0
    assert all(regions.in_scope(regions.current_code(r["region_code"]), "330108") for r in data["rows"])
    ws = _download(client, "future-factory-summary", year=2023)
    assert ws["A1"].value == "附件1"
    assert ws["A2"].value == "2023年杭州市“未来工厂”培育企业汇总表"
    assert ws["A3"].value == "区、县（市）经信部门（盖章）：滨江区"
    assert [ws.cell(row=4, column=c).value for c in range(1, 9)] == [
        "序号", "企业名称", "“未来工厂”类别", "所属产业链", "2021-2022年“未来工厂”评定情况", "建设状态", "联系人", "联系方式"]
    rows, _ = _data_rows(ws, 5, 8)
    assert [r[0] for r in rows] == list(range(1, data["count"] + 1))
    assert [r[1] for r in rows] == [x["enterprise_name"] for x in data["rows"]]
    assert {r[2] for r in rows} <= {"聚能工厂", "链主工厂", "智能工厂", "数字化车间", "云端工厂"}
    assert {r[5] for r in rows} <= {"培育", "已认定"}
    # the city bureau's table has more rows, and a sibling city's region is refused
    assert _rows(api("hz_bureau"), "future-factory-summary", year=2023)["count"] > data["count"]
    assert client.get("/api/v1/exports/future-factory-summary?region=330106").status_code == 403


def test_export_digital_project_summary(api, projects):
    client = api("hz_bureau")
    data = _rows(client, "digital-project-summary", region="330102", year=2023)
    ids = [r["project_id"] for r in data["rows"]]
    assert projects["edge"] in ids and projects["lead"] in ids          # maker is registered in 330102
    ws = _download(client, "digital-project-summary", region="330102", year=2023)
    assert ws["A1"].value == "附件2"
    assert ws["A2"].value == "2023年杭州市制造业数字化改造攻关项目征集汇总表"
    assert ws["A3"].value == "区、县(市)经信部门（盖章）：上城区"
    assert str(ws["H3"].value).startswith("填报时间：")
    header = [ws.cell(row=4, column=c).value for c in range(1, 10)]
    assert header == ["序号", "企业名称", "项目名称", "所属行业", "数字工程服务机构", "项目计划投资额（万元）",
                      "是否为“1+N”形式项目", "联系人", "联系方式"]
    rows, after = _data_rows(ws, 5, 9)
    assert len(rows) == data["count"]
    assert [r[2] for r in rows] == [x["project_name"] for x in data["rows"]]
    assert {r[6] for r in rows} <= {"1", "N", None}                      # an empty cell reads back as None
    lead = rows[ids.index(projects["lead"])]
    assert (lead[6], lead[5]) == ("1", 900)
    assert ws.cell(row=after, column=1).value.startswith("注：若为“1+N”形式")
    # every row's enterprise is in the region; 数字工程服务机构 names come from SERVES
    assert all(regions.in_scope(regions.current_code(r["region_code"]), "330102") for r in data["rows"])
    city = _rows(client, "digital-project-summary", year=2023)
    assert any(r["service_org"] for r in city["rows"])
    assert api("sx_bureau").get("/api/v1/exports/digital-project-summary?region=330102").status_code == 403


def test_export_digital_factory_ranking(api, store):
    recs = store.read("programmes/recognitions", prefix="3301", kinds=["数字工厂"], year=None)
    year = min(r["year"] for r in recs) if recs else 2022
    data = _rows(api("hz_bureau"), "digital-factory-ranking", year=year)
    ws = _download(api("hz_bureau"), "digital-factory-ranking", year=year)
    assert ws["A1"].value == "附件3"
    assert ws["A2"].value == "各设区市推荐的数字工厂汇总排序表"
    assert ws["A3"].value == "报送单位：杭州市（盖章）"
    assert ws["A4"].value == "序号" and ws["E4"].value == "2021年度" and ws["E5"].value == "销售收入（万元）"
    rows, _ = _data_rows(ws, 6, 8)
    assert len(rows) == data["count"] == len({r["uscc"] for r in recs if r["year"] == year})
    revenues = [r[4] for r in rows]
    assert revenues == sorted(revenues, reverse=True)                   # the ranking
    hz_names = {regions.district_name(c) for c in regions.regions() if c.startswith("3301")}
    assert all(r[1] in hz_names for r in rows)


def test_export_bad_input(api):
    c = api("hz_bureau")
    assert c.get("/api/v1/exports/annex-9").status_code == 404
    bad = c.get("/api/v1/exports/digital-project-summary?format=pdf")
    assert bad.status_code == 400 and bad.json()["field"] == "format"
    assert c.get("/api/v1/exports/digital-project-summary?year=1800").json()["field"] == "year"
    assert c.get("/api/v1/exports/digital-project-summary?region=33010").json()["field"] == "region"
    assert api("admin").get("/api/v1/exports/digital-project-summary").json()["field"] == "region"


# ---------------------------------------------------------------- access matrix

def test_every_rules_operation_has_access_rows():
    """The rows themselves run in tests/test_access_matrix.py (every caller, real HTTP)."""
    from web import programmes as rules_api

    rows = yaml.safe_load(ACCESS.read_text(encoding="utf-8"))
    ops = {f"{m.upper()} /api/v1{path}" for path, methods in rules_api.OPENAPI.items() for m in methods}
    assert ops == {r["op"] for r in rows}
    for r in rows:
        assert set(r["expect"]) == set(CALLERS), r["op"]


def test_openapi_documents_the_rules_routes(api):
    paths = api(None).get("/api/v1/openapi.json").json()["paths"]
    for p in ("/api/v1/rules", "/api/v1/rules/{rule_id}", "/api/v1/eligibility/check", "/api/v1/subsidies/quote",
              "/api/v1/targets", "/api/v1/exports/{form}"):
        assert p in paths
    assert XLSX in paths["/api/v1/exports/{form}"]["get"]["responses"]["200"]["content"]
