"""Issue 25's import findings, replayed against a real gunicorn: each asserts the refusal.

1 scope on the stored record · 2 another supplier's delivery · 3 parties and status only
through the ledger · 9 per-import caps · 14 control characters · 17 one audit event per
delivery · 19 file integrity · 20 delivery id rule.
"""
from __future__ import annotations

import csv
import io
import json

import pytest
import requests
from openpyxl import Workbook

from tests.conftest import Server, _copy_data
from tests.test_import_properties import new_usccs

DELIVERY_COLS = ["id", "supplier_uscc", "client_uscc", "kind", "provider_type", "unit", "quantity",
                 "contract_amount_wan", "signed_date", "accepted_date", "rating"]


def upload(client, kind, text: str | bytes, name="f.csv", **params):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(f"/api/v1/imports/{kind}", files={"file": (name, data)}, params=params)


def csv_text(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def one_enterprise(api, region: str) -> dict:
    items = api("admin").get(f"/api/v1/enterprises?region={region}&limit=5").json()["items"]
    assert items, f"the demo has enterprises in {region}"
    return api("admin").get(f"/api/v1/enterprises/{items[0]['uscc']}").json()


def delivery_row(d: dict, **override) -> list:
    d = {**d, **override}
    return ["" if d.get(c) is None else d[c] for c in DELIVERY_COLS] + [d.get("status") or ""]


def deliveries_of(api, user, status):
    items = api(user).get(f"/api/v1/deliveries?status={status}&limit=50").json()["items"]
    assert items, f"{user} has {status} deliveries in the demo"
    return items


# -- 1: scope against the stored record -------------------------------------------------------
@pytest.mark.parametrize("header,region", [(["uscc", "name", "region_code"], "330108"), (["uscc", "name"], None)])
def test_bureau_cannot_rename_or_rehome_another_regions_enterprise(api, header, region):
    victim = one_enterprise(api, "330602")  # 越城, Shaoxing
    row = [victim["uscc"], "滨江接管的企业"] + ([region] if region else [])
    for dry in ("true", "false"):
        r = upload(api("bj_bureau"), "enterprises", csv_text(header, [row]), dry_run=dry)
        assert r.status_code == 422, r.text
        assert {(e["row"], e["field"]) for e in r.json()["errors"]} == {(2, "uscc")}
    after = api("admin").get(f"/api/v1/enterprises/{victim['uscc']}").json()
    assert (after["name"], after["region_code"]) == (victim["name"], victim["region_code"])
    assert api("sx_bureau").get(f"/api/v1/enterprises/{victim['uscc']}").status_code == 200


def test_file_without_region_keeps_the_stored_region(api):
    (u,) = new_usccs(1, "330108")  # the USCC's own digits say 滨江
    assert upload(api("admin"), "enterprises", csv_text(["uscc", "name", "region_code"],
                                                         [[u, "迁址企业", "330106"]])).status_code == 200
    r = upload(api("admin"), "enterprises", csv_text(["uscc", "name"], [[u, "迁址企业（更名）"]]))
    assert r.status_code == 200, r.text
    got = api("admin").get(f"/api/v1/enterprises/{u}").json()
    assert (got["name"], got["region_code"]) == ("迁址企业（更名）", "330106")


# -- 2: another supplier's delivery -----------------------------------------------------------
def test_supplier_cannot_take_over_another_suppliers_delivery_and_dry_run_reveals_nothing(api, accounts):
    theirs = deliveries_of(api, "provider", "claimed")[0]
    me = accounts["provider2"]["uscc"]
    header = DELIVERY_COLS + ["status"]
    row = delivery_row(theirs, supplier_uscc=me, contract_amount_wan=999)
    reports = []
    for dry in ("true", "false"):
        r = upload(api("provider2"), "deliveries", csv_text(header, [row]), dry_run=dry)
        assert r.status_code == 422, r.text
        reports.append(r.json()["errors"])
    unknown = upload(api("provider2"), "deliveries", csv_text(header, [delivery_row(theirs, id="NEWID-" + me[-6:],
                                                                                     supplier_uscc=me)]),
                     dry_run="true").json()
    for errors in reports:
        assert errors == [{"row": 2, "field": "id", "reason": f"编号 {theirs['id']} 不可用：请换一个编号"}]
        text = json.dumps(errors, ensure_ascii=False)
        assert theirs["client_uscc"] not in text and theirs["status"] not in text
    assert "errors" in unknown  # an unused id gets the ordinary checks, not the neutral reason
    assert all(e["field"] != "id" for e in unknown["errors"])
    after = api("provider").get(f"/api/v1/deliveries/{theirs['id']}")
    assert after.status_code == 200
    assert after.json()["contract_amount_wan"] == theirs["contract_amount_wan"]
    assert after.json()["supplier_uscc"] == theirs["supplier_uscc"]


# -- 3: parties and status only through the ledger --------------------------------------------
def test_bureau_import_cannot_repoint_a_delivery_or_confirm_it(api):
    d = deliveries_of(api, "hz_bureau", "claimed")[0]
    other = one_enterprise(api, "330108")["uscc"]
    other = other if other != d["client_uscc"] else one_enterprise(api, "330106")["uscc"]
    row = delivery_row(d, client_uscc=other, status="confirmed")
    r = upload(api("hz_bureau"), "deliveries", csv_text(DELIVERY_COLS + ["status"], [row]))
    assert r.status_code == 422, r.text
    assert {"client_uscc", "status"} <= {e["field"] for e in r.json()["errors"]}
    after = api("admin").get(f"/api/v1/deliveries/{d['id']}").json()
    assert (after["client_uscc"], after["status"]) == (d["client_uscc"], "claimed")


@pytest.mark.parametrize("status", ["withdrawn", "disputed"])
def test_final_statuses_stay_final_on_reimport(api, accounts, status):
    me = accounts["provider"]["uscc"]
    items = api("admin").get("/api/v1/enterprises?region=330108&limit=50").json()["items"]
    client = next(e["uscc"] for e in items if e["uscc"] != me)
    r = api("provider").post("/api/v1/deliveries", json={
        "client_uscc": client, "kind": "engineering_project", "unit": "factory",
        "contract_amount_wan": 12.5, "signed_date": "2024-03-01"})
    assert r.status_code == 201, r.text
    d = r.json()
    if status == "withdrawn":
        assert api("provider").post(f"/api/v1/deliveries/{d['id']}/withdraw").status_code == 200
    else:
        assert api("bj_bureau").post(f"/api/v1/deliveries/{d['id']}/dispute", json={"reason": "未交付"}).status_code == 200
    unchanged = upload(api("provider"), "deliveries", csv_text(DELIVERY_COLS + ["status"], [delivery_row(d, status="claimed")]))
    assert unchanged.status_code == 200, unchanged.text
    changed = upload(api("provider"), "deliveries", csv_text(DELIVERY_COLS, [delivery_row(d, quantity=2)[:-1]]))
    assert changed.status_code == 422 and changed.json()["errors"][0]["field"] == "quantity", changed.text
    after = api("provider").get(f"/api/v1/deliveries/{d['id']}").json()
    assert after["status"] == status and after["quantity"] == 1


# -- 17: one audit event per delivery an import changes ---------------------------------------
def test_each_imported_delivery_has_its_own_audit_event(api, accounts):
    supplier, client = new_usccs(2, "330108")
    ents = csv_text(["uscc", "name", "industry_code", "provider_types"],
                    [[supplier, "审计供给方", "I65", "1"], [client, "审计客户", "C39", ""]])
    assert upload(api("admin"), "enterprises", ents).status_code == 200
    ids = [f"AUD-{supplier[-6:]}-{i}" for i in range(3)]
    rows = [[i, supplier, client, "engineering_project", 1, "line", 1, 10, "2024-01-02", "", ""] for i in ids]
    r = upload(api("admin"), "deliveries", csv_text(DELIVERY_COLS, rows))
    assert r.status_code == 200, r.text
    events = api("admin").get("/api/v1/audit?action=delivery.import&limit=500").json()["items"]
    mine = [e for e in events if e["target"] in ids]
    assert sorted(e["target"] for e in mine) == sorted(ids)
    assert all(e["actor"] == "admin" for e in mine)


# -- 20: the claim API's id rule --------------------------------------------------------------
@pytest.mark.parametrize("bad_id", ["../../logout", "<b>x</b>", "=HYPERLINK(\"x\")", "a/b", "a b", "x" * 65])
def test_delivery_ids_follow_the_claim_id_rule(api, bad_id):
    d = deliveries_of(api, "admin", "claimed")[0]
    r = upload(api("admin"), "deliveries", csv_text(DELIVERY_COLS, [delivery_row(d, id=bad_id)[:-1]]), dry_run="true")
    assert r.status_code == 422, r.text
    assert {(e["row"], e["field"]) for e in r.json()["errors"]} == {(2, "id")}


# -- 14: control characters -------------------------------------------------------------------
@pytest.mark.parametrize("char", ["\x07", "\x00", "\x1b", "\x7f", "\x85", "\r"])
def test_control_characters_are_refused_with_the_row_named(api, char):
    (u,) = new_usccs(1, "330108")
    r = upload(api("bj_bureau"), "enterprises", f'uscc,name\n{u},"坏{char}名"\n')  # quoted: a bare CR ends a line
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["row"] == 2 and r.json()["errors"][0]["field"] == "name"
    assert api("admin").get(f"/api/v1/enterprises/{u}").status_code == 404


# -- 19: file integrity -----------------------------------------------------------------------
@pytest.mark.parametrize("header", [["uscc", "name", "name"], ["uscc", "统一社会信用代码", "name"],
                                    ["uscc", "name", "企业名称"]])
def test_repeated_or_aliased_columns_are_refused(api, header):
    (u,) = new_usccs(1, "330108")
    r = upload(api("admin"), "enterprises", csv_text(header, [[u, u, "甲"] if header[1] != "name" else [u, "甲", "乙"]]))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["row"] == 1 and "出现了 2 次" in r.json()["errors"][0]["reason"]
    assert api("admin").get(f"/api/v1/enterprises/{u}").status_code == 404


def test_mixed_encoding_file_is_refused_not_stored_as_mojibake(api):
    a, b = new_usccs(2, "330108")
    data = f"uscc,name\n{a},杭州甲科技有限公司\n".encode() + f"{b},杭州乙科技有限公司\n".encode("gbk")
    r = upload(api("admin"), "enterprises", data)
    assert r.status_code == 400 and "编码" in r.json()["detail"], r.text
    assert "第 2 行" in r.json()["detail"] and "第 3 行" in r.json()["detail"]
    assert api("admin").get(f"/api/v1/enterprises/{a}").status_code == 404


def test_unbalanced_quote_is_an_error_naming_the_row(api):
    a, b, c = new_usccs(3, "330108")
    data = f'uscc,name\n{a},甲\n{b},"乙公司\n{c},丙\n'
    r = upload(api("admin"), "enterprises", data)
    assert r.status_code == 400 and "第 3 行" in r.json()["detail"] and "引号" in r.json()["detail"], r.text
    assert api("admin").get(f"/api/v1/enterprises/{a}").status_code == 404


# -- 9 and 15: caps on one import, and damaged files --------------------------------------------
@pytest.fixture(scope="module")
def capped(demo_template, tmp_path_factory, accounts):
    d = _copy_data(demo_template, tmp_path_factory.mktemp("capped"))
    srv = Server(d, d / "server.log", env={"GRAPHSVC_IMPORT_MAX_ROWS": "50", "GRAPHSVC_IMPORT_MAX_ERRORS": "10",
                                           "GRAPHSVC_IMPORT_MAX_UNPACKED_MB": "1"})
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {accounts['admin']['token']}"
    yield lambda kind, data, name="f.csv": s.post(f"{srv.url}/api/v1/imports/{kind}",
                                                  files={"file": (name, data)}, timeout=120)
    srv.stop()
    assert "Traceback" not in (d / "server.log").read_text()


def test_row_cap_refuses_the_file(capped):
    rows = [[u, f"企业{i}"] for i, u in enumerate(new_usccs(51, "330108"))]
    r = capped("enterprises", csv_text(["uscc", "name"], rows).encode())
    assert r.status_code == 400 and "50 行" in r.json()["detail"], r.text


def test_error_report_is_capped_and_says_how_many_more(capped):
    rows = [[f"BAD{i}", "坏代码"] for i in range(30)]
    r = capped("enterprises", csv_text(["uscc", "name"], rows).encode())
    body = r.json()
    assert r.status_code == 422 and len(body["errors"]) == 10 and body["errors_omitted"] == 20
    assert "另有 20 条" in body["detail"]


def test_xlsx_that_unpacks_past_the_cap_is_refused(capped):
    wb = Workbook()
    ws = wb.active
    ws.append(["uscc", "name"])
    for i in range(40):
        ws.append(["x", "企" * 20000 + str(i)])  # compresses to little, unpacks to > 1 MB
    buf = io.BytesIO()
    wb.save(buf)
    assert len(buf.getvalue()) < 1024 * 1024
    r = capped("enterprises", buf.getvalue(), "big.xlsx")
    assert r.status_code == 400 and "解压" in r.json()["detail"], r.text


@pytest.mark.parametrize("data", [b"PK\x05\x06" + b"\0" * 18, b"not a zip at all"])
def test_damaged_xlsx_is_a_400_not_a_500(api, data):
    r = upload(api("admin"), "enterprises", data, "x.xlsx")
    assert r.status_code == 400, r.text


def test_csv_cell_over_the_csv_field_limit_is_a_400(api):
    (u,) = new_usccs(1, "330108")
    r = upload(api("admin"), "enterprises", f'uscc,name\n{u},"{"长" * 140000}"\n')
    assert r.status_code == 400 and "第 2 行" in r.json()["detail"], r.text
