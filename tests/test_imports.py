"""Imports: formats, headers, validation with row/field/reason, all-or-nothing, idempotency."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from graphsvc.demo.generate import make_usccs
from loaders.importer import UnknownKind, run_import
from loaders.read import FileError

import numpy as np

A, B, C, D = make_usccs(np.array(["330108", "330103", "320500", "330681"]),
                        np.array([71000001, 71000002, 71000003, 71000004]))


def enterprises_csv(rows=None) -> str:
    rows = rows or [
        f"{A},杭州示例甲电子有限公司,330108,C39,1;2,true",
        f"{B},杭州示例乙化工有限公司,,C26,,true",
        f"{C},苏州示例丙机械有限公司,320500,C34,,false",
    ]
    return "uscc,name,region_code,industry_code,provider_types,credit_ok\n" + "\n".join(rows) + "\n"


def snapshot(store):
    return (store.counts(), store.dump_nodes("Enterprise"), store.dump_rels("SUPPLIES"))


def test_utf8_bom_gb18030_and_xlsx_with_chinese_headers_all_load(empty_store):
    text = enterprises_csv().replace("uscc,name,region_code,industry_code",
                                     "统一社会信用代码,企业名称,行政区划代码,所属行业")
    for data, name in [(text.encode("utf-8-sig"), "a.csv"), (text.encode("gb18030"), "b.csv")]:
        rep = run_import(empty_store, "enterprises", data, name)
        assert rep.status == "ok", rep.errors
    wb = Workbook()
    ws = wb.active
    for line in text.strip().split("\n"):
        ws.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    rep = run_import(empty_store, "enterprises", buf.getvalue(), "c.xlsx")
    assert rep.status == "ok" and rep.updated == 3 and rep.created == 0
    rows = {r["uscc"]: r for r in empty_store.dump_nodes("Enterprise")}
    assert rows[A]["name"] == "杭州示例甲电子有限公司"
    assert rows[A]["provider_types"] == [1, 2]
    assert rows[C]["credit_ok"] is False


def test_retired_region_code_and_missing_code_from_uscc(empty_store):
    rep = run_import(empty_store, "enterprises", enterprises_csv().encode(), "e.csv")
    assert rep.status == "ok"
    rows = {r["uscc"]: r for r in empty_store.dump_nodes("Enterprise")}
    # B carries 330103 (下城区, retired 2021) in its USCC and gave no region: mapped to 拱墅 330105.
    assert rows[B]["region_code"] == "330105"
    assert rows[B]["industry_kind"] == "process"  # C26 chemicals, from reference data


def test_one_bad_row_rejects_the_whole_file_and_names_row_field_reason(empty_store):
    run_import(empty_store, "enterprises", enterprises_csv().encode(), "e.csv")
    before = snapshot(empty_store)
    bad_uscc = A[:-1] + ("0" if A[-1] != "0" else "1")
    data = enterprises_csv([f"{D},绍兴示例丁有限公司,330681,C17,,true",
                            f"{bad_uscc},坏代码有限公司,330108,C39,,true",
                            f"{A},杭州示例甲,999999,C39,9,maybe"]).encode()
    rep = run_import(empty_store, "enterprises", data, "bad.csv")
    assert rep.status == "rejected"
    got = {(e["row"], e["field"]) for e in rep.errors}
    assert (3, "uscc") in got                      # checksum
    assert {(4, "region_code"), (4, "provider_types"), (4, "credit_ok")} <= got
    assert all(e["reason"] for e in rep.errors)
    assert snapshot(empty_store)[0] == before[0]
    assert snapshot(empty_store)[1] == before[1]   # D not written, A not changed


def test_partial_writes_good_rows_and_reports_the_rest(empty_store):
    run_import(empty_store, "enterprises", enterprises_csv().encode(), "e.csv")
    data = (f"supplier_uscc,buyer_uscc,year,amount_wan,segment_id\n{B},{A},2024,100,HZ01-01\n"
            f"{C},{A},2024,abc,HZ01-02\n{D},{A},2024,5,\n").encode()
    rep = run_import(empty_store, "supplies", data, "s.csv")
    assert rep.status == "rejected" and empty_store.counts()["SUPPLIES"] == 0
    assert {(e["row"], e["field"]) for e in rep.errors} == {(3, "amount_wan"), (4, "supplier_uscc")}
    assert "不在图谱中" in [e for e in rep.errors if e["row"] == 4][0]["reason"]
    rep = run_import(empty_store, "supplies", data, "s.csv", partial=True)
    assert rep.status == "ok" and rep.accepted == 1 and rep.rejected == 2
    assert empty_store.counts()["SUPPLIES"] == 1


def test_reimporting_the_same_file_changes_nothing(empty_store, demo_files):
    for kind in ("enterprises", "recognitions", "supplies", "memberships", "projects", "deliveries"):
        # the demo's confirmed deliveries are history that predates the ledger
        assert run_import(empty_store, kind, (demo_files / f"{kind}.csv").read_bytes(), f"{kind}.csv",
                          historical=kind == "deliveries").status == "ok"
    first = {k: v for k, v in empty_store.counts().items() if k != "AuditEvent"}
    nodes = {lbl: empty_store.dump_nodes(lbl) for lbl in ("Enterprise", "Delivery", "Project", "Recognition")}
    for kind in ("enterprises", "recognitions", "supplies", "memberships", "projects", "deliveries"):
        # the demo's confirmed deliveries are history that predates the ledger
        assert run_import(empty_store, kind, (demo_files / f"{kind}.csv").read_bytes(), f"{kind}.csv",
                          historical=kind == "deliveries").status == "ok"
    assert {k: v for k, v in empty_store.counts().items() if k != "AuditEvent"} == first
    assert {lbl: empty_store.dump_nodes(lbl) for lbl in nodes} == nodes
    assert first["LEADS"] > 0 and first["SUPPLIES"] > 10000


def test_delivery_rules_unit_for_process_client_dates_and_kind(empty_store):
    run_import(empty_store, "enterprises", enterprises_csv().encode(), "e.csv")
    head = "id,supplier_uscc,client_uscc,kind,provider_type,unit,quantity,contract_amount_wan,signed_date,accepted_date,status\n"
    rows = [f"T1,{A},{B},engineering_project,1,line,1,100,2024-01-01,2024-06-01,confirmed",   # B is process
            f"T2,{A},{C},engineering_project,1,cell,1,-5,2024-01-01,2023-12-01,confirmed",
            f"T3,{A},{C},security_contract,1,cell,1,5,2099-01-01,,claimed",
            f"T4,{A},{C},engineering_project,1,factory,1,50,2024-01-01,2024-02-01,confirmed"]
    rep = run_import(empty_store, "deliveries", (head + "\n".join(rows)).encode(), "d.csv", historical=True)
    got = {(e["row"], e["field"]) for e in rep.errors}
    assert {(2, "unit"), (3, "contract_amount_wan"), (3, "accepted_date"), (4, "kind"),
            (4, "signed_date")} <= got
    assert 5 not in {e["row"] for e in rep.errors}


def test_confirmed_delivery_cannot_be_changed_by_reimport(empty_store):
    run_import(empty_store, "enterprises", enterprises_csv().encode(), "e.csv")
    head = "id,supplier_uscc,client_uscc,kind,provider_type,unit,contract_amount_wan,signed_date,status\n"
    ok = head + f"T9,{A},{C},engineering_project,1,cell,100,2024-01-01,confirmed\n"
    assert run_import(empty_store, "deliveries", ok.encode(), "d.csv", historical=True).status == "ok"
    assert run_import(empty_store, "deliveries", ok.encode(), "d.csv", historical=True).status == "ok"
    changed = ok.replace(",100,", ",900,")
    rep = run_import(empty_store, "deliveries", changed.encode(), "d.csv", historical=True)
    assert rep.status == "rejected" and rep.errors[0]["field"] == "contract_amount_wan"


@pytest.mark.parametrize("data,name,message", [
    (b"", "e.csv", "空"), (b"uscc,name\n", "e.csv", "没有数据"), (b"x", "e.txt", "文件类型"),
    (b"PK\x03\x04garbage", "e.xlsx", ".xlsx")])
def test_file_level_faults(empty_store, data, name, message):
    with pytest.raises(FileError, match=message):
        run_import(empty_store, "enterprises", data, name)


def test_missing_required_column_and_unknown_kind(empty_store):
    rep = run_import(empty_store, "supplies", b"supplier_uscc,year\nx,2024\n", "s.csv")
    assert rep.status == "rejected"
    assert {e["field"] for e in rep.errors} == {"buyer_uscc", "amount_wan"}
    with pytest.raises(UnknownKind):
        run_import(empty_store, "widgets", b"a\n1\n", "w.csv")


def test_dry_run_writes_nothing(empty_store):
    before = empty_store.counts()
    rep = run_import(empty_store, "enterprises", enterprises_csv().encode(), "e.csv", dry_run=True)
    assert rep.status == "dry_run" and rep.accepted == 3
    assert empty_store.counts() == before


def test_xlsx_export_roundtrip_reads_back(tmp_path, empty_store):
    """An .xlsx written by openpyxl with real date cells and numbers imports as typed values."""
    import datetime as dt

    run_import(empty_store, "enterprises", enterprises_csv().encode(), "e.csv")
    wb = Workbook()
    ws = wb.active
    ws.append(["项目编号", "统一社会信用代码", "项目名称", "投资额（万元）", "开工日期", "1+N", "组号"])
    ws.append(["P1", A, "示例改造项目", 200, dt.datetime(2022, 1, 1), "1", "G1"])
    ws.append(["P2", C, "示例配套项目", 150.5, dt.datetime(2022, 3, 5), "N", "G1"])
    path = tmp_path / "projects.xlsx"
    wb.save(path)
    assert load_workbook(path).active["A2"].value == "P1"
    rep = run_import(empty_store, "projects", path.read_bytes(), path.name)
    assert rep.status == "ok", rep.errors
    projects = {p["id"]: p for p in empty_store.dump_nodes("Project")}
    assert projects["P1"]["start_date"] == "2022-01-01" and projects["P2"]["investment_wan"] == 150.5
    assert empty_store.counts()["LEADS"] == 1


def test_supplier_region_on_supplies_follows_the_supplier(empty_store):
    """SUPPLIES.supplier_region (the copy locality sums read) is set on import and kept in
    step when the supplier's registered region changes."""
    run_import(empty_store, "enterprises", enterprises_csv().encode(), "e.csv")
    data = f"supplier_uscc,buyer_uscc,year,amount_wan,segment_id\n{C},{A},2024,10,HZ01-01\n".encode()
    assert run_import(empty_store, "supplies", data, "s.csv").status == "ok"
    region = lambda: empty_store.read_cypher(
        "MATCH (s:Enterprise)-[e:SUPPLIES]->(:Enterprise) RETURN e.supplier_region AS r")[0]["r"]
    assert region() == "320500"
    moved = f"uscc,name,region_code\n{C},苏州示例丙机械有限公司,330109\n".encode()
    assert run_import(empty_store, "enterprises", moved, "m.csv").status == "ok"
    assert region() == "330109"


def test_new_deliveries_enter_the_ledger_as_claims_unless_vouched_for_as_history(empty_store):
    """Issue #25.3: an import never confirms a delivery on its own; confirmed history that
    predates the ledger comes in only as a separate, audited, vouched-for import."""
    run_import(empty_store, "enterprises", enterprises_csv().encode(), "e.csv")
    head = "id,supplier_uscc,client_uscc,kind,provider_type,unit,contract_amount_wan,signed_date,status\n"
    body = head + f"H1,{A},{C},engineering_project,1,cell,100,2024-01-01,confirmed\n"
    rep = run_import(empty_store, "deliveries", body.encode(), "d.csv", actor="bj_bureau")
    assert rep.status == "rejected" and (rep.errors[0]["row"], rep.errors[0]["field"]) == (2, "status")
    assert "历史记录" in rep.errors[0]["reason"]
    assert empty_store.read_one("deliveries/get", id="H1") is None
    rep = run_import(empty_store, "deliveries", body.encode(), "d.csv", actor="bj_bureau", historical=True)
    assert rep.status == "ok", rep.errors
    d = empty_store.read_one("deliveries/get", id="H1")["delivery"]
    assert d["status"] == "confirmed" and d["confirmed_by"].startswith("bj_bureau")
    events = [e["event"] for e in empty_store.read("core/audit_list", regions=None, action="delivery.import_historical",
                                                   limit=10, after_at=None, after_id=None)]
    assert [e["target"] for e in events] == ["H1"]
    assert '"vouched_by": "bj_bureau"' in events[0]["detail"]
    claimed = head + f"H2,{A},{C},engineering_project,1,cell,100,2024-01-01,claimed\n"
    assert run_import(empty_store, "deliveries", claimed.encode(), "d.csv").status == "ok"
