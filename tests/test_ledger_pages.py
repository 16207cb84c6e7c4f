"""The ledger pages in a real browser: the supplier claims on /ledger (field errors in Chinese,
typed values kept), the manufacturer confirms from /inbox, the supplier reads /assessment."""
from __future__ import annotations

import re

import requests


def _claim_via_form(ps, client_uscc: str, amount: str, signed: str = "2025-03-02", accepted: str = "2025-09-30"):
    page = ps.page
    page.fill("#claim-form input[name=client_uscc]", client_uscc)
    page.select_option("#claim-form select[name=kind]", "engineering_project")
    page.select_option("#claim-form select[name=unit]", "workshop")
    page.fill("#claim-form input[name=quantity]", "2")
    page.fill("#claim-form input[name=contract_amount_wan]", amount)
    page.fill("#claim-form input[name=signed_date]", signed)
    page.fill("#claim-form input[name=accepted_date]", accepted)
    with page.expect_navigation():
        page.click("#claim-form button[type=submit]")


def test_claim_on_ledger_then_confirm_from_inbox(page_as, accounts):
    maker = accounts["maker"]["uscc"]
    sup = page_as("provider")
    sup.goto("/ledger")
    assert sup.page.locator("h1").inner_text().startswith("交付台账")
    # a bad amount: the error is shown next to the field, in Chinese, and typed values stay
    _claim_via_form(sup, maker, "-20")
    err = sup.page.locator("#claim-form .field-error[data-field=contract_amount_wan]")
    assert err.is_visible() and "不能小于" in err.inner_text()
    assert sup.page.input_value("#claim-form input[name=client_uscc]") == maker
    assert sup.page.input_value("#claim-form input[name=contract_amount_wan]") == "-20"
    assert sup.page.input_value("#claim-form select[name=unit]") == "workshop"
    assert sup.page.input_value("#claim-form input[name=quantity]") == "2"
    sup.shot("ledger-claim-error")
    # fixed: the claim appears at the top of the ledger, awaiting the client
    sup.page.fill("#claim-form input[name=contract_amount_wan]", "66.5")
    with sup.page.expect_navigation():
        sup.page.click("#claim-form button[type=submit]")
    row = sup.page.locator("#deliveries tr.created")
    assert row.count() == 1
    delivery_id = row.get_attribute("data-id")
    assert re.fullmatch(r"DL\d{8}-[0-9A-F]{8}", delivery_id)
    assert row.locator("[data-status]").inner_text() == "待确认"
    assert "66.5" in row.inner_text()
    assert "已登记交付" in sup.page.locator(".flash.success").inner_text()
    sup.shot("ledger-claimed")
    sup.assert_no_console_errors()

    mk = page_as("maker")
    mk.goto("/inbox")
    pending = mk.page.locator(f"#awaiting tr[data-id='{delivery_id}']")
    assert pending.count() == 1
    mk.shot("inbox-awaiting")
    pending.locator("form.confirm-form button").click()   # irreversible: asked first, in the page
    assert mk.page.is_visible("#confirm-dialog") and delivery_id in mk.page.inner_text("#confirm-text")
    mk.page.click("#confirm-cancel")
    assert not mk.page.is_visible("#confirm-dialog") and pending.count() == 1
    pending.locator("form.confirm-form button").click()
    with mk.page.expect_navigation():
        mk.page.click("#confirm-ok")
    assert mk.page.locator(f"#awaiting tr[data-id='{delivery_id}']").count() == 0
    done = mk.page.locator(f"#recent tr[data-id='{delivery_id}']")
    assert done.locator("[data-status]").inner_text() == "已确认"
    assert "maker" in done.inner_text()
    mk.shot("inbox-confirmed")
    mk.assert_no_console_errors()

    sup.goto("/ledger")
    assert sup.page.locator(f"#deliveries tr[data-id='{delivery_id}'] [data-status]").inner_text() == "已确认"
    sup.assert_no_console_errors()


def test_claim_for_a_client_found_by_name(page_as, api):
    """The client field suggests the supplier's earlier clients by name (keyboard only: arrows,
    Enter); the chosen one's code goes in the field and the claim is recorded for it."""
    earlier = api("provider").get("/api/v1/deliveries", params={"limit": 500}).json()["items"]
    client, name = sorted({(d["client_uscc"], d["client_name"]) for d in earlier})[-1]
    sup = page_as("provider")
    sup.goto("/ledger")
    pg = sup.page
    field = "#claim-form input[name=client_uscc]"
    pg.type(field, name[2:6])
    pg.wait_for_selector(f"#client_uscc-suggestions .suggest-item[data-uscc='{client}']", timeout=15000)
    assert pg.get_attribute(field, "aria-expanded") == "true"
    assert "找到" in pg.inner_text("#claim-form [role=status]")
    options = pg.eval_on_selector_all("#client_uscc-suggestions .suggest-item", "els => els.map(e => e.dataset.uscc)")
    for _ in range(options.index(client) + 1):
        pg.press(field, "ArrowDown")
    active = pg.get_attribute(field, "aria-activedescendant")
    assert pg.get_attribute(f"#{active}", "data-uscc") == client
    assert pg.get_attribute(f"#{active}", "aria-selected") == "true"
    sup.shot("ledger-client-suggestions")
    pg.press(field, "Enter")    # chooses; does not submit the form
    assert pg.input_value(field) == client and pg.get_attribute(field, "aria-expanded") == "false"
    assert "/ledger" in pg.url and pg.locator("#deliveries tr.created").count() == 0
    pg.select_option("#claim-form select[name=kind]", "engineering_project")
    pg.select_option("#claim-form select[name=unit]", "workshop")
    pg.fill("#claim-form input[name=contract_amount_wan]", "21")
    pg.fill("#claim-form input[name=signed_date]", "2025-04-01")
    with pg.expect_navigation():
        pg.click("#claim-form button[type=submit]")
    row = pg.locator("#deliveries tr.created")
    assert row.count() == 1
    recorded = api("provider").get(f"/api/v1/deliveries/{row.get_attribute('data-id')}").json()
    assert recorded["client_uscc"] == client and recorded["status"] == "claimed"
    sup.assert_no_console_errors()


def test_withdraw_and_dispute_buttons(page_as, accounts):
    sup = page_as("provider")
    sup.goto("/ledger")
    _claim_via_form(sup, accounts["maker"]["uscc"], "12")
    first = sup.page.locator("#deliveries tr.created").get_attribute("data-id")
    sup.page.locator(f"#deliveries tr[data-id='{first}'] form.withdraw-form button").click()
    assert "撤回后不可恢复" in sup.page.inner_text("#confirm-text")
    with sup.page.expect_navigation():
        sup.page.click("#confirm-ok")
    assert sup.page.locator(f"#deliveries tr[data-id='{first}'] [data-status]").inner_text() == "已撤回"
    _claim_via_form(sup, accounts["maker"]["uscc"], "13")
    second = sup.page.locator("#deliveries tr.created").get_attribute("data-id")
    mk = page_as("maker")
    mk.goto("/inbox")
    row = mk.page.locator(f"#awaiting tr[data-id='{second}']")
    assert mk.page.locator(f"#awaiting tr[data-id='{first}']").count() == 0   # withdrawn: gone
    row.locator("form.dispute-form input[name=reason]").fill("未实际交付")
    row.locator("form.dispute-form button").click()
    with mk.page.expect_navigation():
        mk.page.click("#confirm-ok")
    assert mk.page.locator(f"#recent tr[data-id='{second}'] [data-status]").inner_text() == "有异议"
    # the supplier corrects the disputed record: a new claim linked to it, prefilled
    sup.goto("/ledger")
    with sup.page.expect_navigation():
        sup.page.locator(f"#deliveries tr[data-id='{second}'] a", has_text="更正").click()
    assert sup.page.input_value("#claim-form input[name=corrects]") == second
    assert sup.page.input_value("#claim-form input[name=client_uscc]") == accounts["maker"]["uscc"]
    assert "更正交付" in sup.page.locator("#claim h2").inner_text()
    sup.page.fill("#claim-form input[name=contract_amount_wan]", "11")
    with sup.page.expect_navigation():
        sup.page.click("#claim-form button[type=submit]")
    fixed = sup.page.locator("#deliveries tr.created")
    assert f"更正 {second}" in fixed.inner_text()
    sup.assert_no_console_errors()
    mk.assert_no_console_errors()


def test_assessment_page_and_downloads(page_as, accounts, server):
    sup = page_as("provider")
    sup.goto("/assessment")
    assert sup.page.locator("#counts tbody tr").count() > 0
    assert sup.page.locator("#c2 tr[data-rule='C2.3']").count() == 1
    assert sup.page.locator("#modules tr[data-rule='C3.6']").count() == 1
    sup.page.fill("#period-form input[name=from]", "2024-01-01")
    sup.page.fill("#period-form input[name=to]", "2025-12-31")
    with sup.page.expect_navigation():
        sup.page.click("#period-form button[type=submit]")
    assert "from=2024-01-01" in sup.page.url
    href = sup.page.get_attribute("#download-xlsx", "href")
    assert "format=xlsx" in href and "from=2024-01-01" in href
    r = sup.page.request.get(server.url + href)
    assert r.status == 200 and r.body()[:2] == b"PK"
    r = sup.page.request.get(server.url + sup.page.get_attribute("#download-pdf", "href"))
    assert r.status == 200 and r.body()[:5] == b"%PDF-"
    sup.shot("assessment")
    sup.assert_no_console_errors()
    footer = sup.page.locator("footer a").get_attribute("href")
    assert footer.startswith(f"/api/v1/suppliers/{accounts['provider']['uscc']}/assessment")


def test_pages_answer_json_and_guard_roles(server, accounts):
    s = requests.Session()
    token = accounts["provider"]["token"]
    r = s.get(server.url + "/ledger", headers={"Accept": "application/json", "Authorization": f"Bearer {token}"},
              timeout=30)
    assert r.status_code == 200 and all(d["supplier_uscc"] == accounts["provider"]["uscc"] for d in r.json()["items"])
    r = s.get(server.url + "/assessment?from=2024-01-01",
              headers={"Accept": "application/json", "Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200 and r.json()["period"]["from"] == "2024-01-01"
    maker = {"Accept": "application/json", "Authorization": f"Bearer {accounts['maker']['token']}"}
    r = s.get(server.url + "/inbox", headers=maker, timeout=30)
    assert r.status_code == 200 and all(d["status"] == "claimed" for d in r.json()["awaiting"])
    assert s.get(server.url + "/ledger", headers=maker, timeout=30).status_code == 403
    assert requests.get(server.url + "/inbox", headers={"Accept": "application/json"}, timeout=30).status_code == 401


def test_long_inbox_is_paged_with_counts(page_as):
    ps = page_as("admin")
    ps.goto("/inbox")
    pg = ps.page
    total = pg.locator("#awaiting tbody tr").count()
    assert total > 50   # the demo's whole province awaits admin's eyes
    assert pg.locator("#awaiting tbody tr:visible").count() == 50
    pager = pg.locator("#awaiting + .table-pager")
    assert pager.locator(".pager-count").inner_text() == f"第 1–50 条，共 {total} 条"
    assert pager.locator(".pager-prev").is_disabled()
    pager.locator(".pager-next").click()
    assert pager.locator(".pager-count").inner_text() == f"第 51–{min(total, 100)} 条，共 {total} 条"
    assert pg.locator("#awaiting tbody tr:visible").count() == min(total, 100) - 50
    # confirmation times read in Beijing time, the zone named once in the column head
    assert "确认时间（北京时间）" in pg.inner_text("#recent thead")
    assert "+00:00" not in pg.inner_text("#recent tbody")
    ps.assert_no_console_errors()
