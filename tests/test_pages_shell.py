"""The shell and the bureau's region pages in a real browser (Debian chromium via Playwright):
/bureau, /map, /imports, /audit, and the Chinese 403/404 pages. Screenshots go to
tests/artifacts/pages_shell_*.png.

"Failed to load resource: … status of 403" is what Chromium logs for any HTTP error response
(the 403 page itself, the 422 of a rejected import); those expected statuses are allowed by
`js_errors`, everything else on the console fails the test.
"""
from __future__ import annotations

import re

import pytest

RESOURCE = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")
MAP_OPTION = "echarts.getInstanceByDom(document.getElementById('map')).getOption()"


def js_errors(ps, *allowed_status: int) -> list[str]:
    out = []
    for e in ps.console_errors:
        m = RESOURCE.search(e)
        if not (m and int(m.group(1)) in allowed_status):
            out.append(e)
    return out


def login_via_next(page_as, accounts, username: str, path: str):
    """Open `path` logged out, get sent to the login form, log in, land back on `path`."""
    ps = page_as(None)
    ps.goto(path)
    assert "/login" in ps.page.url
    ps.page.fill("input[name=username]", username)
    ps.page.fill("input[name=password]", accounts[username]["password"])
    ps.page.click("#login-form button[type=submit]")
    ps.page.wait_for_load_state("networkidle")
    return ps


def wait_map(ps, prefix: str):
    ps.page.wait_for_selector(f"#map[data-ready^='{prefix}']", timeout=15000)
    return ps.page.evaluate(f"""() => {{
        const o = {MAP_OPTION};
        const s = o.series[0];
        return {{map: s.map, names: s.data.map(d => d.name), values: s.data.map(d => d.value),
                 visual: o.visualMap[0].type, canvas: !!document.querySelector('#map canvas'),
                 features: echarts.getMap(s.map).geoJSON.features.map(f => f.properties.name)}};
    }}""")


def test_hz_bureau_dashboard_map_and_audit(page_as):
    ps = page_as("hz_bureau")
    pg = ps.page
    assert pg.url.endswith("/bureau")  # the bureau's landing page
    assert "杭州市 · 经信总览" in pg.inner_text("h1")
    assert int(pg.inner_text("[data-kpi=enterprises]")) > 1000
    assert pg.locator("#targets tbody tr").count() >= 5 and "B4" in pg.inner_text("#targets")
    assert pg.locator("#region option").count() == 14
    ps.shot("pages_shell_bureau_hz")
    # sort the leaders table by ratio, descending on the second click
    ratio_header = pg.locator("#leaders-below th", has_text="本地配套比例")
    ratio_header.click()
    ratio_header.click()
    ratios = [float(v) for v in pg.eval_on_selector_all("#leaders-below tbody td[data-value]",
                                                          "els => els.map(e => e.dataset.value)")]
    assert ratios == sorted(ratios, reverse=True) and max(ratios) < 0.6
    # drill into a district with the chooser
    pg.select_option("#region", "330113")
    pg.click("#region-form button[type=submit]")
    pg.wait_for_load_state("networkidle")
    assert "临平区" in pg.inner_text("h1") and "region=330113" in pg.get_attribute("#api-link", "href")

    ps.goto("/map")
    m = wait_map(ps, "330100:local_suppliers:")
    assert m["map"] == "330100" and m["canvas"]
    assert len(m["names"]) == 13 and len(m["features"]) == 13
    assert {"临平区", "钱塘区", "滨江区"} <= set(m["features"]) and set(m["names"]) == set(m["features"])
    assert all(isinstance(v, int) for v in m["values"]) and m["visual"] == "continuous"
    ps.shot("pages_shell_map_hz_suppliers")
    pg.select_option("#measure", "ratio")
    m = wait_map(ps, "330100:ratio:")
    assert m["visual"] == "piecewise" and any(v is not None and 0 < v <= 100 for v in m["values"])
    assert "measure=ratio" in pg.url and "measure=ratio" in pg.get_attribute("#api-link", "href")
    assert "链主工厂平均本地配套比例" in pg.inner_text("#table-title")
    ps.shot("pages_shell_map_hz_ratio")
    pg.select_option("#measure", "recognised")
    m = wait_map(ps, "330100:recognised:")
    assert sum(m["values"]) > 0

    ps.goto("/audit")
    assert pg.locator("#audit-table tbody tr").count() >= 1
    assert "仅显示与杭州市" in pg.inner_text("main")
    ps.shot("pages_shell_audit_hz")
    ps.assert_no_console_errors()


BAD_CSV = ("统一社会信用代码,企业名称,行政区划代码,是否制造业企业\n"
           "91330100000000000X,示例坏企业一,330108,是\n"
           "12345,示例坏企业二,330108,是\n"
           "{good},,999999,也许\n")


def test_imports_error_table_then_dry_run(page_as, api):
    ent = api("hz_bureau").get("/api/v1/enterprises?region=330108&limit=1").json()["items"][0]
    ps = page_as("hz_bureau")
    pg = ps.page
    ps.goto("/imports")
    assert pg.locator("#columns-list li").count() == 15   # with 曾用名 (former_names, issue #24)
    assert pg.locator("#columns-list li[data-column=uscc] .req").count() == 1
    pg.select_option("#kind", "recognitions")
    assert "认定/培育" in pg.inner_text("#template-link")
    assert pg.get_attribute("#template-link", "href") == "/imports/template/recognitions.csv"
    pg.select_option("#kind", "enterprises")
    # no file chosen: the error shows next to the field, nothing is sent
    pg.click("#btn-dry-run")
    assert pg.inner_text("#file-error") == "请选择要上传的文件"
    # watch the busy state and the status line while the upload runs
    pg.evaluate("""() => {
        window.__busy = []; window.__status = [];
        const f = document.getElementById('import-form');
        new MutationObserver(() => window.__busy.push(f.getAttribute('aria-busy')))
            .observe(f, {attributes: true, attributeFilter: ['aria-busy']});
        new MutationObserver(() => window.__status.push(document.getElementById('upload-text').textContent))
            .observe(document.getElementById('upload-text'), {childList: true, characterData: true, subtree: true});
    }""")
    bad = BAD_CSV.format(good=ent["uscc"]).encode()
    pg.set_input_files("#file", files=[{"name": "坏数据.csv", "mimeType": "text/csv", "buffer": bad}])
    assert "坏数据.csv" in pg.inner_text("#file-name")
    # importing a file that has not passed a dry run asks first; 取消 sends nothing
    pg.click("#btn-import")
    assert pg.is_visible("#confirm-dialog") and "尚未试运行" in pg.inner_text("#confirm-text")
    pg.click("#confirm-cancel")
    assert pg.is_hidden("#result") and pg.evaluate("window.__busy") == []
    pg.click("#btn-dry-run")
    pg.wait_for_selector("#result:not([hidden]) #error-table tbody tr")
    assert "未通过校验" in pg.inner_text("#result-title")
    rows = pg.eval_on_selector_all("#error-table tbody tr",
                                   "trs => trs.map(tr => [...tr.cells].map(td => td.textContent))")
    by_row = {}
    for row, fld, reason in rows:
        by_row.setdefault(int(row), []).append((fld, reason))
    assert set(by_row) == {2, 3, 4}
    assert ("统一社会信用代码（uscc）", "统一社会信用代码校验位错误") in by_row[2]
    assert any(f == "统一社会信用代码（uscc）" and "18位" in r for f, r in by_row[3])
    assert {f for f, _ in by_row[4]} >= {"企业名称（name）", "行政区划代码（region_code）",
                                         "是否制造业企业（is_manufacturer）"}
    assert any("未知的行政区划代码" in r for _, r in by_row[4])
    busy = pg.evaluate("window.__busy")
    assert busy[:1] == ["true"] and busy[-1] == "false", busy
    assert any("服务器正在校验" in s for s in pg.evaluate("window.__status"))
    assert pg.is_enabled("#btn-dry-run")
    ps.shot("pages_shell_imports_errors")

    good = ("统一社会信用代码,企业名称,行政区划代码\n"
            f"{ent['uscc']},{ent['name']},{ent['region_code']}\n").encode()
    pg.set_input_files("#file", files=[{"name": "good.csv", "mimeType": "text/csv", "buffer": good}])
    pg.click("#btn-dry-run")
    pg.wait_for_selector("#result.result-ok")
    assert "试运行通过" in pg.inner_text("#result-title")
    assert "可导入 1 行" in pg.inner_text("#result-summary") and pg.is_hidden("#errors-block")
    assert "done" in pg.get_attribute("#upload-progress", "class")
    ps.shot("pages_shell_imports_dry_run")
    assert js_errors(ps, 422) == []


def test_district_bureau_sees_its_district_only(page_as):
    ps = page_as("bj_bureau")
    pg = ps.page
    assert "滨江区 · 经信总览" in pg.inner_text("h1")
    assert pg.locator("#region").count() == 0  # nothing to choose
    ps.shot("pages_shell_bureau_bj")
    ps.goto("/map?measure=providers")
    m = wait_map(ps, "330100:providers:")
    assert len(m["names"]) == 13
    shown = {n: v for n, v in zip(m["names"], m["values"]) if v is not None}
    assert list(shown) == ["滨江区"] and shown["滨江区"] > 0
    assert pg.is_disabled("#city") and "仅显示滨江区" in pg.inner_text("#scope-note")
    assert pg.locator("#district-table td", has_text="无权查看").count() == 12
    ps.shot("pages_shell_map_bj")
    ps.goto("/bureau?region=330100")
    assert pg.inner_text("#error-page h1") == "无权访问" and "超出您的管辖范围" in pg.inner_text("main")
    assert js_errors(ps, 403) == []


def test_admin_switches_city_and_region(page_as):
    ps = page_as("admin")
    pg = ps.page
    ps.goto("/")
    assert pg.locator("#my-pages a[href='/bureau']").count() == 1
    assert pg.locator("#my-pages a[href='/audit']").count() == 1
    ps.shot("pages_shell_home_admin")
    ps.goto("/map?city=330600&measure=recognised")
    m = wait_map(ps, "330600:recognised:")
    assert len(m["names"]) == 6 and "柯桥区" in m["features"]
    pg.select_option("#city", "330100")
    m = wait_map(ps, "330100:recognised:")
    assert len(m["names"]) == 13 and pg.inner_text("#map-title") == "杭州市"
    ps.goto("/bureau?region=330600")
    assert "绍兴市" in pg.inner_text("h1") and "E1" in pg.inner_text("#targets")
    ps.shot("pages_shell_bureau_admin_sx")
    ps.goto("/audit?limit=5")
    assert pg.locator("#audit-table tbody tr").count() == 5
    pg.click("#next-page")
    pg.wait_for_load_state("networkidle")
    assert "offset=5" in pg.url and pg.locator("#prev-page").count() == 1
    ps.shot("pages_shell_audit_admin")
    ps.assert_no_console_errors()


@pytest.mark.parametrize("username,path", [("maker", "/bureau"), ("provider", "/imports")])
def test_out_of_scope_pages_are_chinese_403(page_as, accounts, username, path):
    ps = login_via_next(page_as, accounts, username, path)
    pg = ps.page
    assert pg.url.endswith(path)
    assert pg.inner_text("#error-page h1") == "无权访问"
    assert pg.get_attribute("#error-page", "data-status") == "403"
    assert "Traceback" not in pg.content()
    ps.shot(f"pages_shell_403_{username}")
    ps.goto("/no-such-page")
    assert pg.inner_text("#error-page h1") == "未找到"
    assert pg.inner_text("#error-detail") == "您访问的页面不存在。"  # not werkzeug's English text
    if username == "maker":
        ps.shot("pages_shell_404")
    assert js_errors(ps, 403, 404) == []


@pytest.mark.parametrize("username", ["hz_bureau", "admin"])
def test_desktop_menu_is_whole_when_it_wraps(page_as, username):
    """The roles with the most entries: at 1366 px the menu takes two lines, and the bar grows
    with it (a fixed 48 px bar cut the first line off above the window)."""
    ps = page_as(username)
    ps.goto("/eligibility")
    pg = ps.page
    bar = pg.locator("header").bounding_box()
    for i in range(pg.locator("#site-nav a").count()):
        box = pg.locator("#site-nav a").nth(i).bounding_box()
        assert box["y"] >= bar["y"] and box["y"] + box["height"] <= bar["y"] + bar["height"], (i, box, bar)
    ps.shot(f"menu_desktop_{username}")
    ps.assert_no_console_errors()
