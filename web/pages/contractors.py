"""/contractors: 服务商推荐 — the ranking of GET /api/v1/contractors/recommend as a page.

A manufacturer sees recommendations for itself (the search runs on arrival with type 1); a
bureau or admin first picks a manufacturer, by USCC or by a fragment of its name (searched
within the region it may see). The same URL with `Accept: application/json` gives the data.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, jsonify, render_template, request
from stdnum.cn import uscc as stdnum_uscc

from graphsvc.core import access
from graphsvc.core import regions
from graphsvc.contractors import recommend as R
from web.api.recommend import MAX_LIMIT, recommendation
from web.auth import current_principal, page, store
from web.errors import ApiError, wants_json

bp = Blueprint("contractors", __name__)

LIMITS = (10, 20, 50)
FLAG_VALUES = ("true", "1", "yes", "on")


def _form_values(args) -> dict:
    """What the user typed, kept as typed (shown again next to any error)."""
    return {"manufacturer": (args.get("manufacturer") or "").strip(),
            "provider_type": (args.get("provider_type") or "").strip(),
            "unit": (args.get("unit") or "").strip(), "scenario": (args.get("scenario") or "").strip(),
            "limit": (args.get("limit") or "").strip(),
            "recognised_only": (args.get("recognised_only") or "").lower() in FLAG_VALUES,
            "c2_only": (args.get("c2_only") or "").lower() in FLAG_VALUES}


def _check(form: dict) -> tuple[dict, dict]:
    """Validate the form; returns (clean values, {field: Chinese message})."""
    errors, clean = {}, {}
    try:
        pt = int(form["provider_type"] or 1)
        if not 1 <= pt <= 6:
            raise ValueError
        clean["provider_type"] = pt
    except ValueError:
        errors["provider_type"] = "服务商类型应为 1–6"
    if form["unit"] and form["unit"] not in R.UNITS:
        errors["unit"] = "改造单元应为制造单元、生产线、车间或工厂"
    clean["unit"] = form["unit"] or None
    if form["scenario"] and form["scenario"] not in R.scenarios():
        errors["scenario"] = "应用场景应为六大新场景之一"
    clean["scenario"] = form["scenario"] or None
    try:
        limit = int(form["limit"] or 10)
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError
        clean["limit"] = limit
    except ValueError:
        errors["limit"] = f"显示条数应为 1–{MAX_LIMIT}"
    return clean, errors


def _search_manufacturers(who, text: str) -> list[dict]:
    """Manufacturers whose name contains `text`, within what `who` may see (at most 20)."""
    prefix = access.visible_prefix(who)
    if prefix is None:
        return []
    rows = store().read("enterprises/list", prefix=prefix, uscc=None, q=text, provider_type=None,
                        after=None, limit=200)
    out = [{"uscc": r["uscc"], "name": r["name"], "region_code": r["region_code"],
            "region_name": regions.district_name(r["region_code"] or "") or ""}
           for r in rows if r.get("is_manufacturer")]
    return out[:20]


def _query_string(values: dict, **over) -> str:
    q = {k: v for k, v in {**values, **over}.items() if v not in (None, "", False)}
    return urlencode({k: ("true" if v is True else v) for k, v in q.items()})


@bp.get("/contractors")
@page("admin", "bureau", "manufacturer", nav="服务商推荐", nav_order=80)
def contractors():
    who = current_principal()
    form = _form_values(request.args)
    if who.role == "manufacturer" and not form["manufacturer"]:
        form["manufacturer"] = who.uscc or ""
    asked = bool(request.args) or who.role == "manufacturer"
    clean, errors = _check(form) if asked else ({}, {})
    matches: list[dict] = []
    result = None
    status = 400 if errors else 200
    text = form["manufacturer"].upper()
    if asked and not errors:
        if not text:
            errors["manufacturer"] = "请输入制造企业的统一社会信用代码或名称关键词"
            status = 400
        elif not stdnum_uscc.is_valid(text):
            matches = _search_manufacturers(who, form["manufacturer"])
            if len(matches) == 1:
                text = matches[0]["uscc"]
                form["manufacturer"] = text
            elif not matches:
                errors["manufacturer"] = ("不是有效的统一社会信用代码，也没有名称包含该关键词的可见制造企业"
                                          if len(text) != 18 else "不是有效的统一社会信用代码（校验位不符）")
                status = 400 if len(text) == 18 else 404
        if not errors and (stdnum_uscc.is_valid(text)):
            query = R.Query(clean["provider_type"], clean["unit"], clean["scenario"], clean["limit"],
                            form["recognised_only"], form["c2_only"])
            try:
                result = recommendation(text, query)
                matches = []
            except ApiError as exc:
                if wants_json() or exc.status in (401, 403):
                    raise
                errors["manufacturer"] = exc.detail
                status = exc.status
    if wants_json():
        if errors:
            field, detail = next(iter(errors.items()))
            raise ApiError(status, "bad_request" if status == 400 else "not_found", detail, field=field,
                           errors=errors)
        return jsonify({"form": form, "matches": matches, "result": result})
    api_url = "/api/v1/contractors/recommend"
    if result:
        api_url += "?" + _query_string({"manufacturer": result["manufacturer"],
                                        "provider_type": result["provider_type"], "unit": result["unit"],
                                        "scenario": result["scenario"], "limit": result["limit"],
                                        "recognised_only": form["recognised_only"], "c2_only": form["c2_only"]})
    pick_links = [{**mt, "url": "/contractors?" + _query_string(form, manufacturer=mt["uscc"])} for mt in matches]
    return render_template(
        "contractors/index.html", form=form, errors=errors, result=result, matches=pick_links,
        types=R.provider_type_names(), units=R.UNIT_NAMES, scenarios=R.scenarios(), limits=LIMITS,
        asked=asked, api_url=api_url, fixed_manufacturer=who.role == "manufacturer",
        kind_names=R.KIND_NAMES), status
