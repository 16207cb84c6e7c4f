"""Local-supply ratios (rule B4), the what-if, and chain coverage — for bureaus and admins.

- ``GET /local-supply?year=&scope=&chain=&format=json|xlsx`` — every 链主工厂 in the caller's
  region (and in ``scope`` when given) with its ratios; pooled per chain and per district.
- ``GET /local-supply/<leader_uscc>?year=&scope=`` — one leader: breakdown, tier 2, trend, what-if.
- ``GET /chains/<id>/coverage?year=&scope=&format=json|xlsx`` — segments, gaps, single points.

``scope`` decides what counts as local (default: each leader's city; for coverage the
caller's region, or 杭州 for an administrator). A scope outside the caller's region is 403.
Amounts are 万元 rounded to the cent; ratios are unrounded fractions (0.6 = 60%).
"""
from __future__ import annotations

import re
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, request

from graphsvc.core import access
from graphsvc.core import regions
from graphsvc.local_supply import coverage
from graphsvc.local_supply import ratios
from graphsvc.core import reference
from graphsvc.local_supply import exports as supply_exports
from graphsvc.local_supply import whatif
from web.auth import current_principal, require, store
from web.errors import bad_request, forbidden, not_found, unprocessable
from web.openapi import USCC, err, ok, p, q
from web.params import arg_int, valid_uscc

bp = Blueprint("local_supply", __name__)

YEAR_MIN, YEAR_MAX = 2000, 2100
ROLES = ("admin", "bureau")


# ---------------------------------------------------------------- parameters

def arg_year():
    return arg_int("year", None, minimum=YEAR_MIN, maximum=YEAR_MAX)


def arg_scope(who) -> str | None:
    """A region code the caller may see (district / city / province), normalised; None if absent."""
    raw = (request.args.get("scope") or "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"\d{6}", raw) or not regions.is_known_region(raw):
        raise bad_request("参数 scope 应为已知的6位行政区划代码（区县、城市或省）", "scope")
    code = regions.current_code(raw)
    if not access.scope_within(who, code):
        raise forbidden(f"所请求的范围“{regions.label(code)}”超出您的管辖范围")
    return code


def arg_chain() -> str | None:
    raw = (request.args.get("chain") or "").strip().upper()
    if not raw:
        return None
    if reference.chain(raw) is None:
        known = "、".join(c["id"] for c in reference.chains())
        raise bad_request(f"未知的产业链编号“{raw}”，可选：{known}", "chain")
    return raw


def arg_format() -> str:
    raw = (request.args.get("format") or "json").strip().lower()
    if raw not in ("json", "xlsx"):
        raise bad_request("参数 format 应为 json 或 xlsx", "format")
    return raw


def caller_region(who) -> str | None:
    """None for an administrator (everything), the bureau's region code otherwise."""
    return None if who.is_admin else regions.current_code(who.scope)


def round_money(obj):
    """Amounts (keys ending in 'amount' or '_wan', not the ratios) to the cent; all else untouched."""
    if isinstance(obj, dict):
        return {k: (round(v, 2) if isinstance(v, float) and k.endswith(("amount", "_wan")) and not k.startswith("ratio")
                    else round_money(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [round_money(v) for v in obj]
    return obj


# ---------------------------------------------------------------- payloads (shared with the pages)

def ratio_payload() -> dict:
    who = current_principal()
    year, scope, chain = arg_year(), arg_scope(who), arg_chain()
    region = caller_region(who)
    out = ratios.fetch_table(store(), year, region=region, scope=scope, chain=chain)
    if year is not None:
        out["year"] = year
    out["region"] = {"code": region, "name": regions.label(region) if region else "全部"}
    out["scope"] = {"code": scope, "name": regions.label(scope) if scope else "各链主工厂所在城市",
                    "default": scope is None}
    out["chain"] = chain
    return round_money(out)


def visible_leader(uscc: str) -> dict:
    """The 链主工厂 `uscc` if the caller may see it: 400 malformed, 404 unknown/out of scope,
    422 when the enterprise is not a 链主工厂."""
    who = current_principal()
    uscc = valid_uscc(uscc, "leader_uscc")
    row = store().read_one("local_supply/enterprise", uscc=uscc)
    if not row or not access.sees_enterprise(who, uscc, row.get("region_code")):
        raise not_found("未找到该企业，或不在您的可见范围内")
    if not row.get("chain_ids"):
        raise unprocessable(f"{row.get('name') or uscc}不是链主工厂（没有“链主工厂”认定或培育记录），"
                            f"本地配套比例只对链主工厂计算", "leader_uscc")
    return ratios.fetch_leaders(store(), uscc)[0]


def leader_payload(uscc: str) -> dict:
    who = current_principal()
    leader = visible_leader(uscc)
    year, scope = arg_year(), arg_scope(who)
    return round_money(whatif.fetch_detail(store(), leader, year, scope))


def coverage_payload(chain_id: str) -> dict:
    who = current_principal()
    chain = reference.chain((chain_id or "").upper())
    if chain is None:
        raise not_found(f"未知的产业链“{chain_id}”")
    year, scope = arg_year(), arg_scope(who)
    code, basis = coverage.local_basis(who.role, who.scope, scope)
    return round_money(coverage.fetch_coverage(store(), chain["id"], year, code, basis))


def xlsx_response(data: bytes, filename: str) -> Response:
    resp = Response(data, mimetype=supply_exports.XLSX_MIME)
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return resp


# ---------------------------------------------------------------- routes

@bp.get("/local-supply")
@require(*ROLES)
def local_supply():
    fmt = arg_format()
    data = ratio_payload()
    if fmt == "xlsx":
        name = f"链主工厂本地配套比例_{data.get('year') or ''}.xlsx"
        return xlsx_response(supply_exports.ratio_workbook(data, data["region"]["name"]
                                                           if data["region"]["code"] else ""), name)
    return jsonify(data)


@bp.get("/local-supply/<leader_uscc>")
@require(*ROLES)
def local_supply_leader(leader_uscc):
    return jsonify(leader_payload(leader_uscc))


@bp.get("/chains/<chain_id>/coverage")
@require(*ROLES)
def chain_coverage(chain_id):
    fmt = arg_format()
    data = coverage_payload(chain_id)
    if fmt == "xlsx":
        return xlsx_response(supply_exports.coverage_workbook(data),
                             f"{data['chain']['name']}_本地配套覆盖_{data.get('year') or ''}.xlsx")
    return jsonify(data)


# ---------------------------------------------------------------- OpenAPI

_NUM = {"type": "number", "nullable": True}
_INT = {"type": "integer"}
_STR = {"type": "string", "nullable": True}
_BOOL = {"type": "boolean", "nullable": True}
_FIGURES = {"local_amount": _NUM, "total_amount": _NUM, "ratio_amount": _NUM, "ratio_count": _NUM,
            "local_suppliers": _INT, "suppliers": _INT, "gap_amount": _NUM, "meets_target": _BOOL,
            "reason": _STR}
_RATIO_ITEM = {"type": "object",
               "required": ["uscc", "name", "chain", "local_amount", "total_amount", "ratio_amount", "ratio_count",
                            "gap_amount", "meets_target", "reason"],
               "properties": {"uscc": {"type": "string"}, "name": _STR, "chain": _STR, "chain_name": _STR,
                              "district": _STR, "district_name": _STR, "scope": _STR, "scope_name": _STR,
                              **_FIGURES}}
_POOL = {"type": "object", "required": ["leaders", "ratio_amount", "ratio_count"],
         "properties": {"leaders": _INT, "leaders_with_data": _INT, "leaders_meeting": _INT, **_FIGURES}}
_YEAR = {"type": "integer", "nullable": True}
_RATIO_TABLE = {
    "type": "object", "required": ["year", "items", "pooled", "target", "note", "scope"],
    "properties": {
        "year": _YEAR, "target": {"type": "number"}, "rule_id": {"type": "string"}, "note": _STR,
        "years": {"type": "array", "items": _INT}, "items": {"type": "array", "items": _RATIO_ITEM},
        "pooled": {"type": "object", "required": ["chains", "districts", "overall"],
                   "properties": {"chains": {"type": "array", "items": _POOL},
                                  "districts": {"type": "array", "items": _POOL},
                                  "overall": {**_POOL, "nullable": True}}},
        "scope": {"type": "object", "required": ["code", "name", "default"],
                  "properties": {"code": _STR, "name": {"type": "string"}, "default": {"type": "boolean"}}},
        "region": {"type": "object"}}}
_STEP = {"type": "object", "required": ["step", "supplier_uscc", "segment_id", "amount", "ratio_after"],
         "properties": {"step": _INT, "supplier_uscc": {"type": "string"}, "segment_id": _STR,
                        "amount": {"type": "number"}, "ratio_after": {"type": "number"},
                        "meets_target_after": _BOOL, "candidate": {"type": "object", "nullable": True}}}
_WHAT_IF = {"type": "object", "required": ["steps", "segments", "reachable", "summary"],
            "properties": {"steps": {"type": "array", "items": _STEP},
                           "segments": {"type": "array", "items": {
                               "type": "object", "required": ["segment_id", "candidates_count", "note"],
                               "properties": {"segment_id": _STR, "candidates_count": _INT, "note": _STR,
                                              "candidates": {"type": "array"}}}},
                           "reachable": _BOOL, "ratio_before": _NUM, "ratio_max": _NUM, "need_amount": _NUM,
                           "summary": {"type": "string"}}}
_DETAIL = {
    "type": "object",
    "required": ["leader", "year", "figures", "by_supplier", "by_segment", "tier2", "trend", "what_if"],
    "properties": {
        "leader": {"type": "object", "required": ["uscc", "name", "scope"],
                   "properties": {"uscc": {"type": "string"}, "name": _STR, "scope": _STR, "chain": _STR}},
        "year": _INT, "target": {"type": "number"}, "note": _STR,
        "figures": {"type": "object", "required": list(_FIGURES), "properties": _FIGURES},
        "by_supplier": {"type": "array", "items": {"type": "object", "required": ["uscc", "local", "amount"],
                                                   "properties": {"uscc": {"type": "string"},
                                                                  "local": {"type": "boolean"},
                                                                  "amount": {"type": "number"}}}},
        "by_segment": {"type": "array", "items": {"type": "object", "required": ["segment_id", "ratio_amount"]}},
        "tier2": {"type": "object", "required": ["ratio_amount", "ratio_count"],
                  "properties": {"ratio_amount": _NUM, "ratio_count": _NUM}},
        "trend": {"type": "array", "items": {"type": "object", "required": ["year", "ratio_amount", "ratio_count"],
                                             "properties": {"year": _INT, "ratio_amount": _NUM,
                                                            "ratio_count": _NUM}}},
        "what_if": _WHAT_IF}}
_SEGMENT = {"type": "object",
            "required": ["segment_id", "segment_name", "local_enterprises", "leaders_buying", "purchase_amount",
                         "local_share", "gap", "single_point", "platform_pooled_members"],
            "properties": {"segment_id": {"type": "string"}, "segment_name": {"type": "string"},
                           "local_enterprises": _INT, "leaders_buying": _INT, "purchase_amount": _NUM,
                           "local_amount": _NUM, "local_share": _NUM, "gap": {"type": "boolean"},
                           "sole_local": {"type": "boolean"},
                           "single_point": {"type": "object", "nullable": True},
                           "platform_pooled_members": _INT, "covered_by_platform": {"type": "boolean"},
                           "flags": {"type": "array", "items": {"type": "string"}}}}
_COVERAGE = {
    "type": "object", "required": ["chain", "year", "local", "segments", "districts", "platforms", "note"],
    "properties": {
        "chain": {"type": "object", "required": ["id", "name"]}, "year": _YEAR, "note": _STR,
        "local": {"type": "object", "required": ["code", "name", "basis"],
                  "properties": {"code": {"type": "string"}, "name": _STR,
                                 "basis": {"type": "string", "enum": ["caller_region", "admin_default", "requested"]}}},
        "summary": {"type": "object", "nullable": True},
        "segments": {"type": "array", "items": _SEGMENT}, "districts": {"type": "array"},
        "platforms": {"type": "array"}, "graph": {"type": "object"}}}

_Y = q("year", {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX},
       description="Year of the supplies (default: the latest year with data)")
_S = q("scope", {"type": "string", "pattern": "^[0-9]{6}$"},
       description="Region code deciding what is local (district, city or province) within the caller's region")
_F = q("format", {"type": "string", "enum": ["json", "xlsx"]}, description="xlsx: the table as an Excel file")
_XLSX = (supply_exports.XLSX_MIME,)

OPENAPI = {
    "/local-supply": {"get": {
        "summary": "Local-supply ratios (rule B4) of every 链主工厂 in the caller's region",
        "parameters": [_Y, _S, q("chain", {"type": "string"}), _F],
        "responses": {**ok(_RATIO_TABLE, extra_types=_XLSX), **err(400, 401, 403)}}},
    "/local-supply/{leader_uscc}": {"get": {
        "summary": "One 链主工厂: breakdown by supplier and segment, tier-2 share, trend and what-if",
        "parameters": [p("leader_uscc", USCC), _Y, _S],
        "responses": {**ok(_DETAIL), **err(400, 401, 403, 404, 422)}}},
    "/chains/{chain_id}/coverage": {"get": {
        "summary": "Chain coverage: local enterprises per segment, gaps, single points of failure, districts",
        "parameters": [p("chain_id"), _Y, _S, _F],
        "responses": {**ok(_COVERAGE, extra_types=_XLSX), **err(400, 401, 403, 404)}}},
}
