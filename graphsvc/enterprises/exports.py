"""The explore answers (tiers, impact, paths) as .xlsx workbooks for `graphsvc graph ... --format
xlsx`: one header row and one row an item, through the one spreadsheet writer
(graphsvc.core.spreadsheet: text that looks like a formula stays text).

>>> rows = table_rows({"direction": "upstream", "items": [{"tier": 1, "uscc": "A", "name": "=甲",
...     "region_code": "330106", "amount_wan": 5.0, "local": True, "via": ["L"], "via_withheld": 0}],
...     "tiers": [], "withheld": 0})
>>> rows[0][:3], rows[1]
(['层级', '统一社会信用代码', '企业名称'], [1, 'A', '=甲', '330106', 5.0, '是', 'L', 0])
>>> from openpyxl import load_workbook; import io
>>> ws = load_workbook(io.BytesIO(workbook("上游", rows))).active
>>> ws["C2"].value, ws["C2"].data_type
('=甲', 's')
"""
from __future__ import annotations

import io

from graphsvc.core import spreadsheet

REL = {"supplies": "供货", "delivery": "交付", "ecosystem": "生态", "chain": "同链", "group": "1+N"}


def _yes(v) -> str:
    return "是" if v else "否"


def table_rows(body: dict) -> list[list]:
    """Rows of an upstream or downstream answer: the members, then the tier totals."""
    rows = [["层级", "统一社会信用代码", "企业名称", "行政区划", "金额（万元）", "本地", "经由", "经由（不可见）"]]
    rows += [[i["tier"], i["uscc"], i.get("name"), i.get("region_code"), i["amount_wan"], _yes(i["local"]),
              ",".join(i["via"]), i.get("via_withheld", 0)] for i in body["items"]]
    rows += [[]] + [["层级", "企业数", "金额（万元）", "本地金额（万元）"]]
    rows += [[t["tier"], t["count"], t["amount_wan"], t["local_amount_wan"]] for t in body["tiers"]]
    rows += [["不可见企业数", body["withheld"]]]
    return rows


def impact_rows(body: dict) -> list[list]:
    rows = [["统一社会信用代码", "链主工厂", "直接金额（万元）", "间接金额（万元）", "直接占比", "敞口占比",
             "本地配套比例（现状）", "本地配套比例（停供后）", "本地替代", "经由"]]
    rows += [[r["uscc"], r.get("name"), r["direct_amount_wan"], r["indirect_amount_wan"], r["direct_share"],
              r["exposure_share"], r["ratio_before"], r["ratio_after"], _yes(r["local_candidate"]),
              ",".join(r["via"])] for r in body["items"]]
    rows += [["不可见链主工厂数", body["withheld"]]]
    return rows


def paths_rows(body: dict) -> list[list]:
    rows = [["路径", "跳数", "步", "从", "到", "关系", "年度", "金额（万元）", "交付编号/链/组"]]
    for n, p in enumerate(body["paths"], 1):
        for k, s in enumerate(p["steps"], 1):
            rows.append([n, p["hops"], k, s["from"]["name"] or "（不可见）", s["to"]["name"] or "（不可见）",
                         REL.get(s["rel"], s["rel"]), s.get("year"), s.get("amount_wan"),
                         s.get("delivery_id") or s.get("id")])
    return rows


def workbook(title: str, rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        spreadsheet.append(ws, r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
