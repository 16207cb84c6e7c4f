"""The delivery page /deliveries/<id> (issue #18): one delivery with Chinese labels, both
enterprises named (linked to their profiles where the reader may open them), its ledger history
in Beijing time; visible to exactly those who may read GET /api/v1/deliveries/<id>, the others
get the 404 page. Delivery ids on the ledger, inbox, assessment and audit pages link to it.
Screenshots: tests/artifacts/delivery_<account>.png."""
from __future__ import annotations

import pytest
import requests

SEE = ("admin", "provider", "maker", "hz_bureau", "bj_bureau")   # supplier in 滨江, client in 上城
NOT = ("sx_bureau", "provider2", "maker2")


@pytest.fixture(scope="module")
def delivery(api, accounts) -> dict:
    """A delivery from provider to maker, claimed and then confirmed."""
    r = api("provider").post("/api/v1/deliveries", json={
        "client_uscc": accounts["maker"]["uscc"], "kind": "engineering_project", "unit": "workshop",
        "quantity": 2, "contract_amount_wan": 37.5, "signed_date": "2025-05-06", "rating": "good"})
    assert r.status_code == 201, r.text
    did = r.json()["id"]
    assert api("maker").post(f"/api/v1/deliveries/{did}/confirm").status_code == 200
    return api("admin").get(f"/api/v1/deliveries/{did}").json()


def test_the_api_and_the_page_agree_on_who_sees_it(server, accounts, delivery):
    for who in SEE + NOT:
        h = {"Accept": "application/json", "Authorization": f"Bearer {accounts[who]['token']}"}
        page = requests.get(f"{server.url}/deliveries/{delivery['id']}", headers=h, timeout=30)
        api = requests.get(f"{server.url}/api/v1/deliveries/{delivery['id']}", headers=h, timeout=30)
        assert page.status_code == api.status_code == (200 if who in SEE else 404), who
        if who in SEE:
            assert page.json() == api.json()


@pytest.mark.parametrize("who", SEE)
def test_each_reader_sees_the_page(page_as, accounts, delivery, who):
    ps = page_as(who)
    resp = ps.goto(f"/deliveries/{delivery['id']}")
    pg = ps.page
    assert resp.status == 200
    assert delivery["id"] in pg.inner_text("h1") and "已确认" in pg.inner_text("h1")
    fields = pg.inner_text("#delivery-fields")
    for label, value in (("交付类型", "数字化制造工程项目"), ("改造单元", "车间"), ("合同金额（万元）", "37.5"),
                         ("签约日期", "2025-05-06"), ("验收评价", "良好"), ("供给类型", "第1类")):
        assert label in fields and value in fields, (label, fields)
    provider, maker = accounts["provider"]["uscc"], accounts["maker"]["uscc"]
    for side, uscc, name in (("supplier", provider, delivery["supplier_name"]),
                             ("client", maker, delivery["client_name"])):
        cell = pg.locator(f"#{side}")
        assert name in cell.inner_text() and uscc in cell.inner_text()
        # linked to the profile exactly when the reader may open it
        opens = who in ("admin", "hz_bureau") or (who, side) in (
            ("provider", "supplier"), ("maker", "client"), ("bj_bureau", "supplier"))
        assert cell.locator(f"a[href='/enterprises/{uscc}']").count() == (1 if opens else 0), (who, side)
    history = pg.inner_text("#history")
    assert "登记交付" in history and "确认交付" in history and "北京时间" in history
    assert "+00:00" not in history and "T" not in pg.inner_text("#history tbody td:first-child")
    ps.shot(f"delivery_{who}")
    ps.assert_no_console_errors()


@pytest.mark.parametrize("who", NOT)
def test_others_get_the_not_found_page(page_as, delivery, who):
    ps = page_as(who)
    resp = ps.goto(f"/deliveries/{delivery['id']}")
    assert resp.status == 404
    assert delivery["id"] not in ps.page.inner_text("main") and delivery["client_name"] not in ps.page.inner_text("body")
    ps.assert_no_console_errors(allow_status=(404,))


def test_delivery_ids_link_to_the_page(page_as, delivery):
    did = delivery["id"]
    sup = page_as("provider")
    sup.goto("/ledger")
    with sup.page.expect_navigation():
        sup.page.click(f"#deliveries tr[data-id='{did}'] a.delivery-link")
    assert sup.page.url.endswith(f"/deliveries/{did}")
    sup.goto("/assessment")
    assert sup.page.locator(f"a.delivery-link[href='/deliveries/{did}']").count() >= 1
    mk = page_as("maker")
    mk.goto("/inbox")
    assert mk.page.locator(f"#recent a.delivery-link[href='/deliveries/{did}']").count() == 1
    bureau = page_as("hz_bureau")
    bureau.goto("/audit?action=delivery.confirm")
    assert bureau.page.locator(f"#audit-table a[href='/deliveries/{did}']").count() == 1
    # the event's detail names both enterprises, codes after the names
    row = bureau.page.locator("#audit-table tr", has=bureau.page.locator(f"a[href='/deliveries/{did}']"))
    assert f"{delivery['client_name']}（{delivery['client_uscc']}）" in row.inner_text()
    assert f"{delivery['supplier_name']}（{delivery['supplier_uscc']}）" in row.inner_text()
    bureau.goto(f"/enterprises/{delivery['client_uscc']}")
    assert bureau.page.locator(f"#deliveries-client a[href='/deliveries/{did}']").count() == 1
    for ps in (sup, mk, bureau):
        ps.assert_no_console_errors()
