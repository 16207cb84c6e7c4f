"""Programmes for a caller: the one place the API, the pages and the CLI ask.

Each function takes the store, the caller (``graphsvc.core.access.Principal``) and plain
parameters, checks what the caller may see, and returns the payload (JSON-ready); problems
are ``graphsvc.core.errors`` (a bad field 400, an enterprise outside the caller's reach 404
like a missing one, a region outside the scope 403).

Scoping: an eligibility check or a quote is for an enterprise the caller acts for
(``access.acts_for``: a manufacturer or supplier for itself, a bureau inside its region, admin
any); a supplier checks only the programmes the catalogue opens to suppliers.  Targets and
exports are for a region inside the caller's scope; no region means the bureau's own scope.

>>> from graphsvc.core.access import Principal
>>> [p["id"] for p in programmes_for(Principal("p", "supplier", None, "X"))]
['bj-2023-provider']
>>> region_for(Principal("b", "bureau", "330108", None), None)
'330108'
>>> region_for(Principal("b", "bureau", "330108", None), "330100")
Traceback (most recent call last):
...
graphsvc.core.errors.Forbidden: 所选地区超出您的管辖范围
"""
from __future__ import annotations

import datetime as dt

from stdnum.cn import uscc as stdnum_uscc

from graphsvc.core import access, regions
from graphsvc.core.errors import BadParameter, Forbidden, NotFound
from graphsvc.programmes import catalogue as _cat
from graphsvc.programmes import coverage, facts, forms, listing, provider_support, quotes, reports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Roles that may see a whole “1+N” group checked along with one of its projects.
GROUP_VIEWERS = ("admin", "bureau")


# ---------------------------------------------------------------- the catalogue (public)

def rules_catalogue() -> dict:
    return listing.catalogue_view()


def rule(rule_id: str) -> dict:
    return listing.rule_view(rule_id)


def caller_region(who, store=None) -> str | None:
    """The region programmes are offered for: a bureau's scope, an enterprise account's
    registered region (from the store), None for admin (everything)."""
    if who.role == "bureau":
        return who.scope
    if who.uscc and store is not None:
        return _region_of(store, who.uscc)
    return None


def programmes_for(who, store=None) -> list[dict]:
    """``[{id, name}]`` the caller may self-check, in listing order: open to its role and
    applying to its region (``coverage``; an enterprise account's region needs the store)."""
    here = set(coverage.programmes_for_region(caller_region(who, store)))
    return [p for p in listing.programmes_for_role(who.role) if p["id"] in here]


def own_projects(store, who) -> list[dict]:
    """The caller's enterprise's 攻关项目 (none for a caller without an enterprise)."""
    return facts.own_projects(store, who.uscc) if who.uscc else []


# ---------------------------------------------------------------- eligibility

def _text(body: dict, name: str, max_len: int = 64) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise BadParameter(f"{name} 应为文本", name)
    return value.strip()


def _uscc(value: str, field: str = "uscc") -> str:
    v = (value or "").strip().upper()
    if not stdnum_uscc.is_valid(v):
        raise BadParameter(f"{field} 不是有效的统一社会信用代码", field)
    return v


def _programme(who, body: dict, store=None) -> str:
    """The requested programme, known and open to the caller's role."""
    programme = _text(body, "programme")
    if programme is None:
        raise BadParameter("缺少 programme（申报项目编号）", "programme")
    known = _cat.programme_ids()
    if programme not in known:
        raise NotFound(f"未知的申报项目“{programme}”：可选 {'、'.join(known)}")
    if programme not in {p["id"] for p in listing.programmes_for_role(who.role)}:
        open_ = "、".join(p["id"] for p in listing.programmes_for_role(who.role))
        raise Forbidden(f"智造供给服务商只能自查滨江区智造供给服务商认定条件（{open_}）", "programme")
    refusal = coverage.programme_refusal(programme, caller_region(who, store))
    if refusal:
        raise Forbidden(refusal, "programme")
    return programme


def _subject(body: dict) -> tuple[str | None, str | None]:
    """(project_id, uscc) of the request: at least one, the USCC well-formed."""
    project_id, uscc = _text(body, "project_id"), _text(body, "uscc")
    if project_id is None and uscc is None:
        raise BadParameter("须提供 project_id（已登记的项目）或 uscc（企业，可附 facts 测算）", "project_id")
    return project_id, (_uscc(uscc) if uscc is not None else None)


def _authorise_subject(store, who, project_id: str | None, uscc: str | None) -> None:
    """404 unless the caller acts for the project's owner (or the enterprise)."""
    if project_id is not None:
        owner = facts.load_project(store, project_id).get("owner") or {}
        if not owner.get("uscc") or not access.acts_for(who, owner["uscc"], owner.get("region_code")):
            raise NotFound("未找到该项目，或不在您的可见范围内")
        if uscc is not None and uscc != owner["uscc"]:
            raise BadParameter("该项目不属于所填企业", "uscc")
        return
    ent = facts.load_enterprise(store, uscc)["enterprise"]
    if not access.acts_for(who, uscc, ent.get("region_code")):
        raise NotFound("未找到该企业，或不在您的可见范围内")


def _region_of(store, uscc: str | None) -> str | None:
    if not uscc:
        return None
    row = store.read_one("enterprises/get", uscc=uscc)
    return row["enterprise"].get("region_code") if row else None


def _group_check(store, who, programme: str, group_id: str) -> dict | None:
    """The whole “1+N” group checked, for a bureau or admin that sees every member."""
    group = facts.check_group(store, programme, group_id)
    if all(access.sees_enterprise(who, m["uscc"] or "", _region_of(store, m["uscc"])) for m in group["projects"]):
        return {"group_id": group_id, "outcome": group["outcome"], "projects": group["projects"]}
    return None


def eligibility(store, who, body: dict) -> dict:
    """POST /eligibility/check: ``body`` is ``{programme, project_id?, uscc?, facts?}``; the
    result names each rule's outcome and the facts it used."""
    programme = _programme(who, body, store)
    project_id, uscc = _subject(body)
    given = facts.coerce_facts(body.get("facts"))
    _authorise_subject(store, who, project_id, uscc)
    out = facts.check(store, programme, project_id=project_id, uscc=uscc, given=given)
    gid = out["subject"].get("group_id")
    if (project_id and gid and not given and programme in listing.PROJECT_PROGRAMMES
            and who.role in GROUP_VIEWERS):
        group = _group_check(store, who, programme, gid)
        if group:
            out["group_check"] = group
    return listing.jsonable(out)


# ---------------------------------------------------------------- subsidies

def subsidy_quote(store, who, body: dict) -> dict:
    """POST /subsidies/quote: ``body`` is ``{uscc, recognition: {kind, level, year},
    other_awards?: [{source, amount_wan}]}`` (B10, with B13 “就高不重复” against awards for the
    same recognition under other policies) or ``{uscc, support: {facts}}`` (the Binjiang items
    C4.1–C4.11 for a district enterprise)."""
    raw = body.get("uscc")
    if not isinstance(raw, str) or not raw.strip():
        raise BadParameter("缺少 uscc", "uscc")
    uscc = _uscc(raw)
    if "recognition" not in body and "support" not in body:
        raise BadParameter("缺少 recognition {kind, level, year}", "recognition")
    rec = quotes.validate_recognition(body.get("recognition")) if "recognition" in body else None
    support = provider_support.coerce(body.get("support") or {}) if "support" in body else None
    others = _other_awards(body.get("other_awards"))
    ent = facts.load_enterprise(store, uscc)["enterprise"]
    if not access.acts_for(who, uscc, ent.get("region_code")):
        raise NotFound("未找到该企业，或不在您的可见范围内")
    if rec is None:
        return listing.jsonable({"uscc": uscc, "name": ent.get("name"),
                                 **provider_support.support_quote(ent, support)})
    q = quotes.quote_subsidy(store, uscc, rec)
    if others:
        b13 = provider_support.highest_not_duplicated(
            [{"rule_id": "B10", "matter": "recognition", "source": "本意见（B10）", "amount_wan": q["payable_wan"]}]
            + [{"rule_id": "other", "matter": "recognition", **o} for o in others])
        q["b13"] = b13
        q["rule_ids"] = q["rule_ids"] + ["B13"]
        if b13["chosen"]["rule_id"] != "B10":
            q.update(payable_wan=0, reason=q["reason"] + "；" + b13["reason"])
    if support is not None:
        q["support"] = provider_support.support_quote(ent, support)
    return listing.jsonable(q)


def _other_awards(raw) -> list[dict]:
    """Awards for the same recognition under other policies: ``[{source, amount_wan}]``."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BadParameter("other_awards 应为列表 [{source, amount_wan}]", "other_awards")
    out = []
    for i, o in enumerate(raw):
        amount = o.get("amount_wan") if isinstance(o, dict) else None
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount < 0:
            raise BadParameter(f"other_awards 第{i + 1}项的 amount_wan 应为非负数（万元）", f"other_awards[{i}]")
        source = o.get("source")
        if not isinstance(source, str) or not source.strip() or len(source) > 64:
            raise BadParameter(f"other_awards 第{i + 1}项应写明 source（政策名称）", f"other_awards[{i}]")
        out.append({"source": source.strip(), "amount_wan": amount})
    return out


# ---------------------------------------------------------------- targets and exports

def region_for(who, region: str | None, *, default_scope: bool = True) -> str:
    """The region asked for, checked: malformed → 400, outside the caller's scope → 403;
    none → the bureau's own scope."""
    region = (region or "").strip()
    if not region:
        if who.role == "bureau" and who.scope and default_scope:
            return who.scope
        raise BadParameter("缺少参数 region（行政区划代码）", "region")
    if len(region) != 6 or not region.isdigit() or not regions.is_known_region(region):
        raise BadParameter("参数 region 应为已知的6位行政区划代码", "region")
    if not access.scope_within(who, region):
        raise Forbidden("所选地区超出您的管辖范围", "region")
    return region


def region_choices(who) -> list[dict]:
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


def default_region(who) -> str:
    """The region a page opens on: the bureau's scope, else 杭州."""
    return who.scope if who.role == "bureau" and who.scope else "330100"


def default_target_year(store) -> int:
    """The year /targets shows unasked: the latest data year not in the future, as on the
    overview and the other pages (not the calendar year, which has no recognitions yet)."""
    from graphsvc.dashboard import summary

    return summary.default_year(summary.years(store))


def target_progress(store, who, region: str | None, year: int) -> dict:
    """GET /targets: each target of the region against the recognitions, with the shortfall."""
    return listing.jsonable(reports.target_progress(store, region_for(who, region), year))


def form_ids() -> list[str]:
    return reports.form_ids()


def form_id(form: str) -> str:
    """*form* if it is a summary table's id (else NotFound listing the ids)."""
    if form not in reports.form_ids():
        raise NotFound(f"未知的表单“{form}”：可选 {'、'.join(reports.form_ids())}")
    return form


def export_data(store, who, form: str, region: str | None, year: int | None) -> dict:
    """The rows and layout of summary table ``form`` for the region (year: the call's)."""
    form = form_id(form)
    region = region_for(who, region)
    refusal = coverage.form_refusal(form, region)
    if refusal:
        raise Forbidden(refusal, "region")
    return reports.form_data(store, form, region, year or reports.default_year(form))


def export_file(data: dict, today: dt.date | None = None) -> tuple[bytes, str]:
    """``export_data`` output as the .xlsx form and its download name."""
    return reports.export_bytes(data, filled_on=today or dt.date.today()), reports.export_filename(data)


def export_choices(who) -> dict:
    """The export page's choices: every form with its default year and download link."""
    region = default_region(who)
    offered = coverage.forms_for_region(who.scope if who.role == "bureau" else None)
    items = [{"id": f, "name": reports.FORM_NAMES[f], "title": forms.FORMS[f]["title"],
              "default_year": reports.default_year(f),
              "url": f"/api/v1/exports/{f}?region={region}&year={reports.default_year(f)}"}
             for f in reports.form_ids() if f in offered]
    return {"forms": items, "regions": region_choices(who), "default_region": region,
            "api": "/api/v1/exports/<form>?region=&year=&format=xlsx|json"}
