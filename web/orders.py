"""Shared manufacturing (issue #16): split an order by process across an ecosystem's factories.

API: POST /api/v1/orders/split. Page: /orders (订单拆分) — the form, the split as a table and a
Sankey chart (web/static/js/orders.js calls the API), and POST /orders/export.xlsx for the
same split as a workbook. Who may split over whose capacities: graphsvc/orders/service.py.
"""
from __future__ import annotations

import io
import json

from flask import Blueprint, request, send_file

from graphsvc.core.errors import BadParameter
from graphsvc.orders import service
from graphsvc.orders.xlsx import workbook
from web.auth import current_principal, page, require, store
from web.openapi import USCC, err, ok
from web.openapi import PREFIX as API
from web.params import json_body
from web.respond import respond

bp = Blueprint("orders", __name__)

ROLES = ("admin", "bureau", "manufacturer")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.post(API + "/orders/split")
@require(*ROLES)
def split():
    return respond(service.split_order(store(), current_principal(), json_body()), "orders/index.html")


@bp.get("/orders")
@page(*ROLES, nav="订单拆分", nav_order=85)
def orders_page():
    who = current_principal()
    payload = {"processes": service.processes(), "ecosystems": service.platforms(store(), who)}
    return respond(payload, "orders/index.html", fixed=who.role == "manufacturer")


@bp.post("/orders/export.xlsx")
@page(*ROLES)
def export():
    raw = request.form.get("order") or ""
    try:
        order = json.loads(raw)
    except ValueError:
        raise BadParameter("订单数据不是有效的 JSON", field="order") from None
    result = service.split_order(store(), current_principal(), order)
    buf = io.BytesIO()
    workbook(result).save(buf)
    buf.seek(0)
    name = f"订单拆分-{result['as_of']}.xlsx"
    return send_file(buf, mimetype=XLSX, as_attachment=True, download_name=name)


_STEP = {"type": "object", "required": ["process", "quantity"],
         "properties": {"process": {"type": "string", "enum": [p["id"] for p in service.processes()]},
                        "quantity": {"type": "integer", "minimum": 1, "maximum": service.MAX_QUANTITY},
                        "name": {"type": "string", "maxLength": 100}},
         "additionalProperties": False}
REQUEST = {"type": "object", "required": ["weeks", "steps"],
           "properties": {
               "ecosystem": {**USCC, "description": "聚能工厂统一社会信用代码；平台账号可省略（默认本平台）；"
                                                    "管理员、经信部门省略时用所有有产能的工厂"},
               "weeks": {"type": "integer", "minimum": 1, "maximum": service.MAX_WEEKS},
               "steps": {"type": "array", "minItems": 1, "maxItems": service.MAX_STEPS, "items": _STEP},
               "local_region": {"type": "string", "pattern": "^[0-9]{6}$"},
               "min_local_share": {"type": "number", "minimum": 0, "maximum": 1}},
           "additionalProperties": False}
_ALLOCATION = {"type": "object",
               "required": ["step", "process", "uscc", "name", "quantity", "cost_yuan", "local",
                            "capacity_units", "explanation"],
               "properties": {"step": {"type": "integer"}, "process": {"type": "string"},
                              "process_name": {"type": "string"}, "uscc": USCC, "name": {"type": "string"},
                              "region_code": {"type": "string", "nullable": True},
                              "quantity": {"type": "integer", "minimum": 1}, "unit_cost_yuan": {"type": "number"},
                              "setup_cost_yuan": {"type": "number"}, "cost_yuan": {"type": "number"},
                              "capacity_units": {"type": "integer"}, "capacity_used": {"type": "number"},
                              "local": {"type": "boolean"},
                              "explanation": {"type": "array", "items": {"type": "string"}}},
               "additionalProperties": True}
RESPONSE = {"type": "object",
            "required": ["allocations", "total_cost_yuan", "local_share", "solver", "steps", "weeks"],
            "properties": {
                "ecosystem": {"type": "object", "nullable": True, "additionalProperties": True},
                "as_of": {"type": "string"}, "weeks": {"type": "integer"},
                "local_region": {"type": "string", "nullable": True},
                "local_region_name": {"type": "string", "nullable": True},
                "min_local_share": {"type": "number", "nullable": True},
                "steps": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
                "candidates": {"type": "integer"},
                "allocations": {"type": "array", "items": _ALLOCATION},
                "total_cost_yuan": {"type": "number"},
                "local_share": {"type": "number", "nullable": True},
                "solver": {"type": "object", "required": ["name", "status", "time_s"],
                           "properties": {"name": {"type": "string"},
                                          "status": {"type": "string", "enum": ["optimal", "time_limit"]},
                                          "time_s": {"type": "number"},
                                          "mip_gap": {"type": "number", "nullable": True},
                                          "variables": {"type": "integer"}}}},
            "additionalProperties": True}
OPENAPI = {
    "/orders/split": {"post": {
        "summary": "Split an order by process across an ecosystem's factories at least cost (exact MILP); "
                   "422 names each step short of capacity and what would make the order feasible",
        "requestBody": {"required": True, "content": {"application/json": {"schema": REQUEST}}},
        "responses": {**ok(RESPONSE), **err(400, 401, 403, 404, 422)},
    }},
}
