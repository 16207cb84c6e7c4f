"""GET /api/v1/contractors/recommend over real HTTP, the /contractors page's JSON, and the CLI."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from graphsvc.demo.generate import make_usccs
from tests.conftest import ROOT, _copy_data

PATH = "/api/v1/contractors/recommend"
UNKNOWN = make_usccs(np.array(["330106"]), np.array([13572468]))[0]   # valid checksum, not in the graph


@pytest.fixture(scope="module")
def maker(accounts):
    return accounts["maker"]["uscc"]


def test_happy_path_for_the_manufacturer_itself(api, maker):
    r = api("maker").get(PATH, params={"manufacturer": maker, "provider_type": 1, "unit": "line",
                                       "scenario": "智能化生产", "limit": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["manufacturer"] == maker
    assert (body["provider_type"], body["unit"], body["scenario"]) == (1, "line", "智能化生产")
    assert body["cold_start"] is False
    assert body["weights"]["version"] and "same_industry" in body["weights"]["terms"]
    items = body["items"]
    assert [i["rank"] for i in items] == [1, 2, 3, 4, 5]
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    for it in items:
        assert {"rank", "uscc", "name", "region_code", "score", "reasons"} <= set(it)
        assert it["uscc"] != maker and it["reasons"]
        for reason in it["reasons"]:
            assert {"code", "text", "weight", "evidence"} <= set(reason)
            assert reason["text"] and isinstance(reason["evidence"], list)
        assert sum(rr["weight"] for rr in it["reasons"]) == pytest.approx(it["score"], abs=0.01)
    assert any(rr["evidence"] for it in items for rr in it["reasons"])


def test_manufacturer_account_may_leave_out_its_own_uscc(api, maker):
    r = api("maker").get(PATH, params={"provider_type": 2})
    assert r.status_code == 200 and r.json()["manufacturer"] == maker


@pytest.mark.parametrize("params,field", [
    ({"manufacturer": "91330102102778155", "provider_type": 1}, "manufacturer"),
    ({"manufacturer": "913301021027781550", "provider_type": 1}, "manufacturer"),
    ({"provider_type": 0}, "provider_type"),
    ({"provider_type": 7}, "provider_type"),
    ({"provider_type": "一"}, "provider_type"),
    ({}, "provider_type"),
    ({"provider_type": 1, "unit": "room"}, "unit"),
    ({"provider_type": 1, "scenario": "智能制造"}, "scenario"),
    ({"provider_type": 1, "limit": 0}, "limit"),
    ({"provider_type": 1, "recognised_only": "maybe"}, "recognised_only"),
])
def test_bad_input_is_400_naming_the_field(api, maker, params, field):
    params = {"manufacturer": maker, **params} if "manufacturer" not in params else params
    r = api("maker").get(PATH, params=params)
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field


def test_unknown_manufacturer_is_404(api):
    r = api("admin").get(PATH, params={"manufacturer": UNKNOWN, "provider_type": 1})
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_roles(api, store, maker):
    q = {"manufacturer": maker, "provider_type": 1}
    assert api("maker2").get(PATH, params=q).status_code == 403          # another manufacturer
    assert api("maker").get(PATH, params={**q, "manufacturer": UNKNOWN}).status_code == 403  # no existence hint
    assert api("provider").get(PATH, params=q).status_code == 403        # suppliers may not ask
    assert api(None).get(PATH, params=q).status_code == 401
    assert api("sx_bureau").get(PATH, params=q).status_code == 404       # outside its region
    assert api("hz_bureau").get(PATH, params=q).status_code == 200
    assert api("admin").get(PATH, params=q).status_code == 200
    # Not a manufacturer (a provider that makes nothing): the field is named.
    other = store.read_cypher("MATCH (e:Enterprise) WHERE e.is_manufacturer = false AND size(e.provider_types) > 0 "
                              "RETURN e.uscc AS uscc ORDER BY uscc LIMIT 1")[0]["uscc"]
    r = api("admin").get(PATH, params={**q, "manufacturer": other})
    assert r.status_code == 422 and r.json()["field"] == "manufacturer"


def test_filters_narrow_the_list(api, maker):
    all_ = api("maker").get(PATH, params={"provider_type": 1, "limit": 50}).json()
    listed = api("maker").get(PATH, params={"provider_type": 1, "limit": 50, "recognised_only": "true"}).json()
    c2 = api("maker").get(PATH, params={"provider_type": 1, "limit": 50, "c2_only": "true"}).json()
    assert listed["candidates"] < all_["candidates"] and c2["candidates"] < all_["candidates"]
    assert all(i["listed"] for i in listed["items"]) and all(i["c2"] for i in c2["items"])
    assert listed["filters"] == {"recognised_only": True, "c2_only": False}


def test_openapi_documents_the_endpoint(api):
    doc = api(None).get("/api/v1/openapi.json").json()
    op = doc["paths"][PATH]["get"]
    names = {p["name"] for p in op["parameters"]}
    assert {"manufacturer", "provider_type", "unit", "scenario", "limit", "recognised_only", "c2_only"} <= names
    assert {"200", "400", "403", "404"} <= set(op["responses"])


def test_page_json_carries_the_same_ranking(api, accounts, maker):
    api_body = api("maker").get(PATH, params={"provider_type": 1, "limit": 5}).json()
    r = api("maker").get("/contractors", params={"provider_type": 1, "limit": 5},
                         headers={"Accept": "application/json"})
    assert r.status_code == 200
    page = r.json()
    assert page["result"]["items"] == api_body["items"]
    bad = api("maker").get("/contractors", params={"provider_type": 9}, headers={"Accept": "application/json"})
    assert bad.status_code == 400 and bad.json()["field"] == "provider_type"
    other = api("maker").get("/contractors", params={"manufacturer": accounts["maker2"]["uscc"], "provider_type": 1},
                             headers={"Accept": "application/json"})
    assert other.status_code == 403


def test_cli_prints_reasons_and_json(demo_template, tmp_path, maker):
    d = _copy_data(demo_template, tmp_path / "cli")
    env = {**os.environ, "GRAPHSVC_DATA_DIR": str(d), "GRAPHSVC_SECRET_KEY": "test-secret"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "graphsvc.cli", "recommend", *a],
                                    cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    out = run(maker, "--provider-type", "1", "--unit", "line", "--limit", "3")
    assert out.returncode == 0, out.stderr
    assert " 1. " in out.stdout and "得分" in out.stdout and "已确认" in out.stdout
    js = run(maker, "--provider-type", "2", "--json", "--limit", "2")
    body = json.loads(js.stdout)
    assert body["manufacturer"] == maker and len(body["items"]) == 2
    assert run("91330102102778155X", "--provider-type", "1").returncode == 2
    assert run(maker, "--provider-type", "7").returncode == 2
