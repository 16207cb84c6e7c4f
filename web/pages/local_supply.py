"""Pages for bureaus and admins: /local-supply, /local-supply/<uscc>, /chains, /chains/<id>.

Each page's data is the matching API payload (web/api/local_supply.py); with
``Accept: application/json`` the page answers with that JSON instead of HTML.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, jsonify, render_template, request

from graphsvc.local_supply import coverage
from graphsvc.core import regions
from graphsvc.local_supply import ratios
from graphsvc.core import reference
from graphsvc.core.formatting import pct_text
from graphsvc.core.regions import label as region_label
from web.api.local_supply import (
    arg_chain,
    arg_scope,
    arg_year,
    caller_region,
    coverage_payload,
    leader_payload,
    ratio_payload,
)
from web.auth import current_principal, page, store
from web.errors import ApiError, wants_json

bp = Blueprint("local_supply", __name__)
ROLES = ("admin", "bureau")


def _children(code: str) -> list[dict]:
    return sorted((r for r in regions.regions().values() if r.get("parent") == code and not r.get("successor")),
                  key=lambda r: r["code"])


def scope_options(who) -> list[dict]:
    """The scopes the caller may choose: its region and what lies below it (admin: the province,
    its cities, and the districts of 杭州 and 绍兴)."""
    if who.is_admin:
        out = [{"code": "330000", "name": "浙江省", "level": "province"}]
        for city in _children("330000"):
            out.append({"code": city["code"], "name": city["name"], "level": "city"})
            if city["code"] in ("330100", "330600"):
                out += [{"code": d["code"], "name": d["name"], "level": "district"} for d in _children(city["code"])]
        return out
    code = regions.current_code(who.scope)
    r = regions.region(code) or {"name": code, "level": "district"}
    out = [{"code": code, "name": r["name"], "level": r["level"]}]
    if r["level"] in ("city", "province"):
        out += [{"code": d["code"], "name": d["name"], "level": "district"} for d in _children(code)]
    return out


def _query(**kw) -> str:
    args = {k: v for k, v in kw.items() if v not in (None, "")}
    return ("?" + urlencode(args)) if args else ""


def _common(who) -> dict:
    return {"pct": pct_text, "scopes": scope_options(who), "chains": reference.chains(), "args": request.args,
            "region_label": region_label}


@bp.get("/local-supply")
@page(*ROLES, nav="本地配套", nav_order=20)
def table_page():
    who = current_principal()
    if wants_json():
        return jsonify(ratio_payload())
    # HTML: a bad filter value is shown next to its field, with the typed values kept.
    errors, status = {}, 200
    for name, check in (("year", arg_year), ("scope", lambda: arg_scope(who)), ("chain", arg_chain)):
        try:
            check()
        except ApiError as exc:
            errors[name], status = exc.detail, max(status, exc.status)
    if errors:
        data = {"year": None, "items": [], "years": [], "pooled": {"chains": [], "districts": [], "overall": None},
                "note": "筛选条件有误，请修改后重新查看", "target": ratios.target_ratio(), "scope": {"code": None},
                "region": {"code": None}, "chain": None}
    else:
        data = ratio_payload()
    q = _query(year=data.get("year"), scope=(data.get("scope") or {}).get("code"), chain=data.get("chain"))
    api = "/api/v1/local-supply" + q
    xlsx = "/api/v1/local-supply" + _query(year=data.get("year"), scope=(data.get("scope") or {}).get("code"),
                                           chain=data.get("chain"), format="xlsx")
    chart = {"year": data.get("year"), "target": data["target"], "scope": (data.get("scope") or {}).get("code"),
             "items": [{"uscc": i["uscc"], "name": i["name"], "ratio_amount": i["ratio_amount"],
                        "ratio_count": i["ratio_count"], "meets_target": i["meets_target"]}
                       for i in data["items"] if i["ratio_amount"] is not None]}
    return render_template("local_supply/index.html", d=data, chart=chart, api_url=api, xlsx_url=xlsx,
                           errors=errors, **_common(who)), status


@bp.get("/local-supply/<leader_uscc>")
@page(*ROLES)
def leader_page(leader_uscc):
    who = current_principal()
    data = leader_payload(leader_uscc)
    if wants_json():
        return jsonify(data)
    scope = request.args.get("scope") or None
    api = f"/api/v1/local-supply/{data['leader']['uscc']}" + _query(year=data["year"], scope=scope)
    chart = {"year": data["year"], "target": data["target"], "trend": data["trend"],
             "segments": [{"name": s["segment_name"], "local": s["local_amount"] or 0.0,
                           "other": s["non_local_amount"] or 0.0, "ratio": s["ratio_amount"]}
                          for s in data["by_segment"]]}
    return render_template("local_supply/leader.html", d=data, chart=chart, api_url=api, **_common(who))


@bp.get("/chains")
@page(*ROLES, nav="产业链覆盖", nav_order=30)
def chains_page():
    who = current_principal()
    scope = arg_scope(who)
    code, basis = coverage.local_basis(who.role, who.scope, scope)
    leaders = ratios.visible_leaders(ratios.fetch_leaders(store()), caller_region(who))
    per_chain: dict = {}
    for x in leaders:
        per_chain[x.get("chain")] = per_chain.get(x.get("chain"), 0) + 1
    items = [{"id": c["id"], "name": c["name"], "ecosystem": c.get("ecosystem"), "signature": bool(c.get("signature")),
              "segments": [{"id": s["id"], "name": s["name"], "stage": s["stage"]} for s in c["segments"]],
              "leaders": per_chain.get(c["id"], 0)} for c in reference.chains()]
    data = {"items": items, "local": {"code": code, "name": region_label(code), "basis": basis,
                                      "text": coverage.BASIS_TEXT[basis]}}
    if wants_json():
        return jsonify(data)
    return render_template("local_supply/chains.html", d=data, api_url="/api/v1/chains",
                           scope_q=_query(scope=scope), **_common(who))


@bp.get("/chains/<chain_id>")
@page(*ROLES)
def coverage_page(chain_id):
    who = current_principal()
    data = coverage_payload(chain_id)
    if wants_json():
        return jsonify(data)
    scope = request.args.get("scope") or None
    q = _query(year=data.get("year"), scope=scope)
    api = f"/api/v1/chains/{data['chain']['id']}/coverage" + q
    xlsx = f"/api/v1/chains/{data['chain']['id']}/coverage" + _query(year=data.get("year"), scope=scope,
                                                                     format="xlsx")
    return render_template("local_supply/coverage.html", d=data, api_url=api, xlsx_url=xlsx,
                           graph={"nodes": data["graph"]["nodes"], "links": data["graph"]["links"],
                                  "year": data.get("year")},
                           **_common(who))
