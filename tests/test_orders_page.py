"""/orders (订单拆分) in a real browser: the platform enters an order, sees the split as a table
and an ECharts Sankey, gets field errors and shortfalls in Chinese, and exports the .xlsx
(read back with openpyxl). Screenshots: tests/artifacts/orders_*.png."""
from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

SANKEY = "echarts.getInstanceByDom(document.getElementById('sankey')).getOption().series[0]"


def _fill_step(pg, row: int, process: str, quantity: str):
    tr = pg.locator("#steps tbody tr").nth(row)
    tr.locator(".step-process").select_option(process)
    tr.locator(".step-quantity").fill(quantity)


def test_platform_splits_an_order_and_exports_it(page_as, accounts):
    ps = page_as("platform")
    ps.goto("/orders")
    pg = ps.page
    assert "订单拆分" in pg.inner_text("h1")
    assert pg.locator("#ecosystem option").count() == 1 and pg.is_disabled("#ecosystem")
    _fill_step(pg, 0, "assembly", "3000")
    pg.click("#add-step")
    _fill_step(pg, 1, "testing", "3000")
    pg.fill("#weeks", "4")
    pg.fill("#local_region", "330100")
    pg.click("#split-submit")
    pg.wait_for_selector("#sankey[data-ready]", timeout=30000)
    rows = pg.locator("#allocations tbody tr")
    assert rows.count() >= 2
    qty = {}
    for i in range(rows.count()):
        step = rows.nth(i).get_attribute("data-step")
        qty[step] = qty.get(step, 0) + int(rows.nth(i).locator("td.qty").inner_text())
    assert qty == {"0": 3000, "1": 3000}
    assert "元" in pg.inner_text("[data-kpi=total-cost]") and "%" in pg.inner_text("[data-kpi=local-share]")
    series = pg.evaluate(f"() => {{ const s = {SANKEY}; return {{type: s.type, links: s.links.length, "
                         f"nodes: s.data.map(d => d.name)}}; }}")
    assert series["type"] == "sankey" and series["links"] == rows.count()
    assert any(n.startswith("步骤1 装配") for n in series["nodes"])
    assert "单价" in rows.nth(0).locator("td.explain").inner_text()
    pg.wait_for_timeout(1500)  # let the Sankey's entry animation finish before the screenshot
    ps.shot("orders_split")
    with pg.expect_download() as dl:
        pg.click("#export-xlsx")
    wb = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))
    ws = wb["拆分方案"]
    head = [c.value for c in ws[4]]
    assert head[:5] == ["步骤", "工序", "企业名称", "统一社会信用代码", "数量（件）"]
    body = [[c.value for c in r] for r in ws.iter_rows(min_row=5)]
    assert len(body) == rows.count() and sum(r[4] for r in body) == 6000
    assert ws["B2"].value == float(ws["B2"].value)  # total cost is a number cell
    assert wb["工序汇总"].max_row == 3
    ps.assert_no_console_errors()


def test_field_errors_and_shortfalls_are_shown_in_chinese(page_as):
    ps = page_as("platform")
    ps.goto("/orders")
    pg = ps.page
    _fill_step(pg, 0, "assembly", "0")
    pg.click("#split-submit")
    err = pg.locator("#steps tbody tr").nth(0).locator(".field-error[data-part=quantity]")
    err.wait_for(state="visible")
    assert "正整数" in err.inner_text()
    assert pg.input_value("#steps tbody tr .step-quantity") == "0"  # the typed value is kept
    _fill_step(pg, 0, "assembly", "90000000")
    pg.fill("#weeks", "1")
    pg.click("#split-submit")
    pg.wait_for_selector("#shortfalls li", timeout=30000)
    text = pg.inner_text("#order-problem")
    assert "缺" in text and "装配" in text and "周可满足" in text
    assert pg.is_disabled("#export-xlsx") and pg.is_hidden("#order-result")
    ps.shot("orders_infeasible")
    ps.assert_no_console_errors(allow_status=(400, 422))


def test_chain_leader_is_told_only_platforms_split(page_as):
    ps = page_as("maker")
    ps.goto("/orders")
    assert "不是聚能工厂" in ps.page.inner_text("#not-platform")
    ps.assert_no_console_errors()
