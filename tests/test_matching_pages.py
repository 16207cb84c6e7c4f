"""/matching (名称匹配) and the review queue through the live server: an import naming a branch
waits in the queue of its district's bureau only; the page matches a pasted list, colours each
row by decision, lets a reviewer choose a candidate, rejects a queued row and exports the
unmatched rows (read back with openpyxl). Screenshot: tests/artifacts/matching_page.png."""
from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook


def _in(store, district):
    return [r for r in store.read("matching/names") if r["region_code"] == district]


def _queue_a_branch(api, name) -> dict:
    data = ("企业名称,所在地区,类别,级别,状态,年度\n" + f"{name}测试分公司,滨江区,数字工厂,市,认定,2024\n").encode()
    r = api("bj_bureau").post("/api/v1/imports/recognitions", files={"file": ("names.csv", data, "text/csv")})
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["by_name"] == {"matched": 0, "review": 1, "none": 0} and rep["accepted"] == 0
    return rep["held"][0]


def test_import_by_name_queues_for_the_district_and_the_api_decides(api, store):
    b = _in(store, "330108")[2]
    held = _queue_a_branch(api, b["name"])
    assert held["candidates"][0]["uscc"] == b["uscc"]
    mine = [q for q in api("bj_bureau").get("/api/v1/match/reviews").json()["items"] if q["name"] == held["name"]]
    assert len(mine) == 1 and mine[0]["region_code"] == "330108"
    assert not [q for q in api("sx_bureau").get("/api/v1/match/reviews").json()["items"] if q["name"] == held["name"]]
    assert api("sx_bureau").get(f"/api/v1/match/reviews/{mine[0]['id']}").status_code == 404
    r = api("bj_bureau").post(f"/api/v1/match/reviews/{mine[0]['id']}/accept", json={"uscc": "nonsense"})
    assert r.status_code == 400 and r.json()["field"] == "uscc"
    r = api("bj_bureau").post(f"/api/v1/match/reviews/{mine[0]['id']}/reject")
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert api("bj_bureau").post(f"/api/v1/match/reviews/{mine[0]['id']}/reject").status_code == 409


def test_unmatched_rows_export_to_xlsx(api, store):
    a = _in(store, "330108")[0]
    body = {"rows": [{"name": a["name"]}, {"name": a["name"] + "萧山分公司"}, {"name": "=HYPERLINK(1)"},
                     {"name": "  "}]}
    r = api("admin").post("/api/v1/match/unmatched.xlsx", json=body)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("行号", "名称", "结果")
    assert [x[0] for x in rows[1:]] == [2, 3, 4], "the matched row is left out"
    assert rows[1][2] == "待复核" and rows[1][5] == a["uscc"]
    assert rows[2][1] == "=HYPERLINK(1)" and rows[3][2] == "有误"


def test_matching_page_colours_rows_and_rejects_a_queued_row(page_as, api, store):
    b = _in(store, "330108")[3]
    held = _queue_a_branch(api, b["name"])
    a = _in(store, "330108")[0]
    ps = page_as("bj_bureau")
    ps.goto("/matching")
    pg = ps.page
    assert "名称匹配" in pg.inner_text("h1")
    pg.fill("#list-text", f"{a['name']}\n{a['name']}萧山分公司,滨江区\n上海某某餐饮管理有限公司\n（）！！\n")
    pg.click("#btn-match")
    pg.wait_for_selector("#match-table:not([hidden])")
    rows = pg.locator("#match-table tbody tr")
    assert rows.count() == 4
    assert [rows.nth(i).get_attribute("class") for i in range(4)] == ["m-matched", "m-review", "m-none", "m-error"]
    assert a["uscc"] in rows.nth(0).inner_text()
    rows.nth(1).locator("select.pick").select_option(a["uscc"])
    assert rows.nth(1).get_attribute("class") == "m-matched"
    assert "已匹配 1" in pg.inner_text("#match-summary")
    with pg.expect_download() as dl:
        pg.click("#btn-export")
    ws = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    assert ws.max_row == 4   # header and the three rows not matched
    queued = pg.locator("#queue-table tbody tr", has_text=held["name"])
    assert queued.count() == 1 and b["uscc"] in queued.locator("select.q-choice").inner_text()
    ps.shot("matching_page")
    queued.locator(".q-reject").click()
    pg.wait_for_selector("#queue-table .q-status.m-none")
    assert "已驳回" in queued.inner_text()
