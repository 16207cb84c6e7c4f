"""The dashboard API and the JSON / download faces of the shell pages, over real HTTP."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import jsonschema_rs
import pytest
import yaml

from web.dashboard import OPENAPI

MATRIX = yaml.safe_load((Path(__file__).parent / "access" / "dashboard.yaml").read_text(encoding="utf-8"))
JSON = {"Accept": "application/json"}


def _schema(s):
    """OpenAPI 3.0 `nullable` → JSON Schema type lists, so responses can be validated."""
    if isinstance(s, dict):
        out = {k: _schema(v) for k, v in s.items() if k != "nullable"}
        if s.get("nullable") and "type" in s:
            out["type"] = [s["type"], "null"]
        return out
    if isinstance(s, list):
        return [_schema(v) for v in s]
    return s


def _validate(path: str, body: dict):
    schema = OPENAPI[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    jsonschema_rs.validate(_schema(schema), body)


@pytest.mark.parametrize("row", MATRIX, ids=[r["path"] for r in MATRIX])
def test_access_matrix(api, accounts, row):
    for who, status in row["expect"].items():
        r = api(None if who == "anonymous" else who).get(row["path"])
        assert r.status_code == status, (who, row["path"], r.status_code, r.text[:200])
        assert r.headers["Content-Type"].startswith("application/json")


def test_every_operation_has_an_access_row_and_is_documented(server, api):
    ops = {r["op"] for r in MATRIX}
    assert ops == {f"GET /api/v1{p}" for p in OPENAPI}
    doc = api(None).get("/api/v1/openapi.json").json()
    for p in OPENAPI:
        assert "/api/v1" + p in doc["paths"]


def test_summary_defaults_to_the_bureaus_region(api):
    for who, region in (("hz_bureau", "330100"), ("bj_bureau", "330108"), ("sx_bureau", "330600"), ("admin", "330100")):
        body = api(who).get("/api/v1/dashboard/summary").json()
        assert body["region"] == region, who
        _validate("/dashboard/summary", body)
    body = api("hz_bureau").get("/api/v1/dashboard/summary?region=330108&year=2024").json()
    assert body["region_name"] == "滨江区" and body["year"] == 2024
    assert body["regions"][0]["code"] == "330100" and len(body["regions"]) == 14
    assert body["counts"]["providers"] > 0 and body["deliveries"]["by_providers"]["total"] > 0
    # 滨江 has no targets of its own: the city's count against the city's target, its own apart
    assert body["target_sets"] == [{"rule_ids": ["B2", "B3", "B4", "B5"], "set_for": "330100", "own": False}]
    city = api("hz_bureau").get("/api/v1/dashboard/summary?region=330100&year=2024").json()
    assert [t["actual"] for t in body["targets"]] == [t["actual"] for t in city["targets"]]
    assert all(t["applies_to"] == "330100" and t["district_actual"] <= t["actual"] for t in body["targets"])
    assert all("全市目标，未分解到区县" in t["note"] for t in body["targets"])
    assert body["local_headline"]["ratio_amount"] == city["local_headline"]["ratio_amount"]
    # a retired code is read as today's (330103 下城区 → 330105 拱墅区)
    assert api("hz_bureau").get("/api/v1/dashboard/summary?region=330103").json()["region"] == "330105"


def test_districts_scope_and_values(api):
    admin = api("admin").get("/api/v1/dashboard/districts?city=330100&measure=providers&year=2024").json()
    _validate("/dashboard/districts", admin)
    assert len(admin["districts"]) == 13 and all(d["visible"] for d in admin["districts"])
    assert {"临平区", "钱塘区"} <= {d["name"] for d in admin["districts"]}
    bj = api("bj_bureau").get("/api/v1/dashboard/districts?measure=providers&year=2024").json()
    _validate("/dashboard/districts", bj)
    assert bj["city"] == "330100" and bj["scope_note"]
    assert [d["code"] for d in bj["districts"] if d["visible"]] == ["330108"]
    assert [d["value"] for d in bj["districts"] if d["value"] is not None] == [
        next(d["value"] for d in admin["districts"] if d["code"] == "330108")]
    assert bj["min"] == bj["max"]
    sx = api("sx_bureau").get("/api/v1/dashboard/districts?measure=ratio").json()
    assert sx["city"] == "330600" and len(sx["districts"]) == 6 and sx["unit"] == "%"
    for measure in ("local_suppliers", "recognised", "ratio"):
        body = api("hz_bureau").get(f"/api/v1/dashboard/districts?measure={measure}&year=2024").json()
        _validate("/dashboard/districts", body)
        assert body["max"] is not None and body["max"] > 0, measure


@pytest.mark.parametrize("path,field", [
    ("/api/v1/dashboard/districts?measure=nope", "measure"),
    ("/api/v1/dashboard/districts?city=330200", "city"),
    ("/api/v1/dashboard/districts?year=abc", "year"),
    ("/api/v1/dashboard/summary?region=999999", "region"),
    ("/api/v1/dashboard/summary?year=1800", "year"),
])
def test_bad_parameters_name_the_field(api, path, field):
    r = api("admin").get(path)
    assert r.status_code == 400
    assert r.json()["field"] == field and r.json()["detail"]


def test_pages_answer_json_with_accept_header(api):
    hz = api("hz_bureau")
    b = hz.get("/bureau?year=2024", headers=JSON)
    assert b.status_code == 200 and b.json() == hz.get("/api/v1/dashboard/summary?year=2024").json()
    m = hz.get("/map?measure=ratio&year=2024", headers=JSON)
    assert m.json() == hz.get("/api/v1/dashboard/districts?measure=ratio&year=2024").json()
    imp = hz.get("/imports", headers=JSON).json()
    assert [k["kind"] for k in imp["kinds"]] == ["enterprises", "supplies", "deliveries", "recognitions",
                                                 "projects", "memberships", "capacities"]
    assert imp["kinds"][0]["columns"][0] == {"name": "uscc", "header": "统一社会信用代码", "aliases": [],
                                             "required": True}
    aud = hz.get("/audit?limit=5", headers=JSON).json()
    assert aud["limit"] == 5 and aud["items"] and all(e["region_code"].startswith("3301") for e in aud["items"])
    assert aud["items"] == hz.get("/api/v1/audit?limit=5").json()["items"]
    # out of scope or wrong role: JSON errors, not pages
    r = api("maker").get("/bureau", headers=JSON)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert api("bj_bureau").get("/bureau?region=330100", headers=JSON).status_code == 403
    assert api(None).get("/map", headers=JSON).status_code == 401


def test_pages_in_html_carry_their_api_link(api):
    hz = api("hz_bureau")
    for path, link in (("/bureau?year=2024", "/api/v1/dashboard/summary?region=330100&amp;year=2024"),
                       ("/map?measure=recognised&year=2024",
                        "/api/v1/dashboard/districts?city=330100&amp;measure=recognised&amp;year=2024"),
                       ("/audit?limit=20", "/api/v1/audit?limit=20&amp;offset=0"),
                       ("/imports", "/api/v1/openapi.json")):
        r = hz.get(path)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
        footer = r.text.split("<footer>")[1]
        assert link in footer, (path, footer)


def test_audit_paging(api):
    first = api("admin").get("/audit?limit=3", headers=JSON).json()
    second = api("admin").get("/audit?limit=3&offset=3", headers=JSON).json()
    assert len(first["items"]) == 3 and first["has_more"] is True
    assert not {e["id"] for e in first["items"]} & {e["id"] for e in second["items"]}
    html = api("admin").get("/audit?limit=3&offset=3").text
    assert 'id="prev-page"' in html and "/audit?offset=0&amp;limit=3" in html
    assert "数据导入" in api("admin").get("/audit?action=import.&limit=100").text


def test_template_download_is_a_csv_the_importer_reads(api, accounts):
    hz = api("hz_bureau")
    r = hz.get("/imports/template/enterprises.csv")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert header[:3] == ["统一社会信用代码", "企业名称", "行政区划代码"]
    # fill one row of the template with an existing Hangzhou enterprise and dry-run it
    ent = hz.get("/api/v1/enterprises?region=330108&limit=1").json()["items"][0]
    row = {"统一社会信用代码": ent["uscc"], "企业名称": ent["name"], "行政区划代码": ent["region_code"]}
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerow([row.get(h, "") for h in header])
    files = {"file": ("template.csv", ("\ufeff" + buf.getvalue()).encode("utf-8"), "text/csv")}
    rep = hz.post("/api/v1/imports/enterprises?dry_run=true", files=files)
    assert rep.status_code == 200 and rep.json()["status"] == "dry_run" and rep.json()["accepted"] == 1
    for kind in ("supplies", "deliveries", "recognitions", "projects", "memberships"):
        assert hz.get(f"/imports/template/{kind}.csv").status_code == 200
    assert hz.get("/imports/template/nope.csv").status_code == 404
    assert api("maker").get("/imports/template/enterprises.csv").status_code == 403


def test_error_pages_are_chinese_without_traces(api):
    r = api("maker").get("/bureau")
    assert r.status_code == 403 and "无权访问" in r.text and 'lang="zh-CN"' in r.text
    r = api("hz_bureau").get("/no-such-page")
    assert r.status_code == 404 and "未找到" in r.text and "您访问的页面不存在" in r.text
    assert "The requested URL" not in r.text
    r = api("bj_bureau").get("/bureau?region=330100")
    assert r.status_code == 403 and "超出您的管辖范围" in r.text
    r = api("admin").get("/map?measure=nope")
    assert r.status_code == 400 and "measure" in r.text
    for resp in (r,):
        assert "Traceback" not in resp.text and "werkzeug" not in resp.text.lower()
    anon = api(None).get("/bureau", allow_redirects=False)
    assert anon.status_code == 302 and "/login?next=/bureau" in anon.headers["Location"]
