"""/eligibility (申报自查), /targets (目标进度), /exports (汇总表导出) — issue 7.

Same data and scoping as the `web/api/rules.py` endpoints, which these pages call in
process (the self-check form) or from the browser (the export downloads).  Each page answers
JSON for `Accept: application/json`.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, jsonify, render_template, request

from graphsvc.core import access
from graphsvc.core import regions
from graphsvc.programmes import facts as programmes
from graphsvc.programmes import catalogue as _cat
from graphsvc.programmes import forms
from web.api.rules import SUPPLIER_PROGRAMMES, eligibility_request
from web.auth import current_principal, page, store
from web.errors import ApiError, wants_json

bp = Blueprint("rules", __name__)

OUTCOME_NAMES = {"pass": "通过", "fail": "不通过", "unknown": "待补充", "not_applicable": "不适用"}
OUTCOME_CLASS = {"pass": "ok", "fail": "bad", "unknown": "warn", "not_applicable": ""}

# The what-if inputs the self-check form offers per programme: (fact, input kind, choices).
_YESNO = [("", "（按图谱/未填）"), ("true", "是"), ("false", "否")]
FACT_INPUTS = {
    "hz-2023-digital-project": [
        ("start_date", "date", None), ("investment_wan", "number", None),
        ("one_plus_n", "select", [("", "（按图谱/未填）"), ("1", "1（牵头企业）"), ("N", "N（协同企业）")]),
        ("group_id", "text", None), ("prior_city_subsidy", "select", _YESNO)],
    "hz-2023-future-factory": [
        ("category", "select", [("", "（请选择）")] + [(c, c) for c in _cat.params("A1.1")["categories"]]),
        ("in_pool_2021_2022", "select", [("", "（按图谱记录判断）"), ("true", "是"), ("false", "否")])],
    "bj-2023-provider": [
        ("four_capabilities", "select", _YESNO), ("revenue_growth", "text", "如 12% 或 0.12"),
        ("tax_growth", "text", "如 8%"), ("own_ip", "select", _YESNO), ("has_team", "select", _YESNO),
        ("three_year_goals", "select", _YESNO), ("rd_budget", "select", _YESNO),
        ("target_fields", "text", "多个用分号分隔"), ("violations_3y", "number", None)],
    "zj-2022-digital-factory": [
        ("revenue_growth_3y_avg", "text", "如 25%"), ("profit_margin", "text", "如 8%"),
        ("tax_per_mu_wan", "number", None), ("market_rank_global", "number", None),
        ("market_rank_national", "number", None),
        ("credit_rating", "select", [("", "（未填）"), ("AAA", "AAA"), ("AA", "AA"), ("A", "A"), ("B", "B"),
                                     ("优秀", "优秀"), ("良好", "良好"), ("中等", "中等"), ("较差", "较差")]),
        ("rd_spend_wan_by_year", "text", "如 2020:500;2021:600;2022:700"), ("rd_staff_ratio", "text", "如 16%"),
        ("degree_ratio", "text", "如 55%"), ("talent_team", "select", _YESNO),
        ("invention_patents", "number", None), ("software_copyrights", "number", None),
        ("standards", "number", None), ("uses_cloud", "select", _YESNO),
        ("data_middle_platform", "select", _YESNO), ("security_management", "select", _YESNO),
        ("data_classification", "select", _YESNO), ("developers", "number", None),
        ("integrated_apps", "number", None), ("service_cases_3y", "number", None),
        ("industries_served", "number", None)],
}


def _programmes_for(who) -> list[dict]:
    ids = programmes.programme_ids()
    if who.role == "supplier":
        ids = [i for i in ids if i in SUPPLIER_PROGRAMMES]
    order = list(programmes.PROGRAMMES)
    ids.sort(key=lambda i: order.index(i) if i in order else 99)
    return [{"id": i, "name": programmes.PROGRAMMES.get(i, i)} for i in ids]


def _fact_fields() -> dict:
    return {pid: [{"key": k, "label": programmes.fact_label(k), "input": kind,
                   "choices": choices if kind == "select" else None,
                   "placeholder": choices if kind != "select" else None}
                  for k, kind, choices in fields]
            for pid, fields in FACT_INPUTS.items()}


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


def _request_from_form(form, who, progs: list[dict]) -> tuple[dict, dict]:
    """The API request a submitted self-check form stands for, and field errors found here."""
    errors: dict = {}
    body: dict = {"programme": form.get("programme", "")}
    if body["programme"] not in [p["id"] for p in progs]:
        errors["programme"] = "请选择申报项目"
    subject = form.get("subject", "project")
    if subject == "project":
        body["project_id"] = (form.get("project_id") or "").strip()
        if not body["project_id"]:
            errors["project_id"] = "请选择或填写项目编号"
    if who.role in ("manufacturer", "supplier"):
        if subject != "project":
            body["uscc"] = who.uscc
    elif subject != "project":
        body["uscc"] = (form.get("uscc") or "").strip().upper()
        if not body["uscc"]:
            errors["uscc"] = "请填写企业统一社会信用代码"
    facts: dict = {}
    for key, _kind, _c in FACT_INPUTS.get(body["programme"], []):
        raw = (form.get(f"f_{key}") or "").strip()
        if raw:
            facts[key] = raw
    for n, line in enumerate((form.get("extra") or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            errors["extra"] = f"第{n}行应写作“事实名=值”，如 investment_wan=180"
            break
        facts[key.strip()] = value.strip()
    if facts:
        body["facts"] = facts
    return body, errors


@bp.route("/eligibility", methods=["GET", "POST"])
@page("admin", "bureau", "manufacturer", "supplier", nav="申报自查", nav_order=90)
def eligibility():
    who = current_principal()
    progs = _programmes_for(who)
    projects = programmes.own_projects(store(), who.uscc) if who.uscc else []
    form = request.form if request.method == "POST" else request.args
    values = {k: v for k, v in form.items() if k != "csrf_token"}
    values.setdefault("programme", progs[0]["id"] if progs else "")
    values.setdefault("subject", "project" if projects or who.role in ("admin", "bureau") else "enterprise")
    result, errors, status = None, {}, 200
    if request.method == "POST" or request.args.get("programme"):
        body, errors = _request_from_form(values, who, progs)
        if not errors:
            try:
                result = eligibility_request(body, who)
            except ApiError as exc:
                errors[_field_of(exc.extra.get("field"))] = exc.detail
                if exc.status == 404 and "field" not in exc.extra:
                    key = "programme" if "申报项目" in exc.detail else (
                        "project_id" if values.get("subject") == "project" else "uscc")
                    errors[key] = exc.detail
                    errors.pop("form", None)
                status = exc.status
        else:
            status = 400
        shown = {"programme", "project_id", "uscc", "extra"} | {
            f"f_{k}" for k, _i, _c in FACT_INPUTS.get(values.get("programme"), [])}
        for key in [k for k in errors if k not in shown]:
            target = "extra" if key.startswith("f_") else "form"
            errors[target] = errors.pop(key) if target not in errors else errors[target]
            errors.pop(key, None)
        if wants_json():
            if errors:
                first = next(iter(errors))
                return jsonify({"error": "bad_request" if status == 400 else "not_found" if status == 404 else
                                "forbidden", "detail": errors[first], "field": first, "errors": errors}), status
            return jsonify(result)
    elif wants_json():
        return jsonify({"programmes": progs, "projects": projects, "fact_fields": _fact_fields(),
                        "api": "/api/v1/eligibility/check"})
    if result:
        texts = _cat.default()["rules"]
        for r in result["rules"]:
            r["text"] = texts.get(r["rule_id"], {}).get("text", "")
    # The re-rendered form carries its errors next to the fields; the page itself is served
    # fine (200), so a browser logs no failed load.  JSON callers got the real status above.
    return render_template("rules/eligibility.html", programmes=progs, projects=projects, values=values,
                           errors=errors, result=result, fact_fields=_fact_fields(),
                           outcome_names=OUTCOME_NAMES, outcome_class=OUTCOME_CLASS,
                           fact_label=programmes.fact_label, fmt=_fmt)


def _fmt(value) -> str:
    """A fact value as shown in the results table."""
    if value is None:
        return "（缺）"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return f"{len(value)}条"
        return "、".join(map(str, value)) or "（无）"
    if isinstance(value, dict):
        return "；".join(f"{k}: {_fmt(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# ---------------------------------------------------------------- targets and exports

def _region_choices(who) -> list[dict]:
    """Regions the caller may ask for: its scope and the districts in it (admin: 杭州, 绍兴,
    their districts, 浙江)."""
    roots = [who.scope] if who.role == "bureau" and who.scope else ["330100", "330600", "330000"]
    out = []
    for root in roots:
        out.append({"code": root, "name": regions.district_name(root) or root})
        r = regions.region(root)
        if r and r["level"] == "city":
            kids = sorted((c for c in regions.regions().values()
                           if c.get("parent") == root and not c.get("successor")), key=lambda c: c["code"])
            out.extend({"code": c["code"], "name": "　" + c["name"]} for c in kids)
    return out


def _region_arg(who, errors: dict) -> str | None:
    region = (request.args.get("region") or "").strip()
    if not region:
        return who.scope if who.role == "bureau" else "330100"
    if len(region) != 6 or not region.isdigit() or not regions.is_known_region(region):
        errors["region"] = "请选择有效的行政区划"
        return None
    if not access.scope_within(who, region):
        errors["region"] = "所选地区超出您的管辖范围"
        return None
    return region


def _year_arg(errors: dict, default: int) -> int | None:
    raw = (request.args.get("year") or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        errors["year"] = "年度应为2000–2100之间的整数"
        return None
    return int(raw)


def _page_error(errors: dict):
    first = next(iter(errors))
    status = 403 if "管辖" in errors[first] else 400
    return jsonify({"error": "forbidden" if status == 403 else "bad_request", "detail": errors[first],
                    "field": first}), status


@bp.get("/targets")
@page("admin", "bureau", nav="目标进度", nav_order=50)
def targets_page():
    who = current_principal()
    errors: dict = {}
    this_year = dt.date.today().year
    region = _region_arg(who, errors)
    year = _year_arg(errors, this_year)
    if errors and wants_json():
        return _page_error(errors)
    data = None
    if not errors:
        data = programmes.jsonable(programmes.target_progress(store(), region, year))
        if wants_json():
            return jsonify(data)
    # Filter errors are shown next to the field (JSON callers got 400/403 above).
    return render_template("rules/targets.html", data=data, errors=errors, regions=_region_choices(who),
                           years=list(range(2021, max(this_year, 2025) + 1)),
                           values={"region": request.args.get("region") or region or "",
                                   "year": request.args.get("year") or year or ""})


@bp.get("/exports")
@page("admin", "bureau", nav="汇总表导出", nav_order=60)
def exports_page():
    who = current_principal()
    regions = _region_choices(who)
    default_region = who.scope if who.role == "bureau" else "330100"
    items = [{"id": f, "name": programmes.FORM_NAMES[f], "title": forms.FORMS[f]["title"],
              "default_year": programmes.default_year(f),
              "url": f"/api/v1/exports/{f}?region={default_region}&year={programmes.default_year(f)}"}
             for f in programmes.form_ids()]
    if wants_json():
        return jsonify({"forms": items, "regions": regions, "default_region": default_region,
                        "api": "/api/v1/exports/<form>?region=&year=&format=xlsx|json"})
    return render_template("rules/exports.html", forms=items, regions=regions, default_region=default_region,
                           years=list(range(2021, max(dt.date.today().year, 2025) + 1)))
