"""The dashboard: /bureau (a region's summary) and /map (districts of 杭州 / 绍兴 coloured by a
measure), with their JSON under /api/v1/dashboard. Scoping and figures: graphsvc.dashboard.service."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, jsonify, request

from graphsvc.dashboard import service as dashboard
from web.auth import current_principal, page, require, store
from web.nav import page_exists
from web.openapi import PREFIX as API
from web.openapi import err, ok, q
from web.params import arg_int
from web.respond import respond

bp = Blueprint("dashboard", __name__)


def _year() -> int | None:
    return arg_int("year", None, minimum=2000, maximum=2100)


def _summary() -> dict:
    region = request.args.get("region")
    return dashboard.summary(store(), current_principal(), region=region, year=_year())


def _districts() -> dict:
    args = request.args
    return dashboard.districts(store(), current_principal(), city=args.get("city"),
                               measure=args.get("measure"), year=_year())


@bp.get(API + "/dashboard/summary")
@require("admin", "bureau")
def summary():
    return jsonify(_summary())


@bp.get(API + "/dashboard/districts")
@require("admin", "bureau")
def districts():
    return jsonify(_districts())


@bp.get("/bureau")
@page("admin", "bureau", nav="总览", nav_order=10)
def bureau():
    data = _summary()
    api = f"{API}/dashboard/summary?region={data['region']}&year={data['year']}"
    return respond(data, "dashboard/bureau.html", payload_as="d", api_url=api,
                   has_local_supply=page_exists("/local-supply"),
                   has_leader_page=page_exists("/local-supply/91330100000000000X"),
                   has_targets=page_exists("/targets"))


@bp.get("/map")
@page("admin", "bureau", nav="区县地图", nav_order=40)
def district_map():
    data = _districts()
    query = urlencode({"city": data["city"], "measure": data["measure"], "year": data["year"]})
    return respond(data, "dashboard/map.html", payload_as="d",
                   cities=dashboard.city_options(current_principal()), measures=dashboard.MEASURES,
                   api_url=f"{API}/dashboard/districts?{query}")


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
                           "shortfall": {"type": "integer", "nullable": True}, "note": {"type": "string"},
                           "applies_to": {"type": "string", "nullable": True,
                                          "description": "the region the target is set for"},
                           "district_actual": {"type": "integer", "nullable": True,
                                               "description": "the district's own count under a city-wide target"}}}},
        "target_sets": {"type": "array", "items": {"type": "object", "required": ["rule_ids", "set_for", "own"]}},
        "local_headline": {"type": "object", "nullable": True,
                           "description": "B4: the pooled same-city figure of the city's 链主工厂 against the 2025 aim",
                           "required": ["measure_name", "definition", "city", "aim", "ratio_amount", "meets_aim",
                                        "note"]},
        "leader_measure": {"type": "object", "required": ["measure_name", "definition"]},
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
