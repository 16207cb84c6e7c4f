"""Local supply (rule B4) for bureaus and admins: the /api/v1 routes and the pages.

API:
- ``GET /api/v1/local-supply?year=&scope=&chain=&format=json|xlsx`` — every 链主工厂 in the caller's
  region (and in ``scope`` when given) with its ratios; pooled per chain and per district.
- ``GET /api/v1/local-supply/<leader_uscc>?year=&scope=`` — one leader: breakdown, tier 2, trend, what-if.
- ``GET /api/v1/chains/<id>/coverage?year=&scope=&format=json|xlsx`` — segments, gaps, single points.

Pages (JSON too, with ``Accept: application/json``): /local-supply, /local-supply/<uscc>,
/chains, /chains/<id>.

``scope`` decides what counts as local (default: each leader's city; for coverage the
caller's region, or 杭州 for an administrator). A scope outside the caller's region is 403.
Amounts are 万元 rounded to the cent; ratios are unrounded fractions (0.6 = 60%). The checks and
the payloads are graphsvc.local_supply.service's; the views parse, call it and answer.
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import Blueprint, Response, request

from graphsvc.core import reference
from graphsvc.core.errors import DomainError
from graphsvc.core.formatting import pct_text
from graphsvc.core.regions import label as region_label
from graphsvc.local_supply import service
from graphsvc.local_supply.exports import XLSX_MIME
from graphsvc.local_supply.service import YEAR_MAX, YEAR_MIN
from web.auth import current_principal, page, require, store
from web.errors import ApiError, bad_request, from_domain
from web.openapi import PREFIX as API
from web.openapi import USCC, err, ok, p, q
from web.params import arg_int
from web.respond import figure_json, raise_for_json, respond

bp = Blueprint("local_supply", __name__)

ROLES = service.ROLES


# ---------------------------------------------------------------- parameters

def _year() -> int | None:
    # Only the integer is read here; its range is the service's check.
    return arg_int("year")


def _filters() -> dict:
    """The table's filters as given (checked by the service)."""
    return {"year": _year(), "scope": request.args.get("scope"), "chain": request.args.get("chain")}


def _format() -> str:
    raw = (request.args.get("format") or "json").strip().lower()
    if raw not in ("json", "xlsx"):
        raise bad_request("参数 format 应为 json 或 xlsx", "format")
    return raw


def _filter_errors(who) -> dict[str, ApiError]:
    """Every bad filter of the table page with its error, so each is shown next to its field;
    JSON callers get the first one raised, as from the API."""
    checks = (("year", lambda: service.check_year(_year())),
              ("scope", lambda: service.check_scope(who, request.args.get("scope"))),
              ("chain", lambda: service.check_chain(request.args.get("chain"))))
    out: dict[str, ApiError] = {}
    for name, check in checks:
        try:
            check()
        except (ApiError, DomainError) as exc:
            raise_for_json(exc)
            out[name] = exc if isinstance(exc, ApiError) else from_domain(exc)
    return out


def _query(**kw) -> str:
    args = {k: v for k, v in kw.items() if v not in (None, "")}
    return ("?" + urlencode(args)) if args else ""


def _download(d: service.Download) -> Response:
    resp = Response(d.data, mimetype=d.mime)
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(d.filename)}"
    return resp


def _common(who) -> dict:
    """What every local-supply page shows besides its data: the filter choices and formatters."""
    return {"pct": pct_text, "scopes": service.scope_options(who), "chains": reference.chains(),
            "args": request.args, "region_label": region_label}


# ---------------------------------------------------------------- API

@bp.get(API + "/local-supply")
@require(*ROLES)
def local_supply():
    fmt = _format()
    fig = service.ratio_table_figure(store(), current_principal(), **_filters())
    if fmt == "xlsx":
        return _download(service.ratio_xlsx(fig.compute()))
    return figure_json(fig)


@bp.get(API + "/local-supply/<leader_uscc>")
@require(*ROLES)
def local_supply_leader(leader_uscc):
    return figure_json(service.leader_detail_figure(store(), current_principal(), leader_uscc, _year(),
                                                    request.args.get("scope")))


@bp.get(API + "/chains/<chain_id>/coverage")
@require(*ROLES)
def chain_coverage(chain_id):
    fmt = _format()
    fig = service.chain_coverage_figure(store(), current_principal(), chain_id, _year(), request.args.get("scope"))
    if fmt == "xlsx":
        return _download(service.coverage_xlsx(fig.compute()))
    return figure_json(fig)


# ---------------------------------------------------------------- pages

def _table_chart(data: dict) -> dict:
    return {"year": data.get("year"), "target": data["target"], "scope": (data.get("scope") or {}).get("code"),
            "items": [{"uscc": i["uscc"], "name": i["name"], "ratio_amount": i["ratio_amount"],
                       "ratio_count": i["ratio_count"], "meets_target": i["meets_target"]}
                      for i in data["items"] if i["ratio_amount"] is not None]}


@bp.get("/local-supply")
@page(*ROLES, nav="本地配套", nav_order=20)
def table_page():
    who = current_principal()
    # A bad filter value is shown next to its field, with the typed values kept.
    errors = _filter_errors(who)
    if errors:
        data = service.empty_ratio_table("筛选条件有误，请修改后重新查看")
    else:
        data = service.ratio_table(store(), who, **_filters())
    args = {"year": data.get("year"), "scope": (data.get("scope") or {}).get("code"), "chain": data.get("chain")}
    return respond(data, "local_supply/index.html", max((e.status for e in errors.values()), default=200),
                   payload_as="d", chart=_table_chart(data),
                   api_url=API + "/local-supply" + _query(**args),
                   xlsx_url=API + "/local-supply" + _query(**args, format="xlsx"),
                   errors={k: e.detail for k, e in errors.items()}, **_common(who))


def _leader_chart(data: dict) -> dict:
    return {"year": data["year"], "target": data["target"], "trend": data["trend"],
            "segments": [{"name": s["segment_name"], "local": s["local_amount"] or 0.0,
                          "other": s["non_local_amount"] or 0.0, "ratio": s["ratio_amount"]}
                         for s in data["by_segment"]]}


@bp.get("/local-supply/<leader_uscc>")
@page(*ROLES)
def leader_page(leader_uscc):
    who = current_principal()
    data = service.leader_detail(store(), who, leader_uscc, _year(), request.args.get("scope"))
    scope = request.args.get("scope") or None
    return respond(data, "local_supply/leader.html", payload_as="d", chart=_leader_chart(data),
                   api_url=f"{API}/local-supply/{data['leader']['uscc']}" + _query(year=data["year"], scope=scope),
                   **_common(who))


@bp.get("/chains")
@page(*ROLES, nav="产业链覆盖", nav_order=30)
def chains_page():
    who = current_principal()
    scope = request.args.get("scope")
    data = service.chains_overview(store(), who, scope)
    return respond(data, "local_supply/chains.html", payload_as="d", api_url=API + "/chains",
                   scope_q=_query(scope=data["local"]["code"] if scope else None), **_common(who))


@bp.get("/chains/<chain_id>")
@page(*ROLES)
def coverage_page(chain_id):
    who = current_principal()
    data = service.chain_coverage(store(), who, chain_id, _year(), request.args.get("scope"))
    scope = request.args.get("scope") or None
    base = f"{API}/chains/{data['chain']['id']}/coverage"
    return respond(data, "local_supply/coverage.html", payload_as="d",
                   api_url=base + _query(year=data.get("year"), scope=scope),
                   xlsx_url=base + _query(year=data.get("year"), scope=scope, format="xlsx"), **_common(who))


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
_MEASURE = {"type": "object", "required": ["measure", "measure_name", "definition"],
            "properties": {"measure": {"type": "string", "enum": ["city", "district"]},
                           "measure_name": {"type": "string"}, "definition": {"type": "string"}}}
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
        "region": {"type": "object"},
        "measures": {"type": "array", "items": _MEASURE},
        "headline": {"type": "object", "nullable": True,
                     "description": "B4: the pooled same-city figure of the city's 链主工厂 against the 2025 aim",
                     "required": ["measure", "measure_name", "definition", "city", "aim", "ratio_amount",
                                  "meets_aim", "note"],
                     "properties": {"measure": {"type": "string"}, "measure_name": {"type": "string"},
                                    "definition": {"type": "string"}, "city": {"type": "string"},
                                    "aim": {"type": "number"}, "ratio_amount": _NUM, "meets_aim": _BOOL,
                                    "note": {"type": "string"}}}}}
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
                                 "basis": {"type": "string", "enum": ["caller_region", "admin_default", "requested"]},
                                 "measure": {"type": "string", "nullable": True, "enum": ["city", "district", None]},
                                 "share_name": _STR, "definition": {"type": "string", "nullable": True}}},
        "summary": {"type": "object", "nullable": True},
        "segments": {"type": "array", "items": _SEGMENT}, "districts": {"type": "array"},
        "platforms": {"type": "array"}, "graph": {"type": "object"}}}

_Y = q("year", {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX},
       description="Year of the supplies (default: the latest year with data)")
_S = q("scope", {"type": "string", "pattern": "^[0-9]{6}$"},
       description="Region code deciding what is local (district, city or province) within the caller's region")
_F = q("format", {"type": "string", "enum": ["json", "xlsx"]}, description="xlsx: the table as an Excel file")
_XLSX = (XLSX_MIME,)

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
