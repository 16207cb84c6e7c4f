"""The government summary tables as .xlsx, laid out like the seed attachments.

``FORMS`` describes each form: its attachment label, title, the stamp line,
and the columns (header text as printed in the seed, the row field that feeds
it, a column width).  ``write_form`` fills one with plain row dicts.

Layout of every form: row 1 the attachment label (附件1 …), row 2 the title
merged across all columns, row 3 the stamp line (“区、县（市）经信部门（盖章）：
<region>” and, for 附件2, “填报时间：”), then the header row(s), then one
numbered row per input row (序号 1..n), then the seed's footnote if any.

Example:

>>> import tempfile, os, openpyxl
>>> tmp = tempfile.TemporaryDirectory(prefix="graphsvc-doctest-")
>>> path = os.path.join(tmp.name, "a1.xlsx")
>>> _ = write_form("future-factory-summary",
...                [{"enterprise_name": "示例智造有限公司", "category": "智能工厂"}], path, "西湖区")
>>> ws = openpyxl.load_workbook(path).active
>>> ws["A2"].value, ws["A3"].value, ws["A5"].value, ws["B5"].value
('2023年杭州市“未来工厂”培育企业汇总表', '区、县（市）经信部门（盖章）：西湖区', 1, '示例智造有限公司')
>>> tmp.cleanup()
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from graphsvc.core.spreadsheet import put
from graphsvc.programmes.eligibility import one_plus_n

# Header texts are the seed's, with its in-cell line breaks removed.
FORMS = {
    # seed 000 附件1; columns per rule A1.6
    "future-factory-summary": {
        "rule_id": "A1.6",
        "attachment": "附件1",
        "title": "2023年杭州市“未来工厂”培育企业汇总表",
        "stamp": "区、县（市）经信部门（盖章）：{region}",
        "filled_on": None,
        "columns": [
            {"header": "序号", "field": None, "width": 6},
            {"header": "企业名称", "field": "enterprise_name", "aliases": ["name"], "width": 32},
            {"header": "“未来工厂”类别", "field": "category", "width": 14},
            {"header": "所属产业链", "field": "chain", "width": 18},
            {"header": "2021-2022年“未来工厂”评定情况", "field": "rating_2021_2022", "width": 22},
            {"header": "建设状态", "field": "build_status", "width": 12},
            {"header": "联系人", "field": "contact", "width": 10},
            {"header": "联系方式", "field": "phone", "width": 16},
        ],
        "note": None,
    },
    # seed 000 附件2; columns per rule A2.9.  The attachment's own heading reads
    # “2022年制造业数字化改造攻关项目征集汇总表”, a leftover from the previous
    # call: the notice asks for the “2023年杭州市制造业数字化改造攻关项目征集汇总表”.
    # The seed prints this stamp line with half-width “(市)”.
    "digital-project-summary": {
        "rule_id": "A2.9",
        "attachment": "附件2",
        "title": "2023年杭州市制造业数字化改造攻关项目征集汇总表",
        "stamp": "区、县(市)经信部门（盖章）：{region}",
        "filled_on": "填报时间：{date}",
        "columns": [
            {"header": "序号", "field": None, "width": 6},
            {"header": "企业名称", "field": "enterprise_name", "aliases": ["name"], "width": 30},
            {"header": "项目名称", "field": "project_name", "width": 32},
            {"header": "所属行业", "field": "industry", "width": 16},
            {"header": "数字工程服务机构", "field": "service_org", "width": 26},
            {"header": "项目计划投资额（万元）", "field": "investment_wan", "width": 14},
            {"header": "是否为“1+N”形式项目", "field": "one_plus_n", "width": 12},
            {"header": "联系人", "field": "contact", "width": 10},
            {"header": "联系方式", "field": "phone", "width": 16},
        ],
        "note": "注：若为“1+N”形式数字化改造项目，请在相应栏目填写“1”或者“N”。",
    },
    # seed 001 附件3; columns per rule D11.  The rows' order is the ranking the
    # city submits, so 序号 is the rank.
    "digital-factory-ranking": {
        "rule_id": "D11",
        "attachment": "附件3",
        "title": "各设区市推荐的数字工厂汇总排序表",
        "stamp": "报送单位：{region}（盖章）",
        "extra_stamp": ["工作联系人：", "电话："],
        "filled_on": None,
        "columns": [
            {"header": "序号", "field": None, "width": 6},
            {"header": "区域", "field": "region", "width": 12},
            {"header": "企业名称", "field": "enterprise_name", "aliases": ["name"], "width": 30},
            {"header": "主营业务", "field": "main_business", "width": 30},
            {"header": "销售收入（万元）", "group": "2021年度", "field": "revenue_wan", "width": 14},
            {"header": "利润总额（万元）", "group": "2021年度", "field": "profit_wan", "width": 14},
            {"header": "企业联系人", "field": "contact", "width": 12},
            {"header": "联系电话", "field": "phone", "width": 16},
        ],
        "note": None,
    },
}

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


LINE_PT = 15  # one line of 11 pt text, with the cell's padding


def text_lines(text, width: float) -> int:
    """Lines a wrapped cell `width` characters wide needs for `text`: a CJK character (and a
    Chinese quotation mark) is two characters wide, and a line holds width + 2 of them, as
    LibreOffice 7.4 prints the forms. Rows are given the height of their tallest cell:
    spreadsheet programs do not grow a row for wrapped text they did not lay out themselves
    (LibreOffice printed “化学原料和化学制品制造业” over the next row).

    >>> text_lines("化学原料和化学制品制造业", 16), text_lines("杭州示例晨皓数字工程有限公司", 26), text_lines(None, 6)
    (2, 1, 1)
    """
    units = sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in ("" if text is None else str(text)))
    return max(1, math.ceil(units / max(1, int(width) + 2)))


def _fit_height(ws, row: int, widths: list[float], spare: int = 0) -> None:
    lines = max((text_lines(ws.cell(row=row, column=c).value, w) for c, w in enumerate(widths, start=1)), default=1)
    if lines > 1:
        ws.row_dimensions[row].height = (lines + spare) * LINE_PT


def _date_text(filled_on) -> str:
    if filled_on is None:
        return ""
    if isinstance(filled_on, (dt.date, dt.datetime)):
        return f"{filled_on.year}年{filled_on.month}月{filled_on.day}日"
    return str(filled_on)


def _value(row: dict, col: dict):
    for key in [col["field"], *col.get("aliases", [])]:
        if row.get(key) is not None:
            v = row[key]
            break
    else:
        v = None
    if col["field"] == "one_plus_n":
        v = one_plus_n(v) or ""  # rule A2.9: the cell holds “1” or “N”
    return "" if v is None else v


def write_form(form_id: str, rows: list[dict], out_path, region_name: str, filled_on=None) -> Path:
    """Write form *form_id* with *rows* to *out_path* (.xlsx); return the path.

    *region_name* goes on the stamp line; *filled_on* (a date or text) fills
    “填报时间：” where the form has it, left blank for hand-filling if None.
    Row fields are listed in ``FORMS[form_id]["columns"]``; a missing field
    leaves its cell empty.  A “1+N” value other than 1/N raises ValueError.
    """
    try:
        spec = FORMS[form_id]
    except KeyError:
        raise KeyError(f"unknown form {form_id!r} (known: {', '.join(FORMS)})") from None
    cols = spec["columns"]
    n = len(cols)
    last = get_column_letter(n)
    wb = Workbook()
    ws = wb.active
    ws.title = spec["attachment"]

    ws["A1"] = spec["attachment"]
    ws["A1"].font = Font(bold=True)

    ws["A2"] = spec["title"]
    ws.merge_cells(f"A2:{last}2")
    ws["A2"].font = Font(bold=True, size=16)
    ws["A2"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[2].height = 30

    # Stamp line: the region on the left; 填报时间 / 联系人 cells on the right.
    right = []
    if spec.get("filled_on"):
        right.append(spec["filled_on"].format(date=_date_text(filled_on)))
    right += spec.get("extra_stamp", [])
    stamp_end = n - 2 * len(right) if right else n
    put(ws, 3, 1, spec["stamp"].format(region=region_name or ""))
    ws.merge_cells(f"A3:{get_column_letter(max(stamp_end, 1))}3")
    for i, text in enumerate(right):
        c0 = stamp_end + 1 + 2 * i
        ws.cell(row=3, column=c0, value=text)
        ws.merge_cells(start_row=3, start_column=c0, end_row=3, end_column=c0 + 1)

    # Header: one row, or two where columns are grouped (附件3 “2021年度”).
    grouped = any(c.get("group") for c in cols)
    h0 = 4
    h1 = h0 + 1 if grouped else h0
    j = 1
    while j <= n:
        col = cols[j - 1]
        g = col.get("group")
        if g:
            span = sum(1 for c in cols[j - 1:] if c.get("group") == g)
            ws.cell(row=h0, column=j, value=g)
            ws.merge_cells(start_row=h0, start_column=j, end_row=h0, end_column=j + span - 1)
            for k in range(span):
                ws.cell(row=h1, column=j + k, value=cols[j - 1 + k]["header"])
            j += span
            continue
        ws.cell(row=h0, column=j, value=col["header"])
        if grouped:
            ws.merge_cells(start_row=h0, start_column=j, end_row=h1, end_column=j)
        j += 1
    for r in range(h0, h1 + 1):
        for c in range(1, n + 1):
            cell = ws.cell(row=r, column=c)
            cell.font = Font(bold=True)
            cell.alignment = _CENTER
            cell.border = _BOX

    first = h1 + 1
    for i, row in enumerate(rows, start=1):
        r = first + i - 1
        for c, col in enumerate(cols, start=1):
            # enterprise and project names come from imports: never a live formula
            cell = put(ws, r, c, i if col["field"] is None else _value(row, col))
            cell.border = _BOX
            cell.alignment = Alignment(vertical="center", wrap_text=True,
                                       horizontal="center" if col["field"] in (None, "one_plus_n") else None)

    widths = [col["width"] for col in cols]
    for r in range(first, first + len(rows)):
        _fit_height(ws, r, widths)
    if not grouped:  # a grouped header's titles sit under merged cells: left as they are
        # one line spare: a title does not break before a closing bracket or after an opening quote
        _fit_height(ws, h0, widths, spare=1)

    if spec.get("note"):
        r = first + len(rows)
        ws.cell(row=r, column=1, value=spec["note"])
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=n)

    for c, col in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(c)].width = col["width"]
    ws.freeze_panes = ws.cell(row=first, column=1)
    # Printed to be stamped: A4 landscape, all columns on the page width, as many pages as the rows
    # need (fitToHeight 0 = automatic; unset, spreadsheet programs shrink the table onto one page),
    # the header rows repeated on every page and "第 n 页，共 m 页" in the footer.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{h0}:{h1}"
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.evenFooter.center.text = "第 &P 页，共 &N 页"

    out = Path(out_path)
    wb.save(out)
    return out


def header_row_count(form_id: str) -> int:
    """1, or 2 for a form with grouped headers; data starts at row 4 + this."""
    return 2 if any(c.get("group") for c in FORMS[form_id]["columns"]) else 1
