"""Binjiang 支持政策 items not covered elsewhere (rules C4.1–C4.11, seed 003 items 1–3, 5–8
and 10) and Hangzhou's “就高不重复” (B13), from plain facts.

Each function returns ``{rule_id, outcome, amount_wan, facts_used, reason}`` (money in 万元,
``amount_wan`` None where the seed sets no figure, e.g. a rent subsidy whose rent is not
given); ``outcome`` is pass (the support is due), fail (a condition is not met), unknown (a
needed fact is missing) or needs_reason (a “原则上” cap exceeded).  The figures are rule
params in ``bj-2023-provider.yaml``.

>>> support({"newly_introduced": True, "core_ip_leading": True, "annual_rent_wan": 80, "year_number": 2},
...         ["C4.1"])[0]["amount_wan"]
80
>>> highest_not_duplicated([{"rule_id": "B10", "matter": "M", "amount_wan": 200},
...                         {"rule_id": "X", "matter": "M", "amount_wan": 300}])["payable_wan"]
300
"""
from __future__ import annotations

from graphsvc.core.formatting import wan_text
from graphsvc.core.regions import current_code, in_scope
from graphsvc.programmes import catalogue as _cat
from graphsvc.programmes.eligibility import FAIL, NEEDS_REASON, PASS, UNKNOWN

# Facts these rules read, with their Chinese names (money in 万元).
FACTS = {
    "newly_introduced": "是否新引进（区外迁入或新设）", "core_ip_leading": "是否经审核拥有核心知识产权、技术领先",
    "annual_rent_wan": "年房租", "year_number": "第几年享受",
    "project_recognised": "项目是否经认定直接列入培育名单", "rd_spend_wan": "研发投入",
    "provider_types": "智造供给类型", "industry_platform": "是否为具有行业特色的行业工业互联网平台服务商",
    "project_rd_spend_wan": "项目研发投入实际支出额", "in_5050": "是否经认定入选“5050计划”",
    "vc_investment_wan": "累计获得创投机构投资额", "tech_sme": "是否为科技型中小企业",
    "region_code": "注册地行政区划代码", "listing_stage_recognised": "上市进度是否经认定",
    "restructuring_wan": "重大资产重组金额", "restructuring_target_wan": "重组标的金额",
    "loan_interest_2y_wan": "两年贷款利息", "revenue_wan": "年营业收入", "tax_wan": "年税收",
    "employees": "从业人员数", "science_awards": "新获科技奖励", "rd_institutions": "新认定研发机构",
    "prior_filing_approved": "是否经事前报备同意", "service_agency": "是否为智能制造服务机构",
}
DISTRICT = "330108"
LEVELS = {"national": "国家", "provincial": "省级", "city": "市级"}
GRADES = {1: "一等奖", 2: "二等奖", 3: "三等奖"}
INSTITUTIONS = {"key_lab": "重点实验室（工程技术研究中心）", "enterprise_institute": "企业研究院",
                "rd_centre": "研发中心（工程研究中心、企业技术中心）"}


def _out(rule_id, outcome, used, reason, amount=None) -> dict:
    return {"rule_id": rule_id, "outcome": outcome, "amount_wan": amount, "facts_used": used, "reason": reason}


def _missing(rule_id, used: dict, keys) -> dict | None:
    lacking = [k for k in keys if used.get(k) is None]
    if not lacking:
        return None
    return _out(rule_id, UNKNOWN, used, "缺少" + "、".join(f"“{FACTS[k]}”" for k in lacking) + "，无法判断")


def _money(x) -> float | int:
    x = round(float(x), 2)
    return int(x) if x == int(x) else x


def _rent(rule_id, what, used, ok, years, share) -> dict:
    """A rent subsidy: due when *ok*, within *years*, up to *share* of the rent."""
    if not ok:
        return _out(rule_id, FAIL, used, f"不符合“{what}”的条件")
    year_number = used.get("year_number")
    if year_number is not None and year_number > years:
        return _out(rule_id, FAIL, used, f"第{year_number}年，房租补贴最长{years}年")
    rent = used.get("annual_rent_wan")
    amount = None if rent is None or share is None else _money(rent * share)
    if share is None:
        tail = "（文件未规定补贴比例，金额由认定确定）"
    elif amount is None:
        tail = "（未提供年房租，金额待定）"
    else:
        tail = f"，本年最高{wan_text(amount)}（年房租的{share * 100:g}%）"
    return _out(rule_id, PASS, used, f"{what}：可享受{years}年房租补贴{tail}", amount)


def c4_1(f: dict, cat=None) -> dict:
    p = _cat.params("C4.1", cat)
    used = {k: f.get(k) for k in ("newly_introduced", "core_ip_leading", "annual_rent_wan", "year_number")}
    return _missing("C4.1", used, ["newly_introduced", "core_ip_leading"]) or _rent(
        "C4.1", "新引进的拥有核心知识产权、技术领先的智造供给企业", used,
        used["newly_introduced"] and used["core_ip_leading"], p["max_years"], p["max_share_of_rent"])


def c4_2(f: dict, cat=None) -> dict:
    p = _cat.params("C4.2", cat)
    used = {k: f.get(k) for k in ("project_recognised", "rd_spend_wan")}
    miss = _missing("C4.2", used, ["project_recognised", "rd_spend_wan"])
    if miss:
        return miss
    if not used["project_recognised"]:
        return _out("C4.2", FAIL, used, "项目未经认定直接列入培育名单，不适用按研发投入15%资助")
    amount = _money(used["rd_spend_wan"] * p["max_rate_of_rd"])
    return _out("C4.2", PASS, used, f"经认定直接列入培育名单：按研发投入{wan_text(used['rd_spend_wan'])}"
                                    f"最高{p['max_rate_of_rd'] * 100:g}%资助，最高{wan_text(amount)}", amount)


def c4_3(f: dict, cat=None) -> dict:
    p = _cat.params("C4.3", cat)
    used = {k: f.get(k) for k in ("provider_types", "industry_platform", "project_rd_spend_wan")}
    miss = _missing("C4.3", used, ["provider_types", "industry_platform", "project_rd_spend_wan"])
    if miss:
        return miss
    if p["provider_type"] not in used["provider_types"] or not used["industry_platform"]:
        return _out("C4.3", FAIL, used, "非具有行业特色的行业工业互联网平台服务商（第2类），不适用本条")
    amount = _money(used["project_rd_spend_wan"] * p["rate_of_rd"])
    return _out("C4.3", PASS, used, f"行业工业互联网平台服务商：按项目研发投入实际支出额"
                                    f"{wan_text(used['project_rd_spend_wan'])}的{p['rate_of_rd'] * 100:g}%补贴"
                                    f"{wan_text(amount)}", amount)


def c4_4(f: dict, cat=None) -> dict:
    p = _cat.params("C4.4", cat)
    used = {k: f.get(k) for k in ("in_5050", "year_number")}
    miss = _missing("C4.4", used, ["in_5050"])
    if miss:
        return miss
    if not used["in_5050"]:
        return _out("C4.4", FAIL, used, "未经认定入选“5050计划”，不适用本条")
    if used["year_number"] is not None and used["year_number"] > p["rent_years"]:
        return _out("C4.4", FAIL, used, f"第{used['year_number']}年，办公场地租金补贴最长{p['rent_years']}年")
    ceiling = p["max_rd_funding_wan"] + p["max_startup_funding_wan"]
    return _out("C4.4", PASS, used, f"入选“5050计划”：{p['rent_years']}年办公场地租金补贴；研发资助最高"
                                    f"{wan_text(p['max_rd_funding_wan'])}、创业发展资助最高"
                                    f"{wan_text(p['max_startup_funding_wan'])}、最高{wan_text(p['max_loan_for_interest_wan'])}"
                                    f"额度银行贷款利率贴息（按评价确定，此处为上限）", ceiling)


def c4_5(f: dict, cat=None) -> dict:
    p = _cat.params("C4.5", cat)
    used = {k: f.get(k) for k in ("vc_investment_wan", "tech_sme", "region_code", "newly_introduced",
                                  "annual_rent_wan", "year_number")}
    miss = _missing("C4.5", used, ["vc_investment_wan", "tech_sme", "region_code"])
    if miss:
        return miss
    here = in_scope(current_code(str(used["region_code"])), DISTRICT)
    if used["vc_investment_wan"] < p["min_vc_investment_wan"]:
        return _out("C4.5", FAIL, used, f"累计获得创投机构投资{wan_text(used['vc_investment_wan'])}，"
                                        f"未达到{wan_text(p['min_vc_investment_wan'])}")
    # the seed names no share of the rent for this item: the amount is left to the recognition
    return _rent("C4.5", f"获创投投资累计达{wan_text(p['min_vc_investment_wan'])}的区内（或区外迁入）科技型中小企业",
                 used, used["tech_sme"] and (here or bool(used["newly_introduced"])), p["rent_years"], None)


def c4_6(f: dict, cat=None) -> dict:
    p = _cat.params("C4.6", cat)
    used = {"listing_stage_recognised": f.get("listing_stage_recognised")}
    miss = _missing("C4.6", used, ["listing_stage_recognised"])
    if miss:
        return miss
    if not used["listing_stage_recognised"]:
        return _out("C4.6", FAIL, used, "上市进度未经认定，暂不给予上市奖励")
    return _out("C4.6", PASS, used, f"上市进度经认定：按进度分阶段给予合计{wan_text(p['listing_award_wan'])}资金奖励",
                p["listing_award_wan"])


def c4_7(f: dict, cat=None) -> dict:
    p = _cat.params("C4.7", cat)
    used = {k: f.get(k) for k in ("restructuring_wan", "restructuring_target_wan", "loan_interest_2y_wan")}
    miss = _missing("C4.7", used, ["restructuring_wan", "loan_interest_2y_wan"])
    if miss:
        return miss
    if used["restructuring_wan"] < p["min_restructuring_wan"]:
        return _out("C4.7", FAIL, used, f"重大资产重组{wan_text(used['restructuring_wan'])}，"
                                        f"未达到{wan_text(p['min_restructuring_wan'])}")
    target = used["restructuring_target_wan"] or used["restructuring_wan"]
    room = target * p["max_share_of_target"]
    amount = _money(min(used["loan_interest_2y_wan"], room))
    if amount > p["cap_wan"]:
        return _out("C4.7", NEEDS_REASON, used, f"原则上不符合，需说明理由：贷款贴息{wan_text(amount)}"
                                                f"超过原则上最高{wan_text(p['cap_wan'])}", amount)
    return _out("C4.7", PASS, used, f"重组达到{wan_text(p['min_restructuring_wan'])}：{p['interest_years']}年贷款贴息"
                                    f"{wan_text(amount)}（不超过重组标的的{p['max_share_of_target'] * 100:g}%）", amount)


def c4_8(f: dict, cat=None) -> dict:
    p = _cat.params("C4.8", cat)
    used = {k: f.get(k) for k in ("revenue_wan", "tax_wan", "employees")}
    if used["employees"] is None or (used["revenue_wan"] is None and used["tax_wan"] is None):
        return _missing("C4.8", used, [k for k in ("revenue_wan", "employees") if used[k] is None])
    money = ((used["revenue_wan"] or 0) >= p["min_revenue_wan"]) or ((used["tax_wan"] or 0) >= p["min_tax_wan"])
    staff = used["employees"] >= p["min_employees"]
    if money and staff:
        return _out("C4.8", PASS, used, f"年营业收入达{wan_text(p['min_revenue_wan'])}或税收达{wan_text(p['min_tax_wan'])}，"
                                        f"且从业人员达{p['min_employees']}人：用地需求可即提即议")
    return _out("C4.8", FAIL, used, f"未同时达到“年营业收入{wan_text(p['min_revenue_wan'])}或税收{wan_text(p['min_tax_wan'])}”"
                                    f"和“从业人员{p['min_employees']}人”：不能即提即议，可优先安排按开发建设总成本购买"
                                    "工业综合体物业或先租后售")


def _table(rule_id, items, table, keys, name, cat) -> dict:
    used = {"items": items}
    if items is None:
        return _out(rule_id, UNKNOWN, used, f"缺少“{name}”，无法判断")
    lines, total = [], 0
    for it in items:
        hit = next((a for a in table if all(a.get(k) == it.get(k) for k in keys)), None)
        lines.append({**it, "award_wan": hit["award_wan"] if hit else 0})
        total += hit["award_wan"] if hit else 0
    used["lines"] = lines
    if not total:
        return _out(rule_id, FAIL, used, f"所列{name}不在奖励范围内", 0)
    return _out(rule_id, PASS, used, f"{name}奖励合计{wan_text(total)}", _money(total))


def c4_9(f: dict, cat=None) -> dict:
    """Science awards ``[{level: national|provincial, grade: 1|2|3}]`` newly won."""
    return _table("C4.9", f.get("science_awards"), _cat.params("C4.9", cat)["awards"], ("level", "grade"),
                  "新获科技奖励", cat)


def c4_10(f: dict, cat=None) -> dict:
    """R&D institutions ``[{kind: key_lab|enterprise_institute|rd_centre, level}]`` newly recognised."""
    return _table("C4.10", f.get("rd_institutions"), _cat.params("C4.10", cat)["awards"], ("kind", "level"),
                  "新认定研发机构", cat)


def c4_11(f: dict, cat=None) -> dict:
    p = _cat.params("C4.11", cat)
    used = {k: f.get(k) for k in ("service_agency", "prior_filing_approved", "region_code", "annual_rent_wan")}
    miss = _missing("C4.11", used, ["service_agency", "prior_filing_approved", "region_code"])
    if miss:
        return miss
    if not used["service_agency"]:
        return _out("C4.11", FAIL, used, "非智能制造服务机构，不适用本条")
    if not used["prior_filing_approved"]:
        return _out("C4.11", FAIL, used, "未经事前报备同意，不给予房租补贴")
    if not in_scope(current_code(str(used["region_code"])), DISTRICT):
        return _out("C4.11", FAIL, used, "服务机构未落户高新区（滨江），不给予房租补贴")
    rent = used["annual_rent_wan"]
    amount = None if rent is None else _money(rent * p["max_share_of_rent"])
    return _out("C4.11", PASS, used, "落户区内并经事前报备同意的服务机构：最高给予全额房租补贴"
                + (f"，最高{wan_text(amount)}" if amount is not None else "（未提供年房租，金额待定）"), amount)


EVALUATORS = {"C4.1": c4_1, "C4.2": c4_2, "C4.3": c4_3, "C4.4": c4_4, "C4.5": c4_5, "C4.6": c4_6,
              "C4.7": c4_7, "C4.8": c4_8, "C4.9": c4_9, "C4.10": c4_10, "C4.11": c4_11}


def support(facts: dict, rule_ids=None, catalogue: dict | None = None) -> list[dict]:
    """Evaluate the C4 items (all, or *rule_ids*) on *facts*."""
    return [EVALUATORS[r](facts or {}, catalogue) for r in (rule_ids or EVALUATORS)]


def highest_not_duplicated(candidates: list[dict], catalogue: dict | None = None) -> dict:
    """B13 “就高不重复”: of the awards for the same matter, the highest is paid, once.

    *candidates*: ``[{rule_id, matter, amount_wan, source?}]``.  Returns ``{rule_id: "B13",
    outcome, payable_wan, chosen, dropped, reason}`` for one matter (all candidates must name
    the same ``matter``); ``outcome`` is pass when one award remains, fail when an award was
    dropped because another for the same matter is higher.
    """
    _cat.params("B13", catalogue)
    if not candidates:
        return {"rule_id": "B13", "outcome": UNKNOWN, "payable_wan": 0, "chosen": None, "dropped": [],
                "reason": "没有可比较的奖补"}
    matters = {c.get("matter") for c in candidates}
    if len(matters) != 1:
        raise ValueError(f"highest_not_duplicated compares awards for one matter, got {sorted(map(str, matters))}")
    ranked = sorted(candidates, key=lambda c: -(c.get("amount_wan") or 0))
    best, rest = ranked[0], ranked[1:]
    names = "、".join(f"{c.get('source') or c['rule_id']}（{wan_text(c.get('amount_wan') or 0)}）" for c in rest)
    reason = (f"按“就高不重复”原则，取{best.get('source') or best['rule_id']}{wan_text(best.get('amount_wan') or 0)}"
              + (f"，不再重复享受{names}" if rest else "，无重复奖补"))
    return {"rule_id": "B13", "outcome": FAIL if rest else PASS, "payable_wan": _money(best.get("amount_wan") or 0),
            "chosen": best, "dropped": rest, "reason": reason}


_BOOLS = {"newly_introduced", "core_ip_leading", "project_recognised", "industry_platform", "in_5050", "tech_sme",
          "listing_stage_recognised", "prior_filing_approved", "service_agency"}
_NUMS = {"annual_rent_wan", "rd_spend_wan", "project_rd_spend_wan", "vc_investment_wan", "restructuring_wan",
         "restructuring_target_wan", "loan_interest_2y_wan", "revenue_wan", "tax_wan"}
_INTS = {"year_number", "employees"}
_LISTS = {"science_awards": (("level", ("national", "provincial")), ("grade", (1, 2, 3))),
          "rd_institutions": (("kind", tuple(INSTITUTIONS)), ("level", ("national", "provincial", "city")))}


def coerce(raw, field: str = "support") -> dict:
    """Validate the facts of a support quote; a bad one raises ``BadParameter`` naming it.

    >>> coerce({"annual_rent_wan": "80", "in_5050": True, "science_awards": [{"level": "national", "grade": 2}]})
    {'annual_rent_wan': 80.0, 'in_5050': True, 'science_awards': [{'level': 'national', 'grade': 2}]}
    """
    from graphsvc.core.errors import BadParameter

    if not isinstance(raw, dict):
        raise BadParameter(f"{field} 应为对象（事实名 → 值）", field)
    out = {}
    for key, value in raw.items():
        f = f"{field}.{key}"
        if value is None:
            continue
        if key in _BOOLS:
            if not isinstance(value, bool):
                raise BadParameter(f"“{FACTS[key]}”应为 true 或 false", f)
        elif key in _NUMS or key in _INTS:
            try:
                value = float(value) if key in _NUMS else int(value)
            except (TypeError, ValueError):
                raise BadParameter(f"“{FACTS[key]}”应为数字", f) from None
            if value < 0 or value != value or value in (float("inf"),):
                raise BadParameter(f"“{FACTS[key]}”应为非负数", f)
        elif key in _LISTS:
            if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
                raise BadParameter(f"“{FACTS[key]}”应为列表", f)
            for i, x in enumerate(value):
                for k, allowed in _LISTS[key]:
                    if x.get(k) not in allowed:
                        raise BadParameter(f"“{FACTS[key]}”第{i + 1}项的 {k} 应为 {'/'.join(map(str, allowed))}", f)
            value = [{k: x[k] for k, _ in _LISTS[key]} for x in value]
        elif key == "provider_types":
            if not isinstance(value, list) or not all(isinstance(x, int) and 1 <= x <= 6 for x in value):
                raise BadParameter("“智造供给类型”应为1–6的编号列表", f)
        else:
            raise BadParameter(f"未知的事实“{key}”：可用 {'、'.join(sorted(FACTS))}", f)
        out[key] = value
    return out


def support_quote(enterprise: dict, given: dict, catalogue: dict | None = None) -> dict:
    """The C4 items for a Binjiang enterprise: its stored facts (region, provider types, revenue,
    staff) overlaid by *given*; an enterprise outside the district gets no line, with the reason."""
    region = enterprise.get("region_code")
    facts = {"region_code": region, "provider_types": enterprise.get("provider_types"),
             "revenue_wan": enterprise.get("revenue_wan"), "employees": enterprise.get("employees"),
             "rd_spend_wan": enterprise.get("rd_spend_wan"), **given}
    if region and not in_scope(current_code(str(region)), DISTRICT):
        return {"rule_ids": list(EVALUATORS), "lines": [], "total_wan": 0, "outcome": FAIL,
                "reason": "企业注册地不在高新区（滨江），滨江区智造供给支持政策只适用于区内企业"}
    lines = support(facts, catalogue=catalogue)
    total = _money(sum(x["amount_wan"] or 0 for x in lines if x["outcome"] == PASS))
    return {"rule_ids": list(EVALUATORS), "lines": lines, "total_wan": total,
            "outcome": PASS if total else UNKNOWN if any(x["outcome"] == UNKNOWN for x in lines) else FAIL,
            "reason": f"可测算的支持合计{wan_text(total)}（上限或估算，以主管部门认定为准；房租补贴未给年房租的不计入）"}
