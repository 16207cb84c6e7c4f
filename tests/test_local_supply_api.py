"""The local-supply and coverage API over real HTTP: figures, scoping, bad input, exports, CLI."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
import requests
from openpyxl import load_workbook

from graphsvc.core import reference
from graphsvc.core import regions
from graphsvc.local_supply.exports import COVERAGE_HEADERS, RATIO_HEADERS, XLSX_MIME

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def hz_table(api):
    r = api("hz_bureau").get("/api/v1/local-supply?year=2024")
    assert r.status_code == 200
    return r.json()


def test_hangzhou_bureau_sees_every_hangzhou_leader(api, hz_table, store):
    from graphsvc.local_supply import ratios

    leaders = [x for x in ratios.fetch_leaders(store) if regions.in_scope(x["region_code"], "330100")]
    assert sorted(i["uscc"] for i in hz_table["items"]) == sorted(x["uscc"] for x in leaders)
    assert hz_table["year"] == 2024 and hz_table["target"] == 0.6 and hz_table["rule_id"] == "B4"
    assert hz_table["scope"] == {"code": None, "name": "各链主工厂所在城市", "default": True}
    for i in hz_table["items"]:
        assert set(i) >= {"uscc", "name", "chain", "local_amount", "total_amount", "ratio_amount", "ratio_count",
                          "gap_amount", "meets_target"}
        if i["ratio_amount"] is None:
            assert i["reason"] and i["meets_target"] is None
        else:
            assert 0 <= i["ratio_amount"] <= 1 and i["meets_target"] == (i["ratio_amount"] >= 0.6 - 1e-9)
            assert i["local_amount"] == round(i["local_amount"], 2)     # 万元 to the cent
    pooled = hz_table["pooled"]
    assert {c["chain"] for c in pooled["chains"]} == {i["chain"] for i in hz_table["items"]}
    assert {d["district"] for d in pooled["districts"]} == {i["district"] for i in hz_table["items"]}
    assert sum(c["leaders"] for c in pooled["chains"]) == len(hz_table["items"])


def test_api_figures_equal_the_library(api, hz_table, store):
    from graphsvc.local_supply import ratios

    lib = {i["uscc"]: i for i in ratios.fetch_table(store, 2024, region="330100")["items"]}
    for i in hz_table["items"]:
        if i["ratio_amount"] is not None:
            assert i["ratio_amount"] == pytest.approx(lib[i["uscc"]]["ratio_amount"], abs=1e-9)
            assert i["gap_amount"] == pytest.approx(lib[i["uscc"]]["gap_amount"], abs=0.005)


def test_binjiang_bureau_sees_only_binjiang_leaders(api, hz_table):
    body = api("bj_bureau").get("/api/v1/local-supply?year=2024").json()
    expect = sorted(i["uscc"] for i in hz_table["items"] if i["district"] == "330108")
    assert expect and sorted(i["uscc"] for i in body["items"]) == expect
    # Default scope is still the leader's city, so the figures are those of the city view.
    hz = {i["uscc"]: i for i in hz_table["items"]}
    for i in body["items"]:
        assert i["ratio_amount"] == hz[i["uscc"]]["ratio_amount"] and i["scope"] == "330100"


def test_scope_and_chain_filters(api, hz_table):
    body = api("hz_bureau").get("/api/v1/local-supply?year=2024&scope=330108").json()
    assert body["scope"]["code"] == "330108" and body["scope"]["name"] == "杭州市滨江区"
    assert all(i["district"] == "330108" and i["scope"] == "330108" for i in body["items"])
    chain = hz_table["items"][0]["chain"]
    body = api("hz_bureau").get(f"/api/v1/local-supply?year=2024&chain={chain}").json()
    assert body["items"] and all(i["chain"] == chain for i in body["items"])
    body = api("admin").get("/api/v1/local-supply?year=2024&scope=330000").json()
    assert len(body["items"]) == len(hz_table["items"])
    for i in body["items"]:   # a wider "local" can only raise the ratio
        j = next(x for x in hz_table["items"] if x["uscc"] == i["uscc"])
        if i["ratio_amount"] is not None:
            assert i["ratio_amount"] >= j["ratio_amount"] - 1e-12


@pytest.mark.parametrize("user,path,status,field", [
    ("hz_bureau", "/api/v1/local-supply?year=abc", 400, "year"),
    ("hz_bureau", "/api/v1/local-supply?year=1899", 400, "year"),
    ("hz_bureau", "/api/v1/local-supply?scope=12345", 400, "scope"),
    ("hz_bureau", "/api/v1/local-supply?scope=999999", 400, "scope"),
    ("hz_bureau", "/api/v1/local-supply?chain=HZ99", 400, "chain"),
    ("hz_bureau", "/api/v1/local-supply?format=pdf", 400, "format"),
    ("hz_bureau", "/api/v1/local-supply/91330100000000000Y", 400, "leader_uscc"),
    ("hz_bureau", "/api/v1/chains/HZ01/coverage?year=x", 400, "year"),
    ("hz_bureau", "/api/v1/chains/HZ01/coverage?scope=abc", 400, "scope"),
])
def test_bad_parameters_are_400_naming_the_field(api, user, path, status, field):
    r = api(user).get(path)
    assert r.status_code == status, r.text
    assert r.json()["field"] == field and r.json()["detail"]


@pytest.mark.parametrize("user,path", [
    ("sx_bureau", "/api/v1/local-supply?scope=330100"),
    ("bj_bureau", "/api/v1/local-supply?scope=330100"),
    ("hz_bureau", "/api/v1/local-supply?scope=330000"),
    ("sx_bureau", "/api/v1/chains/HZ01/coverage?scope=330100"),
    ("sx_bureau", "/api/v1/local-supply/{maker}?scope=330600"),
])
def test_scope_outside_the_callers_region_is_403(api, accounts, user, path):
    r = api(user).get(path.format(maker=accounts["maker"]["uscc"]))
    # The leader of the last case is invisible to 绍兴 (404 wins: no existence leak).
    assert r.status_code == (404 if "{maker}" in path else 403)
    if r.status_code == 403:
        assert "超出您的管辖范围" in r.json()["detail"]


@pytest.mark.parametrize("user", ["maker", "maker2", "provider", "provider2"])
def test_enterprise_accounts_are_forbidden(api, accounts, user):
    for path in ("/api/v1/local-supply", f"/api/v1/local-supply/{accounts['maker']['uscc']}",
                 "/api/v1/chains/HZ01/coverage"):
        assert api(user).get(path).status_code == 403
    assert api(None).get("/api/v1/local-supply").status_code == 401


def test_year_without_data_is_200_with_a_note(api):
    body = api("hz_bureau").get("/api/v1/local-supply?year=2019").json()
    assert body["items"] == [] and "2019年" in body["note"]
    r = api("hz_bureau").get("/api/v1/chains/HZ01/coverage?year=2019")
    assert r.status_code == 200 and r.json()["segments"] == [] and "2019年" in r.json()["note"]


def test_leader_detail(api, accounts, hz_table):
    uscc = accounts["maker"]["uscc"]
    d = api("hz_bureau").get(f"/api/v1/local-supply/{uscc}?year=2024").json()
    row = next(i for i in hz_table["items"] if i["uscc"] == uscc)
    assert d["leader"]["uscc"] == uscc and d["year"] == 2024
    assert d["figures"]["ratio_amount"] == pytest.approx(row["ratio_amount"], abs=1e-9)
    assert sum(s["amount"] for s in d["by_supplier"]) == pytest.approx(row["total_amount"], abs=0.01 * len(d["by_supplier"]))
    assert {s["segment_id"] for s in d["by_segment"]} and d["tier2"]["ratio_amount"] is not None
    assert [t["year"] for t in d["trend"]] == [2022, 2023, 2024, 2025]
    w = d["what_if"]
    assert w["summary"] and isinstance(w["steps"], list)
    if row["meets_target"] is False:
        assert w["steps"] or w["reachable"] is False
    # Without a year: the latest year with data.
    assert api("admin").get(f"/api/v1/local-supply/{uscc}").json()["year"] == 2025


def test_leader_detail_what_if_reaches_the_target(api, hz_table):
    below = [i for i in hz_table["items"] if i["meets_target"] is False]
    assert below
    for i in below[:3]:
        w = api("hz_bureau").get(f"/api/v1/local-supply/{i['uscc']}?year=2024").json()["what_if"]
        assert w["ratio_before"] == pytest.approx(i["ratio_amount"], abs=1e-9)
        if w["reachable"]:
            assert w["steps"][-1]["meets_target_after"] is True
            ratios_after = [s["ratio_after"] for s in w["steps"]]
            assert ratios_after == sorted(ratios_after)
        else:
            assert "最高只能达到" in w["summary"]
        for s in w["segments"]:
            if not s["candidates_count"]:
                assert "没有" in s["note"] or "未注明" in s["note"]


def test_leader_errors(api, accounts):
    maker, provider = accounts["maker"]["uscc"], accounts["provider"]["uscc"]
    # Not a 链主工厂: 422 saying so.
    r = api("hz_bureau").get(f"/api/v1/local-supply/{provider}")
    assert r.status_code == 422 and "不是链主工厂" in r.json()["detail"] and r.json()["field"] == "leader_uscc"
    # Unknown (valid checksum, not in the graph): 404.
    assert api("admin").get("/api/v1/local-supply/91110000600037341L").status_code == 404
    # Out of the bureau's region: 404, never 403 or 422 (no existence leak).
    assert api("bj_bureau").get(f"/api/v1/local-supply/{maker}").status_code == 404
    assert api("sx_bureau").get(f"/api/v1/local-supply/{provider}").status_code == 404


def test_coverage(api):
    body = api("hz_bureau").get("/api/v1/chains/HZ02/coverage?year=2024").json()
    assert body["local"]["code"] == "330100" and body["local"]["basis"] == "caller_region"
    assert [s["segment_id"] for s in body["segments"]] == [s["id"] for s in reference.chain("HZ02")["segments"]]
    for s in body["segments"]:
        assert s["gap"] == (s["local_enterprises"] == 0)
        if s["single_point"]:
            assert s["single_point"]["share"] > 0.5
    assert body["districts"] and body["graph"]["nodes"]
    admin = api("admin").get("/api/v1/chains/HZ02/coverage?year=2024").json()
    assert admin["local"]["basis"] == "admin_default" and admin["local"]["name"] == "杭州市"
    bj = api("bj_bureau").get("/api/v1/chains/HZ02/coverage?year=2024").json()
    assert bj["local"]["code"] == "330108" and bj["local"]["basis"] == "caller_region"
    assert all(d["code"] == "330108" for d in bj["districts"])
    assert api("hz_bureau").get("/api/v1/chains/HZ99/coverage").status_code == 404
    total = sum(len(c["segments"]) for c in reference.chains())
    gaps = sum(s["gap"] for c in reference.chains()
               for s in api("admin").get(f"/api/v1/chains/{c['id']}/coverage?year=2024").json()["segments"])
    assert total > 60 and gaps == 3


def test_ratio_table_xlsx_reads_back(api, hz_table):
    r = api("hz_bureau").get("/api/v1/local-supply?year=2024&format=xlsx")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(XLSX_MIME)
    assert "attachment" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["链主工厂"]
    assert "杭州市" in ws["A1"].value and "2024" in ws["A1"].value
    assert [c.value for c in ws[2]] == RATIO_HEADERS
    every = list(ws.iter_rows(min_row=3, values_only=True))
    rows, notes = every[:len(hz_table["items"])], [r[0] for r in every[len(hz_table["items"]):] if r[0]]
    assert all(r[1] for r in rows)
    # below the table, after a blank row: which 本地 the ratios use, and the city figure against the aim
    assert notes and all(n.startswith("说明：") for n in notes)
    assert any("市内本地配套比例（按金额）" in n and "同一设区市" in n for n in notes)
    assert any("2025年全市目标60%左右" in n for n in notes) and any("仅供参考" in n for n in notes)
    by_uscc = {i["uscc"]: i for i in hz_table["items"]}
    for row in rows:
        i = by_uscc[row[1]]
        assert row[2] == i["name"]
        assert row[9] == (None if i["ratio_amount"] is None else pytest.approx(i["ratio_amount"], abs=1e-9))
        assert row[14] == ("" if i["meets_target"] is None else ("是" if i["meets_target"] else "否")) or (
            row[14] is None and i["meets_target"] is None)
    assert "按产业链汇总" in wb.sheetnames and "按区县汇总" in wb.sheetnames


def test_coverage_xlsx_reads_back(api):
    r = api("hz_bureau").get("/api/v1/chains/HZ02/coverage?year=2024&format=xlsx")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(XLSX_MIME)
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["环节覆盖"]
    assert [c.value for c in ws[2]] == COVERAGE_HEADERS
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert [row[1] for row in rows] == [s["id"] for s in reference.chain("HZ02")["segments"]]
    assert any(row[11] == "是" for row in rows)          # the demo's HZ02 gap
    assert set(wb.sheetnames) == {"环节覆盖", "区县分布", "本地企业"}


def test_openapi_documents_every_route(server):
    doc = requests.get(server.url + "/api/v1/openapi.json", timeout=10).json()
    for path in ("/api/v1/local-supply", "/api/v1/local-supply/{leader_uscc}", "/api/v1/chains/{chain_id}/coverage"):
        assert "get" in doc["paths"][path]
    ls = doc["paths"]["/api/v1/local-supply"]["get"]
    assert XLSX_MIME in ls["responses"]["200"]["content"]
    assert {p["name"] for p in ls["parameters"]} == {"year", "scope", "chain", "format"}


def _cli(data_dir, *args):
    env = {**os.environ, "GRAPHSVC_DATA_DIR": str(data_dir), "GRAPHSVC_SECRET_KEY": "test-secret"}
    p = subprocess.run([sys.executable, "-m", "graphsvc.cli", *args], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=120, check=False)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_cli(demo_template, demo_files, tmp_path):
    import csv

    from tests.conftest import _copy_data

    d = _copy_data(demo_template, tmp_path / "cli")
    out, cov = tmp_path / "r.xlsx", tmp_path / "c.xlsx"
    text = _cli(d, "local-supply", "--year", "2024", "--xlsx", str(out))
    assert "2024年 链主工厂本地配套比例（目标 60%，规则 B4）" in text and "合计：" in text
    assert [c.value for c in load_workbook(out)["链主工厂"][2]] == RATIO_HEADERS
    with open(demo_files / "recognitions.csv", encoding="utf-8") as fh:
        leader = next(r["uscc"] for r in csv.DictReader(fh) if r["kind"] == "链主工厂")
    body = json.loads(_cli(d, "local-supply", "--year", "2024", "--leader", leader, "--json"))
    assert body["leader"]["uscc"] == leader and body["what_if"]["summary"]
    text = _cli(d, "coverage", "HZ02", "--year", "2024", "--xlsx", str(cov))
    assert "集成电路（HZ02）2024年，本地 = 杭州市（管理员默认）" in text and "缺口" in text
    assert [c.value for c in load_workbook(cov)["环节覆盖"][2]] == COVERAGE_HEADERS
