"""Eligibility checks for the programmes, one pure function per rule id.

Every rule evaluation is a plain dict::

    {"rule_id": "A2.5", "outcome": "pass" | "fail" | "unknown" | "not_applicable",
     "facts_used": {fact: value, ...}, "reason": "<简体中文>"}

and scorecard rules (B 滨江 C2.x, 省数字工厂 D1–D9) add ``items``: one
``{item, label, value, op, threshold, outcome, reason}`` per figure compared.
A fact that is absent (or None) makes its rule ``unknown``, with the fact in
``facts_used`` as None and named in ``reason`` — never a silent pass.

Facts are looked up first at the top level of ``facts``, then in
``facts["enterprise"]``, so the wiring can pass an enterprise node as is.

Example (A2 攻关项目, the boundary case of rule A2.5):

>>> facts = {"enterprise": {"region_code": "330106", "is_manufacturer": True, "credit_ok": True},
...          "project": {"start_date": "2022-01-01", "investment_wan": 200,
...                      "one_plus_n": None, "prior_city_subsidy": False}}
>>> r = check("hz-2023-digital-project", facts)
>>> r["outcome"], [x["outcome"] for x in r["rules"]]
('pass', ['pass', 'pass', 'pass', 'pass', 'not_applicable'])
"""

from __future__ import annotations

import datetime as dt
import itertools
import unicodedata

from graphsvc.core import coercion, vocabulary
from graphsvc.core.formatting import wan_text
from graphsvc.core.regions import current_code, in_scope
from graphsvc.programmes import catalogue as _cat

PASS, FAIL, UNKNOWN, NA = "pass", "fail", "unknown", "not_applicable"
# A notice (提示) informs and never fails a check (A1.5: “无需再次申报培育”); a rule the seed states
# “原则上” (in principle) does not fail hard: the bureau decides on the applicant's reasons.
NOTICE, NEEDS_REASON = "notice", "needs_reason"
# Overall outcome of a programme whose rules are reference indicators (seed 001: “参考要素指标（试行）”).
REFERENCE = "reference"

FACT_LABELS = vocabulary.FACT_LABELS  # so a reason can say which fact is missing

# How a yes/no fact reads for each answer, so a reason never says “未列入…：否”.
FLAG_PHRASES = {
    "credit_ok": ("未列入失信联合惩戒对象名单", "已列入失信联合惩戒对象名单"),
    "is_manufacturer": ("为制造业企业", "非制造业企业"),
    "prior_city_subsidy": ("已享受过市级数字化改造奖补政策", "未享受过市级数字化改造奖补政策"),
    "four_capabilities": ("具备系统解决问题的“四大能力”", "不具备系统解决问题的“四大能力”"),
    "high_tech": ("为国家高新技术企业", "非国家高新技术企业"),
    "own_ip": ("拥有独立的自主知识产权", "无独立的自主知识产权"),
    "has_team": ("有数字化制造工程/平台开发与服务/产品智能化研发团队", "无数字化制造工程/平台开发与服务/产品智能化研发团队"),
    "three_year_goals": ("有今后三年明确的技术创新、市场开发、转型升级目标", "无今后三年明确目标"),
    "rd_budget": ("有明确的研发投入资金预算", "无明确的研发投入资金预算"),
    "talent_team": ("拥有省级以上认定领军型创新创业团队或科技创新领军人才", "无省级以上认定领军型团队或领军人才"),
    "uses_cloud": ("应用云服务器、云存储、云数据库、云安全等", "未应用云服务"),
    "data_middle_platform": ("建有数据中台、业务中台或业务总线", "未建数据中台、业务中台或业务总线"),
    "security_management": ("已建立网络安全管理制度", "未建立网络安全管理制度"),
    "data_classification": ("已建立数据分类分级管理制度", "未建立数据分类分级管理制度"),
    "in_pool_2021_2022": ("已列入2021-2022年培育库", "未列入2021-2022年培育库"),
}

OP_TEXT = {">=": "不低于", ">": "超过", "<=": "不超过", "==": "为"}


# --------------------------------------------------------------------------
# small helpers shared by the rule functions (and by subsidies / targets)

def result(rule_id: str, outcome: str, facts_used: dict, reason: str, items: list | None = None) -> dict:
    """Build one rule evaluation.

    >>> result("A1.3", "pass", {"credit_ok": True}, "信用良好")["outcome"]
    'pass'
    """
    out = {"rule_id": rule_id, "outcome": outcome, "facts_used": facts_used, "reason": reason}
    if items is not None:
        out["items"] = items
    return out


def combine(outcomes) -> str:
    """Overall outcome: fail beats unknown beats needs_reason beats pass; not_applicable and
    notice are ignored.

    >>> combine(["pass", "unknown", "not_applicable"]), combine(["unknown", "fail"]), combine([])
    ('unknown', 'fail', 'pass')
    >>> combine(["pass", "notice"]), combine(["needs_reason", "pass"])
    ('pass', 'needs_reason')
    """
    outcomes = list(outcomes)
    for worst in (FAIL, UNKNOWN, NEEDS_REASON):
        if worst in outcomes:
            return worst
    return PASS


def label(key: str) -> str:
    return FACT_LABELS.get(key, key)


def missing_reason(keys) -> str:
    """``缺少“项目开工日期”，无法判断`` (the Chinese names only: the reason is shown to people)."""
    names = "、".join(f"“{label(k)}”" for k in keys)
    return f"缺少{names}，无法判断"


def fact(facts: dict, key: str, *sections: str):
    """Look *key* up in ``facts`` then in each named section (default: enterprise)."""
    if facts is None:
        return None
    if facts.get(key) is not None:
        return facts[key]
    for sec in sections or ("enterprise",):
        sub = facts.get(sec) or {}
        if sub.get(key) is not None:
            return sub[key]
    return None


def as_date(value) -> dt.date | None:
    """Parse a date given as ``date``, ``datetime`` or ``YYYY-MM-DD`` / ``YYYY/MM/DD``.

    >>> as_date("2022/1/1")
    datetime.date(2022, 1, 1)
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(coercion.date(str(value)))
    except (TypeError, ValueError):
        raise ValueError(f"无法识别的日期：{value!r}") from None


def one_plus_n(value) -> str | None:
    """Normalise a “1+N” marker: '1', 'N' or None (full-width １/Ｎ as in seed 000).

    >>> one_plus_n("Ｎ"), one_plus_n(1), one_plus_n(""), one_plus_n("n")
    ('N', '1', None, 'N')
    """
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    if text == "":
        return None
    if text not in ("1", "N"):
        raise ValueError(f"“1+N”标识只能为“1”或“N”，收到 {value!r}")
    return text


def _fmt(value, pct: bool = False, unit: str = "") -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if unit == "万元" and isinstance(value, (int, float)):
        return wan_text(value)
    if pct and isinstance(value, (int, float)):
        return f"{round(value * 100, 2):g}%"
    if isinstance(value, float):
        return f"{value:g}{unit}"
    return f"{value}{unit}"


def compare(key: str, value, op: str, threshold, unit: str = "", pct: bool = False, name: str | None = None) -> dict:
    """One scorecard item: *value* compared with *threshold* by *op*.

    >>> compare("investment_wan", 200, ">=", 200, "万元")["outcome"]
    'pass'
    >>> compare("developers", 100, ">", 100)["outcome"]
    'fail'
    """
    lab = name or label(key)
    shown = f"{OP_TEXT[op]}{_fmt(threshold, pct, unit)}"
    if value is None:
        return {"item": key, "label": lab, "value": None, "op": op, "threshold": threshold,
                "outcome": UNKNOWN, "reason": missing_reason([key])}
    ok = {">=": value >= threshold, ">": value > threshold, "<=": value <= threshold,
          "==": value == threshold}[op]
    if isinstance(threshold, bool):  # a yes/no fact: say what the answer means, and whether it fits
        yes, no = FLAG_PHRASES.get(key, (f"{lab}：是", f"{lab}：否"))
        reason = f"{yes if value else no}，{'符合' if ok else '不符合'}"
    else:
        reason = f"{lab}为{_fmt(value, pct, unit)}，{'满足' if ok else '不满足'}“{shown}”"
    return {"item": key, "label": lab, "value": value, "op": op, "threshold": threshold,
            "outcome": PASS if ok else FAIL, "reason": reason}


def flag(key: str, value, want: bool = True, name: str | None = None) -> dict:
    """A yes/no item that must equal *want*."""
    return compare(key, None if value is None else bool(value), "==", want, name=name)


def any_of(key: str, items: list[dict], name: str) -> dict:
    """Combine alternatives (“或”): pass if one passes, fail if all fail."""
    outs = [i["outcome"] for i in items]
    outcome = PASS if PASS in outs else (UNKNOWN if UNKNOWN in outs else FAIL)
    shown = [i for i in items if i["outcome"] == PASS] if outcome == PASS else items
    return {"item": key, "label": name, "value": {i["item"]: i["value"] for i in items},
            "op": "any", "threshold": {i["item"]: i["threshold"] for i in items},
            "outcome": outcome, "reason": "；或".join(i["reason"] for i in shown)}


def from_items(rule_id: str, items: list[dict], facts_used: dict | None = None) -> dict:
    """A rule result whose outcome combines its items and whose reason quotes them."""
    outcome = combine(i["outcome"] for i in items)
    if facts_used is None:
        facts_used = {}
        for i in items:
            if isinstance(i["value"], dict) and i.get("op") == "any":
                facts_used.update(i["value"])
            else:
                facts_used[i["item"]] = i["value"]
    shown = [i for i in items if i["outcome"] == outcome] if outcome != PASS else items
    return result(rule_id, outcome, facts_used, "；".join(i["reason"] for i in shown), items)


def region_item(region_code, scope: str, scope_name: str) -> dict:
    """Registered address within *scope* (retired codes count as their successor)."""
    if region_code is None:
        return {"item": "region_code", "label": label("region_code"), "value": None, "op": "in",
                "threshold": scope, "outcome": UNKNOWN, "reason": missing_reason(["region_code"])}
    code = str(region_code)
    now = current_code(code)
    shown = code if now == code else f"{code}（现{now}）"
    ok = in_scope(now, scope)
    return {"item": "region_code", "label": label("region_code"), "value": code, "op": "in",
            "threshold": scope, "outcome": PASS if ok else FAIL,
            "reason": f"注册地{shown}{'在' if ok else '不在'}{scope_name}范围内"}


# --------------------------------------------------------------------------
# A1 “未来工厂”培育企业 (hz-2023-future-factory)

def a1_1(facts, cat=None):
    """A1.1: the category applied for is one of the five kinds."""
    cats = _cat.params("A1.1", cat)["categories"]
    c = fact(facts, "category")
    if c is None:
        return result("A1.1", UNKNOWN, {"category": None}, missing_reason(["category"]))
    ok = c in cats
    return result("A1.1", PASS if ok else FAIL, {"category": c},
                  f"申报类别“{c}”{'属于' if ok else '不属于'}五类“未来工厂”（{'、'.join(cats)}）")


def a1_2(facts, cat=None):
    """A1.2: Hangzhou legal entity; 链主/智能/数字化车间 applicants are manufacturers."""
    p = _cat.params("A1.2", cat)
    items = [region_item(fact(facts, "region_code"), p["region_scope"], p["region_name"])]
    c = fact(facts, "category")
    m = fact(facts, "is_manufacturer")
    if c is not None and c not in p["manufacturer_required_for"]:
        pass  # 聚能工厂 / 云端工厂 need not be manufacturers
    elif c is None and m is not True:
        items.append({"item": "is_manufacturer", "label": label("is_manufacturer"), "value": m,
                      "op": "==", "threshold": True, "outcome": UNKNOWN,
                      "reason": missing_reason(["category"] if m is not None else ["category", "is_manufacturer"])
                      + "（链主工厂、智能工厂、数字化车间申报企业须为制造业）"})
    else:
        items.append(flag("is_manufacturer", m))
    used = {"region_code": fact(facts, "region_code"), "category": c, "is_manufacturer": m}
    return from_items("A1.2", items, used)


def a1_3(facts, cat=None):
    """A1.3: not on Hangzhou's 失信联合惩戒 list."""
    return from_items("A1.3", [flag("credit_ok", fact(facts, "credit_ok"))])


def _rated(recognitions, kinds, status, y0, y1):
    return [r for r in recognitions
            if r.get("kind") in kinds and r.get("status") == status
            and r.get("year") is not None and y0 <= int(r["year"]) <= y1]


def a1_4(facts, cat=None):
    """A1.4: one step up the ladder 数字化车间 → 智能工厂 → 链主工厂 from a 2021–2022 rating."""
    p = _cat.params("A1.4", cat)
    ladder = p["ladder"]
    c = fact(facts, "category")
    recs = facts.get("recognitions")
    used = {"category": c, "recognitions": recs}
    if recs is None or c is None:
        missing = [k for k, v in (("category", c), ("recognitions", recs)) if v is None]
        return result("A1.4", UNKNOWN, used, missing_reason(missing))
    rated = _rated(recs, ladder, p["rated_status"], p["rated_from_year"], p["rated_to_year"])
    years = f"{p['rated_from_year']}-{p['rated_to_year']}年"
    if not rated:
        return result("A1.4", NA, used, f"{years}未被评定为{'、'.join(ladder[:-1])}，不受逐级申报限制")
    top = max(ladder.index(r["kind"]) for r in rated)
    used["rated_tier"] = ladder[top]
    if c not in ladder:
        return result("A1.4", NA, used, f"申报类别“{c}”不在“{'→'.join(ladder)}”逐级序列内")
    step = ladder.index(c) - top
    if 1 <= step <= p["max_step_up"]:
        return result("A1.4", PASS, used, f"{years}已评定为“{ladder[top]}”，申报“{c}”为向上一级")
    why = "同级或降级申报" if step <= 0 else "越级申报"
    return result("A1.4", FAIL, used,
                  f"{years}已评定为“{ladder[top]}”，申报“{c}”属{why}；须按“{'→'.join(ladder)}”次序向上逐级申报")


def a1_5(facts, cat=None):
    """A1.5: in the 2021–2022 pool but not yet rated → need not apply again: a notice (提示),
    never a failure; an enterprise rated in those years is not in that situation."""
    p = _cat.params("A1.5", cat)
    recs = facts.get("recognitions")
    pool = facts.get("in_pool_2021_2022")
    y0, y1 = p["pool_from_year"], p["pool_to_year"]
    rated = _rated(recs, p["kinds"], p["rated_status"], y0, y1) if recs is not None else None
    if rated:
        top = sorted(rated, key=lambda r: (int(r["year"]), p["kinds"].index(r["kind"])))[-1]
        used = {"in_pool_2021_2022": pool, "recognitions": recs, "rated": True}
        return result("A1.5", PASS, used, f"{top['year']}年已评定为{top.get('level') or ''}级“{top['kind']}”，"
                                          f"不属于“已入库但未评定”的情形，可按逐级次序申报")
    if pool is None and recs is not None:
        pool = bool(_rated(recs, p["kinds"], p["pool_status"], y0, y1))
    used = {"in_pool_2021_2022": pool, "recognitions": recs}
    if pool is None:
        return result("A1.5", UNKNOWN, used, missing_reason(["in_pool_2021_2022", "recognitions"]))
    if not pool:
        return result("A1.5", PASS, used, f"{y0}-{y1}年未列入“未来工厂”培育库，也未评定")
    if recs is None:
        return result("A1.5", UNKNOWN, used, missing_reason(["recognitions"]) + "（已入库，需核实是否已评定）")
    used["rated"] = False
    return result("A1.5", NOTICE, used, f"提示：已列入{y0}-{y1}年“未来工厂”培育库但尚未评定，"
                                        f"无需再次申报培育（不影响其他条件的自查结论）")


# --------------------------------------------------------------------------
# A2 制造业数字化改造攻关项目 (hz-2023-digital-project)

def _project(facts, key):
    return fact(facts, key, "project")


def a2_3(facts, cat=None):
    """A2.3: Hangzhou-registered manufacturer with good credit (retired codes count)."""
    p = _cat.params("A2.3", cat)
    items = [region_item(fact(facts, "region_code"), p["region_scope"], p["region_name"]),
             flag("is_manufacturer", fact(facts, "is_manufacturer")),
             flag("credit_ok", fact(facts, "credit_ok"))]
    return from_items("A2.3", items)


def a2_4(facts, cat=None):
    """A2.4: started on or after 2022-01-01 (that day itself passes)."""
    start = _project(facts, "start_date")
    try:
        d = as_date(start)
    except ValueError as exc:
        return result("A2.4", UNKNOWN, {"start_date": start}, str(exc))
    item = compare("start_date", d, ">=", _cat.params("A2.4", cat)["min_start_date"])
    item["reason"] = item["reason"].replace("不低于", "不早于")
    return from_items("A2.4", [item], {"start_date": start})


def _exempt(rule_id, marker, cat):
    exempt = _cat.params("A2.7", cat)["exempt_from"]
    return marker is not None and rule_id in exempt.get(marker, [])


def _marker(facts):
    raw = _project(facts, "one_plus_n")
    return raw, one_plus_n(raw)


def a2_5(facts, cat=None):
    """A2.5: investment ≥ 200 万元 (200 itself passes); “N” projects exempt (A2.7)."""
    _raw, marker = _marker(facts)
    inv = _project(facts, "investment_wan")
    if _exempt("A2.5", marker, cat):
        return result("A2.5", NA, {"one_plus_n": marker, "investment_wan": inv},
                      "“N”类项目实际投资额可放宽至200万元以下（A2.7），不适用本条")
    item = compare("investment_wan", inv, ">=", _cat.params("A2.5", cat)["min_investment_wan"], "万元")
    return from_items("A2.5", [item], {"investment_wan": inv, "one_plus_n": marker})


def a2_6(facts, cat=None):
    """A2.6: no prior city digital-transformation subsidy; “1” projects exempt (A2.7)."""
    _raw, marker = _marker(facts)
    prior = _project(facts, "prior_city_subsidy")
    if _exempt("A2.6", marker, cat):
        return result("A2.6", NA, {"one_plus_n": marker, "prior_city_subsidy": prior},
                      "“1”类项目申报企业不受是否享受过市级数字化改造奖补的限制（A2.7），不适用本条")
    item = flag("prior_city_subsidy", prior, want=False)
    return from_items("A2.6", [item], {"prior_city_subsidy": prior, "one_plus_n": marker})


def _member(entry: dict) -> dict:
    proj = entry.get("project", entry)
    ent = entry.get("enterprise") or {}
    return {"project_id": proj.get("id"), "one_plus_n": proj.get("one_plus_n"),
            "group_id": proj.get("group_id"), "uscc": ent.get("uscc"), "name": ent.get("name")}


def a2_2(facts, cat=None):
    """A2.2: a “1+N” group has exactly one “1”, and its “N”s share its group_id."""
    p = _cat.params("A2.2", cat)
    _raw, marker = _marker(facts)
    if marker is None:
        return result("A2.2", NA, {"one_plus_n": None}, "非“1+N”形式项目，不作组团检查")
    gid = _project(facts, "group_id")
    group = facts.get("group")
    me = _member({"project": facts.get("project") or {}, "enterprise": facts.get("enterprise")})
    used = {"one_plus_n": marker, "group_id": gid, "group": None if group is None else [_member(g) for g in group]}
    missing = [k for k, v in (("group_id", gid), ("group", group)) if v is None]
    if missing:
        return result("A2.2", UNKNOWN, used, missing_reason(missing))
    members = [me] + used["group"]
    problems = []
    for m in members:
        try:
            m["one_plus_n"] = one_plus_n(m["one_plus_n"])
        except ValueError as exc:
            problems.append(f"项目{m['project_id']}：{exc}")
            continue
        if m["one_plus_n"] is None:
            problems.append(f"项目{m['project_id']}未标明“1”或“N”")
        if m["group_id"] != gid:
            problems.append(f"项目{m['project_id']}的项目组编号为{m['group_id']}，与本组{gid}不一致")
    leads = [m for m in members if m["one_plus_n"] == p["lead_marker"]]
    if len(leads) != p["leads_per_group"]:
        problems.append(f"本组“1”类项目有{len(leads)}个，应为{p['leads_per_group']}个")
    used["group"] = members
    if problems:
        return result("A2.2", FAIL, used, "；".join(problems))
    n = sum(1 for m in members if m["one_plus_n"] == p["member_marker"])
    return result("A2.2", PASS, used, f"项目组{gid}由1个“1”类项目牵头、{n}个“N”类项目同步改造，组团完整")


# --------------------------------------------------------------------------
# C 滨江智造供给 providers (bj-2023-provider)

def _types(facts):
    t = fact(facts, "provider_types")
    if t is None:
        return None
    if isinstance(t, str):
        t = [x for x in t.replace("；", ";").replace(",", ";").split(";") if x.strip()]
    return sorted({int(x) for x in t})


def c2_1(facts, cat=None):
    """C2.1: main or new business is one of the six provider types."""
    allowed = _cat.params("C2.1", cat)["provider_types"]
    t = _types(facts)
    if t is None:
        return from_items("C2.1", [compare("provider_types", None, ">=", 1)])
    valid = [x for x in t if x in allowed]
    item = {"item": "provider_types", "label": label("provider_types"), "value": t, "op": "in",
            "threshold": allowed, "outcome": PASS if valid else FAIL,
            "reason": (f"智造供给类型为{'、'.join(map(str, valid))}，属于六类供应商" if valid
                       else "主营业务不属于六类系统解决问题供应商所涉及的领域")}
    return from_items("C2.1", [item])


def c1(facts, cat=None):
    """C1: the provider types whose text asks for the “four capabilities” (params) must show them."""
    need = _cat.params("C1", cat)["four_capabilities_required_for"]
    t = _types(facts)
    if t is None:
        return result("C1", UNKNOWN, {"provider_types": None}, missing_reason(["provider_types"]))
    hit = [x for x in t if x in need]
    if not hit:
        listed = "、".join(map(str, need))
        return result("C1", NA, {"provider_types": t}, f"非第{listed}类供应商，不要求“四大能力”")
    item = flag("four_capabilities", fact(facts, "four_capabilities"))
    return from_items("C1", [item], {"provider_types": t, "four_capabilities": item["value"]})


def growth(by_year: dict | None) -> float | None:
    """Latest year-on-year growth from ``{year: amount}``.

    >>> growth({2021: 100, 2022: 110})
    0.1
    """
    if not by_year or len(by_year) < 2:
        return None
    ys = sorted(by_year, key=int)
    prev, last = by_year[ys[-2]], by_year[ys[-1]]
    if prev in (None, 0) or last is None:
        return None
    return round(last / prev - 1, 6)


def c2_2(facts, cat=None):
    """C2.2: revenue and tax both growing; national high-tech; own IP."""
    floor = _cat.params("C2.2", cat)["min_growth_exclusive"]
    rg = fact(facts, "revenue_growth")
    if rg is None:
        rg = growth(fact(facts, "revenue_wan_by_year"))
    tg = fact(facts, "tax_growth")
    if tg is None:
        tg = growth(fact(facts, "tax_wan_by_year"))
    items = [compare("revenue_growth", rg, ">", floor, pct=True),
             compare("tax_growth", tg, ">", floor, pct=True),
             flag("high_tech", fact(facts, "high_tech")),
             flag("own_ip", fact(facts, "own_ip"))]
    return from_items("C2.2", items)


def c2_3(facts, cat=None):
    """C2.3: R&D spend ≥ 500 万元/yr and R&D staff ≥ 30 (不低于 includes the figure)."""
    p = _cat.params("C2.3", cat)
    items = [compare("rd_spend_wan", fact(facts, "rd_spend_wan"), ">=", p["min_rd_spend_wan"], "万元"),
             compare("rd_staff", fact(facts, "rd_staff"), ">=", p["min_rd_staff"], "人")]
    return from_items("C2.3", items)


def c2_4(facts, cat=None):
    """C2.4: has the team, three-year goals with an R&D budget, and named target fields."""
    p = _cat.params("C2.4", cat)
    fields = fact(facts, "target_fields")
    items = [flag("has_team", fact(facts, "has_team")),
             flag("three_year_goals", fact(facts, "three_year_goals")),
             flag("rd_budget", fact(facts, "rd_budget")),
             compare("target_fields", None if fields is None else len(fields), ">=", p["min_target_fields"], "个")]
    items[-1]["value"] = fields if fields is None else len(fields)
    return from_items("C2.4", items, {"has_team": items[0]["value"], "three_year_goals": items[1]["value"],
                                      "rd_budget": items[2]["value"], "target_fields": fields})


def c2_5(facts, cat=None):
    """C2.5: no environmental, safety, IP or tax violation in the last three years."""
    v = fact(facts, "violations_3y")
    count = None if v is None else (len(v) if isinstance(v, (list, tuple)) else int(v))
    item = compare("violations_3y", count, "==", 0, "项")
    return from_items("C2.5", [item], {"violations_3y": v})


def preferred_tier(revenue_wan, catalogue: dict | None = None) -> dict:
    """C3.4: the title a provider is preferred for by revenue (达到 = at least).

    >>> preferred_tier(100000)["facts_used"]["tier"]
    '领军培育企业'
    """
    tiers = _cat.params("C3.4", catalogue)["tiers"]
    used = {"revenue_wan": revenue_wan, "tier": None}
    if revenue_wan is None:
        return result("C3.4", UNKNOWN, used, missing_reason(["revenue_wan"]))
    for t in sorted(tiers, key=lambda t: -t["min_revenue_wan"]):
        if revenue_wan >= t["min_revenue_wan"]:
            used["tier"] = t["name"]
            return result("C3.4", PASS, used,
                          f"营业收入{revenue_wan}万元，达到{t['min_revenue_wan']}万元，优先认定为{t['name']}")
    low = min(t["min_revenue_wan"] for t in tiers)
    return result("C3.4", FAIL, used, f"营业收入{revenue_wan}万元，未达到{low}万元")


# --------------------------------------------------------------------------
# D 浙江省数字工厂 reference indicators (zj-2022-digital-factory)

def d1(facts, cat=None):
    """D1: revenue > 8亿, or > 2亿 with 3-year average growth > 20% (all strict: “超”)."""
    p = _cat.params("D1", cat)
    rev = fact(facts, "revenue_wan")
    g = fact(facts, "revenue_growth_3y_avg")
    big = compare("revenue_wan", rev, ">", p["revenue_over_wan"], "万元")
    mid = compare("revenue_wan", rev, ">", p["alt_revenue_over_wan"], "万元")
    gr = compare("revenue_growth_3y_avg", g, ">", p["alt_growth_over"], pct=True)
    alt = from_items("D1", [mid, gr])
    alt_item = {"item": "revenue_and_growth", "label": "营业收入及近三年年均增速",
                "value": {"revenue_wan": rev, "revenue_growth_3y_avg": g},
                "op": "all", "threshold": {"revenue_wan": p["alt_revenue_over_wan"],
                                           "revenue_growth_3y_avg": p["alt_growth_over"]},
                "outcome": alt["outcome"], "reason": alt["reason"]}
    either = any_of("revenue", [big, alt_item], "营业收入规模")
    either["value"] = {"revenue_wan": rev, "revenue_growth_3y_avg": g}
    return result("D1", either["outcome"], {"revenue_wan": rev, "revenue_growth_3y_avg": g},
                  either["reason"], [big, mid, gr])


def d2(facts, cat=None):
    """D2: profit margin ≥ 7% and tax per mu ≥ 30 万元 (“以上” includes the figure)."""
    p = _cat.params("D2", cat)
    return from_items("D2", [
        compare("profit_margin", fact(facts, "profit_margin"), ">=", p["min_profit_margin"], pct=True),
        compare("tax_per_mu_wan", fact(facts, "tax_per_mu_wan"), ">=", p["min_tax_per_mu_wan"], "万元/亩")])


def d3(facts, cat=None):
    """D3: global top 10 or national top 5 market share; public credit rating 良好 or better."""
    p = _cat.params("D3", cat)
    share = any_of("market_rank", [
        compare("market_rank_global", fact(facts, "market_rank_global"), "<=", p["max_global_rank"], "位"),
        compare("market_rank_national", fact(facts, "market_rank_national"), "<=", p["max_national_rank"], "位")],
        "市场占有率排名")
    rating = fact(facts, "credit_rating")
    ok = p["credit_ratings_ok"]
    credit = {"item": "credit_rating", "label": label("credit_rating"), "value": rating, "op": "in",
              "threshold": ok, "outcome": UNKNOWN if rating is None else (PASS if rating in ok else FAIL),
              "reason": missing_reason(["credit_rating"]) if rating is None else
              f"公共信用等级评价为“{rating}”，{'达到' if rating in ok else '未达到'}良好以上"}
    return from_items("D3", [share, credit])


def d4(facts, cat=None):
    """D4: R&D ≥ 5% of revenue and R&D spend growing over the last three years."""
    p = _cat.params("D4", cat)
    ratio = fact(facts, "rd_ratio")
    if ratio is None and fact(facts, "rd_spend_wan") is not None and fact(facts, "revenue_wan"):
        ratio = fact(facts, "rd_spend_wan") / fact(facts, "revenue_wan")
    by_year = fact(facts, "rd_spend_wan_by_year")
    n = p["growth_years"]
    grow = {"item": "rd_spend_wan_by_year", "label": label("rd_spend_wan_by_year"), "value": by_year,
            "op": "increasing", "threshold": n}
    if not by_year or len(by_year) < n:
        grow.update(outcome=UNKNOWN, reason=missing_reason(["rd_spend_wan_by_year"]) + f"（需近{n}年数据）")
    else:
        vals = [by_year[y] for y in sorted(by_year, key=int)[-n:]]
        ok = all(b > a for a, b in itertools.pairwise(vals))
        grow.update(outcome=PASS if ok else FAIL,
                    reason=f"近{n}年研发费用{'→'.join(map(str, vals))}万元，{'保持增长' if ok else '未保持增长'}")
    return from_items("D4", [compare("rd_ratio", ratio, ">=", p["min_rd_ratio"], pct=True), grow])


def d5(facts, cat=None):
    """D5: R&D staff ≥ 15%; degree staff > 50% (manufacturers ≥ 15%); provincial talent team."""
    p = _cat.params("D5", cat)
    manu = fact(facts, "is_manufacturer")
    deg = fact(facts, "degree_ratio")
    if manu is None:
        degree = compare("degree_ratio", deg, ">", p["degree_ratio_over"], pct=True)
        if degree["outcome"] != PASS:  # a manufacturer would need only 15%: undecided
            degree.update(outcome=UNKNOWN, reason=missing_reason(["is_manufacturer"])
                          + "（制造类企业要求不低于15%，其他企业要求超过50%）")
    elif manu:
        degree = compare("degree_ratio", deg, ">=", p["min_degree_ratio_manufacturer"], pct=True)
    else:
        degree = compare("degree_ratio", deg, ">", p["degree_ratio_over"], pct=True)
    items = [compare("rd_staff_ratio", fact(facts, "rd_staff_ratio"), ">=", p["min_rd_staff_ratio"], pct=True),
             degree, flag("talent_team", fact(facts, "talent_team"))]
    out = from_items("D5", items)
    out["facts_used"]["is_manufacturer"] = manu
    return out


def d6(facts, cat=None):
    """D6: ≥ 20 invention patents or ≥ 100 software copyrights; ≥ 3 standards."""
    p = _cat.params("D6", cat)
    ip = any_of("ip", [
        compare("invention_patents", fact(facts, "invention_patents"), ">=", p["min_invention_patents"], "件"),
        compare("software_copyrights", fact(facts, "software_copyrights"), ">=", p["min_software_copyrights"], "件")],
        "知识产权")
    std = compare("standards", fact(facts, "standards"), ">=", p["min_standards"], "项")
    return from_items("D6", [ip, std])


def d7(facts, cat=None):
    """D7: cloud use, data/business middle platform, security management, classified data."""
    keys = _cat.params("D7", cat)["required_facts"]
    return from_items("D7", [flag(k, fact(facts, k)) for k in keys])


def d8(facts, cat=None):
    """D8: > 100 active developers and > 100 integrated apps (“均超过”: strict)."""
    p = _cat.params("D8", cat)
    return from_items("D8", [
        compare("developers", fact(facts, "developers"), ">", p["developers_over"], "个"),
        compare("integrated_apps", fact(facts, "integrated_apps"), ">", p["integrated_apps_over"], "个")])


def d9(facts, cat=None):
    """D9: > 100 service cases in 3 years; solutions for ≥ 3 major industries."""
    p = _cat.params("D9", cat)
    return from_items("D9", [
        compare("service_cases_3y", fact(facts, "service_cases_3y"), ">", p["service_cases_over"], "个"),
        compare("industries_served", fact(facts, "industries_served"), ">=", p["min_industries"], "个")])


# --------------------------------------------------------------------------

EVALUATORS = {
    "A1.1": a1_1, "A1.2": a1_2, "A1.3": a1_3, "A1.4": a1_4, "A1.5": a1_5,
    "A2.2": a2_2, "A2.3": a2_3, "A2.4": a2_4, "A2.5": a2_5, "A2.6": a2_6,
    "C1": c1, "C2.1": c2_1, "C2.2": c2_2, "C2.3": c2_3, "C2.4": c2_4, "C2.5": c2_5,
    "D1": d1, "D2": d2, "D3": d3, "D4": d4, "D5": d5, "D6": d6, "D7": d7, "D8": d8, "D9": d9,
}

# The programmes are data (the rules files); their rules must all be in EVALUATORS.
PROGRAMMES = tuple(_cat.programme_ids())


def evaluate(rule_id: str, facts: dict, catalogue: dict | None = None) -> dict:
    """Evaluate one rule by id.

    >>> evaluate("A2.4", {"project": {"start_date": "2021-12-31"}})["outcome"]
    'needs_reason'
    """
    try:
        fn = EVALUATORS[rule_id]
    except KeyError:
        raise KeyError(f"rule {rule_id!r} has no eligibility evaluator") from None
    out = fn(facts or {}, catalogue)
    if out["outcome"] == FAIL and _cat.rule(rule_id, catalogue).get("in_principle"):
        out["outcome"] = NEEDS_REASON
        out["reason"] = f"原则上不符合，需说明理由：{out['reason']}"
    return out


def check(programme: str, facts: dict, catalogue: dict | None = None) -> dict:
    """Evaluate every rule of *programme* (ids listed in the rules YAML).

    Overall outcome: fail if any rule fails, else unknown if any is unknown,
    else pass (not_applicable rules do not count).

    >>> r = check("hz-2023-future-factory", {"enterprise": {"region_code": "330108",
    ...     "is_manufacturer": True, "credit_ok": True}, "category": "智能工厂",
    ...     "recognitions": [{"kind": "数字化车间", "level": "市", "status": "认定", "year": 2022}]})
    >>> r["outcome"], [x["outcome"] for x in r["rules"]]
    ('pass', ['pass', 'pass', 'pass', 'pass', 'pass'])
    """
    rules = [evaluate(rid, facts, catalogue) for rid in _cat.programme_rule_ids(programme, catalogue)]
    if (_cat.programme(programme, catalogue) or {}).get("basis") == REFERENCE:
        return {"programme": programme, "outcome": REFERENCE, "basis": REFERENCE,
                "summary": reference_summary(rules), "rules": rules}
    return {"programme": programme, "outcome": combine(r["outcome"] for r in rules), "rules": rules}


def reference_summary(rules: list[dict]) -> dict:
    """Reference indicators met / not met / undecided, and a sentence that says they guide
    rather than decide (seed 001: “参考要素指标（试行）”, “为数字工厂培育创建提供参考依据”).

    >>> reference_summary([{"outcome": "pass"}, {"outcome": "fail"}, {"outcome": "unknown"}])["text"]
    '参考要素指标共3项：达到1项，未达到1项，待补充1项。参考指标不是申报的硬性条件，由评估专家综合判断'
    """
    n = {o: sum(1 for r in rules if r["outcome"] == o) for o in (PASS, FAIL, UNKNOWN)}
    text = (f"参考要素指标共{len(rules)}项：达到{n[PASS]}项，未达到{n[FAIL]}项"
            + (f"，待补充{n[UNKNOWN]}项" if n[UNKNOWN] else "")
            + "。参考指标不是申报的硬性条件，由评估专家综合判断")
    return {"met": n[PASS], "not_met": n[FAIL], "unknown": n[UNKNOWN], "total": len(rules), "text": text}


def check_group(programme: str, members: list[dict], catalogue: dict | None = None) -> dict:
    """Check every project of a “1+N” group, each against the others (A2.2).

    *members* is a list of facts dicts ``{enterprise, project}``; the result is
    ``{programme, outcome, members: [check(...) per member]}``.
    """
    results = []
    for i, m in enumerate(members):
        others = [o for j, o in enumerate(members) if j != i]
        results.append(check(programme, {**m, "group": others}, catalogue))
    return {"programme": programme, "outcome": combine(r["outcome"] for r in results), "members": results}
