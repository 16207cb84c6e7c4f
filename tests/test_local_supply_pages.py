"""The local-supply and coverage pages in a real browser (Debian chromium), as 杭州市经信局."""
from __future__ import annotations

import requests


def test_local_supply_page_table_chart_and_sorting(page_as, api):
    ps = page_as("hz_bureau")
    ps.goto("/local-supply?year=2024")
    page = ps.page
    assert page.title().startswith("链主工厂本地配套")
    rows = page.locator("#ratio-table tbody tr")
    expected = api("hz_bureau").get("/api/v1/local-supply?year=2024").json()
    assert rows.count() == len(expected["items"])
    # The ECharts bar chart drew on a canvas, with the target line.
    page.wait_for_selector("#ls-chart canvas")
    assert page.evaluate("window.lsChart.getOption().series[0].markLine.data[0].yAxis") == 60
    assert page.evaluate("window.lsChart.getOption().series[0].data.length") == sum(
        1 for i in expected["items"] if i["ratio_amount"] is not None)
    # Sorting by 按金额 descending puts the highest ratio first.
    header = page.locator("#ratio-table th", has_text="按金额")
    header.click()
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    best = max((i for i in expected["items"] if i["ratio_amount"] is not None), key=lambda i: i["ratio_amount"])
    assert rows.first.get_attribute("data-uscc") == best["uscc"]
    # The export button and the API link point at the same data.
    assert "format=xlsx" in page.locator("#export-xlsx").get_attribute("href")
    assert page.locator("#api-link").get_attribute("href") == "/api/v1/local-supply?year=2024"
    r = page.request.get(ps.base + page.locator("#export-xlsx").get_attribute("href"))
    assert r.status == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    ps.shot("local_supply_table")
    ps.assert_no_console_errors()


def test_local_supply_page_keeps_bad_filters_next_to_the_field(page_as):
    ps = page_as("hz_bureau")
    resp = ps.goto("/local-supply?year=2024&scope=330600")
    assert resp.status == 403
    err = ps.page.locator("[data-field=scope]")
    assert "超出您的管辖范围" in err.inner_text()
    assert ps.page.locator("#year").input_value() == "2024"
    assert ps.page.locator("#scope").input_value() == "330600"
    ps.shot("local_supply_bad_scope")


def test_leader_detail_page(page_as, api):
    table = api("hz_bureau").get("/api/v1/local-supply?year=2024").json()
    below = next(i for i in table["items"] if i["meets_target"] is False)
    ps = page_as("hz_bureau")
    ps.goto("/local-supply?year=2024")
    ps.page.click(f"#ratio-table tr[data-uscc='{below['uscc']}'] a")
    ps.page.wait_for_load_state("networkidle")
    page = ps.page
    assert page.url.endswith(f"/local-supply/{below['uscc']}?year=2024")
    assert below["name"] in page.locator("#leader-name").inner_text()
    page.wait_for_selector("#trend-chart canvas")
    page.wait_for_selector("#segment-chart canvas")
    assert page.locator("#trend-table tbody tr").count() == 4
    assert page.locator("#what-if-summary").inner_text()
    detail = api("hz_bureau").get(f"/api/v1/local-supply/{below['uscc']}?year=2024").json()
    assert page.locator("#what-if-steps tbody tr").count() == len(detail["what_if"]["steps"])
    assert page.locator("#supplier-table tbody tr").count() == len(detail["by_supplier"])
    ps.shot("local_supply_leader")
    ps.assert_no_console_errors()


def test_chains_and_coverage_graph(page_as):
    ps = page_as("hz_bureau")
    ps.goto("/chains")
    page = ps.page
    assert page.locator("#chains-table tbody tr").count() >= 9
    page.click("#chains-table tr[data-chain='HZ02'] td a >> nth=0")
    page.wait_for_load_state("networkidle")
    assert "/chains/HZ02" in page.url
    page.wait_for_selector("#coverage-graph canvas")
    nodes = page.evaluate("window.coverageChart.getOption().series[0].data.length")
    assert nodes > 10
    # The demo's HZ02 gap segment is flagged in the graph and in the table.
    assert page.evaluate("window.coverageChart.getOption().series[0].data"
                         ".filter(n => n.category === 4).length") >= 1
    assert page.locator("#coverage-table tr[data-gap]").count() >= 1
    assert "缺口" in page.locator("#coverage-table tr[data-gap]").first.inner_text()
    assert "本地 = 您所辖区域" in page.locator("#local-basis").inner_text()
    assert page.locator("#district-table tbody tr").count() >= 1
    ps.shot("chain_coverage")
    # Hangzhou's HZ01 has the most 链主工厂: each is drawn as a leader (in the legend's category,
    # labelled), and they stand apart so their labels do not pile up in the centre.
    ps.goto("/chains/HZ01")
    page.wait_for_selector("#coverage-graph canvas")
    leaders = page.evaluate("""() => {
        const c = window.coverageChart, data = c.getModel().getSeriesByIndex(0).getData();
        const opt = c.getOption().series[0].data;
        return opt.map((n, i) => ({kind: n.raw.kind, category: n.category, label: n.label.show,
                                    xy: data.getItemLayout(i)})).filter(n => n.kind === 'leader');
    }""")
    assert len(leaders) >= 3 and all(n["category"] == 3 and n["label"] for n in leaders)
    gaps = [((a["xy"][0] - b["xy"][0]) ** 2 + (a["xy"][1] - b["xy"][1]) ** 2) ** 0.5
            for i, a in enumerate(leaders) for b in leaders[i + 1:]]
    assert min(gaps) >= 40, gaps
    # the search box highlights by name, and says when nothing matches
    page.fill("#cov-search", "有限")
    assert int(page.get_attribute("#cov-search", "data-found")) >= 1 and "找到" in page.inner_text("#cov-search-note")
    page.fill("#cov-search", "没有这家企业")
    assert page.inner_text("#cov-search-note") == "无匹配结果"
    ps.shot("chain_coverage_hz01")
    ps.assert_no_console_errors()


def test_pages_answer_json_with_the_accept_header(server, accounts):
    s = requests.Session()
    r = s.get(server.url + "/login", timeout=30)
    import re

    tok = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)
    s.post(server.url + "/login", data={"username": "hz_bureau", "password": accounts["hz_bureau"]["password"],
                                        "csrf_token": tok}, timeout=30)
    h = {"Accept": "application/json"}
    body = s.get(server.url + "/local-supply?year=2024", headers=h, timeout=60).json()
    assert body["year"] == 2024 and body["items"]
    uscc = accounts["maker"]["uscc"]
    assert s.get(server.url + f"/local-supply/{uscc}?year=2024", headers=h, timeout=60).json()["leader"]["uscc"] == uscc
    assert len(s.get(server.url + "/chains", headers=h, timeout=60).json()["items"]) >= 9
    assert s.get(server.url + "/chains/HZ02?year=2024", headers=h, timeout=60).json()["chain"]["id"] == "HZ02"
    # The same errors as the API.
    assert s.get(server.url + "/local-supply?scope=330600", headers=h, timeout=60).status_code == 403
    assert s.get(server.url + "/chains/HZ99", headers=h, timeout=60).status_code == 404
    # Enterprise accounts cannot open the pages.
    m = requests.Session()
    tok = re.search(r'name="csrf_token" value="([^"]+)"', m.get(server.url + "/login", timeout=30).text).group(1)
    m.post(server.url + "/login", data={"username": "maker", "password": accounts["maker"]["password"],
                                        "csrf_token": tok}, timeout=30)
    assert m.get(server.url + "/local-supply", timeout=30).status_code == 403


def test_charts_survive_a_window_with_no_size(page_as, accounts):
    """Browsers shrink the window to nothing for a moment (Chromium does while capturing a full
    page): a chart must not throw then (ECharts cannot invert a zero-size view) and must draw
    again at the next real size."""
    ps = page_as("hz_bureau")
    page = ps.page
    for path in ("/chains/HZ01", "/map", "/targets", f"/enterprises/{accounts['maker']['uscc']}"):
        ps.goto(path)
        page.wait_for_selector("canvas")
        page.set_viewport_size({"width": 1, "height": 1})
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        page.set_viewport_size({"width": 1000, "height": 768})
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        width = page.evaluate("() => Math.max(...[...document.querySelectorAll('canvas')].map(c => c.clientWidth))")
        assert width > 500, (path, width)
    ps.assert_no_console_errors()
