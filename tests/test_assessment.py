"""Supplier assessment: counting rules (worked examples), Item 14, C2, C3.6/C3.7, and the
.xlsx / PDF files read back."""
from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from graphsvc.deliveries import assessment
from graphsvc.deliveries import reports as assessment_reports
from graphsvc.deliveries.assessment import build, count, find_measure

S = "91330108MA2ABCDEF1"  # labels only: the pure functions do not check USCCs


def d(id_, pt, kind, status="confirmed", client="C1", client_kind="discrete", unit=None, q=1, amount=100.0,
      signed="2024-03-01", accepted="2024-06-01", rating=None, corrects=None, recognitions=()):
    return {"id": id_, "supplier_uscc": S, "provider_type": pt, "kind": kind, "status": status, "client_uscc": client,
            "client_name": f"客户{client}", "client_kind": client_kind, "client_region": "330102", "unit": unit,
            "quantity": q, "contract_amount_wan": amount, "signed_date": signed, "accepted_date": accepted,
            "rating": rating, "corrects": corrects, "recognitions": list(recognitions)}


def m(report, pt, key):
    x = find_measure(report, pt, key)
    assert x is not None, f"no measure {pt}/{key}"
    return x["value"], x["delivery_ids"]


def test_type1_discrete_and_process_units_only_confirmed():
    ds = [
        d("a", 1, "engineering_project", unit="cell", q=3, client="C1"),
        d("b", 1, "engineering_project", unit="line", q=2, client="C1"),
        d("c", 1, "engineering_project", unit="workshop", client="P1", client_kind="process"),
        d("e", 1, "engineering_project", unit="factory", client="P2", client_kind="process"),
        d("f", 1, "engineering_project", unit="workshop", client="C2"),
        d("g", 1, "engineering_project", unit="line", status="claimed", client="C3"),
        d("h", 1, "engineering_project", unit="line", status="disputed", client="C4"),
        d("i", 1, "engineering_project", unit="factory", status="withdrawn", client="C5"),
    ]
    r = count(ds, [1])
    assert m(r, 1, "projects") == (5, ["a", "b", "c", "e", "f"])
    assert m(r, 1, "clients")[0] == 4  # C1 twice, P1, P2, C2
    assert m(r, 1, "discrete.cell") == (3, ["a"])          # quantity: 3 cells in one project
    assert m(r, 1, "discrete.line") == (2, ["b"])          # the claimed and disputed lines do not count
    assert m(r, 1, "discrete.workshop") == (1, ["f"])
    assert m(r, 1, "discrete.factory") == (0, [])
    assert m(r, 1, "process.workshop") == (1, ["c"])
    assert m(r, 1, "process.factory") == (1, ["e"])
    keys = [x["key"] for x in r["types"][0]["measures"]]
    assert "process.line" not in keys and "process.cell" not in keys  # process: 车间/工厂 only
    assert [x["id"] for x in r["claimed"]] == ["g"]
    assert [x["id"] for x in r["disputed"]] == ["h"]
    assert r["withdrawn"] == ["i"]
    clients = find_measure(r, 1, "clients")["clients"]
    assert {c["uscc"]: c["delivery_ids"] for c in clients}["C1"] == ["a", "b"]


def test_types_2_to_6_per_design_table():
    ds = [
        d("p1", 2, "platform_onboarding", client="A"), d("p2", 2, "platform_onboarding", client="A"),
        d("p3", 2, "platform_onboarding", client="B"), d("app", 2, "industrial_app", client="A", q=4),
        d("s1", 3, "security_contract", client="A"), d("s2", 3, "security_contract", client="B"),
        d("s3", 3, "security_contract", client="B"),
        d("m1", 4, "module_transfer", q=6), d("m2", 4, "module_transfer", q=2, status="claimed"),
        d("i1", 5, "iot_project", q=5), d("i2", 5, "iot_project", q=3),
        d("y1", 6, "system_integration", q=7),
    ]
    r = count(ds)
    assert [t["provider_type"] for t in r["types"]] == [2, 3, 4, 5, 6]
    assert m(r, 2, "clients") == (2, ["p1", "p2", "p3"])   # distinct clients on the platform
    assert m(r, 2, "apps") == (4, ["app"])                 # industrial APPs by quantity
    assert m(r, 3, "clients") == (2, ["s1", "s2", "s3"])
    assert m(r, 3, "contracts") == (3, ["s1", "s2", "s3"])
    assert m(r, 4, "modules") == (6, ["m1"])               # kind × model, confirmed only
    assert m(r, 4, "transfers") == (1, ["m1"])
    assert m(r, 5, "projects") == (2, ["i1", "i2"])
    assert m(r, 5, "product_kinds") == (8, ["i1", "i2"])
    assert m(r, 6, "projects") == (1, ["y1"])
    assert m(r, 6, "systems") == (7, ["y1"])


def test_registered_types_without_deliveries_show_zeroes():
    r = count([], [1, 3])
    assert [t["provider_type"] for t in r["types"]] == [1, 3]
    assert all(x["value"] == 0 and x["delivery_ids"] == [] for t in r["types"] for x in t["measures"])


def test_period_uses_acceptance_date_else_signing_date():
    ds = [d("in", 3, "security_contract", signed="2023-11-01", accepted="2024-01-15"),
          d("out", 3, "security_contract", signed="2024-02-01", accepted="2025-01-02"),
          d("unaccepted", 3, "security_contract", signed="2024-12-31", accepted=None),
          d("early", 3, "security_contract", signed="2023-01-01", accepted="2023-12-31")]
    r = count(ds, start="2024-01-01", end="2024-12-31")
    assert m(r, 3, "contracts") == (2, ["in", "unaccepted"])
    assert m(count(ds), 3, "contracts")[0] == 4


def test_confirmed_correction_replaces_the_corrected_record():
    ds = [d("old", 1, "engineering_project", unit="line", q=1),
          d("new", 1, "engineering_project", unit="line", q=2, corrects="old", accepted="2024-07-01")]
    r = count(ds)
    assert m(r, 1, "discrete.line") == (2, ["new"])
    assert [x["id"] for x in r["superseded"]] == ["old"]
    ds[1]["status"] = "claimed"   # not yet confirmed by the client: the old record still counts
    r = count(ds)
    assert m(r, 1, "discrete.line") == (1, ["old"])
    assert [x["id"] for x in r["claimed"]] == ["new"] and r["superseded"] == []


# Listed in the contracts' signing year: a listing can only count when it may follow from the
# delivered project (C3.5 ``listing_from``).
SMART = {"kind": "智能工厂", "level": "市", "status": "认定", "year": 2024}
POOL = {"kind": "数字化车间", "level": "市", "status": "培育", "year": 2023}


def test_item14_reward_needs_confirmed_delivery_and_recognised_client():
    supplier = {"uscc": S, "name": "示例服务商", "region_code": "330108", "provider_types": [1]}
    ds = [d("r1", 1, "engineering_project", unit="line", client="A", amount=200, recognitions=[SMART]),
          d("r2", 1, "engineering_project", unit="line", client="B", amount=100, rating="excellent",
            recognitions=[SMART]),
          d("r3", 1, "engineering_project", unit="line", client="C", amount=1000, recognitions=[POOL]),
          d("r4", 1, "engineering_project", unit="line", client="A", amount=500, status="claimed",
            recognitions=[SMART])]
    r = build(supplier, ds)
    lines = {ln["delivery_id"]: ln for ln in r["item14"]["lines"]}
    assert set(lines) == {"r1", "r2"}                     # r3: client only 培育; r4: not confirmed
    assert lines["r1"]["rate"] == 0.15 and lines["r1"]["reward_wan"] == 30
    assert lines["r2"]["rate"] == 0.2 and lines["r2"]["reward_wan"] == 20   # +5% excellent
    assert r["item14"]["total_wan"] == 50 and not r["item14"]["capped"]
    assert "r3" in r["item14"]["not_qualifying"]
    assert r["item14"]["rule_id"] == "C3.5"


def test_item14_is_capped_at_100_wan_per_provider():
    supplier = {"uscc": S, "region_code": "330108", "provider_types": [1]}
    ds = [d(f"x{i}", 1, "engineering_project", unit="factory", client=f"K{i}", amount=400,
            accepted=f"2024-0{i + 1}-01", recognitions=[SMART]) for i in range(3)]
    r = build(supplier, ds)
    assert r["item14"]["reward_before_cap_wan"] == 180
    assert r["item14"]["total_wan"] == 100 and r["item14"]["capped"]
    assert [ln["payable_wan"] for ln in r["item14"]["lines"]] == [60, 40, 0]


def test_c2_conditions_from_enterprise_data():
    good = {"uscc": S, "provider_types": [3], "high_tech": True, "rd_spend_wan": 600.0, "rd_staff": 40}
    r = build(good, [])
    rules = {x["rule_id"]: x for x in r["c2"]["rules"]}
    assert rules["C2.1"]["outcome"] == "pass"
    assert rules["C2.3"]["outcome"] == "pass"
    assert rules["C2.4"]["outcome"] == "unknown"          # team / goals are not in the graph
    assert rules["C1"]["outcome"] == "not_applicable"     # four capabilities: types 1, 5, 6 only
    poor = build({"uscc": S, "provider_types": [], "rd_spend_wan": 499.0, "rd_staff": 30}, [])
    rules = {x["rule_id"]: x for x in poor["c2"]["rules"]}
    assert rules["C2.1"]["outcome"] == "fail" and rules["C2.3"]["outcome"] == "fail"
    assert poor["c2"]["outcome"] == "fail"


def test_c36_c37_unknown_say_what_is_missing():
    r = build({"uscc": S, "provider_types": [4]}, [])
    assert [x["rule_id"] for x in r["modules"]] == ["C3.6", "C3.7"]
    for x in r["modules"]:
        assert x["outcome"] == "unknown"
        assert {f["fact"] for f in x["missing"]} == {"rd_spend_wan", "purchase_wan", "year_number"}
        assert "采购额" in x["reason"]
    known = assessment.modules({"c3_6": {"rd_spend_wan": 1000, "purchase_wan": 2000, "year_number": 1}})
    assert known[0]["outcome"] == "pass" and known[0]["amount_wan"] == 150


def test_fetch_assessment_on_demo_graph(store, accounts):
    uscc = accounts["provider"]["uscc"]
    r = assessment.fetch_assessment(store, uscc)
    assert r["supplier"]["uscc"] == uscc
    assert r["totals"]["confirmed"] > 0
    status = {row["id"]: row["status"] for row in store.read("deliveries/assessment_deliveries", uscc=uscc)}
    counted = set(r["counted"])
    assert counted and all(status[i] == "confirmed" for i in counted)
    for t in r["types"]:
        for x in t["measures"]:
            assert set(x["delivery_ids"]) <= counted
    assert {x["id"] for x in r["claimed"]} == {i for i, s in status.items() if s == "claimed"}
    assert assessment.fetch_assessment(store, "91330000000000000X") is None


# -- files read back --------------------------------------------------------------------------
def sample_report():
    supplier = {"uscc": S, "name": "杭州示例测试数字科技有限公司", "region_code": "330108", "provider_types": [1, 3],
                "rd_spend_wan": 800.0, "rd_staff": 35, "high_tech": True}
    ds = [d("A-1", 1, "engineering_project", unit="line", q=2, client="C1", recognitions=[SMART], amount=300),
          d("A-2", 1, "engineering_project", unit="workshop", client="P1", client_kind="process"),
          d("A-3", 3, "security_contract", client="C1"),
          d("A-4", 1, "engineering_project", unit="cell", status="claimed", client="C9"),
          d("A-5", 3, "security_contract", status="disputed", client="C8")]
    return build(supplier, ds, "2024-01-01", "2024-12-31")


def test_xlsx_has_a_sheet_per_section_with_chinese_headers():
    r = sample_report()
    wb = load_workbook(io.BytesIO(assessment_reports.to_xlsx(r)))
    assert wb.sheetnames == ["概况", "考核计数", "待确认与异议", "C2认定条件", "第14条奖励", "第15-16条补贴"]
    summary = {row[0]: row[1] for row in wb["概况"].iter_rows(min_row=2, values_only=True)}
    assert summary["服务商名称"] == "杭州示例测试数字科技有限公司"
    assert summary["考核期间"] == "2024-01-01 至 2024-12-31"
    assert summary["已确认交付（计入）"] == 3 and summary["待客户确认（不计入）"] == 1
    counts = list(wb["考核计数"].iter_rows(values_only=True))
    assert counts[0] == ("供给类型", "类型名称", "指标", "数值", "交付编号")
    by_label = {(row[0], row[2]): (row[3], row[4]) for row in counts[1:]}
    assert by_label[(1, "离散型·生产线（个）")] == (2, "A-1")
    assert by_label[(1, "流程型·车间（个）")] == (1, "A-2")
    assert by_label[(3, "安全服务合同数（份）")] == (1, "A-3")
    pending = list(wb["待确认与异议"].iter_rows(min_row=2, values_only=True))
    assert {(row[0], row[1]) for row in pending} == {("待确认", "A-4"), ("有异议", "A-5")}
    reward = list(wb["第14条奖励"].iter_rows(values_only=True))
    assert reward[0][0] == "交付编号"
    # the security contract for the same recognised client qualifies too (C3.5: any project)
    assert [(row[0], row[4]) for row in reward[1:-1]] == [("A-1", 45), ("A-3", 15)]
    assert reward[-1][0] == "合计" and reward[-1][5] == 60
    c2 = [row[0] for row in wb["C2认定条件"].iter_rows(min_row=2, values_only=True)]
    assert "C2.3" in c2 and "C2.1" in c2


def pdf_text(data: bytes) -> str:
    """The text of a PDF, by poppler's pdftotext (`make install` installs poppler-utils)."""
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing: `make install` installs Debian's poppler-utils")
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def test_pdf_is_real_and_chinese_text_reads_back():
    r = sample_report()
    data = assessment_reports.to_pdf(r)
    assert data.startswith(b"%PDF-")
    assert re.search(rb"/FontFile2 \d+ 0 R", data), "the CJK font is embedded"
    assert len(re.findall(rb"/Type /Page\b", data)) >= 1
    flat = re.sub(r"\s+", "", pdf_text(data))
    assert "智造供给服务商考核统计" in flat
    assert "杭州示例测试数字科技有限公司" in flat
    assert "考核计数" in flat and "离散型·生产线" in flat
    assert "A-1" in flat and "A-4" in flat
    assert assessment_reports.cjk_font()["path"]


def test_pdf_font_missing_is_a_clear_error():
    with pytest.raises(assessment_reports.FontMissing, match="fonts-wqy-zenhei") as exc:
        assessment_reports.load_font([("/nonexistent/font.ttc", 0),
                                      ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2)])
    assert "/nonexistent/font.ttc: 不存在" in str(exc.value)
