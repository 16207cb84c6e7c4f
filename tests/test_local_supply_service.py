"""graphsvc.local_supply.service on the demo graph: what a caller may ask for, as domain errors,
and the payloads the API, the pages and the CLI share."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from graphsvc.core import reference, regions
from graphsvc.core.access import Principal
from graphsvc.core.errors import BadParameter, Forbidden, Invalid, NotFound
from graphsvc.local_supply import ratios, service

ADMIN = Principal("admin", "admin")
HZ = Principal("hz", "bureau", scope="330100")
BJ = Principal("bj", "bureau", scope="330108")
SX = Principal("sx", "bureau", scope="330600")


@pytest.fixture(scope="module")
def leaders(store):
    return ratios.fetch_leaders(store)


@pytest.mark.parametrize("who,args,error,field", [
    (HZ, {"scope": "330600"}, Forbidden, None),
    (BJ, {"scope": "330100"}, Forbidden, None),
    (HZ, {"scope": "12345"}, BadParameter, "scope"),
    (HZ, {"scope": "999999"}, BadParameter, "scope"),
    (HZ, {"chain": "HZ99"}, BadParameter, "chain"),
    (HZ, {"year": 1999}, BadParameter, "year"),
    (Principal("m", "manufacturer", uscc="X"), {}, Forbidden, None),
])
def test_ratio_table_refuses_with_domain_errors(store, who, args, error, field):
    with pytest.raises(error) as exc:
        service.ratio_table(store, who, **args)
    assert exc.value.field == field and exc.value.message


def test_ratio_table_is_the_callers_region_rounded_to_the_cent(store, leaders):
    t = service.ratio_table(store, BJ, 2024)
    assert sorted(i["uscc"] for i in t["items"]) == sorted(
        x["uscc"] for x in leaders if regions.in_scope(x["region_code"], "330108"))
    assert t["region"] == {"code": "330108", "name": "杭州市滨江区"}
    assert t["scope"] == {"code": None, "name": "各链主工厂所在城市", "default": True}
    for i in t["items"]:
        if i["local_amount"] is not None:
            assert i["local_amount"] == round(i["local_amount"], 2)
    # The command line's caller reaches every leader.
    every = service.ratio_table(store, service.CLI, 2024)
    assert len(every["items"]) == len(leaders) and every["region"]["name"] == "全部"


def test_ratio_xlsx_is_the_table(store):
    t = service.ratio_table(store, HZ, 2024, chain="hz02")
    assert t["chain"] == "HZ02"
    d = service.ratio_xlsx(t)
    assert d.filename == "链主工厂本地配套比例_2024.xlsx"
    ws = load_workbook(io.BytesIO(d.data))["链主工厂"]
    assert "杭州市" in ws["A1"].value
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert [r[1] for r in rows[:len(t["items"])]] == [i["uscc"] for i in t["items"]]
    assert rows[len(t["items"])] == (None,) * len(rows[0]) or not any(rows[len(t["items"])])
    assert any((r[0] or "").startswith("说明：市内本地配套比例（按金额）") for r in rows[len(t["items"]):])


def test_leader_detail_checks_the_leader_first(store, accounts, leaders):
    maker, provider = accounts["maker"]["uscc"], accounts["provider"]["uscc"]
    d = service.leader_detail(store, HZ, maker, 2024, "330108")
    assert d["leader"]["uscc"] == maker and d["leader"]["scope"] == "330108" and d["what_if"]["summary"]
    with pytest.raises(BadParameter) as exc:
        service.leader_detail(store, HZ, "91330100000000000Y")
    assert exc.value.field == "leader_uscc"
    with pytest.raises(Invalid) as exc:
        service.leader_detail(store, HZ, provider)
    assert "不是链主工厂" in exc.value.message and exc.value.field == "leader_uscc"
    # Invisible is not found, whatever else is wrong (no existence leak).
    for who, uscc in ((SX, maker), (SX, provider), (ADMIN, "91110000600037341L")):
        with pytest.raises(NotFound):
            service.leader_detail(store, who, uscc, 1999, "330100")


def test_chain_coverage_and_overview(store, leaders):
    cov = service.chain_coverage(store, BJ, "hz02", 2024)
    assert cov["chain"]["id"] == "HZ02" and cov["local"]["code"] == "330108"
    assert cov["local"]["basis"] == "caller_region"
    assert service.chain_coverage(store, ADMIN, "HZ02", 2024)["local"]["basis"] == "admin_default"
    with pytest.raises(NotFound):
        service.chain_coverage(store, HZ, "HZ99")
    with pytest.raises(Forbidden):
        service.chain_coverage(store, SX, "HZ02", scope="330100")
    d = service.coverage_xlsx(cov)
    assert d.filename == "集成电路_本地配套覆盖_2024.xlsx"
    assert load_workbook(io.BytesIO(d.data)).sheetnames == ["环节覆盖", "区县分布", "本地企业"]
    ov = service.chains_overview(store, HZ)
    assert [c["id"] for c in ov["items"]] == [c["id"] for c in reference.chains()]
    assert sum(c["leaders"] for c in ov["items"]) == sum(
        1 for x in leaders if regions.in_scope(x["region_code"], "330100") and x.get("chain") in
        {c["id"] for c in reference.chains()})
    assert service.chains_overview(store, HZ, "330108")["local"]["basis"] == "requested"


def test_scope_options_are_within_the_caller():
    for who in (HZ, BJ, SX):
        opts = service.scope_options(who)
        assert opts[0]["code"] == who.scope
        assert all(service.check_scope(who, o["code"]) == o["code"] for o in opts)
    assert {o["code"] for o in service.scope_options(ADMIN)} >= {"330000", "330100", "330108", "330600"}


def test_table_page_shows_every_bad_filter_and_json_gets_the_apis_error(api):
    query = "?year=abc&scope=330600&chain=zz"
    r = api("hz_bureau").get("/local-supply" + query, headers={"Accept": "text/html"})
    assert r.status_code == 403        # the gravest of the three
    for field in ("year", "scope", "chain"):
        assert f'data-field="{field}"' in r.text
    page = api("hz_bureau").get("/local-supply" + query, headers={"Accept": "application/json"})
    ref = api("hz_bureau").get("/api/v1/local-supply" + query)
    assert (page.status_code, page.json()) == (ref.status_code, ref.json()) == (400, ref.json())
    assert ref.json()["field"] == "year"
    r = api("hz_bureau").get("/local-supply?chain=zz", headers={"Accept": "application/json"})
    assert r.status_code == 400 and r.json()["field"] == "chain"


def test_coverage_names_its_share_measure_for_a_district_and_a_city(store):
    """Issue 13 item 13: a district bureau's coverage share is the same-district measure, named
    so, never the city's 本地配套比例 the dashboard shows."""
    from graphsvc.core.access import Principal
    from graphsvc.local_supply import service

    district = service.chain_coverage(store, Principal("bj", "bureau", scope="330108"), "HZ01")
    city = service.chain_coverage(store, Principal("hz", "bureau", scope="330100"), "HZ01")
    assert district["local"]["measure"] == "district" and district["local"]["share_name"] == "区内占比（按金额）"
    assert city["local"]["measure"] == "city" and city["local"]["share_name"] == "市内本地占比（按金额）"
    assert "不与B4全市目标比较" in district["local"]["definition"]
