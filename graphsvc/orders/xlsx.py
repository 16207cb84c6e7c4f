"""The order split as a workbook (sheet 拆分方案 + 工序汇总), through the one spreadsheet writer."""
from __future__ import annotations

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from graphsvc.core import spreadsheet

HEAD = ["步骤", "工序", "企业名称", "统一社会信用代码", "数量（件）", "单件成本（元）", "准备费（元）",
        "成本（元）", "周期产能（件）", "产能占用", "本地", "说明"]


def workbook(result: dict) -> Workbook:
    """`result` is a split payload (graphsvc.orders.service.split_order)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "拆分方案"
    eco = result.get("ecosystem")
    spreadsheet.append(ws, ["聚能工厂", eco["name"] if eco else "全部有产能的工厂",
                            "交付周数", result["weeks"], "计算日期", result["as_of"]])
    share = result.get("local_share")
    spreadsheet.append(ws, ["总成本（元）", result["total_cost_yuan"], "本地份额",
                            None if share is None else round(share, 4), "求解状态", result["solver"]["status"]])
    spreadsheet.append(ws, [])
    spreadsheet.append(ws, HEAD)
    names = {s["step"]: s.get("name") or "" for s in result["steps"]}
    for a in result["allocations"]:
        spreadsheet.append(ws, [
            f"{a['step'] + 1} {names.get(a['step'], '')}".strip(), a["process_name"], a["name"], a["uscc"],
            a["quantity"], a["unit_cost_yuan"], a["setup_cost_yuan"], a["cost_yuan"], a["capacity_units"],
            a["capacity_used"], "是" if a["local"] else "否", "；".join(a["explanation"])])
    for i, width in enumerate([10, 12, 34, 22, 10, 12, 12, 14, 14, 10, 6, 80], 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    steps = wb.create_sheet("工序汇总")
    spreadsheet.append(steps, ["步骤", "名称", "工序", "数量（件）", "候选工厂数", "承接工厂数", "成本（元）"])
    for s in result["steps"]:
        mine = [a for a in result["allocations"] if a["step"] == s["step"]]
        spreadsheet.append(steps, [s["step"] + 1, s.get("name") or "", s["process_name"], s["quantity"],
                                   s["candidates"], len(mine), round(sum(a["cost_yuan"] for a in mine), 2)])
    return wb
