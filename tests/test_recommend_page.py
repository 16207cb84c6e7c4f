"""/contractors in a real browser: the manufacturer searches and reads the reasons with their
evidence; a bureau picks a manufacturer of its region by name; errors sit next to the field."""
from __future__ import annotations

import re


def test_manufacturer_searches_and_sees_reasons_with_evidence(page_as, accounts):
    mk = page_as("maker")
    mk.goto("/contractors")
    page = mk.page
    assert page.locator("h1").inner_text() == "服务商推荐"
    # On arrival the manufacturer already sees type-1 contractors for itself.
    assert page.input_value("#manufacturer") == accounts["maker"]["uscc"]
    assert page.locator("#recommend-results article").count() == 10
    # Search: a line-sized 智能化生产 project, type 1, top 5.
    page.select_option("#unit", "line")
    page.select_option("#scenario", "智能化生产")
    page.select_option("#limit", "10")
    with page.expect_navigation():
        page.click("#recommend-submit")
    assert "unit=line" in page.url
    cards = page.locator("#recommend-results article")
    assert cards.count() == 10
    first = cards.first
    assert first.locator(".rank").inner_text() == "#1"
    reasons = first.locator("li.reason")
    assert reasons.count() >= 2
    texts = reasons.all_inner_texts()
    assert any("已确认" in t for t in texts)
    ids = first.locator(".evidence code").all_text_contents()
    assert ids and all(re.fullmatch(r"D\d{6}|DL\d{8}-[0-9A-F]{8}|P\d{5}", i) for i in ids), ids
    assert page.input_value("#unit") == "line"          # the search stays in the form
    assert page.locator("#weights-version").inner_text()
    api = page.locator("#api-link")
    assert api.get_attribute("href").startswith("/api/v1/contractors/recommend?manufacturer=")
    mk.shot("contractors-maker")
    mk.assert_no_console_errors()


def test_bureau_picks_a_manufacturer_by_name_and_sees_field_errors(page_as, accounts, api):
    bu = page_as("hz_bureau")
    bu.goto("/contractors")
    page = bu.page
    assert page.locator("#recommend-results").count() == 0
    name = accounts["maker2"]["label"]
    fragment = name.replace("杭州示例", "")[:4]
    page.fill("#manufacturer", fragment)
    page.select_option("#provider_type", "2")
    with page.expect_navigation():
        page.click("#recommend-submit")
    picks = page.locator("#manufacturer-matches a")
    if picks.count():                        # several names matched: pick ours
        with page.expect_navigation():
            page.locator("#manufacturer-matches a", has_text=name).first.click()
    assert page.locator("#recommend-summary h2").inner_text() == name
    assert page.input_value("#provider_type") == "2"
    assert page.locator("#recommend-results article").count() >= 1
    bu.shot("contractors-bureau")
    # An invalid USCC, then a manufacturer outside the bureau's region: the error sits next
    # to the field, in Chinese, and what was typed stays.
    bad = "91330000000000000X"
    page.fill("#manufacturer", bad)
    with page.expect_navigation():
        page.click("#recommend-submit")
    err = page.locator("#manufacturer-error")
    assert err.is_visible() and "统一社会信用代码" in err.inner_text()
    assert page.input_value("#manufacturer") == bad
    assert page.input_value("#provider_type") == "2"
    outside = next(e["uscc"] for e in api("admin").get("/api/v1/enterprises", params={"region": "330600"}).json()["items"]
                   if e["is_manufacturer"])
    page.fill("#manufacturer", outside)
    with page.expect_navigation():
        page.click("#recommend-submit")
    assert "可见范围" in page.locator("#manufacturer-error").inner_text()
    assert page.input_value("#manufacturer") == outside
    assert page.locator("#recommend-results").count() == 0
    bu.shot("contractors-bureau-error")
    # a keyword no manufacturer's name holds: "无匹配结果" on the page (200), not an error page
    page.fill("#manufacturer", "没有这家企业")
    with page.expect_navigation() as nav:
        page.click("#recommend-submit")
    assert nav.value.status == 200 and page.locator("#manufacturer-error").inner_text().startswith("无匹配结果")
    # The rejected searches answer 400 and 404, which Chromium logs; nothing else may appear.
    bu.assert_no_console_errors(allow_status=(400, 404))
