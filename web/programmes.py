"""Programmes (issue 7): the rules catalogue, eligibility checks, B10 subsidy quotes, targets
against recognitions and the government summary tables (附件1–3) — the /api/v1 routes and the
pages /eligibility (申报自查), /targets (目标进度), /exports (汇总表导出).

Views parse the request and ask ``graphsvc.programmes.service``, which decides what the
caller may see; pages answer JSON for ``Accept: application/json`` (``web.respond``).
"""
from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, jsonify, request, send_file

from graphsvc.core.errors import BadParameter, DomainError, Forbidden, NotFound
from graphsvc.core.vocabulary import ELIGIBILITY_OUTCOMES
from graphsvc.programmes import catalogue as _cat
from graphsvc.programmes import facts, listing
from graphsvc.programmes import service
from web.auth import current_principal, page, require, store
from web.openapi import PREFIX as API
from web.openapi import USCC, err, ok, p, q
from web.params import arg_int, json_body
from web.respond import raise_for_json, respond

bp = Blueprint("programmes", __name__)

XLSX = service.XLSX


# ---------------------------------------------------------------- API

@bp.get(API + "/rules")
def rules_catalogue():
    return jsonify(service.rules_catalogue())


@bp.get(API + "/rules/<rule_id>")
def rule_one(rule_id):
    return jsonify(service.rule(rule_id))


@bp.post(API + "/eligibility/check")
@require()
def eligibility_check():
    return jsonify(service.eligibility(store(), current_principal(), json_body()))


@bp.post(API + "/subsidies/quote")
@require()
def subsidy_quote():
    return jsonify(service.subsidy_quote(store(), current_principal(), json_body()))


@bp.get(API + "/targets")
@require("admin", "bureau")
def targets_progress():
    year = arg_int("year", service.default_target_year(store()), minimum=2000, maximum=2100)
    return jsonify(service.target_progress(store(), current_principal(), request.args.get("region"), year))


@bp.get(API + "/exports/<form>")
@require("admin", "bureau")
def export_form(form):
    form = service.form_id(form)
    fmt = (request.args.get("format") or "xlsx").lower()
    if fmt not in ("xlsx", "json"):
        raise BadParameter("参数 format 应为 xlsx 或 json", "format")
    region = service.region_for(current_principal(), request.args.get("region"))
    year = arg_int("year", None, minimum=2000, maximum=2100)
    data = service.export_data(store(), current_principal(), form, region, year)
    if fmt == "json":
        return jsonify(listing.jsonable(data))
    blob, filename = service.export_file(data)
    resp = send_file(io.BytesIO(blob), mimetype=XLSX, as_attachment=True, download_name=filename, max_age=0)
    resp.headers["X-Row-Count"] = str(data["count"])
    resp.headers["Cache-Control"] = "no-store"
    return resp


# ---------------------------------------------------------------- /eligibility (申报自查)

OUTCOME_NAMES = ELIGIBILITY_OUTCOMES
OUTCOME_CLASS = {"pass": "ok", "fail": "bad", "unknown": "warn", "not_applicable": "", "notice": "",
                 "needs_reason": "warn", "reference": ""}
# Comparison operators as the requirement column reads them.
OP_TEXT = {">=": "不低于", ">": "超过", "<=": "不超过", "==": "须为", "increasing": "保持增长的年数："}
# A reference-indicator programme (seed 001) says met / not met, never pass / fail.
REFERENCE_NAMES = {**OUTCOME_NAMES, "pass": "达到参考指标", "fail": "未达到参考指标"}

# How the self-check form asks for a what-if fact: (input kind, choices or placeholder).  Which
# facts a programme asks for is data (the catalogue's `what_if`); facts not named here are text.
_YESNO = [("", "（按图谱/未填）"), ("true", "是"), ("false", "否")]
_RATING = [("", "（未填）"), ("AAA", "AAA"), ("AA", "AA"), ("A", "A"), ("B", "B"),
           ("优秀", "优秀"), ("良好", "良好"), ("中等", "中等"), ("较差", "较差")]
FACT_WIDGETS = {
    "start_date": ("date", None), "one_plus_n": ("select", [("", "（按图谱/未填）"), ("1", "1（牵头企业）"),
                                                            ("N", "N（协同企业）")]),
    "category": ("select", lambda: [("", "（请选择）")] + [(c, c) for c in _cat.params("A1.1")["categories"]]),
    "in_pool_2021_2022": ("select", [("", "（按图谱记录判断）"), ("true", "是"), ("false", "否")]),
    "revenue_growth": ("text", "如 12% 或 0.12"), "tax_growth": ("text", "如 8%"),
    "target_fields": ("text", "多个用分号分隔"), "revenue_growth_3y_avg": ("text", "如 25%"),
    "profit_margin": ("text", "如 8%"), "credit_rating": ("select", _RATING),
    "rd_spend_wan_by_year": ("text", "如 2020:500;2021:600;2022:700"), "rd_staff_ratio": ("text", "如 16%"),
    "degree_ratio": ("text", "如 55%"),
}
# Fact types (facts.FACT_TYPES) and the input that fits them when FACT_WIDGETS says nothing.
_TYPE_WIDGETS = {"boolean": ("select", _YESNO), "number": ("number", None), "integer": ("number", None),
                 "rank": ("number", None), "count_or_list": ("number", None)}


def _widget(key: str) -> tuple[str, object]:
    kind, extra = FACT_WIDGETS.get(key) or _TYPE_WIDGETS.get(facts.FACT_TYPES.get(key), ("text", None))
    return kind, (extra() if callable(extra) else extra)


def _fact_fields() -> dict:
    """Per programme, the what-if inputs of the form: ``[{key, label, input, choices, placeholder}]``."""
    out = {}
    for pid in listing.PROGRAMMES:
        out[pid] = []
        for key in listing.what_if_facts(pid):
            kind, extra = _widget(key)
            out[pid].append({"key": key, "label": facts.fact_label(key), "input": kind,
                             "choices": extra if kind == "select" else None,
                             "placeholder": extra if kind != "select" else None})
    return out


def _field_of(api_field: str | None) -> str:
    """Map an API error field (facts.investment_wan, project_id …) to the form input name."""
    if not api_field:
        return "form"
    if api_field.startswith("facts."):
        key = api_field.split(".")[-1].split("[")[0]
        return f"f_{key}"
    if api_field.startswith("extra"):
        return "extra"
    return api_field


def _extra_facts(text: str, errors: dict) -> dict:
    """The free “fact=value” lines of the form."""
    out = {}
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            errors["extra"] = f"第{n}行应写作“事实名=值”，如 investment_wan=180"
            break
        out[key.strip()] = value.strip()
    return out


def _subject_from_form(form, who, body: dict, errors: dict) -> None:
    """The project or enterprise the form asks about (an enterprise account: itself)."""
    subject = form.get("subject", "project")
    if subject == "project":
        body["project_id"] = (form.get("project_id") or "").strip()
        if not body["project_id"]:
            errors["project_id"] = "请选择或填写项目编号"
    elif who.role in ("manufacturer", "supplier"):
        body["uscc"] = who.uscc
    else:
        body["uscc"] = (form.get("uscc") or "").strip().upper()
        if not body["uscc"]:
            errors["uscc"] = "请填写企业统一社会信用代码"


def _request_from_form(form, who, progs: list[dict]) -> tuple[dict, dict]:
    """The API request a submitted self-check form stands for, and field errors found here."""
    errors: dict = {}
    body: dict = {"programme": form.get("programme", "")}
    if body["programme"] not in [p["id"] for p in progs]:
        errors["programme"] = "请选择申报项目"
    _subject_from_form(form, who, body, errors)
    given = {}
    for key in _what_if(body["programme"]):
        raw = (form.get(f"f_{key}") or "").strip()
        if raw:
            given[key] = raw
    given.update(_extra_facts(form.get("extra"), errors))
    if given:
        body["facts"] = given
    return body, errors


def _what_if(programme: str | None) -> list[str]:
    return listing.what_if_facts(programme) if programme in listing.PROGRAMMES else []


def _family(exc: DomainError) -> type[DomainError]:
    """The DomainError kind of *exc* (its own class may take other arguments)."""
    return next((k for k in (BadParameter, NotFound, Forbidden) if isinstance(exc, k)), BadParameter)


def _error_field(exc: DomainError, values: dict) -> str:
    """The form input a domain error belongs next to (a 404 without a field: the subject)."""
    if isinstance(exc, NotFound) and not exc.field:
        if "申报项目" in exc.message:
            return "programme"
        return "project_id" if values.get("subject") == "project" else "uscc"
    return _field_of(exc.field)


def _shown_errors(errors: dict, programme: str | None) -> dict:
    """Errors for inputs the form does not show go under “其他事实” or the whole form."""
    shown = {"programme", "project_id", "uscc", "extra"} | {f"f_{k}" for k in _what_if(programme)}
    out = {}
    for key, detail in errors.items():
        target = key if key in shown else ("extra" if key.startswith("f_") else "form")
        out.setdefault(target, detail)
    return out


def _self_check(values: dict, who, progs: list[dict]) -> tuple[dict | None, dict]:
    """Run the check the form asks for: (result, {field: error}); JSON callers get the first
    error raised with its status."""
    body, errors = _request_from_form(values, who, progs)
    cls = BadParameter
    if not errors:
        try:
            return service.eligibility(store(), who, body), {}
        except DomainError as exc:
            cls = _family(exc)
            errors[_error_field(exc, values)] = exc.message
    errors = _shown_errors(errors, values.get("programme"))
    field, detail = next(iter(errors.items()))
    raise_for_json(cls(detail, field, errors=errors))
    return None, errors


def _with_rule_texts(result: dict) -> dict:
    texts = _cat.default()["rules"]
    for r in result["rules"]:
        r["text"] = texts.get(r["rule_id"], {}).get("text", "")
    return result


@bp.route("/eligibility", methods=["GET", "POST"])
@page("admin", "bureau", "manufacturer", "supplier", nav="申报自查", nav_order=90)
def eligibility():
    who = current_principal()
    progs = service.programmes_for(who, store())
    projects = service.own_projects(store(), who)
    form = request.form if request.method == "POST" else request.args
    values = {k: v for k, v in form.items() if k != "csrf_token"}
    values.setdefault("programme", progs[0]["id"] if progs else "")
    values.setdefault("subject", "project" if projects or who.role in ("admin", "bureau") else "enterprise")
    result, errors = None, {}
    if request.method == "POST" or request.args.get("programme"):
        result, errors = _self_check(values, who, progs)
    meta = {"programmes": progs, "projects": projects, "fact_fields": _fact_fields(),
            "api": API + "/eligibility/check"}
    # Form errors sit next to the fields of a page served fine (200: a browser logs no failed
    # load); JSON callers got the error with its status above.
    page_context = {"values": values, "errors": errors, "outcome_names": OUTCOME_NAMES,
                    "outcome_class": OUTCOME_CLASS, "fact_label": facts.fact_label, "fmt": _fmt,
                    "reference_names": REFERENCE_NAMES, "op_text": OP_TEXT}
    if result:
        return respond(result, "programmes/eligibility.html", payload_as="result", **meta, **page_context)
    return respond(meta, "programmes/eligibility.html", result=None, **page_context)


def _fmt(value) -> str:
    """A fact value as shown in the results table."""
    if value is None:
        return "（缺）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return f"{len(value)}条"
        return "、".join(map(str, value)) or "（无）"
    if isinstance(value, dict):
        return "；".join(f"{facts.fact_label(str(k))}：{_fmt(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# ---------------------------------------------------------------- /targets and /exports

def _years() -> list[int]:
    return list(range(2021, max(dt.date.today().year, 2025) + 1))


def _year_arg(errors: dict, default: int) -> int | None:
    raw = (request.args.get("year") or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        errors["year"] = "年度应为2000–2100之间的整数"
        return None
    return int(raw)


def _target_filters(who) -> tuple[str | None, int | None, dict]:
    """(region, year, {field: error}) of the targets page; JSON callers get the first error
    raised (400, or 403 for a region outside the scope)."""
    errors, problems, region = {}, [], None
    try:
        region = service.region_for(who, request.args.get("region") or service.default_region(who))
    except DomainError as exc:
        errors["region"] = exc.message
        problems.append(exc)
    year = _year_arg(errors, service.default_target_year(store()))
    if "year" in errors:
        problems.append(BadParameter(errors["year"], "year"))
    if problems:
        raise_for_json(problems[0])
    return region, year, errors


@bp.get("/targets")
@page("admin", "bureau", nav="目标进度", nav_order=50)
def targets_page():
    who = current_principal()
    region, year, errors = _target_filters(who)
    data = None if errors else service.target_progress(store(), who, region, year)
    # Filter errors are shown next to the field (JSON callers got 400/403 above).
    return respond(data or {}, "programmes/targets.html", payload_as="data", errors=errors,
                   regions=service.region_choices(who), years=_years(),
                   values={"region": request.args.get("region") or region or "",
                           "year": request.args.get("year") or year or ""})


@bp.get("/exports")
@page("admin", "bureau", nav="汇总表导出", nav_order=60)
def exports_page():
    return respond(service.export_choices(current_principal()), "programmes/exports.html", years=_years())


# ---------------------------------------------------------------- OpenAPI

_OUTCOME = {"type": "string", "enum": ["pass", "fail", "unknown", "not_applicable", "notice", "needs_reason"],
            "description": "notice: information, never a failure (A1.5); needs_reason: a “原则上” condition "
                           "not met, for the bureau to decide on the applicant's reasons"}
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
                         "outcome": {"type": "string", "enum": ["pass", "fail", "unknown", "needs_reason", "reference"],
                                     "description": "reference: the programme's rules are reference "
                                                    "indicators (summary says how many are met)"},
                         "basis": {"type": "string", "enum": ["reference"]},
                         "summary": {"type": "object", "properties": {
                             "met": {"type": "integer"}, "not_met": {"type": "integer"},
                             "unknown": {"type": "integer"}, "total": {"type": "integer"}, "text": {"type": "string"}}},
                         "rules": {"type": "array", "items": _EVAL}, "subject": {"type": "object"},
                         "group_check": {"type": "object"}, "programme_name": {"type": "string"},
                         "what_if": {"type": "array", "items": {"type": "string"}}}}
_RATIO_FACTS = {k: {"oneOf": [{"type": "number", "minimum": lo, "maximum": hi},
                              {"type": "string", "pattern": "^-?[0-9.]+%$"}],
                    "description": f"{facts.fact_label(k)}: a fraction (0.05 = 5%) or percent text (\"5%\"); "
                                   f"from {lo * 100:g}% to {hi * 100:g}%, else 400"}
                for k, (lo, hi) in facts.RATIO_BOUNDS.items()}
_CHECK_BODY = {"type": "object", "required": ["programme"],
               "anyOf": [{"required": ["project_id"]}, {"required": ["uscc"]}],
               "properties": {"programme": {"type": "string", "enum": list(listing.PROGRAMMES)},
                              "project_id": {"type": "string", "minLength": 1, "maxLength": 64}, "uscc": USCC,
                              "facts": {"type": "object", "description": "What-if facts (fact name → value) "
                                        "overlaying the stored ones; names as in graphsvc.programmes.facts.FACT_TYPES. "
                                        "Money in 万元; ratios as fractions (0.05) or percent text (\"5%\")",
                                        "properties": _RATIO_FACTS}}}
_RECOGNITION = {"type": "object", "required": ["kind", "level", "year"],
                "properties": {"kind": {"type": "string", "enum": list(facts.RECOGNITION_KINDS)},
                               "level": {"type": "string", "enum": list(facts.RECOGNITION_LEVELS)},
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
                              "actual": {"type": "integer"}, "shortfall": _NNUM, "note": {"type": "string"},
                              "applies_to": {"type": "string", "nullable": True,
                                             "description": "the region the target is set for (a district "
                                                            "is never compared with a city-wide target)"},
                              "district_actual": {"type": "integer", "nullable": True,
                                                  "description": "the asked district's own count, apart"}}}
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
        "parameters": [p("form", {"type": "string", "enum": list(service.form_ids())}), _REGION, _YEAR,
                       q("format", {"type": "string", "enum": ["xlsx", "json"]})],
        "responses": {**ok(_FORM, extra_types=(XLSX,)), **err(400, 401, 403, 404)}}},
}
