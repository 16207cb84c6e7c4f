"""The supplier assessment as files: an .xlsx workbook (openpyxl, a sheet per section) and a PDF
(reportlab, Chinese text in an embedded CJK TrueType font).

Both take the dict of ``graphsvc.deliveries.assessment.build`` and return bytes.

Fonts: reportlab embeds TrueType outlines only. Debian's ``fonts-noto-cjk`` ships Noto Sans
CJK as OpenType/CFF, which reportlab refuses ("postscript outlines are not supported"), so
the PDF uses the first usable font of ``FONT_CANDIDATES`` — Noto first, in case a TrueType
build is installed, then WenQuanYi Zen Hei (Debian ``fonts-wqy-zenhei``) and other TrueType
CJK fonts — and fails with ``FontMissing`` naming the package to install when none loads.
"""
from __future__ import annotations

import io
import struct
import threading
from pathlib import Path

from graphsvc.core.vocabulary import CONDITION_OUTCOMES
from graphsvc.deliveries import ledger

OUTCOME_NAMES = CONDITION_OUTCOMES

# (path, subfont index): the first that reportlab can load is used.
FONT_CANDIDATES = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # SC; CFF outlines on Debian
    ("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
]
FONT_NAME = "GraphsvcCJK"
FONT_PACKAGE = "fonts-wqy-zenhei"


class FontMissing(RuntimeError):
    """No CJK TrueType font reportlab can embed is installed."""


_font_lock = threading.Lock()
_font: dict = {}


def load_font(candidates=None) -> dict:
    """Register the first loadable font of ``candidates`` (default FONT_CANDIDATES) under
    FONT_NAME and describe it: ``{name, path, subfont, face}``; FontMissing if none loads."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    tried = []
    for path, index in FONT_CANDIDATES if candidates is None else candidates:
        if not Path(path).is_file():
            tried.append(f"{path}: 不存在")
            continue
        try:
            font = TTFont(FONT_NAME, path, subfontIndex=index)
        except (TTFError, OSError, ValueError, struct.error) as exc:
            tried.append(f"{path}: {exc}")
            continue
        pdfmetrics.registerFont(font)
        return {"name": FONT_NAME, "path": path, "subfont": index, "face": font.face.name.decode("latin-1")}
    raise FontMissing(
        f"生成 PDF 需要可嵌入的中文 TrueType 字体，但没有找到可用的字体。请安装 Debian 软件包 "
        f"{FONT_PACKAGE}（apt-get install {FONT_PACKAGE}）。已尝试：" + "；".join(tried))


def cjk_font() -> dict:
    """The CJK font used for PDFs, registered once per process."""
    with _font_lock:
        if not _font:
            _font.update(load_font())
        return _font


# -- shared table content -------------------------------------------------------------------
def _period(r: dict) -> str:
    p = r["period"]
    if not p.get("from") and not p.get("to"):
        return "全部"
    return f"{p.get('from') or '不限'} 至 {p.get('to') or '不限'}"


def _types(r: dict) -> str:
    names = ledger.type_names()
    return "、".join(f"{t}（{names.get(t, t)}）" for t in (r["supplier"].get("provider_types") or [])) or "未登记"


def summary_rows(r: dict) -> list[tuple[str, object]]:
    s, t = r["supplier"], r["totals"]
    return [
        ("服务商名称", s.get("name")), ("统一社会信用代码", s.get("uscc")), ("注册地区划代码", s.get("region_code")),
        ("智造供给类型", _types(r)), ("考核期间", _period(r)), ("计数口径", r["period"]["basis"]),
        ("已确认交付（计入）", t["confirmed"]), ("服务企业总数（家）", t["clients"]),
        ("待客户确认（不计入）", t["claimed"]), ("有异议（不计入）", t["disputed"]),
        ("已撤回", t["withdrawn"]), ("已被更正记录取代", t["superseded"]),
        ("第14条奖励估算（万元）", r["item14"]["total_wan"]),
        ("C2 认定条件总体结论", OUTCOME_NAMES.get(r["c2"]["outcome"], r["c2"]["outcome"])),
        ("生成时间（UTC）", r.get("generated_at")),
    ]


COUNT_HEADERS = ("供给类型", "类型名称", "指标", "数值", "交付编号")


def count_rows(r: dict) -> list[tuple]:
    rows = []
    for t in r["types"]:
        for m in t["measures"]:
            rows.append((t["provider_type"], t["name"], m["label"], m["value"], "、".join(m["delivery_ids"])))
    return rows


LIST_HEADERS = ("状态", "交付编号", "客户", "交付类型", "合同金额（万元）", "签约日期", "验收日期")


def list_rows(r: dict) -> list[tuple]:
    return [(d["status_name"], d["id"], d.get("client_name") or d.get("client_uscc"), d["kind_name"],
             d.get("contract_amount_wan"), d.get("signed_date"), d.get("accepted_date"))
            for key in ("claimed", "disputed", "superseded") for d in r[key]]


C2_HEADERS = ("规则编号", "结论", "说明")


def c2_rows(r: dict) -> list[tuple]:
    return [(x["rule_id"], OUTCOME_NAMES.get(x["outcome"], x["outcome"]), x["reason"]) for x in r["c2"]["rules"]]


ITEM14_HEADERS = ("交付编号", "客户", "合同金额（万元）", "比例", "奖励（万元）", "封顶后（万元）", "客户认定", "说明")


def item14_rows(r: dict) -> list[tuple]:
    rows = []
    for ln in r["item14"]["lines"]:
        q = ln.get("qualifying_recognition") or {}
        rec = f"{q.get('level') or ''}级{q.get('kind')}（{q.get('status')}，{q.get('year')}）" if q else ""
        rows.append((ln["delivery_id"], ln.get("client_name") or ln["client_uscc"], ln["contract_amount_wan"],
                     f"{ln['rate'] * 100:g}%", ln["reward_wan"], ln["payable_wan"], rec, ln["reason"]))
    return rows


MODULE_HEADERS = ("规则编号", "结论", "金额（万元）", "说明")


def module_rows(r: dict) -> list[tuple]:
    return [(m["rule_id"], OUTCOME_NAMES.get(m["outcome"], m["outcome"]), m["amount_wan"], m["reason"])
            for m in r["modules"]]


def filename(r: dict, ext: str) -> str:
    p = r["period"]
    span = f"{p.get('from') or 'start'}_{p.get('to') or 'now'}"
    return f"assessment-{r['supplier']['uscc']}-{span}.{ext}"


# -- xlsx -----------------------------------------------------------------------------------
def to_xlsx(r: dict) -> bytes:
    """The assessment as a workbook: 概况, 考核计数, 待确认与异议, C2认定条件, 第14条奖励, 第15-16条补贴."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from graphsvc.core.spreadsheet import append

    wb = Workbook()
    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="EEF2F7")

    def sheet(title, headers, rows, widths):
        ws = wb.create_sheet(title)
        ws.append(list(headers))
        for c in ws[1]:
            c.font, c.fill = head_font, head_fill
        for row in rows:
            append(ws, list(row))  # delivery ids and names come from users (core/spreadsheet.py)
        for i, w in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + i)].width = w
        for row in ws.iter_rows(min_row=2):
            for c in row:
                c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        return ws

    wb.remove(wb.active)
    sheet("概况", ("项目", "内容"), summary_rows(r), (24, 70))
    sheet("考核计数", COUNT_HEADERS, count_rows(r), (10, 30, 32, 10, 60))
    sheet("待确认与异议", LIST_HEADERS, list_rows(r), (10, 22, 32, 22, 16, 12, 12))
    sheet("C2认定条件", C2_HEADERS, c2_rows(r), (10, 12, 90))
    ws = sheet("第14条奖励", ITEM14_HEADERS, item14_rows(r), (14, 30, 14, 8, 12, 14, 26, 60))
    ws.append(["合计", None, None, None, r["item14"]["reward_before_cap_wan"], r["item14"]["total_wan"], None,
               r["item14"]["reason"]])
    ws.cell(ws.max_row, 1).font = head_font
    sheet("第15-16条补贴", MODULE_HEADERS, module_rows(r), (10, 12, 14, 90))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- PDF ------------------------------------------------------------------------------------
def to_pdf(r: dict) -> bytes:
    """The assessment as an A4 PDF with the same sections; raises FontMissing without a CJK font."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()["name"]
    body = ParagraphStyle("body", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    h1 = ParagraphStyle("h1", fontName=font, fontSize=15, leading=20, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=4)

    def para(v):
        return Paragraph(escape("" if v is None else str(v)), body)

    def table(headers, rows, widths):
        data = [[para(h) for h in headers]] + [[para(v) for v in row] for row in rows]
        if len(data) == 1:
            data.append([para("（无）")] + [para("") for _ in headers[1:]])
        t = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#B8C2CF")),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEF2F7")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    s = r["supplier"]
    story = [Paragraph(escape(f"智造供给服务商考核统计 · {s.get('name') or s.get('uscc')}"), h1),
             table(("项目", "内容"), summary_rows(r), (45, 135)),
             Paragraph("一、考核计数（仅计已确认交付）", h2),
             table(COUNT_HEADERS, count_rows(r), (17, 40, 42, 13, 68)),
             Paragraph("二、待确认、有异议与已更正的记录（不计入）", h2),
             table(LIST_HEADERS, list_rows(r), (16, 30, 40, 30, 22, 21, 21)),
             Paragraph("三、C2 认定条件（滨江智造供给服务商）", h2),
             table(C2_HEADERS, c2_rows(r), (18, 20, 142)),
             Paragraph("四、第14条示范应用奖励估算（规则 C3.5）", h2),
             table(ITEM14_HEADERS[:6] + ITEM14_HEADERS[7:], [row[:6] + row[7:] for row in item14_rows(r)],
                   (24, 36, 18, 12, 17, 18, 55)),
             Paragraph(escape(f"合计：{r['item14']['total_wan']} 万元（封顶前 {r['item14']['reward_before_cap_wan']} "
                              f"万元，单个企业上限 {r['item14']['cap_wan']} 万元）。{r['item14']['reason']}"), body),
             Paragraph("五、第15、16条补贴（规则 C3.6、C3.7）", h2),
             table(MODULE_HEADERS, module_rows(r), (18, 20, 20, 122)),
             Spacer(1, 6 * mm),
             Paragraph(escape(f"生成时间（UTC）：{r.get('generated_at')} · graphsvc 智造供需图谱"), body)]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"智造供给服务商考核统计 {s.get('uscc')}",
                            author="graphsvc")
    doc.build(story)
    return buf.getvalue()
