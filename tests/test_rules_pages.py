"""The issue-7 pages in a real browser: the manufacturer's self-check (/eligibility), the
bureau's targets (/targets) and exports (/exports), each also as JSON."""
from __future__ import annotations

import openpyxl
import requests

from tests.test_rules_api import ensure_rule_projects


def _login_session(server, accounts, username: str) -> requests.Session:
    s = requests.Session()
    page = s.get(server.url + "/login", timeout=30).text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    s.post(server.url + "/login", data={"username": username, "password": accounts[username]["password"],
                                        "csrf_token": token}, timeout=30, allow_redirects=False)
    return s


def _fresh(ps):
    # Console messages of the login round trip belong to other pages; check only ours.
    ps.console_errors.clear()
    return ps


def test_self_check_of_an_own_project(page_as, api, accounts):
    ensure_rule_projects(api, accounts)
    ps = _fresh(page_as("maker"))
    ps.goto("/eligibility")
    page = ps.page
    assert page.locator("h1").first.inner_text() == "申报自查"
    page.select_option("#programme", "hz-2023-digital-project")
    page.check("input[name=subject][value=project]")
    options = page.locator("#project_id option").all_inner_texts()
    assert any(o.startswith("T7-EDGE") for o in options)
    assert not any(o.startswith("T7-N ") for o in options)            # maker2's project is not offered
    page.select_option("#project_id", "T7-EDGE")
    page.click("#check-button")
    page.wait_for_load_state("networkidle")
    assert page.locator("#overall-outcome").get_attribute("data-outcome") == "pass"
    rows = page.locator("#rules-table > tbody > tr")
    assert [rows.nth(i).get_attribute("data-rule") for i in range(rows.count())] == [
        "A2.3", "A2.4", "A2.5", "A2.6", "A2.2"]
    a25 = page.locator("#rules-table tr[data-rule='A2.5']")
    assert a25.get_attribute("data-outcome") == "pass"
    assert "200" in a25.inner_text() and "项目实际投资额" in a25.inner_text()
    ps.shot("rules-eligibility-project")
    ps.assert_no_console_errors()


def test_self_check_what_if_errors_stay_next_to_the_field(page_as):
    ps = _fresh(page_as("maker"))
    ps.goto("/eligibility")
    page = ps.page
    page.select_option("#programme", "hz-2023-digital-project")
    page.check("input[name=subject][value=enterprise]")
    page.fill("#f_investment_wan", "两百万")
    page.fill("#f_start_date", "2022-01-01")
    page.click("#check-button")
    page.wait_for_load_state("networkidle")
    err = page.locator("#f_investment_wan-error")
    assert "应为数字" in err.inner_text()
    assert page.input_value("#f_investment_wan") == "两百万"          # typed values kept
    assert page.input_value("#f_start_date") == "2022-01-01"
    # fix the value: a what-if with one fact missing is “待补充”, naming the fact
    page.fill("#f_investment_wan", "180")
    page.click("#check-button")
    page.wait_for_load_state("networkidle")
    assert page.locator("#overall-outcome").get_attribute("data-outcome") in ("fail", "unknown")
    assert page.locator("#rules-table tr[data-rule='A2.5']").get_attribute("data-outcome") == "fail"
    ps.shot("rules-eligibility-what-if")
    ps.assert_no_console_errors()


def test_eligibility_page_json(server, accounts):
    s = _login_session(server, accounts, "maker")
    body = s.get(server.url + "/eligibility", headers={"Accept": "application/json"}, timeout=30).json()
    assert body["programmes"][0]["id"] == "hz-2023-digital-project"
    assert "hz-2023-digital-project" in body["fact_fields"]
    assert body["api"] == "/api/v1/eligibility/check"
    html = s.get(server.url + "/eligibility", timeout=30).text
    assert "/api/v1/eligibility/check" in html
    prov = _login_session(server, accounts, "provider")
    only = prov.get(server.url + "/eligibility", headers={"Accept": "application/json"}, timeout=30).json()
    assert [p["id"] for p in only["programmes"]] == ["bj-2023-provider"]


def test_targets_page(page_as, server, accounts):
    ps = _fresh(page_as("hz_bureau"))
    ps.goto("/targets?year=2024")
    page = ps.page
    assert "目标进度" in page.locator("h1").inner_text()
    rows = page.locator("#targets-table > tbody > tr")
    assert rows.count() == 9
    lz = page.locator("#targets-table tr[data-target='hz-2025-B4-lz-cultivated']")
    assert "30" in lz.inner_text()
    page.wait_for_selector("#targets-chart[data-ready='1'] canvas")
    assert page.locator("#api-link").get_attribute("href") == "/api/v1/targets?region=330100&year=2024"
    ps.shot("rules-targets-hangzhou")
    ps.goto("/targets?region=330600&year=2024")
    assert "所选地区超出您的管辖范围" in page.locator("#region-error").inner_text()
    # the self-check asks a bureau for an enterprise: found by name, its code filled in
    ps.goto("/eligibility")
    page.check("input[name=subject][value=enterprise]")
    page.fill("#uscc", "杭州示例")
    page.locator("#uscc-suggestions .suggest-item").first.click()
    assert len(page.input_value("#uscc")) == 18
    ps.assert_no_console_errors()
    s = _login_session(server, accounts, "sx_bureau")
    body = s.get(server.url + "/targets?region=330683&year=2024", headers={"Accept": "application/json"},
                 timeout=30).json()
    assert any(r["aim"] == 2 for r in body["rows"])
    assert s.get(server.url + "/targets?region=330100", headers={"Accept": "application/json"},
                 timeout=30).status_code == 403


def test_exports_page_downloads_the_form(page_as, tmp_path, server, accounts):
    ps = _fresh(page_as("hz_bureau"))
    ps.goto("/exports")
    page = ps.page
    page.select_option("#form", "digital-project-summary")
    page.select_option("#region", "330108")
    assert page.input_value("#year") == "2023"
    page.click("#preview-button")
    # A selector wait, not wait_for_function: polling a JS string is eval, which the CSP refuses.
    page.wait_for_selector("#preview-table tbody tr")
    assert page.locator("#preview-table th").first.inner_text() == "序号"
    assert "滨江区" in page.locator("#preview-title").inner_text()
    with page.expect_download() as dl:
        page.click("#download-button")
    path = tmp_path / "export.xlsx"
    dl.value.save_as(path)
    assert dl.value.suggested_filename.endswith(".xlsx")
    page.wait_for_selector("#export-progress.done")
    assert "已生成" in page.locator("#export-text").inner_text()
    ws = openpyxl.load_workbook(path).active
    assert ws["A2"].value == "2023年杭州市制造业数字化改造攻关项目征集汇总表"
    assert ws["A3"].value == "区、县(市)经信部门（盖章）：滨江区"
    assert ws["A5"].value == 1
    ps.shot("rules-exports")
    ps.assert_no_console_errors()
    s = _login_session(server, accounts, "bj_bureau")
    body = s.get(server.url + "/exports", headers={"Accept": "application/json"}, timeout=30).json()
    assert body["default_region"] == "330108"
    assert {f["id"] for f in body["forms"]} == {"future-factory-summary", "digital-project-summary",
                                                 "digital-factory-ranking"}
    assert _login_session(server, accounts, "maker").get(server.url + "/exports", timeout=30).status_code == 403
