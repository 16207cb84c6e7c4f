"""Programme rules over the graph: gather the facts a rule needs from the store, then ask
the pure engine in ``graphsvc.rules`` (issue 7).

Pure functions (plain data in, plain data out):

- ``coerce_fact`` / ``coerce_facts`` — validate what-if facts (API JSON, CLI ``key=value``,
  page form text) by the fact's type; a bad value raises ``FactError`` naming the field.
- ``overlay`` — stored facts overlaid by given ones, each key put where the engine reads it
  (project keys under ``project``, enterprise node keys under ``enterprise``).
- ``enterprise_facts`` / ``project_facts`` — the engine's facts dict from store rows.
- ``paid_history`` — earlier recognitions on a B10 ladder, as awards paid at their tier amount.
- ``future_factory_rows`` / ``project_rows`` / ``ranking_rows`` — the rows of forms 附件1–3.

Thin ``fetch_…`` / ``check_…`` functions run the ``queries/rules_*.cypher`` files and call the
pure ones.  Access control is not decided here: the web layer loads the subject first
(``load_project`` / ``load_enterprise``), asks ``graphsvc.access``, then computes.

Example — a stored project's facts, overlaid by a what-if, checked:

>>> owner = {"uscc": "91330106MA2H00000X", "name": "示例", "region_code": "330106",
...          "is_manufacturer": True, "credit_ok": True}
>>> proj = {"id": "P1", "start_date": "2022-01-01", "investment_wan": 200.0,
...         "one_plus_n": None, "group_id": None, "prior_city_subsidy": False}
>>> facts = project_facts(proj, owner, [], None)
>>> run_check("hz-2023-digital-project", facts)["outcome"]
'pass'
>>> what_if = overlay(facts, coerce_facts({"investment_wan": "199.99"}))
>>> [r["outcome"] for r in run_check("hz-2023-digital-project", what_if)["rules"]][2]
'fail'
"""
from __future__ import annotations

import datetime as dt
import math
import re
import tempfile
from pathlib import Path

from graphsvc.core import reference
from graphsvc.core import regions
from graphsvc.core import coercion, errors, schema
from graphsvc.core.vocabulary import LEVELS, RECOGNITION_KINDS, RECOGNITION_STATUSES
from graphsvc.programmes import catalogue as _cat
from graphsvc.programmes import eligibility, forms, subsidies, targets

PROGRAMMES = {
    "hz-2023-digital-project": "2023年杭州市制造业数字化改造攻关项目（A2）",
    "hz-2023-future-factory": "2023年杭州市“未来工厂”培育企业（A1）",
    "bj-2023-provider": "滨江区智造供给服务商认定（C1–C2）",
    "zj-2022-digital-factory": "浙江省数字工厂参考指标（D1–D9）",
}
# Programmes that evaluate a 攻关项目 (the others evaluate an enterprise).
PROJECT_PROGRAMMES = ("hz-2023-digital-project",)

FORM_NAMES = {
    "future-factory-summary": "附件1 “未来工厂”培育企业汇总表",
    "digital-project-summary": "附件2 制造业数字化改造攻关项目征集汇总表",
    "digital-factory-ranking": "附件3 数字工厂汇总排序表",
}

HANGZHOU = targets.HANGZHOU
RECOGNITION_LEVELS = LEVELS


class NotFound(errors.NotFound, LookupError):
    """A programme, rule, form, project or enterprise that does not exist; ``what`` names it
    (not sent as the error's field: a missing subject is not a malformed parameter)."""

    def __init__(self, what: str, detail: str):
        super().__init__(detail)
        self.what, self.detail = what, detail


class FactError(errors.BadParameter, ValueError):
    """A given fact that cannot be used; ``field`` is its path (``facts.investment_wan``)."""

    def __init__(self, field: str, detail: str):
        super().__init__(detail, field=field)
        self.detail = detail


# --------------------------------------------------------------------------
# JSON

def jsonable(value):
    """Dates as ISO text, tuples and sets as lists, recursively (Flask would print a date
    as an HTTP date).

    >>> jsonable({"d": dt.date(2022, 1, 1), "t": (1, 2)})
    {'d': '2022-01-01', 't': [1, 2]}
    """
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, set):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --------------------------------------------------------------------------
# facts: types, coercion, overlay

_NUM = ("investment_wan", "revenue_wan", "rd_spend_wan", "revenue_growth", "tax_growth",
        "revenue_growth_3y_avg", "profit_margin", "tax_per_mu_wan", "rd_ratio", "rd_staff_ratio",
        "degree_ratio")
_SIGNED = ("revenue_growth", "tax_growth", "revenue_growth_3y_avg", "profit_margin")
_INT = ("rd_staff", "employees", "invention_patents", "software_copyrights", "standards", "developers",
        "integrated_apps", "service_cases_3y", "industries_served")
_RANK = ("market_rank_global", "market_rank_national")
_BOOL = ("is_manufacturer", "credit_ok", "high_tech", "in_pool_2021_2022", "prior_city_subsidy",
         "four_capabilities", "own_ip", "has_team", "three_year_goals", "rd_budget", "talent_team",
         "uses_cloud", "data_middle_platform", "security_management", "data_classification")
_TEXT = ("category", "credit_rating", "group_id", "name", "industry_code", "industry_kind")
_YEAR_MAP = ("rd_spend_wan_by_year", "revenue_wan_by_year", "tax_wan_by_year")

FACT_TYPES: dict[str, str] = {
    **{k: "number" for k in _NUM}, **{k: "integer" for k in _INT}, **{k: "rank" for k in _RANK},
    **{k: "boolean" for k in _BOOL}, **{k: "text" for k in _TEXT}, **{k: "year_map" for k in _YEAR_MAP},
    "start_date": "date", "one_plus_n": "one_plus_n", "region_code": "region",
    "provider_types": "provider_types", "target_fields": "text_list", "violations_3y": "count_or_list",
    "recognitions": "recognitions",
}
# Where the engine reads each key (eligibility.fact looks top-level, then in these sections).
PROJECT_KEYS = ("start_date", "investment_wan", "one_plus_n", "group_id", "prior_city_subsidy")
ENTERPRISE_KEYS = tuple(k for k in schema.NODES["Enterprise"]["props"] if k in FACT_TYPES)



def fact_label(key: str) -> str:
    return eligibility.FACT_LABELS.get(key, {"revenue_wan_by_year": "近年营业收入",
                                              "tax_wan_by_year": "近年税收", "employees": "职工人数",
                                              "name": "企业名称", "industry_code": "所属行业代码",
                                              "industry_kind": "离散/流程型"}.get(key, key))


def _number(key, value, field, *, integer=False, signed=False, minimum=None):
    if isinstance(value, bool):
        raise FactError(field, f"“{fact_label(key)}”应为数字")
    if isinstance(value, str):
        text = value.strip()
        pct = text.endswith("%")
        try:
            value = (coercion.number(text.rstrip("%"), minimum=None) or 0.0) / (100 if pct else 1)
        except coercion.FieldError:
            raise FactError(field, f"“{fact_label(key)}”应为数字，收到“{value}”") from None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FactError(field, f"“{fact_label(key)}”应为数字")
    if integer:
        if value != int(value):
            raise FactError(field, f"“{fact_label(key)}”应为整数")
        value = int(value)
    if minimum is not None and value < minimum:
        raise FactError(field, f"“{fact_label(key)}”不能小于{minimum}")
    if not signed and minimum is None and value < 0:
        raise FactError(field, f"“{fact_label(key)}”不能为负数")
    return value


def _bool(key, value, field):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return coercion.boolean(value)
        except coercion.FieldError:
            pass
    raise FactError(field, f"“{fact_label(key)}”应为“是”或“否”（true/false）")


def _split(value) -> list:
    if isinstance(value, str):
        return [x.strip() for x in re.split(r"[;；,，、\s]+", value) if x.strip()]
    if isinstance(value, list):
        return value
    return None


def coerce_fact(key: str, value, field: str | None = None):
    """Validate one fact and return it in the engine's type (None/"" mean "not known").

    >>> coerce_fact("investment_wan", "200"), coerce_fact("prior_city_subsidy", "否")
    (200.0, False)
    >>> coerce_fact("start_date", "2022/1/1"), coerce_fact("provider_types", "1;3")
    ('2022-01-01', [1, 3])
    >>> coerce_fact("investment_wan", "两百")
    Traceback (most recent call last):
    ...
    graphsvc.programmes.facts.FactError: “项目实际投资额”应为数字，收到“两百”
    """
    field = field or f"facts.{key}"
    kind = FACT_TYPES.get(key)
    if kind is None:
        raise FactError(field, f"未知的事实“{key}”")
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if kind == "number":
        return _number(key, value, field, signed=key in _SIGNED)
    if kind == "integer":
        return _number(key, value, field, integer=True)
    if kind == "rank":
        return _number(key, value, field, integer=True, minimum=1)
    if kind == "boolean":
        return _bool(key, value, field)
    if kind == "text":
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise FactError(field, f"“{fact_label(key)}”应为文本")
        text = str(value).strip()
        if len(text) > 200:
            raise FactError(field, f"“{fact_label(key)}”过长")
        return text
    if kind == "date":
        if not isinstance(value, str):
            raise FactError(field, f"“{fact_label(key)}”应为日期（YYYY-MM-DD）")
        try:
            return coercion.date(value)
        except coercion.FieldError:
            raise FactError(field, f"“{fact_label(key)}”应为日期（YYYY-MM-DD），收到“{value}”") from None
    if kind == "one_plus_n":
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise FactError(field, "“1+N”标识只能为“1”或“N”")
        try:
            return eligibility.one_plus_n(value)
        except ValueError:
            raise FactError(field, f"“1+N”标识只能为“1”或“N”，收到“{value}”") from None
    if kind == "region":
        code = str(value).strip()
        if not re.fullmatch(r"\d{6}", code) or not regions.is_known_region(code):
            raise FactError(field, f"“{fact_label(key)}”应为6位行政区划代码，收到“{value}”")
        return code
    if kind == "provider_types":
        items = _split(value) if not isinstance(value, int) or isinstance(value, bool) else [value]
        if items is None:
            raise FactError(field, "“智造供给类型”应为1–6的编号列表，如“1;3”")
        out = []
        for x in items:
            n = _number(key, x, field, integer=True) if not isinstance(x, bool) else None
            if n is None or not 1 <= n <= 6:
                raise FactError(field, "“智造供给类型”应为1–6的编号列表，如“1;3”")
            out.append(n)
        return sorted(set(out))
    if kind == "text_list":
        items = _split(value)
        if items is None or not all(isinstance(x, str) and x.strip() for x in items):
            raise FactError(field, f"“{fact_label(key)}”应为文本列表，多个用分号分隔")
        return [x.strip() for x in items]
    if kind == "count_or_list":
        if isinstance(value, list):
            return [str(x) for x in value]
        return _number(key, value, field, integer=True)
    if kind == "year_map":
        return _year_map(key, value, field)
    if kind == "recognitions":
        return _recognitions(value, field)
    raise AssertionError(kind)  # pragma: no cover


def _year_map(key, value, field) -> dict:
    if isinstance(value, str):
        pairs = {}
        for part in _split(value):
            y, sep, v = part.partition(":") if ":" in part else part.partition("=")
            if not sep:
                raise FactError(field, f"“{fact_label(key)}”应写作“年度:金额”，如“2021:100;2022:120”")
            pairs[y.strip()] = v.strip()
        value = pairs
    if not isinstance(value, dict) or not value:
        raise FactError(field, f"“{fact_label(key)}”应为{{年度: 金额}}")
    out = {}
    for y, v in value.items():
        if not re.fullmatch(r"(19|20)\d\d", str(y).strip()):
            raise FactError(field, f"“{fact_label(key)}”的年度“{y}”无效")
        out[int(str(y).strip())] = _number(key, v, field)
    return dict(sorted(out.items()))


def _recognitions(value, field) -> list[dict]:
    if not isinstance(value, list):
        raise FactError(field, "“评定/培育记录”应为列表，每项含 kind、level、status、year")
    out = []
    for i, r in enumerate(value):
        f = f"{field}[{i}]"
        if not isinstance(r, dict):
            raise FactError(f, "每条评定/培育记录应为对象，含 kind、level、status、year")
        kind, level, status, year = r.get("kind"), r.get("level"), r.get("status"), r.get("year")
        if kind not in RECOGNITION_KINDS:
            raise FactError(f + ".kind", f"未知的认定类别“{kind}”")
        if level not in RECOGNITION_LEVELS:
            raise FactError(f + ".level", f"级别应为{'/'.join(RECOGNITION_LEVELS)}")
        if status not in RECOGNITION_STATUSES:
            raise FactError(f + ".status", "状态应为“培育”或“认定”")
        out.append({"kind": kind, "level": level, "status": status,
                    "year": _year(year, f + ".year")})
    return out


def _year(value, field) -> int:
    if isinstance(value, bool) or value is None:
        raise FactError(field, "年度应为四位数字")
    try:
        y = int(str(value).strip())
    except ValueError:
        raise FactError(field, "年度应为四位数字") from None
    if not 2000 <= y <= 2100:
        raise FactError(field, "年度应在2000–2100之间")
    return y


def coerce_facts(given, field: str = "facts") -> dict:
    """Validate a facts object; ``enterprise`` / ``project`` sub-objects are flattened.

    >>> coerce_facts({"project": {"one_plus_n": "Ｎ"}, "category": "智能工厂"})
    {'one_plus_n': 'N', 'category': '智能工厂'}
    """
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise FactError(field, "facts 应为对象（事实名 → 值）")
    out = {}
    for key, value in given.items():
        if key in ("enterprise", "project") and isinstance(value, dict):
            for k, v in value.items():
                out[k] = coerce_fact(k, v, f"{field}.{key}.{k}")
            continue
        if key == "group":
            raise FactError(f"{field}.group", "同组“1+N”项目由图谱按 group_id 查得，请提供 group_id")
        out[key] = coerce_fact(key, value, f"{field}.{key}")
    return out


def parse_pairs(pairs, field: str = "fact") -> dict:
    """CLI / text form ``key=value`` items into coerced facts.

    >>> parse_pairs(["investment_wan=150", "one_plus_n=N"])
    {'investment_wan': 150.0, 'one_plus_n': 'N'}
    """
    out = {}
    for item in pairs or []:
        key, sep, value = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            raise FactError(field, f"应写作 key=value，收到“{item}”")
        out[key] = coerce_fact(key, value, f"{field}.{key}")
    return out


def overlay(stored: dict, given: dict) -> dict:
    """Stored facts overlaid by *given* (already coerced); a given None makes a fact unknown.

    Project keys go under ``project``, enterprise node keys under ``enterprise``, the rest
    top-level, so the engine (top-level first, then the sections) sees one value per fact.

    >>> f = overlay({"enterprise": {"credit_ok": True}, "project": {"investment_wan": 300}},
    ...             {"investment_wan": 150, "credit_ok": None, "category": "智能工厂"})
    >>> f["project"]["investment_wan"], f["enterprise"]["credit_ok"], f["category"]
    (150, None, '智能工厂')
    """
    out = dict(stored)
    ent = dict(out.get("enterprise") or {})
    proj = dict(out.get("project") or {})
    for key, value in given.items():
        if key in PROJECT_KEYS:
            proj[key] = value
        elif key in ENTERPRISE_KEYS:
            ent[key] = value
        else:
            out[key] = value
    out["enterprise"] = ent
    if proj or "project" in stored:
        out["project"] = proj
    return out


# --------------------------------------------------------------------------
# facts from store rows

def _recognition(r: dict) -> dict:
    return {k: r.get(k) for k in ("kind", "level", "status", "year", "chain_id", "rating")}


def enterprise_facts(enterprise: dict, recognitions: list[dict]) -> dict:
    """The engine's facts for an enterprise node and its recognitions.

    >>> enterprise_facts({"uscc": "X", "provider_types": [1]}, [])["enterprise"]["provider_types"]
    [1]
    """
    recs = sorted((_recognition(r) for r in recognitions or []),
                  key=lambda r: (r.get("year") or 0, r.get("kind") or "", r.get("level") or ""))
    return {"enterprise": dict(enterprise), "recognitions": recs}


def _member(project: dict, owner: dict | None) -> dict:
    return {"project": dict(project), "enterprise": dict(owner or {})}


def project_facts(project: dict, owner: dict | None, recognitions: list[dict], group: list[dict] | None) -> dict:
    """Facts for a 攻关项目: its owner, the project, and (for a “1+N” project) the other
    members of its group as ``[{project, enterprise}]`` (None when the group cannot be
    looked up, which the engine reports as unknown)."""
    facts = enterprise_facts(owner or {}, recognitions)
    facts["project"] = dict(project)
    if group is not None:
        facts["group"] = [_member(g["project"], g.get("owner")) for g in group]
    return facts


def _dedupe_group(rows: list[dict]) -> list[dict]:
    seen, out = set(), []
    for r in rows:
        pid = r["project"].get("id")
        if pid not in seen:
            seen.add(pid)
            out.append(r)
    return sorted(out, key=lambda r: (r["project"].get("one_plus_n") != "1", r["project"].get("id") or ""))


def run_check(programme: str, facts: dict) -> dict:
    """The engine's check, with the programme validated (``NotFound`` if unknown)."""
    if programme not in programme_ids():
        raise NotFound("programme", f"未知的申报项目“{programme}”：可选 {'、'.join(programme_ids())}")
    return eligibility.check(programme, facts)


def programme_ids() -> list[str]:
    return list(_cat.default()["programmes"])


# --------------------------------------------------------------------------
# store access

def load_enterprise(store, uscc: str) -> dict:
    """``{enterprise, recognitions, segment_ids}`` for *uscc*; ``NotFound`` if absent."""
    row = store.read_one("enterprises/get", uscc=uscc)
    if not row or not row.get("enterprise"):
        raise NotFound("uscc", "未找到该企业，或不在您的可见范围内")
    return {"enterprise": row["enterprise"], "recognitions": row.get("recognitions") or [],
            "segment_ids": row.get("segment_ids") or []}


def load_project(store, project_id: str) -> dict:
    """``{project, owner, service_org_uscc, service_org_name}``; ``NotFound`` if absent."""
    row = store.read_one("programmes/project", id=project_id)
    if not row or not row.get("project"):
        raise NotFound("project_id", "未找到该项目，或不在您的可见范围内")
    return row


def fetch_group(store, project_id: str | None, group_id: str | None) -> list[dict]:
    """Other projects of a “1+N” group (by group_id and LEADS edges), each with its owner."""
    if not project_id and not group_id:
        return []
    return _dedupe_group(store.read("programmes/project_group", id=project_id, group_id=group_id))


def own_projects(store, uscc: str) -> list[dict]:
    return store.read("programmes/enterprise_projects", uscc=uscc)


def gather(store, *, project_id: str | None = None, uscc: str | None = None, given: dict | None = None) -> dict:
    """Stored facts for a project (its owner, group, recognitions) or an enterprise,
    overlaid by *given* (coerced) facts.  Returns ``{facts, subject}``."""
    given = given or {}
    if project_id:
        row = load_project(store, project_id)
        owner = row.get("owner") or {}
        recs = load_enterprise(store, owner["uscc"])["recognitions"] if owner.get("uscc") else []
        proj = row["project"]
        facts = project_facts(proj, owner, recs, None)
        subject = {"project_id": proj["id"], "project_name": proj.get("name"), "group_id": proj.get("group_id"),
                   "one_plus_n": proj.get("one_plus_n"), "uscc": owner.get("uscc"), "name": owner.get("name"),
                   "region_code": owner.get("region_code")}
    else:
        ent = load_enterprise(store, uscc)
        facts = enterprise_facts(ent["enterprise"], ent["recognitions"])
        e = ent["enterprise"]
        subject = {"project_id": None, "uscc": e.get("uscc"), "name": e.get("name"),
                   "region_code": e.get("region_code")}
    facts = overlay(facts, given)
    proj = facts.get("project") or {}
    marker = proj.get("one_plus_n")
    gid = proj.get("group_id")
    if marker is not None or gid:
        # A 1/N project needs its group (A2.2); built from group_id and LEADS edges.
        facts["group"] = [_member(g["project"], g.get("owner")) for g in fetch_group(store, project_id, gid)]
    return {"facts": facts, "subject": subject}


def check(store, programme: str, *, project_id: str | None = None, uscc: str | None = None,
          given: dict | None = None) -> dict:
    """Eligibility of a stored project or enterprise (what-if: overlaid by *given*)."""
    if programme not in programme_ids():
        raise NotFound("programme", f"未知的申报项目“{programme}”：可选 {'、'.join(programme_ids())}")
    g = gather(store, project_id=project_id, uscc=uscc, given=given)
    out = run_check(programme, g["facts"])
    out["programme_name"] = PROGRAMMES.get(programme, programme)
    out["subject"] = g["subject"]
    out["what_if"] = sorted(given or {})
    return out


def check_group(store, programme: str, group_id: str) -> dict:
    """Check every project of a stored “1+N” group (engine ``check_group``)."""
    rows = fetch_group(store, None, group_id)
    if not rows:
        raise NotFound("group_id", f"未找到“1+N”项目组{group_id}")
    members = []
    for r in rows:
        owner = r.get("owner") or {}
        recs = load_enterprise(store, owner["uscc"])["recognitions"] if owner.get("uscc") else []
        members.append(project_facts(r["project"], owner, recs, None))
    out = eligibility.check_group(programme, members)
    out["group_id"] = group_id
    out["projects"] = [{"project_id": r["project"]["id"], "one_plus_n": r["project"].get("one_plus_n"),
                        "uscc": (r.get("owner") or {}).get("uscc"), "name": (r.get("owner") or {}).get("name"),
                        "outcome": m["outcome"]} for r, m in zip(rows, out["members"])]
    return out


# --------------------------------------------------------------------------
# subsidies (B10)

def _tiers(catalogue=None) -> dict:
    """(kind, level) -> award for every tier of every B10 ladder."""
    ladders = _cat.params("B10", catalogue)["ladders"]
    return {(t["kind"], t["level"]): t["award_wan"] for tiers in ladders.values() for t in tiers}


def paid_history(recognitions: list[dict], year: int, catalogue=None) -> list[dict]:
    """Recognitions before *year* that sit on a B10 ladder, as awards paid at the tier amount.

    The graph records recognitions, not payments: an earlier 认定 at a tier is taken as paid.

    >>> paid_history([{"kind": "数字化车间", "level": "市", "status": "认定", "year": 2021},
    ...               {"kind": "数字化车间", "level": "区", "status": "认定", "year": 2021},
    ...               {"kind": "智能工厂", "level": "市", "status": "培育", "year": 2022}], 2023)
    [{'kind': '数字化车间', 'level': '市', 'year': 2021, 'amount_wan': 80}]
    """
    tiers = _tiers(catalogue)
    out = []
    for r in recognitions or []:
        amount = tiers.get((r.get("kind"), r.get("level")))
        if amount is None or r.get("status") != "认定" or r.get("year") is None or int(r["year"]) >= int(year):
            continue
        out.append({"kind": r["kind"], "level": r["level"], "year": int(r["year"]), "amount_wan": amount})
    return sorted(out, key=lambda r: (r["year"], r["amount_wan"]))


def awards_counted(rows: list[dict], uscc: str, kind: str, level: str, year: int, city: str = HANGZHOU) -> int:
    """Other enterprises in *city* recognised (认定) as kind/level in *year*: the awards the
    yearly cap has already used up."""
    seen = set()
    for r in rows:
        if (r.get("uscc") != uscc and r.get("kind") == kind and r.get("level") == level
                and r.get("status") == "认定" and r.get("year") == year and r.get("region_code")
                and regions.in_scope(regions.current_code(str(r["region_code"])), city)):
            seen.add(r["uscc"])
    return len(seen)


def validate_recognition(rec, field: str = "recognition") -> dict:
    if not isinstance(rec, dict):
        raise FactError(field, "recognition 应为对象 {kind, level, year}")
    kind, level = rec.get("kind"), rec.get("level")
    if not isinstance(kind, str) or kind not in RECOGNITION_KINDS:
        raise FactError(f"{field}.kind", f"未知的认定类别“{kind}”：可选 {'、'.join(RECOGNITION_KINDS)}")
    if not isinstance(level, str) or level not in RECOGNITION_LEVELS:
        raise FactError(f"{field}.level", f"级别应为{'、'.join(RECOGNITION_LEVELS)}之一")
    return {"kind": kind, "level": level, "year": _year(rec.get("year"), f"{field}.year")}


def quote_subsidy(store, uscc: str, recognition: dict) -> dict:
    """B10 award for *recognition* of enterprise *uscc*, paid as the difference to the tier
    already received; the yearly cap counts the city's other recognitions that year."""
    rec = validate_recognition(recognition)
    ent = load_enterprise(store, uscc)
    e = ent["enterprise"]
    history = paid_history(ent["recognitions"], rec["year"])
    rows = store.read("programmes/recognitions", prefix=HANGZHOU[:4], kinds=[rec["kind"]], year=rec["year"])
    count = awards_counted(rows, uscc, rec["kind"], rec["level"], rec["year"])
    q = subsidies.quote(rec, history, {rec["kind"]: count})
    ladder = _cat.params("B10")["ladders"].get(q["tier"] or "", [])
    cap = next((t.get("yearly_cap") for t in ladder if t["kind"] == rec["kind"] and t["level"] == rec["level"]), None)
    held = any(r.get("kind") == rec["kind"] and r.get("level") == rec["level"] and r.get("year") == rec["year"]
               and r.get("status") == "认定" for r in ent["recognitions"])
    notes = ["图谱不记录实际拨付：此前已认定的同序列市级（平台为省级/国家级）档次按该档全额视为已补助",
             f"年度名额按{rec['year']}年杭州市其他企业的同类同级认定数计（{count}家）"]
    region = e.get("region_code")
    if region and not regions.in_scope(regions.current_code(str(region)), HANGZHOU):
        q.update(payable_wan=0, outcome=eligibility.FAIL,
                 reason=f"企业注册地{region}不在杭州市，B10为杭州市奖补政策，不适用")
    if not held:
        notes.append(f"该企业在图谱中尚无{rec['year']}年{rec['level']}级“{rec['kind']}”认定记录，以上为测算")
    return {**q, "uscc": uscc, "name": e.get("name"), "recognition": rec, "held": held,
            "paid_basis": history, "awarded_this_year": count, "yearly_cap": cap, "note": "；".join(notes)}


# --------------------------------------------------------------------------
# targets

def region_prefix(code: str) -> str:
    """The region-code prefix whose enterprises can count for *code*: the whole city for a
    district (retired district codes keep their city's prefix), '33' for the province."""
    from graphsvc.core.regions import scope_prefix

    return scope_prefix(regions.city_of(code) or code)


def target_progress(store, region_code: str, year: int) -> dict:
    rows = store.read("programmes/recognitions", prefix=region_prefix(region_code), kinds=None, year=None)
    out = targets.progress(region_code, year, rows)
    note = "" if out else "该地区没有适用的目标（杭州B2–B5、绍兴E1、绍兴各区县E2、浙江省D10）"
    return {"region": region_code, "region_name": regions.district_name(region_code), "year": year,
            "rows": out, "note": note}


# --------------------------------------------------------------------------
# forms 附件1–3

def form_ids() -> list[str]:
    return list(forms.FORMS)


def default_year(form_id: str) -> int:
    """The year of the call the form belongs to (2023 for 附件1/2, 2022 for 附件3)."""
    doc_id = _cat.rule(forms.FORMS[form_id]["rule_id"])["document_id"]
    return _cat.default()["documents"][doc_id]["date"].year


def _in(code, scope: str) -> bool:
    return bool(code) and regions.in_scope(regions.current_code(str(code)), scope)


def _chain_names(ids) -> str:
    names = []
    for cid in ids:
        c = reference.chain(cid)
        if c and c["name"] not in names:
            names.append(c["name"])
    return "、".join(names)


def future_factory_rows(recognitions: list[dict], chains_by_uscc: dict, scope: str, year: int) -> list[dict]:
    """附件1: one row per enterprise and 未来工厂 category recognised or cultivated in *year*.

    2021-2022 rating: the enterprise's 认定 records of those years (A1.4 parameters);
    建设状态: 培育 (in cultivation) or 已认定; 所属产业链: the recognition's chain, else
    the chains of the enterprise's segments.
    """
    cats = _cat.params("A1.1")["categories"]
    p = _cat.params("A1.4")
    y0, y1 = p["rated_from_year"], p["rated_to_year"]
    by_uscc: dict = {}
    for r in recognitions:
        by_uscc.setdefault(r["uscc"], []).append(r)
    rows = []
    for uscc, recs in by_uscc.items():
        if not _in(recs[0].get("region_code"), scope):
            continue
        for kind in cats:
            now = [r for r in recs if r.get("kind") == kind and r.get("year") == year]
            if not now:
                continue
            best = max(now, key=lambda r: r.get("status") == "认定")
            rated = [f"{r['year']}年{r['level'] or ''}级{r['kind']}"
                     for r in recs if r.get("status") == "认定" and r.get("kind") in cats
                     and r.get("year") is not None and y0 <= r["year"] <= y1]
            chain_ids = [r["chain_id"] for r in now if r.get("chain_id")] or chains_by_uscc.get(uscc, [])
            rows.append({"uscc": uscc, "enterprise_name": best.get("name"), "category": kind,
                         "chain": _chain_names(chain_ids), "rating_2021_2022": "；".join(rated) or "无",
                         "build_status": "已认定" if best.get("status") == "认定" else "培育",
                         "region_code": best.get("region_code"), "level": best.get("level"),
                         "contact": None, "phone": None})
    return sorted(rows, key=lambda r: (cats.index(r["category"]), r["region_code"] or "", r["enterprise_name"] or ""))


def project_window(year: int) -> tuple[dt.date, dt.date]:
    """Start dates a call of *year* collects: from 1 January of the year A2.4 names for the
    2023 call, shifted with the call year, to the end of *year*.

    >>> project_window(2023)
    (datetime.date(2022, 1, 1), datetime.date(2023, 12, 31))
    """
    call_year = default_year("digital-project-summary")
    first = _cat.params("A2.4")["min_start_date"]
    return dt.date(first.year + (year - call_year), first.month, first.day), dt.date(year, 12, 31)


def project_rows(projects: list[dict], scope: str, year: int) -> tuple[list[dict], int]:
    """附件2: projects of enterprises in *scope* started within the call's window; groups
    together, the “1” first.  Also returns how many in scope had no start date."""
    lo, hi = project_window(year)
    rows, undated = [], 0
    for r in projects:
        if not _in(r.get("region_code"), scope):
            continue
        p = r["project"]
        try:
            start = eligibility.as_date(p.get("start_date"))
        except ValueError:
            start = None
        if start is None:
            undated += 1
            continue
        if not lo <= start <= hi:
            continue
        code = p.get("industry_code") or ""
        ind = reference.industries().get(code[:3].upper()) if code else None
        rows.append({"project_id": p["id"], "uscc": r.get("owner_uscc"), "enterprise_name": r.get("owner_name"),
                     "project_name": p.get("name"), "industry": ind["name"] if ind else code,
                     "service_org": r.get("service_org_name") or "", "investment_wan": p.get("investment_wan"),
                     "one_plus_n": p.get("one_plus_n"), "group_id": p.get("group_id"),
                     "start_date": p.get("start_date"), "region_code": r.get("region_code"),
                     "contact": None, "phone": None})
    rows.sort(key=lambda x: (x["group_id"] is None, x["group_id"] or "", x["one_plus_n"] != "1", x["project_id"]))
    return rows, undated


def ranking_rows(recognitions: list[dict], scope: str, year: int | None) -> list[dict]:
    """附件3: enterprises recognised as 数字工厂 (in *year*), ranked by revenue."""
    rows, seen = [], set()
    for r in recognitions:
        if r.get("kind") != "数字工厂" or r.get("status") != "认定" or not _in(r.get("region_code"), scope):
            continue
        if year is not None and r.get("year") != year or r["uscc"] in seen:
            continue
        seen.add(r["uscc"])
        code = r.get("industry_code") or ""
        ind = reference.industries().get(code[:3].upper()) if code else None
        rc = str(r.get("region_code"))
        rows.append({"uscc": r["uscc"], "region": regions.district_name(regions.current_code(rc)) or rc,
                     "enterprise_name": r.get("name"), "main_business": ind["name"] if ind else "",
                     "revenue_wan": r.get("revenue_wan"), "profit_wan": None, "region_code": rc,
                     "year": r.get("year"), "contact": None, "phone": None})
    return sorted(rows, key=lambda x: (-(x["revenue_wan"] or 0), x["enterprise_name"] or ""))


def form_data(store, form_id: str, region_code: str, year: int) -> dict:
    """Rows and layout of form *form_id* for enterprises in *region_code* (``NotFound`` if
    the form is unknown)."""
    if form_id not in forms.FORMS:
        raise NotFound("form", f"未知的表单“{form_id}”：可选 {'、'.join(forms.FORMS)}")
    spec = forms.FORMS[form_id]
    prefix = region_prefix(region_code)
    notes = ["联系人、联系方式：图谱中无此数据，留空由填报单位填写"]
    if form_id == "future-factory-summary":
        recs = store.read("programmes/recognitions", prefix=prefix, kinds=list(_cat.params("A1.1")["categories"]), year=None)
        usccs = sorted({r["uscc"] for r in recs if r.get("year") == year})
        chains: dict = {}
        for c in (store.read("programmes/enterprise_chains", usccs=usccs) if usccs else []):
            chains.setdefault(c["uscc"], []).append(c["chain_id"])
        rows = future_factory_rows(recs, chains, region_code, year)
        notes.insert(0, f"{year}年“未来工厂”五类（聚能、链主、智能、数字化车间、云端）培育或认定记录；"
                        "建设状态取记录状态（培育/已认定）")
    elif form_id == "digital-project-summary":
        rows, undated = project_rows(store.read("programmes/region_projects", prefix=prefix), region_code, year)
        lo, hi = project_window(year)
        notes.insert(0, f"开工日期在{lo.isoformat()}至{hi.isoformat()}之间的攻关项目"
                        + (f"；另有{undated}个项目缺少开工日期，未列入" if undated else ""))
    else:
        recs = store.read("programmes/recognitions", prefix=prefix, kinds=["数字工厂"], year=year)
        rows = ranking_rows(recs, region_code, year)
        notes.insert(0, f"{year}年认定的数字工厂，按营业收入从高到低排序；销售收入取企业登记的营业收入"
                        "（图谱不分年度），利润总额图谱中无数据，留空")
    columns = [{"header": (c.get("group") + " " if c.get("group") else "") + c["header"], "field": c["field"]}
               for c in spec["columns"]]
    return {"form": form_id, "name": FORM_NAMES[form_id], "attachment": spec["attachment"],
            "title": spec["title"], "region": region_code, "region_name": regions.district_name(region_code),
            "year": year, "columns": columns, "rows": rows, "count": len(rows), "note": "；".join(notes)}


def write_export(data: dict, out_path, filled_on=None) -> Path:
    """Write ``form_data`` output as the .xlsx form."""
    return forms.write_form(data["form"], data["rows"], out_path, data["region_name"] or data["region"],
                            filled_on=filled_on)


def export_bytes(data: dict, filled_on=None) -> bytes:
    with tempfile.TemporaryDirectory(prefix="graphsvc-export-") as d:
        path = write_export(data, Path(d) / "form.xlsx", filled_on=filled_on)
        return path.read_bytes()


def export_filename(data: dict) -> str:
    return f"{data['attachment']}-{data['form']}-{data['region']}-{data['year']}.xlsx"


# --------------------------------------------------------------------------
# the catalogue as public reference data

def catalogue_view() -> dict:
    cat = _cat.default()
    docs = [{k: v for k, v in d.items()} for d in cat["documents"].values()]
    rules = [rule_view(rid) for rid in cat["rules"]]
    progs = [{"id": pid, "name": PROGRAMMES.get(pid, pid), **p} for pid, p in cat["programmes"].items()]
    return jsonable({"documents": docs, "rules": rules, "programmes": progs,
                     "forms": [{"id": f, "name": FORM_NAMES[f], "title": forms.FORMS[f]["title"],
                                "rule_id": forms.FORMS[f]["rule_id"]} for f in forms.FORMS]})


def rule_view(rule_id: str) -> dict:
    cat = _cat.default()
    r = cat["rules"].get(rule_id)
    if r is None:
        raise NotFound("rule_id", f"未知的规则编号“{rule_id}”")
    return jsonable({"id": r["id"], "document_id": r["document_id"], "text": r["text"], "params": r["params"],
                     "computable": bool(r.get("computable")), "kind": r.get("kind"),
                     "source": cat["documents"][r["document_id"]]["seed_file"],
                     "programmes": [p for p, v in cat["programmes"].items() if rule_id in v["rule_ids"]]})
