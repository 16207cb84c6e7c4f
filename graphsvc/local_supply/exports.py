"""The ratio table and the coverage table as .xlsx workbooks with Chinese headers.

``ratio_workbook(table)`` takes ``ratios.fetch_table``'s result, ``coverage_workbook(cov)``
``coverage.fetch_coverage``'s; both return the file's bytes. Ratios are written as numbers
with a percent format (so Excel can sort and sum them); a leader without data has empty
ratio cells and its reason in 说明.
"""
from __future__ import annotations

import io

# openpyxl is imported where a workbook is written: it takes a second to import, and the web
# app imports this module at start-up for XLSX_MIME.
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PCT = "0.00%"
MONEY = "#,##0.00"
HEAD_FILL = "DDEBF7"

RATIO_HEADERS = ["序号", "统一社会信用代码", "企业名称", "所属产业链", "所在区县", "认定状态", "本地范围",
                 "本地采购额（万元）", "采购总额（万元）", "本地配套比例（按金额）", "本地配套比例（按供应商数）",
                 "本地供应商数", "供应商总数", "距目标缺口（万元）", "是否达标", "说明"]
POOL_HEADERS = ["序号", "{label}", "链主工厂数", "有数据的链主工厂数", "达标数", "本地采购额（万元）", "采购总额（万元）",
                "本地配套比例（按金额）", "本地配套比例（按供应商数）", "距目标缺口（万元）", "是否达标"]
COVERAGE_HEADERS = ["序号", "环节编号", "链上环节", "阶段", "本地企业数", "其中守信企业数", "采购的链主工厂数",
                    "链主采购额（万元）", "其中本地采购额（万元）", "本地采购占比", "本地供应商数", "是否缺口",
                    "单点依赖企业", "单点依赖份额", "聚能工厂生态伙伴数", "生态伙伴营收合计（万元）", "提示"]
DISTRICT_HEADERS = ["序号", "区县代码", "区县", "本产业链企业数", "覆盖环节数", "链主工厂数", "向链主供货企业数",
                    "向链主供货额（万元）"]
STAGES = {"upstream": "上游", "midstream": "中游", "downstream": "下游"}


def _yes_no(v) -> str:
    return "" if v is None else ("是" if v else "否")


def _sheet(ws, title_line: str, headers: list[str], rows: list[list], formats: dict[int, str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from graphsvc.core.spreadsheet import append

    append(ws, [title_line])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append(headers)
    for c in range(1, len(headers) + 1):
        cell = ws.cell(row=2, column=c)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEAD_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r in rows:
        append(ws, r)  # names come from imports: never a live formula (graphsvc/core/spreadsheet.py)
    for col, fmt in formats.items():
        for row in ws.iter_rows(min_row=3, min_col=col, max_col=col):
            row[0].number_format = fmt
    for c, h in enumerate(headers, 1):
        width = max(8, min(40, max([len(str(h)) * 2] + [len(str(r[c - 1])) * 1.6 for r in rows
                                                          if c - 1 < len(r) and r[c - 1] is not None] or [8])))
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "C3"


def _pool_rows(pools: list[dict]) -> list[list]:
    return [[n, p.get("name"), p["leaders"], p["leaders_with_data"], p["leaders_meeting"], p["local_amount"],
             p["total_amount"], p["ratio_amount"], p["ratio_count"], p["gap_amount"], _yes_no(p["meets_target"])]
            for n, p in enumerate(pools, 1)]


def definition_lines(table: dict) -> list[str]:
    """The note rows under the ratio table: which 本地 each ratio uses, and the city headline.

    >>> definition_lines({"measures": [{"measure_name": "市内本地配套比例（按金额）", "definition": "本地 = 同一设区市"}]})
    ['说明：市内本地配套比例（按金额）——本地 = 同一设区市', '说明：各链主工厂的比例与目标比较仅供参考']
    """
    out = [f"说明：{m['measure_name']}——{m['definition']}" for m in table.get("measures") or []]
    h = table.get("headline")
    if h:
        ratio = "—" if h.get("ratio_amount") is None else f"{h['ratio_amount'] * 100:.2f}%"
        out.append(f"说明：{h.get('city_name') or ''}{h['measure_name']}全市合计{ratio}，"
                   f"{h['aim_year']}年全市目标{h['aim'] * 100:g}%左右；{h['note']}")
    out.append("说明：各链主工厂的比例与目标比较仅供参考")
    return out


def _definition_rows(ws, table: dict) -> None:
    from graphsvc.core.spreadsheet import append

    ws.append([])
    for line in definition_lines(table):
        append(ws, [line])


def ratio_workbook(table: dict, region_name: str = "") -> bytes:
    from openpyxl import Workbook

    target = table.get("target")
    title = (f"{region_name}链主工厂供应链本地化配套比例（{table.get('year')}年，目标{target * 100:g}%，规则B4）"
             if target is not None else "链主工厂供应链本地化配套比例")
    wb = Workbook()
    ws = wb.active
    ws.title = "链主工厂"
    rows = [[n, i["uscc"], i.get("name"), i.get("chain_name") or i.get("chain"), i.get("district_name"),
             i.get("status"), i.get("scope_name"), i["local_amount"], i["total_amount"], i["ratio_amount"],
             i["ratio_count"], i["local_suppliers"], i["suppliers"], i["gap_amount"], _yes_no(i["meets_target"]),
             i.get("reason") or ""] for n, i in enumerate(table.get("items", []), 1)]
    if not rows and table.get("note"):
        rows = [["", "", table["note"]]]
    _sheet(ws, title, RATIO_HEADERS, rows, {8: MONEY, 9: MONEY, 10: PCT, 11: PCT, 14: MONEY})
    _definition_rows(ws, table)
    pooled = table.get("pooled") or {}
    for name, key, label in (("按产业链汇总", "chains", "产业链"), ("按区县汇总", "districts", "区县")):
        ws2 = wb.create_sheet(name)
        headers = [h.format(label=label) for h in POOL_HEADERS]
        _sheet(ws2, f"{title}——{name}", headers, _pool_rows(pooled.get(key) or []),
               {6: MONEY, 7: MONEY, 8: PCT, 9: PCT, 10: MONEY})
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def coverage_workbook(cov: dict) -> bytes:
    from openpyxl import Workbook

    local = cov.get("local") or {}
    chain = cov.get("chain") or {}
    title = f"{chain.get('name', '')}产业链本地配套覆盖（{cov.get('year')}年，{local.get('text', '')}）"
    wb = Workbook()
    ws = wb.active
    ws.title = "环节覆盖"
    rows = []
    for n, s in enumerate(cov.get("segments", []), 1):
        sp = s.get("single_point")
        rows.append([n, s["segment_id"], s["segment_name"], STAGES.get(s.get("stage"), s.get("stage")),
                     s["local_enterprises"], s["local_credit_ok"], s["leaders_buying"], s["purchase_amount"],
                     s["local_amount"], s["local_share"], s["local_suppliers"], _yes_no(s["gap"]),
                     sp["name"] if sp else "", sp["share"] if sp else None, s["platform_pooled_members"],
                     s["platform_pooled_capacity_wan"], "；".join(s.get("flags") or [])])
    if not rows and cov.get("note"):
        rows = [["", "", cov["note"]]]
    _sheet(ws, title, COVERAGE_HEADERS, rows, {8: MONEY, 9: MONEY, 10: PCT, 14: PCT, 16: MONEY})
    ws2 = wb.create_sheet("区县分布")
    drows = [[n, d["code"], d["name"], d["enterprises"], d["segments_present"], d["leaders"],
              d["suppliers_to_leaders"], d["amount_supplied"]] for n, d in enumerate(cov.get("districts", []), 1)]
    _sheet(ws2, f"{title}——区县分布", DISTRICT_HEADERS, drows, {8: MONEY})
    ws3 = wb.create_sheet("本地企业")
    erows = []
    for s in cov.get("segments", []):
        for e in s.get("local_list", []):
            erows.append([len(erows) + 1, s["segment_name"], e["uscc"], e["name"], e.get("district_name"),
                          _yes_no(e.get("credit_ok")), e.get("revenue_wan"), e.get("supplied_amount")])
    _sheet(ws3, f"{title}——本地企业（每个环节按向链主供货额排列）",
           ["序号", "链上环节", "统一社会信用代码", "企业名称", "所在区县", "守信", "营业收入（万元）", "向链主供货额（万元）"],
           erows, {7: MONEY, 8: MONEY})
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
