"""Programme rules over the graph: gather the facts a rule needs from the store, then ask
the pure engine in ``graphsvc.programmes.eligibility`` (issue 7).

Pure functions (plain data in, plain data out):

- ``coerce_fact`` / ``coerce_facts`` — validate what-if facts (API JSON, CLI ``key=value``,
  page form text) by the fact's type; a bad value raises ``FactError`` naming the field.
- ``overlay`` — stored facts overlaid by given ones, each key put where the engine reads it
  (project keys under ``project``, enterprise node keys under ``enterprise``).
- ``enterprise_facts`` / ``project_facts`` — the engine's facts dict from store rows.

Thin ``load_…`` / ``gather`` / ``check_…`` functions run the ``queries/programmes/*.cypher``
files and call the pure ones.  Access control is not decided here: ``service`` loads the
subject first (``load_project`` / ``load_enterprise``), asks ``graphsvc.core.access``, then
computes.  The B10 quote over the graph is in ``quotes``, targets and forms in ``reports``,
the programme list and the catalogue as reference data in ``listing``.

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

import math
import re

from graphsvc.core import regions
from graphsvc.core import coercion, errors, schema
from graphsvc.core.vocabulary import LEVELS, RECOGNITION_KINDS, RECOGNITION_STATUSES
from graphsvc.programmes import catalogue as _cat
from graphsvc.programmes import eligibility

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
# facts: types, coercion, overlay

_NUM = ("investment_wan", "revenue_wan", "rd_spend_wan", "revenue_growth", "tax_growth",
        "revenue_growth_3y_avg", "profit_margin", "tax_per_mu_wan", "rd_ratio", "rd_staff_ratio",
        "degree_ratio")
_SIGNED = ("revenue_growth", "tax_growth", "revenue_growth_3y_avg", "profit_margin")
# Ratios are fractions (0.05 = 5%); text may say “5%”.  The bounds reject figures that can only
# be a unit mistake (growth of 5 is 500%): growth at most 10 (1000%) and at least -1 (-100%),
# a share of a whole at most 1 (100%).
RATIO_BOUNDS = {"revenue_growth": (-1, 10), "tax_growth": (-1, 10), "revenue_growth_3y_avg": (-1, 10),
                "profit_margin": (-1, 1), "rd_ratio": (0, 1), "rd_staff_ratio": (0, 1), "degree_ratio": (0, 1)}
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
    return eligibility.FACT_LABELS.get(key, key)


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


def _ratio(key, value, field):
    """A ratio fact: a fraction or “5%” text, within ``RATIO_BOUNDS``.

    >>> _ratio("revenue_growth", "5%", "f"), _ratio("revenue_growth", 0.05, "f")
    (0.05, 0.05)
    >>> _ratio("revenue_growth", 12, "facts.revenue_growth")
    Traceback (most recent call last):
    ...
    graphsvc.programmes.facts.FactError: “年营收增速”为12（即1200%），超出合理范围（-100%至1000%）：比例请填小数（如0.05）或百分数（如“5%”）
    """
    value = _number(key, value, field, signed=key in _SIGNED)
    lo, hi = RATIO_BOUNDS[key]
    if not lo <= value <= hi:
        raise FactError(field, f"“{fact_label(key)}”为{value:g}（即{value * 100:g}%），超出合理范围"
                               f"（{lo * 100:g}%至{hi * 100:g}%）：比例请填小数（如0.05）或百分数（如“5%”）")
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
    return _COERCE[kind](key, value, field)


def _text(key, value, field) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise FactError(field, f"“{fact_label(key)}”应为文本")
    text = str(value).strip()
    if len(text) > 200:
        raise FactError(field, f"“{fact_label(key)}”过长")
    return text


def _date(key, value, field) -> str:
    if not isinstance(value, str):
        raise FactError(field, f"“{fact_label(key)}”应为日期（YYYY-MM-DD）")
    try:
        return coercion.date(value)
    except coercion.FieldError:
        raise FactError(field, f"“{fact_label(key)}”应为日期（YYYY-MM-DD），收到“{value}”") from None


def _one_plus_n(key, value, field) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise FactError(field, "“1+N”标识只能为“1”或“N”")
    try:
        return eligibility.one_plus_n(value)
    except ValueError:
        raise FactError(field, f"“1+N”标识只能为“1”或“N”，收到“{value}”") from None


def _region(key, value, field) -> str:
    code = str(value).strip()
    if not re.fullmatch(r"\d{6}", code) or not regions.is_known_region(code):
        raise FactError(field, f"“{fact_label(key)}”应为6位行政区划代码，收到“{value}”")
    return code


def _provider_types(key, value, field) -> list[int]:
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


def _text_list(key, value, field) -> list[str]:
    items = _split(value)
    if items is None or not all(isinstance(x, str) and x.strip() for x in items):
        raise FactError(field, f"“{fact_label(key)}”应为文本列表，多个用分号分隔")
    return [x.strip() for x in items]


def _count_or_list(key, value, field):
    if isinstance(value, list):
        return [str(x) for x in value]
    return _number(key, value, field, integer=True)


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


# Fact type (FACT_TYPES) -> its parser: (key, value, field) -> the engine's value, or FactError.
_COERCE = {
    "number": lambda k, v, f: _ratio(k, v, f) if k in RATIO_BOUNDS else _number(k, v, f, signed=k in _SIGNED),
    "integer": lambda k, v, f: _number(k, v, f, integer=True),
    "rank": lambda k, v, f: _number(k, v, f, integer=True, minimum=1),
    "boolean": _bool, "text": _text, "date": _date, "one_plus_n": _one_plus_n, "region": _region,
    "provider_types": _provider_types, "text_list": _text_list, "count_or_list": _count_or_list,
    "year_map": _year_map, "recognitions": lambda k, v, f: _recognitions(v, f),
}


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
    return _cat.programme_ids()


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
    out["programme_name"] = _cat.programme(programme)["name"]
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
