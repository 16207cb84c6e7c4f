"""Contractors: GET /api/v1/contractors/recommend — which providers could take a manufacturer's
project, and why — and the page /contractors (服务商推荐) showing that ranking.

A manufacturer sees recommendations for itself (the search runs on arrival with type 1); a
bureau or admin first picks a manufacturer, by USCC or by a fragment of its name (searched
within the region it may see). The same URL with `Accept: application/json` gives the data.
Who may ask for which manufacturer is decided in ``graphsvc.contractors.service``.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, jsonify, request
from stdnum.cn import uscc as stdnum_uscc

from graphsvc.contractors import recommend as R
from graphsvc.contractors import service
from graphsvc.core.errors import BadParameter, DomainError, Forbidden, NotFound
from web.auth import current_principal, page, require, store
from web.errors import from_domain
from web.openapi import PREFIX as API
from web.openapi import USCC, err, ok, q
from web.params import arg_int, arg_uscc
from web.respond import raise_for_json, respond

bp = Blueprint("contractors", __name__)

ROLES = ("admin", "bureau", "manufacturer")
MAX_LIMIT = 50
LIMITS = (10, 20, 50)
FLAG_VALUES = ("true", "1", "yes", "on")


# ---------------------------------------------------------------- API

def _flag(name: str) -> bool:
    raw = (request.args.get(name) or "false").strip().lower()
    if raw not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise BadParameter(f"参数 {name} 应为 true 或 false", name)
    return raw in FLAG_VALUES


def parse_query() -> tuple[str | None, R.Query]:
    """Read and check the request parameters; every failure is a 400 naming the field."""
    args = request.args
    uscc = arg_uscc("manufacturer", required=False)
    pt = arg_int("provider_type", None, minimum=1, maximum=6, required=True)
    unit = (args.get("unit") or "").strip() or None
    if unit is not None and unit not in R.UNITS:
        raise BadParameter(f"参数 unit 应为 {'、'.join(R.UNITS)} 之一（制造单元、生产线、车间、工厂）", "unit")
    scenario = (args.get("scenario") or "").strip() or None
    if scenario is not None and scenario not in R.scenarios():
        raise BadParameter(f"参数 scenario 应为六大新场景之一：{'、'.join(R.scenarios())}", "scenario")
    limit = arg_int("limit", 10, minimum=1, maximum=MAX_LIMIT)
    return uscc, R.Query(pt, unit, scenario, limit, _flag("recognised_only"), _flag("c2_only"))


@bp.get(API + "/contractors/recommend")
@require(*ROLES)
def recommend():
    uscc, query = parse_query()
    return jsonify(service.recommendation(store(), current_principal(), uscc, query))


# ---------------------------------------------------------------- /contractors (服务商推荐)

def _form_values(args) -> dict:
    """What the user typed, kept as typed (shown again next to any error)."""
    return {"manufacturer": (args.get("manufacturer") or "").strip(),
            "provider_type": (args.get("provider_type") or "").strip(),
            "unit": (args.get("unit") or "").strip(), "scenario": (args.get("scenario") or "").strip(),
            "limit": (args.get("limit") or "").strip(),
            "recognised_only": (args.get("recognised_only") or "").lower() in FLAG_VALUES,
            "c2_only": (args.get("c2_only") or "").lower() in FLAG_VALUES}


def _int_in(raw: str, default: int, lo: int, hi: int) -> int | None:
    try:
        v = int(raw or default)
    except ValueError:
        return None
    return v if lo <= v <= hi else None


def _check(form: dict) -> tuple[dict, dict]:
    """Validate the form; returns (clean values, {field: Chinese message})."""
    errors, clean = {}, {}
    clean["provider_type"] = _int_in(form["provider_type"], 1, 1, 6)
    if clean["provider_type"] is None:
        errors["provider_type"] = "服务商类型应为 1–6"
    if form["unit"] and form["unit"] not in R.UNITS:
        errors["unit"] = "改造单元应为制造单元、生产线、车间或工厂"
    clean["unit"] = form["unit"] or None
    if form["scenario"] and form["scenario"] not in R.scenarios():
        errors["scenario"] = "应用场景应为六大新场景之一"
    clean["scenario"] = form["scenario"] or None
    clean["limit"] = _int_in(form["limit"], 10, 1, MAX_LIMIT)
    if clean["limit"] is None:
        errors["limit"] = f"显示条数应为 1–{MAX_LIMIT}"
    return clean, errors


def _query_string(values: dict, **over) -> str:
    q = {k: v for k, v in {**values, **over}.items() if v not in (None, "", False)}
    return urlencode({k: ("true" if v is True else v) for k, v in q.items()})


NO_MATCH = "无匹配结果：没有名称包含该关键词的可见制造企业（也不是有效的统一社会信用代码）"


def _pick_manufacturer(who, form: dict) -> tuple[str | None, list[dict]]:
    """The USCC the form names, directly or as the one visible manufacturer whose name
    contains the text; else (None, the several matches).  No match raises NotFound (or
    BadParameter for an 18-character text that is not a valid USCC)."""
    text = form["manufacturer"].upper()
    if not text:
        raise BadParameter("请输入制造企业的统一社会信用代码或名称关键词", "manufacturer")
    if stdnum_uscc.is_valid(text):
        return text, []
    matches = service.search_manufacturers(store(), who, form["manufacturer"])
    if len(matches) == 1:
        return matches[0]["uscc"], []
    if matches:
        return None, matches
    if len(text) == 18:
        raise BadParameter("不是有效的统一社会信用代码（校验位不符）", "manufacturer")
    raise NotFound(NO_MATCH, "manufacturer")


def _search(who, form: dict, clean: dict) -> tuple[dict | None, list[dict]]:
    """(ranking, manufacturers to pick from) for a valid form."""
    uscc, matches = _pick_manufacturer(who, form)
    if uscc is None:
        return None, matches
    form["manufacturer"] = uscc
    query = R.Query(clean["provider_type"], clean["unit"], clean["scenario"], clean["limit"],
                    form["recognised_only"], form["c2_only"])
    return service.recommendation(store(), who, uscc, query), []


def _api_url(result: dict | None, form: dict) -> str:
    url = API + "/contractors/recommend"
    if result:
        url += "?" + _query_string({"manufacturer": result["manufacturer"],
                                    "provider_type": result["provider_type"], "unit": result["unit"],
                                    "scenario": result["scenario"], "limit": result["limit"],
                                    "recognised_only": form["recognised_only"], "c2_only": form["c2_only"]})
    return url


@bp.get("/contractors")
@page(*ROLES, nav="服务商推荐", nav_order=80)
def contractors():
    who = current_principal()
    form = _form_values(request.args)
    if who.role == "manufacturer" and not form["manufacturer"]:
        form["manufacturer"] = who.uscc or ""
    asked = bool(request.args) or who.role == "manufacturer"
    clean, errors = _check(form) if asked else ({}, {})
    result, matches, status = None, [], 200
    try:
        if errors:
            raise BadParameter(next(iter(errors.values())), next(iter(errors)), errors=errors)
        if asked:
            result, matches = _search(who, form, clean)
    except Forbidden:
        raise
    except DomainError as exc:
        # JSON callers get the error; the page shows it next to the field, what was typed kept.
        errors = errors or {exc.field or "manufacturer": exc.message}
        exc.extra.setdefault("errors", errors)
        raise_for_json(exc)
        # a keyword nothing matches is an answer on the page ("无匹配结果"), not an error page
        status = 200 if exc.message == NO_MATCH else from_domain(exc).status
    pick_links = [{**mt, "url": "/contractors?" + _query_string(form, manufacturer=mt["uscc"])} for mt in matches]
    return respond({"form": form, "matches": pick_links, "result": result}, "contractors/index.html", status,
                   errors=errors, types=R.provider_type_names(), units=R.UNIT_NAMES, scenarios=R.scenarios(),
                   limits=LIMITS, asked=asked, api_url=_api_url(result, form),
                   fixed_manufacturer=who.role == "manufacturer", kind_names=R.KIND_NAMES)


# ---------------------------------------------------------------- OpenAPI

_REASON = {"type": "object", "required": ["code", "text", "weight", "evidence"],
           "properties": {"code": {"type": "string", "enum": list(R.TERMS)}, "label": {"type": "string"},
                          "text": {"type": "string"},
                          "weight": {"type": "number", "description": "该依据对得分的贡献（负数为扣分）"},
                          "count": {"type": "integer"},
                          "evidence": {"type": "array", "items": {"type": "string"},
                                       "description": "交付记录编号（最近的在前，最多 evidence_limit 个）"},
                          "projects": {"type": "array", "items": {"type": "string"}}},
           "additionalProperties": True}
_ITEM = {"type": "object", "required": ["rank", "uscc", "name", "region_code", "score", "reasons"],
         "properties": {"rank": {"type": "integer", "minimum": 1}, "uscc": USCC, "name": {"type": "string"},
                        "region_code": {"type": "string"}, "region_name": {"type": "string"},
                        "score": {"type": "number"},
                        "probability": {"type": "number", "minimum": 0, "maximum": 1,
                                        "description": "模型估计的选择概率（得分在全部候选服务商上的 softmax）"},
                        "provider_types": {"type": "array", "items": {"type": "integer"}},
                        "listed": {"type": "boolean"}, "c2": {"type": "boolean"},
                        "reasons": {"type": "array", "items": _REASON}},
         "additionalProperties": True}
RESPONSE = {
    "type": "object",
    "required": ["manufacturer", "provider_type", "unit", "scenario", "cold_start", "weights", "items"],
    "properties": {
        "manufacturer": USCC,
        "manufacturer_info": {"type": "object", "additionalProperties": True},
        "provider_type": {"type": "integer", "minimum": 1, "maximum": 6},
        "provider_type_name": {"type": "string"},
        "unit": {"type": "string", "enum": [*R.UNITS, None], "nullable": True},
        "scenario": {"type": "string", "enum": [*R.scenarios(), None], "nullable": True},
        "filters": {"type": "object", "additionalProperties": True},
        "cold_start": {"type": "boolean"},
        "note": {"type": "string"},
        "weights": {"type": "object", "required": ["version", "terms"],
                    "properties": {"version": {"type": "string"}, "terms": {"type": "object"}}},
        "candidates": {"type": "integer"}, "matched": {"type": "integer"}, "limit": {"type": "integer"},
        "items": {"type": "array", "items": _ITEM},
    },
    "additionalProperties": True,
}
PARAMETERS = [
    q("manufacturer", USCC, description="制造企业统一社会信用代码（制造企业账号可省略，默认本企业）"),
    q("provider_type", {"type": "integer", "minimum": 1, "maximum": 6}, required=True,
      description="滨江智造供给类型 1–6（规则 C1）"),
    q("unit", {"type": "string", "enum": list(R.UNITS)}, description="改造单元：制造单元/生产线/车间/工厂"),
    q("scenario", {"type": "string", "enum": R.scenarios()}, description="六大新场景（规则 B1）"),
    q("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
    q("recognised_only", {"type": "boolean"}, description="只看列入滨江智造供给培育名单的服务商"),
    q("c2_only", {"type": "boolean"}, description="只看满足 C2 认定条件（图谱可核验部分）的服务商"),
]
OPENAPI = {
    "/contractors/recommend": {"get": {
        "summary": "Providers of a type ranked for a manufacturer, each with its reasons and evidence deliveries",
        "parameters": PARAMETERS,
        "responses": {**ok(RESPONSE), **err(400, 401, 403, 404, 422)},
    }},
}
