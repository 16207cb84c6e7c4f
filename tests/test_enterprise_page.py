"""/enterprises/<uscc> (企业档案) in a real browser: identity, tiers drawn as rings, the impact
table, deliveries both ways; scoping as for the API. Screenshots: tests/artifacts/enterprise_*.png."""
from __future__ import annotations

GRAPH = "echarts.getInstanceByDom(document.getElementById('tier-graph')).getOption().series[0]"


def test_maker_sees_its_profile_with_tiers(page_as, accounts, api):
    maker = accounts["maker"]["uscc"]
    body = api("maker").get(f"/enterprises/{maker}", headers={"Accept": "application/json"}).json()
    ps = page_as("maker")
    ps.goto(f"/enterprises/{maker}")
    pg = ps.page
    assert pg.inner_text("#ent-name") == body["enterprise"]["name"]
    assert pg.inner_text("#ent-uscc") == maker
    pg.wait_for_selector("#tier-graph[data-ready]", timeout=30000)
    shown = len(body["upstream"]["items"]) + len(body["downstream"]["items"])
    assert pg.evaluate(f"{GRAPH}.data.length") == 1 + shown
    rows = pg.locator("#tier-table tbody tr")
    assert rows.count() == 4
    first = body["upstream"]["tiers"][0]
    assert rows.nth(0).locator("td").nth(2).inner_text() == str(first["count"])
    ps.shot("enterprise_maker")
    ps.assert_no_console_errors()


def test_bureau_profile_of_a_provider_and_scope(page_as, accounts, api):
    provider = accounts["provider"]["uscc"]
    ps = page_as("hz_bureau")
    ps.goto(f"/enterprises/{provider}")
    pg = ps.page
    assert pg.inner_text("#ent-uscc") == provider
    assert pg.locator("#impact-table, #impact-none").count() == 1
    body = api("hz_bureau").get(f"/enterprises/{provider}", headers={"Accept": "application/json"}).json()
    assert pg.locator("#deliveries-supplier tbody tr").count() == min(50, len(body["deliveries_as_supplier"]))
    if body["provider_types"]:
        assert pg.locator("#provider-types li").count() == len(body["provider_types"])
    ps.shot("enterprise_provider")
    assert api("bj_bureau").get(f"/enterprises/{accounts['maker']['uscc']}",
                                headers={"Accept": "application/json"}).status_code == 404
