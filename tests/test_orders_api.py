"""POST /api/v1/orders/split through the real gunicorn server on the demo graph (issue #16),
the service's candidate rules on a private store, and `graphsvc orders split` on the CLI."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from graphsvc.core.access import Principal
from graphsvc.core.errors import Invalid
from graphsvc.orders import service
from tests.conftest import ROOT, _copy_data

SPLIT = "/api/v1/orders/split"
ORDER = {"weeks": 4, "steps": [{"process": "assembly", "quantity": 3000, "name": "整机"},
                               {"process": "testing", "quantity": 3000}]}


def _members(store, platform: str) -> dict[str, dict]:
    rows = store.read_cypher("MATCH (p:Enterprise {uscc: $u})-[:ORGANIZES]->(e:Enterprise) "
                             "RETURN e.uscc AS uscc, e.credit_ok AS credit_ok, e.region_code AS region_code",
                             {"u": platform})
    return {r["uscc"]: r for r in rows}


def _check_plan(body: dict, order: dict):
    """What every answer must satisfy, whatever the data: quantities add up, capacity holds,
    costs are unit cost × quantity + setup, and every allocation is explained."""
    for i, step in enumerate(order["steps"]):
        mine = [a for a in body["allocations"] if a["step"] == i]
        assert sum(a["quantity"] for a in mine) == step["quantity"]
        assert all(a["process"] == step["process"] for a in mine)
    for a in body["allocations"]:
        assert 0 < a["quantity"] <= a["capacity_units"]
        assert a["cost_yuan"] == pytest.approx(a["unit_cost_yuan"] * a["quantity"] + a["setup_cost_yuan"])
        assert a["explanation"] and "单价" in a["explanation"][0]
    assert body["total_cost_yuan"] == pytest.approx(sum(a["cost_yuan"] for a in body["allocations"]))
    assert body["solver"]["status"] == "optimal" and body["solver"]["name"].startswith("HiGHS")


def test_platform_splits_over_its_own_members_only(api, accounts, store):
    platform = accounts["platform"]["uscc"]
    r = api("platform").post(SPLIT, json=ORDER)
    assert r.status_code == 200, r.text
    body = r.json()
    _check_plan(body, ORDER)
    members = _members(store, platform)
    assert body["ecosystem"]["uscc"] == platform and body["ecosystem"]["members"] == len(members)
    assert {a["uscc"] for a in body["allocations"]} <= set(members)
    assert all(members[a["uscc"]]["credit_ok"] is not False for a in body["allocations"])
    assert body["local_share"] is None and body["steps"][0]["name"] == "整机"
    # admin asking for the same ecosystem gets the same split
    same = api("admin").post(SPLIT, json={**ORDER, "ecosystem": platform}).json()
    assert same["allocations"] == body["allocations"]
    # a platform cannot use another ecosystem's capacities
    other = store.read("orders/platforms", prefix="")[1]["uscc"]
    r = api("platform").post(SPLIT, json={**ORDER, "ecosystem": other})
    assert r.status_code == 403 and r.json()["field"] == "ecosystem"


def test_bureau_splits_over_factories_of_its_region(api):
    r = api("hz_bureau").post(SPLIT, json=ORDER)
    assert r.status_code == 200, r.text
    _check_plan(r.json(), ORDER)
    assert all(a["region_code"].startswith("3301") for a in r.json()["allocations"])


def test_min_local_share_through_the_api(api, accounts):
    free = api("platform").post(SPLIT, json={**ORDER, "local_region": "330100"}).json()
    want = min(1.0, round(free["local_share"] + 0.25, 2))
    bound = api("platform").post(SPLIT, json={**ORDER, "local_region": "330100", "min_local_share": want})
    assert bound.status_code == 200, bound.text
    b = bound.json()
    _check_plan(b, ORDER)
    assert b["local_share"] >= want - 1e-6 and b["total_cost_yuan"] >= free["total_cost_yuan"]
    local = sum(a["cost_yuan"] for a in b["allocations"] if a["local"])
    assert local / b["total_cost_yuan"] == pytest.approx(b["local_share"], abs=1e-5)
    assert all(a["region_code"].startswith("3301") == a["local"] for a in b["allocations"])


def test_infeasible_order_names_the_step_the_shortfall_and_the_fixes(api, accounts):
    order = {"weeks": 1, "steps": [{"process": "testing", "quantity": 10},
                                   {"process": "assembly", "quantity": 5_000_000}]}
    r = api("platform").post(SPLIT, json=order)
    assert r.status_code == 422
    e = r.json()
    assert e["field"] == "steps" and "第 2 步 装配" in e["detail"]
    [short] = e["shortfalls"]
    assert short["step"] == 1 and short["process"] == "assembly"
    assert short["short_units"] == 5_000_000 - short["capacity_units"] > 0
    assert e["suggestions"]["weeks"] == short["weeks_needed"] > 1
    outside = e["suggestions"]["outside_factories"]
    assert outside and all(f["process"] == "assembly" for f in outside)
    assert all("units_per_week" not in f for f in outside)  # a platform does not see others' capacities
    # … and the suggested number of weeks does make it feasible
    assert api("platform").post(SPLIT, json={**order, "weeks": short["weeks_needed"]}).status_code == 200
    admin = api("admin").post(SPLIT, json={**order, "ecosystem": accounts["platform"]["uscc"]}).json()
    assert all(f["units_per_week"] > 0 for f in admin["suggestions"]["outside_factories"])


@pytest.mark.parametrize("change,status,field", [
    ({"steps": [{"process": "knitting", "quantity": 5}]}, 400, "steps[0].process"),
    ({"steps": [{"process": "cnc", "quantity": 5}, {"process": "smt", "quantity": 0}]}, 400, "steps[1].quantity"),
    ({"steps": [{"process": "cnc", "quantity": -3}]}, 400, "steps[0].quantity"),
    ({"steps": [{"process": "cnc", "quantity": 2.5}]}, 400, "steps[0].quantity"),
    ({"steps": []}, 400, "steps"),
    ({"weeks": 0}, 400, "weeks"),
    ({"weeks": -2}, 400, "weeks"),
    ({"weeks": "四"}, 400, "weeks"),
    ({"min_local_share": 0.5}, 400, "local_region"),
    ({"local_region": "330100", "min_local_share": 1.5}, 400, "min_local_share"),
    ({"local_region": "999999"}, 400, "local_region"),
    ({"ecosystem": "not-a-uscc"}, 400, "ecosystem"),
    ({"ecosystem": "91330106MA2CFQQQ14"}, 404, "ecosystem"),   # valid code, no such enterprise
    ({"colour": "red"}, 400, "colour"),
])
def test_bad_input_names_the_field(api, change, status, field):
    r = api("admin").post(SPLIT, json={**ORDER, **change})
    assert r.status_code == status, r.text
    assert r.json()["field"] == field and r.json()["detail"]


def test_ecosystem_that_is_not_a_platform_is_422(api, accounts):
    r = api("admin").post(SPLIT, json={**ORDER, "ecosystem": accounts["maker"]["uscc"]})
    assert r.status_code == 422 and r.json()["field"] == "ecosystem" and "不是聚能工厂" in r.json()["detail"]


def test_dishonest_factory_is_never_a_candidate(fresh_store):
    """The factory the optimum uses first is put on the 失信 list: it disappears from the split."""
    platform = fresh_store.read("orders/platforms", prefix="")[0]["uscc"]
    who = Principal("p", "manufacturer", uscc=platform)
    order = {"weeks": 4, "steps": [{"process": "assembly", "quantity": 500}]}
    first = service.split_order(fresh_store, who, order)
    top = first["allocations"][0]["uscc"]
    with fresh_store.transaction() as tx:
        tx.run_cypher("MATCH (e:Enterprise {uscc: $u}) SET e.credit_ok = false", {"u": top})
    again = service.split_order(fresh_store, who, order)
    assert top not in {a["uscc"] for a in again["allocations"]}
    assert again["candidates"] == first["candidates"] - 1
    assert again["total_cost_yuan"] >= first["total_cost_yuan"]


def test_expired_capacity_is_not_offered(fresh_store):
    platform = fresh_store.read("orders/platforms", prefix="")[0]["uscc"]
    who = Principal("p", "manufacturer", uscc=platform)
    order = {"weeks": 4, "steps": [{"process": "assembly", "quantity": 500}]}
    top = service.split_order(fresh_store, who, order)["allocations"][0]["uscc"]
    with fresh_store.transaction() as tx:
        tx.run_cypher("MATCH (e:Enterprise {uscc: $u})-[:HAS_CAPACITY]->(c:Capacity {process: 'assembly'}) "
                      "SET c.valid_to = '2024-12-31'", {"u": top})
    assert top not in {a["uscc"] for a in service.split_order(fresh_store, who, order)["allocations"]}
    import datetime as dt

    back_then = service.split_order(fresh_store, who, order, today=dt.date(2024, 6, 1))
    assert top in {a["uscc"] for a in back_then["allocations"]}


def test_cli_orders_split(demo_template, tmp_path):
    d = _copy_data(demo_template, tmp_path / "cli")
    order = tmp_path / "order.json"
    order.write_text(json.dumps({"weeks": 4, "steps": [{"process": "cnc", "quantity": 200}]}), encoding="utf-8")
    env = {**os.environ, "GRAPHSVC_DATA_DIR": str(d)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "graphsvc.cli", "orders", "split", *a], cwd=ROOT, env=env,
                                    capture_output=True, text=True, timeout=180)
    r = run(str(order), "--json")
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    assert sum(a["quantity"] for a in body["allocations"]) == 200 and body["solver"]["status"] == "optimal"
    r = run(str(order))
    assert r.returncode == 0 and "总成本" in r.stdout
    order.write_text(json.dumps({"weeks": 1, "steps": [{"process": "cnc", "quantity": 10**8}]}), encoding="utf-8")
    r = run(str(order))
    assert r.returncode == 1 and "产能不足" in r.stderr
    order.write_text(json.dumps({"weeks": 0, "steps": [{"process": "cnc", "quantity": 1}]}), encoding="utf-8")
    r = run(str(order))
    assert r.returncode == 2 and "weeks" in r.stderr


def test_infeasible_is_an_invalid_domain_error(store):
    with pytest.raises(Invalid) as e:
        service.split_order(store, Principal("a", "admin"), {"weeks": 1, "steps": [{"process": "forging",
                                                                                    "quantity": 10**9}]})
    assert e.value.field == "steps" and e.value.extra["shortfalls"][0]["step"] == 0
