"""Programme rules (issue 7): the rules catalogue, eligibility checks, B10 subsidy quotes,
targets against recognitions, and the government summary tables (附件1–3) as .xlsx.

Scoping: an eligibility check or quote is for an enterprise the caller acts for
(`access.acts_for`: a manufacturer or supplier for itself, a bureau inside its region, admin
any) — anything else is 404, like an enterprise that does not exist; a supplier checks only
the Binjiang provider programme.  Targets and exports are for a region inside the caller's
scope (else 403); missing `region` means the bureau's own scope.
"""
from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, jsonify, request, send_file

from graphsvc.core import access
from graphsvc.core import regions
from graphsvc.programmes import facts as programmes
from web.auth import current_principal, require, store
from web.errors import bad_request, forbidden, not_found
from web.openapi import USCC, err, ok, p, q
from web.params import arg_int, json_body, valid_uscc

bp = Blueprint("rules", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUPPLIER_PROGRAMMES = ("bj-2023-provider",)


def _fact_error(exc: programmes.FactError):
    return bad_request(exc.detail, exc.field)


def _not_found(exc: programmes.NotFound):
    return not_found(exc.detail)


@bp.get("/rules")
def rules_catalogue():
    return jsonify(programmes.catalogue_view())


@bp.get("/rules/<rule_id>")
def rule_one(rule_id):
    try:
        return jsonify(programmes.rule_view(rule_id))
    except programmes.NotFound as exc:
        raise _not_found(exc) from None


def _text(body: dict, name: str, max_len: int = 64) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise bad_request(f"{name} 应为文本", name)
    return value.strip()


def eligibility_request(body: dict, who) -> dict:
    """Validate a check request and the caller's right to it; returns the check result.
    Shared by the API and the self-check page (which passes the same dict)."""
    programme = _text(body, "programme")
    if programme is None:
        raise bad_request("缺少 programme（申报项目编号）", "programme")
    if programme not in programmes.programme_ids():
        raise not_found(f"未知的申报项目“{programme}”：可选 {'、'.join(programmes.programme_ids())}")
    if who.role == "supplier" and programme not in SUPPLIER_PROGRAMMES:
        raise forbidden("智造供给服务商只能自查滨江区智造供给服务商认定条件（bj-2023-provider）")
    project_id = _text(body, "project_id")
    uscc = _text(body, "uscc")
    if project_id is None and uscc is None:
        raise bad_request("须提供 project_id（已登记的项目）或 uscc（企业，可附 facts 测算）", "project_id")
    if uscc is not None:
        uscc = valid_uscc(uscc, "uscc")
    try:
        given = programmes.coerce_facts(body.get("facts"))
    except programmes.FactError as exc:
        raise _fact_error(exc) from None
    st = store()
    try:
        if project_id is not None:
            row = programmes.load_project(st, project_id)
            owner = row.get("owner") or {}
            if not owner.get("uscc") or not access.acts_for(who, owner["uscc"], owner.get("region_code")):
                raise not_found("未找到该项目，或不在您的可见范围内")
            if uscc is not None and uscc != owner["uscc"]:
                raise bad_request("该项目不属于所填企业", "uscc")
        else:
            ent = programmes.load_enterprise(st, uscc)["enterprise"]
            if not access.acts_for(who, uscc, ent.get("region_code")):
                raise not_found("未找到该企业，或不在您的可见范围内")
        out = programmes.check(st, programme, project_id=project_id, uscc=uscc, given=given)
    except programmes.NotFound as exc:
        raise _not_found(exc) from None
    except programmes.FactError as exc:
        raise _fact_error(exc) from None
    gid = out["subject"].get("group_id")
    if (project_id and gid and not given and programme in programmes.PROJECT_PROGRAMMES
            and who.role in ("admin", "bureau")):
        group = programmes.check_group(st, programme, gid)
        if all(access.sees_enterprise(who, m["uscc"] or "", _region(m["uscc"])) for m in group["projects"]):
            out["group_check"] = {"group_id": gid, "outcome": group["outcome"], "projects": group["projects"]}
    return programmes.jsonable(out)


def _region(uscc: str | None) -> str | None:
    if not uscc:
        return None
    row = store().read_one("enterprises/get", uscc=uscc)
    return row["enterprise"].get("region_code") if row else None


@bp.post("/eligibility/check")
@require()
def eligibility_check():
    return jsonify(eligibility_request(json_body(), current_principal()))


@bp.post("/subsidies/quote")
@require()
def subsidy_quote():
    body = json_body()
    who = current_principal()
    raw = body.get("uscc")
    if not isinstance(raw, str) or not raw.strip():
        raise bad_request("缺少 uscc", "uscc")
    uscc = valid_uscc(raw, "uscc")
    if "recognition" not in body:
        raise bad_request("缺少 recognition {kind, level, year}", "recognition")
    try:
        rec = programmes.validate_recognition(body.get("recognition"))
        ent = programmes.load_enterprise(store(), uscc)["enterprise"]
        if not access.acts_for(who, uscc, ent.get("region_code")):
            raise not_found("未找到该企业，或不在您的可见范围内")
        out = programmes.quote_subsidy(store(), uscc, rec)
    except programmes.FactError as exc:
        raise _fact_error(exc) from None
    except programmes.NotFound as exc:
        raise _not_found(exc) from None
    return jsonify(programmes.jsonable(out))


def scoped_region(who, default_scope: bool = True) -> str:
    """The `region` query parameter, checked: 400 if malformed, 403 if outside the scope."""
    region = (request.args.get("region") or "").strip()
    if not region:
        if who.role == "bureau" and who.scope and default_scope:
            return who.scope
        raise bad_request("缺少参数 region（行政区划代码）", "region")
    if len(region) != 6 or not region.isdigit() or not regions.is_known_region(region):
        raise bad_request("参数 region 应为已知的6位行政区划代码", "region")
    if not access.scope_within(who, region):
        raise forbidden("所请求的区域超出您的管辖范围")
    return region


@bp.get("/targets")
@require("admin", "bureau")
def targets_progress():
    who = current_principal()
    region = scoped_region(who)
    year = arg_int("year", dt.date.today().year, minimum=2000, maximum=2100)
    return jsonify(programmes.jsonable(programmes.target_progress(store(), region, year)))


@bp.get("/exports/<form>")
@require("admin", "bureau")
def export_form(form):
    if form not in programmes.form_ids():
        raise not_found(f"未知的表单“{form}”：可选 {'、'.join(programmes.form_ids())}")
    who = current_principal()
    fmt = (request.args.get("format") or "xlsx").lower()
    if fmt not in ("xlsx", "json"):
        raise bad_request("参数 format 应为 xlsx 或 json", "format")
    region = scoped_region(who)
    year = arg_int("year", programmes.default_year(form), minimum=2000, maximum=2100)
    data = programmes.form_data(store(), form, region, year)
    if fmt == "json":
        return jsonify(programmes.jsonable(data))
    blob = programmes.export_bytes(data, filled_on=dt.date.today())
    resp = send_file(io.BytesIO(blob), mimetype=XLSX, as_attachment=True,
                     download_name=programmes.export_filename(data), max_age=0)
    resp.headers["X-Row-Count"] = str(data["count"])
    resp.headers["Cache-Control"] = "no-store"
    return resp


# ---------------------------------------------------------------- OpenAPI

_OUTCOME = {"type": "string", "enum": ["pass", "fail", "unknown", "not_applicable"]}
_NSTR = {"type": "string", "nullable": True}
_NNUM = {"type": "number", "nullable": True}
_RULE = {"type": "object", "required": ["id", "document_id", "text", "params", "computable"],
         "properties": {"id": {"type": "string"}, "document_id": {"type": "string"}, "text": {"type": "string"},
                        "params": {"type": "object"}, "computable": {"type": "boolean"}, "kind": _NSTR,
                        "source": {"type": "string"}, "programmes": {"type": "array", "items": {"type": "string"}}}}
_CATALOGUE = {"type": "object", "required": ["documents", "rules", "programmes", "forms"],
              "properties": {"documents": {"type": "array", "items": {"type": "object"}},
                             "rules": {"type": "array", "items": _RULE},
                             "programmes": {"type": "array", "items": {"type": "object"}},
                             "forms": {"type": "array", "items": {"type": "object"}}}}
_EVAL = {"type": "object", "required": ["rule_id", "outcome", "facts_used", "reason"],
         "properties": {"rule_id": {"type": "string"}, "outcome": _OUTCOME, "facts_used": {"type": "object"},
                        "reason": {"type": "string"}, "items": {"type": "array", "items": {"type": "object"}}}}
_CHECK = {"type": "object", "required": ["programme", "outcome", "rules"],
          "properties": {"programme": {"type": "string"},
                         "outcome": {"type": "string", "enum": ["pass", "fail", "unknown"]},
                         "rules": {"type": "array", "items": _EVAL}, "subject": {"type": "object"},
                         "group_check": {"type": "object"}, "programme_name": {"type": "string"},
                         "what_if": {"type": "array", "items": {"type": "string"}}}}
_CHECK_BODY = {"type": "object", "required": ["programme"],
               "anyOf": [{"required": ["project_id"]}, {"required": ["uscc"]}],
               "properties": {"programme": {"type": "string", "enum": list(programmes.PROGRAMMES)},
                              "project_id": {"type": "string", "minLength": 1, "maxLength": 64}, "uscc": USCC,
                              "facts": {"type": "object", "description": "What-if facts (fact name → value) "
                                        "overlaying the stored ones; names as in graphsvc.programmes.facts.FACT_TYPES"}}}
_RECOGNITION = {"type": "object", "required": ["kind", "level", "year"],
                "properties": {"kind": {"type": "string", "enum": list(programmes.RECOGNITION_KINDS)},
                               "level": {"type": "string", "enum": list(programmes.RECOGNITION_LEVELS)},
                               "year": {"type": "integer", "minimum": 2000, "maximum": 2100}}}
_QUOTE = {"type": "object", "required": ["amount_wan", "already_paid_wan", "payable_wan", "rule_ids", "outcome"],
          "properties": {"amount_wan": {"type": "number"}, "already_paid_wan": {"type": "number"},
                         "payable_wan": {"type": "number"}, "rule_ids": {"type": "array", "items": {"type": "string"}},
                         "outcome": {"type": "string", "enum": ["pass", "fail", "unknown"]},
                         "reason": {"type": "string"}, "tier": _NSTR, "note": {"type": "string"},
                         "held": {"type": "boolean"}, "awarded_this_year": {"type": "integer"},
                         "yearly_cap": {"type": "integer", "nullable": True},
                         "paid_basis": {"type": "array", "items": {"type": "object"}}}}
_TARGET_ROW = {"type": "object", "required": ["target_id", "rule_id", "indicator", "target", "actual", "shortfall"],
               "properties": {"target_id": {"type": "string"}, "rule_id": {"type": "string"},
                              "indicator": {"type": "string"}, "target": _NNUM, "aim": _NNUM,
                              "actual": {"type": "integer"}, "shortfall": _NNUM, "note": {"type": "string"}}}
_TARGETS = {"type": "object", "required": ["region", "year", "rows"],
            "properties": {"region": {"type": "string"}, "region_name": _NSTR, "year": {"type": "integer"},
                           "rows": {"type": "array", "items": _TARGET_ROW}, "note": {"type": "string"}}}
_FORM = {"type": "object", "required": ["form", "title", "region", "year", "columns", "rows", "count"],
         "properties": {"form": {"type": "string"}, "name": {"type": "string"}, "attachment": {"type": "string"},
                        "title": {"type": "string"}, "region": {"type": "string"}, "region_name": _NSTR,
                        "year": {"type": "integer"}, "columns": {"type": "array", "items": {"type": "object"}},
                        "rows": {"type": "array", "items": {"type": "object"}}, "count": {"type": "integer"},
                        "note": {"type": "string"}}}
_REGION = q("region", {"type": "string", "pattern": "^[0-9]{6}$"},
            description="GB/T 2260 code; default: the bureau's own scope (required for admin)")
_YEAR = q("year", {"type": "integer", "minimum": 2000, "maximum": 2100})

OPENAPI = {
    "/rules": {"get": {"summary": "Programme rules catalogue (documents, rules with params, programmes, forms)",
                       "security": [], "responses": ok(_CATALOGUE)}},
    "/rules/{rule_id}": {"get": {"summary": "One rule by id (e.g. A2.5)", "security": [],
                                 "parameters": [p("rule_id")], "responses": {**ok(_RULE), **err(404)}}},
    "/eligibility/check": {"post": {
        "summary": "Eligibility of a stored project ({programme, project_id}) or an enterprise what-if "
                   "({programme, uscc, facts}); each rule pass/fail/unknown/not_applicable with its facts",
        "requestBody": {"required": True, "content": {"application/json": {"schema": _CHECK_BODY}}},
        "responses": {**ok(_CHECK), **err(400, 401, 403, 404)}}},
    "/subsidies/quote": {"post": {
        "summary": "B10 award for a recognition, paid as the difference to the tier already received",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["uscc", "recognition"],
            "properties": {"uscc": USCC, "recognition": _RECOGNITION}}}}},
        "responses": {**ok(_QUOTE), **err(400, 401, 404)}}},
    "/targets": {"get": {"summary": "Targets (B2–B5, E1, E2, D10) against recognitions; shortfall per target",
                         "parameters": [_REGION, _YEAR], "responses": {**ok(_TARGETS), **err(400, 401, 403)}}},
    "/exports/{form}": {"get": {
        "summary": "Government summary table (附件1/附件2/附件3) as .xlsx, or its rows with format=json",
        "parameters": [p("form", {"type": "string", "enum": list(programmes.FORM_NAMES)}), _REGION, _YEAR,
                       q("format", {"type": "string", "enum": ["xlsx", "json"]})],
        "responses": {**ok(_FORM, extra_types=(XLSX,)), **err(400, 401, 403, 404)}}},
}
