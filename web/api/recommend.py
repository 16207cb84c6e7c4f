"""GET /contractors/recommend: which providers could take a manufacturer's project, and why."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from graphsvc.core import access
from graphsvc.contractors import recommend as R
from web.auth import current_principal, require, store
from web.errors import bad_request, forbidden, not_found, unprocessable
from web.openapi import USCC, err, ok, q
from web.params import arg_int, arg_uscc

bp = Blueprint("recommend", __name__)

ROLES = ("admin", "bureau", "manufacturer")
MAX_LIMIT = 50


def _flag(name: str) -> bool:
    raw = (request.args.get(name) or "false").strip().lower()
    if raw not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise bad_request(f"参数 {name} 应为 true 或 false", name)
    return raw in ("true", "1", "yes", "on")


def parse_query(args=None) -> tuple[str | None, R.Query]:
    """Read and check the request parameters; every failure is a 400 naming the field."""
    args = args if args is not None else request.args
    uscc = arg_uscc("manufacturer", required=False)
    pt = arg_int("provider_type", None, minimum=1, maximum=6, required=True)
    unit = (args.get("unit") or "").strip() or None
    if unit is not None and unit not in R.UNITS:
        raise bad_request(f"参数 unit 应为 {'、'.join(R.UNITS)} 之一（制造单元、生产线、车间、工厂）", "unit")
    scenario = (args.get("scenario") or "").strip() or None
    if scenario is not None and scenario not in R.scenarios():
        raise bad_request(f"参数 scenario 应为六大新场景之一：{'、'.join(R.scenarios())}", "scenario")
    limit = arg_int("limit", 10, minimum=1, maximum=MAX_LIMIT)
    return uscc, R.Query(pt, unit, scenario, limit, _flag("recognised_only"), _flag("c2_only"))


def resolve_manufacturer(uscc: str | None) -> R.Manufacturer:
    """Apply the access rules: a manufacturer asks only for itself (403 otherwise); a bureau
    for manufacturers in its region (404 outside it, as for unknown ones); admin for any."""
    who = current_principal()
    if uscc is None:
        if who.role == "manufacturer" and who.uscc:
            uscc = who.uscc
        else:
            raise bad_request("缺少参数 manufacturer（制造企业统一社会信用代码）", "manufacturer")
    if who.role == "manufacturer" and uscc != who.uscc:
        raise forbidden("制造企业只能查询本企业的服务商推荐")
    try:
        m = R.fetch_manufacturer(store(), uscc)
    except R.ManufacturerNotFound:
        raise not_found("未找到该制造企业，或不在您的可见范围内") from None
    if not access.acts_for(who, uscc, m.region_code):
        raise not_found("未找到该制造企业，或不在您的可见范围内")
    if not m.is_manufacturer:
        raise unprocessable("该企业不是制造企业，无法推荐数字化改造服务商", "manufacturer")
    return m


def recommendation(uscc: str | None, query: R.Query) -> dict:
    m = resolve_manufacturer(uscc)
    return R.fetch_recommendation(store(), m.uscc, query, manufacturer=m)


@bp.get("/contractors/recommend")
@require(*ROLES)
def recommend():
    uscc, query = parse_query()
    return jsonify(recommendation(uscc, query))


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
                        "score": {"type": "number"}, "provider_types": {"type": "array", "items": {"type": "integer"}},
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
