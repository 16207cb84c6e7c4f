"""graphsvc.programmes.facts: facts gathered from the demo graph and checked by the rules engine;
B10 quotes, targets and form rows computed from the graph; the CLI commands (issue 7)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import openpyxl
import pytest
from click.testing import CliRunner

from graphsvc.programmes import facts as pg
from graphsvc.programmes import quotes, reports
from graphsvc.core import regions
from graphsvc.programmes import commands as rules_cmds
from loaders.importer import run_import

ROOT = Path(__file__).resolve().parents[1]


def outcomes(result: dict) -> dict:
    return {r["rule_id"]: r["outcome"] for r in result["rules"]}


def hz_manufacturer(store) -> dict:
    """A Hangzhou manufacturer with good credit (the owner of the test projects)."""
    rows = store.read_cypher(
        "MATCH (e:Enterprise) WHERE e.region_code STARTS WITH '3301' AND e.is_manufacturer = true "
        "AND e.credit_ok = true RETURN e.uscc AS uscc ORDER BY e.uscc LIMIT 1")
    return pg.load_enterprise(store, rows[0]["uscc"])["enterprise"]


# ---------------------------------------------------------------- 1+N groups from the graph

def test_stored_group_is_checked_as_a_group(store):
    gid = store.read_cypher("MATCH (p:Project) WHERE p.group_id IS NOT NULL AND p.group_id <> '' "
                            "RETURN p.group_id AS g ORDER BY g LIMIT 1")[0]["g"]
    ids = {r["id"] for r in store.read_cypher("MATCH (p:Project {group_id: $g}) RETURN p.id AS id", {"g": gid})}
    out = pg.check_group(store, "hz-2023-digital-project", gid)
    assert {m["project_id"] for m in out["projects"]} == ids
    assert [m["one_plus_n"] for m in out["projects"]].count("1") == 1
    assert out["projects"][0]["one_plus_n"] == "1"          # the lead first
    for member in out["members"]:                            # each sees the rest of the group
        a22 = next(r for r in member["rules"] if r["rule_id"] == "A2.2")
        assert a22["outcome"] == "pass", a22["reason"]
        assert {m["project_id"] for m in a22["facts_used"]["group"]} == ids
    assert out["outcome"] == pg.eligibility.combine(m["outcome"] for m in out["members"])


def test_group_of_an_n_project_comes_from_group_id_and_leads(store):
    row = store.read_cypher("MATCH (l:Project)-[:LEADS]->(n:Project) RETURN l.id AS lead, n.id AS n, "
                            "n.group_id AS g ORDER BY n.id LIMIT 1")[0]
    g = pg.gather(store, project_id=row["n"])
    members = {m["project"]["id"] for m in g["facts"]["group"]}
    assert row["lead"] in members and row["n"] not in members
    assert all(m["enterprise"].get("uscc") for m in g["facts"]["group"])   # owners gathered too
    by_leads = {r["project"]["id"] for r in pg.fetch_group(store, row["n"], None)}
    assert by_leads == members                                               # LEADS alone finds the same


def test_single_project_needs_no_group(store):
    pid = store.read_cypher("MATCH (p:Project) WHERE p.one_plus_n IS NULL RETURN p.id AS id ORDER BY id LIMIT 1")[0]["id"]
    out = pg.check(store, "hz-2023-digital-project", project_id=pid)
    assert outcomes(out)["A2.2"] == "not_applicable"
    assert "group" not in pg.gather(store, project_id=pid)["facts"]


# ---------------------------------------------------------------- boundaries on a stored project

def _import_project(store, owner: str, pid: str, investment: str, start: str, marker: str = "",
                    group: str = "", prior: str = "false") -> None:
    csv = ("id,owner_uscc,name,industry_code,investment_wan,start_date,one_plus_n,group_id,prior_city_subsidy\n"
           f"{pid},{owner},测试项目{pid},C39,{investment},{start},{marker},{group},{prior}\n")
    rep = run_import(store, "projects", csv.encode("utf-8"), "p.csv", actor="test")
    assert rep.status == "ok", rep.as_dict()["errors"]


def test_exactly_200_wan_started_2022_01_01_passes(fresh_store):
    owner = hz_manufacturer(fresh_store)
    _import_project(fresh_store, owner["uscc"], "T-EDGE", "200", "2022-01-01")
    out = pg.check(fresh_store, "hz-2023-digital-project", project_id="T-EDGE")
    assert out["outcome"] == "pass", out
    assert outcomes(out) == {"A2.3": "pass", "A2.4": "pass", "A2.5": "pass", "A2.6": "pass",
                             "A2.2": "not_applicable"}
    a25 = next(r for r in out["rules"] if r["rule_id"] == "A2.5")
    assert a25["facts_used"]["investment_wan"] == 200
    assert out["subject"] == {"project_id": "T-EDGE", "project_name": "测试项目T-EDGE", "group_id": None,
                              "one_plus_n": None, "uscc": owner["uscc"], "name": owner["name"],
                              "region_code": owner["region_code"]}
    # one step below each line fails (what-if over the stored project)
    below = pg.check(fresh_store, "hz-2023-digital-project", project_id="T-EDGE",
                     given=pg.coerce_facts({"investment_wan": 199.99, "start_date": "2021-12-31"}))
    # A2.4 is “原则上”: below it the bureau decides on reasons (needs_reason); A2.5 is hard
    assert outcomes(below)["A2.5"] == "fail" and outcomes(below)["A2.4"] == "needs_reason"
    # an "N" project under 200 and a "1" project with a prior subsidy: the A2.7 exemptions
    _import_project(fresh_store, owner["uscc"], "T-LEAD", "800", "2022-03-01", "1", "GT-EDGE", "true")
    _import_project(fresh_store, owner["uscc"], "T-FOLLOW", "50", "2022-03-01", "N", "GT-EDGE")
    lead = pg.check(fresh_store, "hz-2023-digital-project", project_id="T-LEAD")
    follow = pg.check(fresh_store, "hz-2023-digital-project", project_id="T-FOLLOW")
    assert outcomes(lead) == {"A2.3": "pass", "A2.4": "pass", "A2.5": "pass", "A2.6": "not_applicable",
                              "A2.2": "pass"}
    assert outcomes(follow)["A2.5"] == "not_applicable" and outcomes(follow)["A2.2"] == "pass"
    assert pg.check_group(fresh_store, "hz-2023-digital-project", "GT-EDGE")["outcome"] == "pass"


def test_what_if_overlay_and_missing_facts(store):
    owner = hz_manufacturer(store)
    base = pg.check(store, "hz-2023-digital-project", uscc=owner["uscc"])
    # no project facts: unknown, naming the missing fact — never a silent pass
    assert base["outcome"] == "unknown"
    a24 = next(r for r in base["rules"] if r["rule_id"] == "A2.4")
    assert a24["outcome"] == "unknown" and "项目开工日期" in a24["reason"]
    # a retired Hangzhou code (富阳市 330183 → 富阳区 330111) still counts as Hangzhou
    old = pg.check(store, "hz-2023-digital-project", uscc=owner["uscc"],
                   given=pg.coerce_facts({"region_code": "330183", "start_date": "2022-01-01",
                                          "investment_wan": "200", "prior_city_subsidy": "否"}))
    assert old["outcome"] == "pass", old
    assert next(r for r in old["rules"] if r["rule_id"] == "A2.3")["facts_used"]["region_code"] == "330183"
    # an N marker given without a group id: A2.2 asks for it
    n = pg.check(store, "hz-2023-digital-project", uscc=owner["uscc"], given=pg.coerce_facts({"one_plus_n": "N"}))
    a22 = next(r for r in n["rules"] if r["rule_id"] == "A2.2")
    assert a22["outcome"] == "unknown" and "项目组编号" in a22["reason"]
    # a given null makes a stored fact unknown
    nulled = pg.check(store, "bj-2023-provider", uscc=owner["uscc"], given={"rd_staff": None})
    c23 = next(r for r in nulled["rules"] if r["rule_id"] == "C2.3")
    item = next(i for i in c23["items"] if i["item"] == "rd_staff")
    assert item["outcome"] == "unknown" and "研发人员数" in item["reason"]


def test_future_factory_ladder_from_recognitions(store):
    recs = store.read("programmes/recognitions", prefix="3301", kinds=["数字化车间", "智能工厂", "链主工厂"], year=None)
    by: dict = {}
    for r in recs:
        by.setdefault(r["uscc"], []).append(r)
    shop = next(u for u, rs in sorted(by.items())
                if any(r["kind"] == "数字化车间" and r["status"] == "认定" and r["year"] in (2021, 2022) for r in rs)
                and not any(r["kind"] != "数字化车间" for r in rs))
    ok = pg.check(store, "hz-2023-future-factory", uscc=shop, given={"category": "智能工厂"})
    assert outcomes(ok)["A1.4"] == "pass"
    jump = pg.check(store, "hz-2023-future-factory", uscc=shop, given={"category": "链主工厂"})
    assert outcomes(jump)["A1.4"] == "fail" and "越级" in next(r for r in jump["rules"] if r["rule_id"] == "A1.4")["reason"]
    missing = pg.check(store, "hz-2023-future-factory", uscc=shop)
    assert outcomes(missing)["A1.1"] == "unknown"


def test_scorecards_from_enterprise_facts(store):
    prov = store.read_cypher("MATCH (e:Enterprise) WHERE size(e.provider_types) > 0 AND e.rd_staff >= 30 "
                             "AND e.rd_spend_wan >= 500 RETURN e.uscc AS u ORDER BY u LIMIT 1")[0]["u"]
    out = pg.check(store, "bj-2023-provider", uscc=prov)
    c23 = next(r for r in out["rules"] if r["rule_id"] == "C2.3")
    assert c23["outcome"] == "pass" and [i["item"] for i in c23["items"]] == ["rd_spend_wan", "rd_staff"]
    assert outcomes(out)["C2.5"] == "unknown"                 # not in the graph: asked for, not assumed
    d = pg.check(store, "zj-2022-digital-factory", uscc=prov)
    assert [r["rule_id"] for r in d["rules"]] == ["D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8", "D9"]
    assert all("items" in r for r in d["rules"])


def test_unknown_subjects_and_programmes(store):
    with pytest.raises(pg.NotFound) as e:
        pg.check(store, "no-such", uscc="91330102102778155A")
    assert e.value.what == "programme"
    with pytest.raises(pg.NotFound):
        pg.check(store, "hz-2023-digital-project", project_id="NO-SUCH-PROJECT")
    with pytest.raises(pg.NotFound):
        pg.load_enterprise(store, "91330000000000000X")


# ---------------------------------------------------------------- fact coercion

@pytest.mark.parametrize("key,raw,value", [
    ("investment_wan", "200", 200.0), ("investment_wan", 199.99, 199.99), ("profit_margin", "7%", 0.07),
    ("prior_city_subsidy", "是", True), ("credit_ok", False, False), ("start_date", "2022年1月1日", "2022-01-01"),
    ("one_plus_n", "Ｎ", "N"), ("provider_types", [3, 1, 3], [1, 3]), ("target_fields", "汽车;电子", ["汽车", "电子"]),
    ("rd_spend_wan_by_year", "2021:500;2022:600", {2021: 500.0, 2022: 600.0}), ("region_code", "330183", "330183"),
    ("rd_staff", "", None)])
def test_coerce_fact_accepts(key, raw, value):
    assert pg.coerce_fact(key, raw) == value


@pytest.mark.parametrize("key,raw,field", [
    ("investment_wan", "两百", "facts.investment_wan"), ("investment_wan", True, "facts.investment_wan"),
    ("investment_wan", -1, "facts.investment_wan"), ("one_plus_n", "2", "facts.one_plus_n"),
    ("start_date", "2022-13-01", "facts.start_date"), ("region_code", "999999", "facts.region_code"),
    ("provider_types", "7", "facts.provider_types"), ("rd_staff", 3.5, "facts.rd_staff"),
    ("no_such_fact", 1, "facts.no_such_fact"), ("market_rank_global", 0, "facts.market_rank_global")])
def test_coerce_fact_rejects_naming_the_field(key, raw, field):
    with pytest.raises(pg.FactError) as e:
        pg.coerce_fact(key, raw)
    assert e.value.field == field
    assert e.value.detail  # Chinese message


def test_coerce_facts_rejects_a_hand_made_group():
    with pytest.raises(pg.FactError) as e:
        pg.coerce_facts({"group": []})
    assert e.value.field == "facts.group"


# ---------------------------------------------------------------- B10 quotes from the graph

def _ladder_case(store):
    """A Hangzhou enterprise recognised 市级数字化车间 before some year Y with no higher tier,
    and Y with room under the 智能工厂 cap."""
    recs = store.read("programmes/recognitions", prefix="3301", kinds=None, year=None)
    by: dict = {}
    for r in recs:
        by.setdefault(r["uscc"], []).append(r)
    for uscc, rs in sorted(by.items()):
        shops = [r for r in rs if r["kind"] == "数字化车间" and r["level"] == "市" and r["status"] == "认定"]
        higher = [r for r in rs if r["kind"] in ("智能工厂", "链主工厂") and r["status"] == "认定"]
        if len(shops) == 1 and not higher:
            for year in range(shops[0]["year"] + 1, 2026):
                if quotes.awards_counted(recs, uscc, "智能工厂", "市", year) < 20:
                    return uscc, year, recs
    raise AssertionError("the demo graph has no 数字化车间 → 智能工厂 case")


def test_quote_pays_the_difference_on_moving_up(store):
    uscc, year, recs = _ladder_case(store)
    q = quotes.quote_subsidy(store, uscc, {"kind": "智能工厂", "level": "市", "year": year})
    assert (q["amount_wan"], q["already_paid_wan"], q["payable_wan"]) == (200, 80, 120)
    assert q["rule_ids"] == ["B10"] and q["outcome"] == "pass"
    assert q["paid_basis"] == [{"kind": "数字化车间", "level": "市", "year": q["paid_basis"][0]["year"], "amount_wan": 80}]
    assert q["awarded_this_year"] == quotes.awards_counted(recs, uscc, "智能工厂", "市", year)
    assert "视为已补助" in q["note"]
    # the same tier again pays nothing
    again = quotes.quote_subsidy(store, uscc, {"kind": "数字化车间", "level": "市", "year": year})
    assert again["payable_wan"] == 0


def test_quote_yearly_cap_and_region(store):
    recs = store.read("programmes/recognitions", prefix="3301", kinds=["智能工厂"], year=None)
    full = [y for y in range(2021, 2026) if len({r["uscc"] for r in recs if r["year"] == y and r["level"] == "市"
                                                  and r["status"] == "认定"}) > 20]
    recognised = {r["uscc"] for r in store.read("programmes/recognitions", prefix="3301", kinds=None, year=None)}
    fresh = next(r["u"] for r in store.read_cypher(
        "MATCH (e:Enterprise) WHERE e.region_code STARTS WITH '3301' AND e.is_manufacturer = true "
        "RETURN e.uscc AS u ORDER BY u") if r["u"] not in recognised)
    if full:  # the demo has a year with more than 20 city 智能工厂: the cap leaves nothing
        q = quotes.quote_subsidy(store, fresh, {"kind": "智能工厂", "level": "市", "year": full[0]})
        assert q["payable_wan"] == 0 and "名额已满" in q["reason"]
    sx = store.read_cypher("MATCH (e:Enterprise) WHERE e.region_code STARTS WITH '3306' "
                           "RETURN e.uscc AS u ORDER BY u LIMIT 1")[0]["u"]
    q = quotes.quote_subsidy(store, sx, {"kind": "数字化车间", "level": "市", "year": 2024})
    assert q["payable_wan"] == 0 and "不在杭州市" in q["reason"]
    with pytest.raises(pg.FactError) as e:
        quotes.quote_subsidy(store, sx, {"kind": "数字化车间", "level": "乡", "year": 2024})
    assert e.value.field == "recognition.level"


# ---------------------------------------------------------------- targets from the graph

def test_targets_count_recognitions_in_the_graph(store):
    out = reports.target_progress(store, "330100", 2024)
    rows = {r["target_id"]: r for r in out["rows"]}
    lz = store.read_cypher(
        "MATCH (e:Enterprise)-[:HAS]->(r:Recognition {kind: '链主工厂', status: '认定'}) "
        "WHERE e.region_code STARTS WITH '3301' AND r.year <= 2024 RETURN count(DISTINCT e.uscc) AS n")[0]["n"]
    assert rows["hz-2025-B4-lz-recognised"]["actual"] == lz
    assert rows["hz-2025-B4-lz-recognised"]["shortfall"] == max(0, 20 - lz)
    assert {r["rule_id"] for r in out["rows"]} == {"B2", "B3", "B4", "B5"}
    sx = reports.target_progress(store, "330683", 2024)      # 嵊州: 保1争2
    fut = next(r for r in sx["rows"] if "未来工厂" in r["indicator"])
    assert (fut["target"], fut["aim"]) == (1, 2)
    city = reports.target_progress(store, "330600", 2023)
    assert {r["rule_id"] for r in city["rows"]} == {"E1"}
    assert reports.target_progress(store, "330200", 2024)["rows"] == []   # 宁波: no targets


# ---------------------------------------------------------------- form rows

def test_form_rows_stay_in_the_region(store, tmp_path):
    data = reports.form_data(store, "digital-project-summary", "330108", 2023)
    assert data["count"] > 0
    lo, hi = reports.project_window(2023)
    for r in data["rows"]:
        assert regions.in_scope(regions.current_code(r["region_code"]), "330108")
        assert lo.isoformat() <= r["start_date"] <= hi.isoformat()
        assert r["one_plus_n"] in ("1", "N", None)
    assert any(r["service_org"] for r in data["rows"])         # via SERVES
    ff = reports.form_data(store, "future-factory-summary", "330100", 2023)
    assert ff["count"] > 0 and all(r["category"] in pg._cat.params("A1.1")["categories"] for r in ff["rows"])
    path = reports.write_export(ff, tmp_path / "a1.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert ws["A2"].value == "2023年杭州市“未来工厂”培育企业汇总表"
    assert ws["A3"].value == "区、县（市）经信部门（盖章）：杭州市"
    assert ws.cell(row=5 + ff["count"] - 1, column=1).value == ff["count"]
    with pytest.raises(pg.NotFound):
        reports.form_data(store, "no-such-form", "330100", 2023)


# ---------------------------------------------------------------- CLI

class _Obj:
    def __init__(self, store):
        self.store, self.settings = store, None


@pytest.fixture
def run_cli(store):
    @click.group()
    def group():
        pass

    for command in rules_cmds.COMMANDS:
        group.add_command(command)
    runner = CliRunner()

    def run(*args):
        return runner.invoke(group, list(args), obj=_Obj(store), catch_exceptions=False)

    return run


def test_cli_eligibility_subsidy_targets_export(run_cli, store, tmp_path):
    owner = hz_manufacturer(store)
    ok = run_cli("eligibility", "hz-2023-digital-project", "--uscc", owner["uscc"], "--fact", "start_date=2022-01-01",
                 "--fact", "investment_wan=200", "--fact", "prior_city_subsidy=否")
    assert ok.exit_code == 0, ok.output
    assert "A2.5" in ok.output and "通过" in ok.output
    unknown = run_cli("eligibility", "hz-2023-digital-project", "--uscc", owner["uscc"])
    assert unknown.exit_code == 1 and "待补充" in unknown.output
    bad = run_cli("eligibility", "hz-2023-digital-project", "--uscc", owner["uscc"], "--fact", "investment_wan=abc")
    assert bad.exit_code == 2 and "facts" not in bad.output and "fact.investment_wan" in bad.output
    gid = store.read_cypher("MATCH (p:Project {one_plus_n: '1'}) RETURN p.id AS id ORDER BY id LIMIT 1")[0]["id"]
    grp = run_cli("eligibility", "hz-2023-digital-project", "--project", gid, "--group", "--json")
    assert '"group_id"' in grp.output
    uscc, year, _ = _ladder_case(store)
    q = run_cli("subsidy", uscc, "--kind", "智能工厂", "--level", "市", "--year", str(year))
    assert q.exit_code == 0 and "应补 120 万元" in q.output
    t = run_cli("targets", "--region", "330683", "--year", "2024")
    assert t.exit_code == 0 and "争2" in t.output
    out = tmp_path / "a2.xlsx"
    e = run_cli("export", "digital-project-summary", "--region", "330108", "--year", "2023", "--out", str(out))
    assert e.exit_code == 0, e.output
    assert openpyxl.load_workbook(out).active["A1"].value == "附件2"
    assert run_cli("export", "no-such", "--region", "330108", "--out", str(out)).exit_code == 2


def test_cli_commands_are_on_the_graphsvc_entry_point():
    out = subprocess.run([sys.executable, "-m", "graphsvc.cli", "--help"], check=True, cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    for cmd in ("eligibility", "subsidy", "targets", "export"):
        assert cmd in out.stdout
