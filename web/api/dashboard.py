"""Dashboard JSON behind /bureau and /map: a region's summary and per-district measures.

Scoping: admin sees any region; a bureau sees its own region and the regions inside it
(403 outside). On the district map a district bureau gets its city's districts with only
its own value filled in (the others `null`, `visible: false`).
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from graphsvc.core import access
from graphsvc.core import regions
from graphsvc.dashboard import summary as dashboard
from web.auth import current_principal, require, store
from web.errors import bad_request, forbidden
from web.openapi import err, ok, q
from web.params import arg_int

bp = Blueprint("dashboard", __name__)


def chosen_year() -> tuple[int, list[int]]:
    years = dashboard.years(store())
    return arg_int("year", dashboard.default_year(years), minimum=2000, maximum=2100), years


def chosen_region(p: access.Principal) -> str:
    raw = (request.args.get("region") or "").strip()
    if not raw:
        return dashboard.default_region(p)
    if not regions.is_known_region(raw):
        raise bad_request("未知的行政区划代码", "region")
    region = regions.current_code(raw)
    if not access.scope_within(p, region):
        raise forbidden("所请求的区域超出您的管辖范围")
    return region


def summary_payload() -> dict:
    p = current_principal()
    region = chosen_region(p)
    year, years = chosen_year()
    body = dashboard.fetch_summary(store(), region, year)
    body["years"] = years
    body["regions"] = dashboard.region_options(p)
    return body


def chosen_city(p: access.Principal) -> str:
    cities = dashboard.map_cities(p)
    raw = (request.args.get("city") or "").strip()
    if not raw:
        if not cities:
            raise forbidden("您的管辖区域没有区县地图")
        return cities[0]
    if raw not in dashboard.MAP_CITIES:
        raise bad_request(f"city 应为 {' 或 '.join(dashboard.MAP_CITIES)}（已有区县地图的城市）", "city")
    if raw not in cities:
        raise forbidden("所请求的城市超出您的管辖范围")
    return raw


def districts_payload() -> dict:
    p = current_principal()
    city = chosen_city(p)
    measure = request.args.get("measure") or "local_suppliers"
    if measure not in dashboard.MEASURES:
        raise bad_request(f"measure 应为 {'/'.join(dashboard.MEASURES)} 之一", "measure")
    year, years = chosen_year()
    visible = dashboard.visible_districts(p, city)
    rows = dashboard.fetch_districts(store(), city, measure, year, visible)
    values = [r["value"] for r in rows if r["value"] is not None]
    m = dashboard.MEASURES[measure]
    return {"city": city, "city_name": dashboard.MAP_CITIES[city], "measure": measure,
            "measure_label": m["label"], "unit": m["unit"], "description": m["description"], "year": year,
            "years": years, "districts": rows, "min": min(values) if values else None,
            "max": max(values) if values else None,
            "scope_note": None if len(visible) == len(rows) else
            f"仅显示{dashboard.region_label(p.scope)}的数值；其他区县不在您的管辖范围内"}


@bp.get("/dashboard/summary")
@require("admin", "bureau")
def summary():
    return jsonify(summary_payload())


@bp.get("/dashboard/districts")
@require("admin", "bureau")
def districts():
    return jsonify(districts_payload())


_NUM = {"type": "number", "nullable": True}
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
_SUMMARY = {
    "type": "object",
    "required": ["region", "region_name", "year", "counts", "deliveries", "recognitions", "targets",
                 "leaders", "leaders_below_target", "years", "regions"],
    "properties": {
        "region": {"type": "string"}, "region_name": {"type": "string"}, "year": {"type": "integer"},
        "counts": {"type": "object", "required": ["enterprises", "manufacturers", "providers"],
                   "properties": {k: {"type": "integer"} for k in ("enterprises", "manufacturers", "providers")}},
        "deliveries": {"type": "object", "required": ["by_providers", "to_clients"],
                       "properties": {"by_providers": _COUNTS, "to_clients": _COUNTS}},
        "recognitions": {"type": "array", "items": {
            "type": "object", "required": ["kind", "recognised", "cultivated"],
            "properties": {"kind": {"type": "string"}, "recognised": {"type": "integer"},
                           "cultivated": {"type": "integer"}, "future_factory_kind": {"type": "boolean"}}}},
        "recognised_future_factories": {"type": "integer"},
        "targets": {"type": "array", "items": {
            "type": "object", "required": ["target_id", "rule_id", "indicator", "actual"],
            "properties": {"target_id": {"type": "string"}, "rule_id": {"type": "string"},
                           "indicator": {"type": "string"}, "target": {"type": "integer", "nullable": True},
                           "aim": {"type": "integer", "nullable": True}, "actual": {"type": "integer"},
                           "shortfall": {"type": "integer", "nullable": True}, "note": {"type": "string"}}}},
        "leaders": {"type": "object", "required": ["leaders", "with_supplies", "below_target"],
                    "properties": {"leaders": {"type": "integer"}, "with_supplies": {"type": "integer"},
                                   "below_target": {"type": "integer"}, "meeting_target": {"type": "integer"},
                                   "no_supplies": {"type": "integer"}, "target_ratio": {"type": "number"}}},
        "leaders_below_target": {"type": "array", "items": {
            "type": "object", "required": ["uscc", "ratio"],
            "properties": {"uscc": {"type": "string"}, "name": {"type": "string", "nullable": True},
                           "region_code": {"type": "string", "nullable": True}, "ratio": {"type": "number"},
                           "local_wan": {"type": "number"}, "total_wan": {"type": "number"}}}},
        "years": {"type": "array", "items": {"type": "integer"}},
        "regions": {"type": "array", "items": {"type": "object", "required": ["code", "name"]}},
    },
}
_DISTRICTS = {
    "type": "object",
    "required": ["city", "city_name", "measure", "measure_label", "unit", "year", "districts", "min", "max"],
    "properties": {
        "city": {"type": "string", "enum": list(dashboard.MAP_CITIES)}, "city_name": {"type": "string"},
        "measure": {"type": "string", "enum": list(dashboard.MEASURES)}, "measure_label": {"type": "string"},
        "unit": {"type": "string"}, "description": {"type": "string"}, "year": {"type": "integer"},
        "years": {"type": "array", "items": {"type": "integer"}},
        "districts": {"type": "array", "items": {
            "type": "object", "required": ["code", "name", "value", "visible"],
            "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "value": _NUM,
                           "visible": {"type": "boolean"}, "detail": {"type": "object"}}}},
        "min": _NUM, "max": _NUM, "scope_note": {"type": "string", "nullable": True},
    },
}
_YEAR = q("year", {"type": "integer", "minimum": 2000, "maximum": 2100},
          description="统计年度；默认为数据中最近的年度")

OPENAPI = {
    "/dashboard/summary": {"get": {
        "summary": "A region's dashboard: enterprise/provider/delivery counts, recognitions vs targets, "
                   "chain leaders below the 60% local-supply target",
        "parameters": [q("region", {"type": "string", "pattern": "^[0-9]{6}$"},
                         description="行政区划代码；经信部门默认为本辖区，管理员默认为 330100"), _YEAR],
        "responses": {**ok(_SUMMARY), **err(400, 401, 403)}}},
    "/dashboard/districts": {"get": {
        "summary": "One measure per district of Hangzhou or Shaoxing, for the district map",
        "parameters": [q("city", {"type": "string", "enum": list(dashboard.MAP_CITIES)}),
                       q("measure", {"type": "string", "enum": list(dashboard.MEASURES)}), _YEAR],
        "responses": {**ok(_DISTRICTS), **err(400, 401, 403)}}},
}
