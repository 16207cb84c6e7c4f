"""Money rules: awards, rewards and subsidies, computed from plain data.

- ``quote`` — B10 Hangzhou awards for moving up a tier (按进档差额执行).
- ``item14_reward`` — C3.5 (滨江第14条): 15% (+5% excellent) of contract amounts, ≤ 100 万元 per provider.
- ``item15_subsidy`` / ``item16_subsidy`` — C3.6 / C3.7 using Binjiang modules / chips.
- ``cultivation_award`` / ``batch_check`` — C3.1–C3.3 cultivation money and batch size.
- ``standards_award`` — C3.8.
- ``credit_guarantee`` — B12.

All amounts are in 万元.  Each result says which rule ids decided it and why
(``reason`` in Chinese); ``outcome`` is pass (money is due), fail (a rule
stops or zeroes it) or unknown (a needed fact is missing).

Example — a 数字化车间 (80 万元 paid) moving up to 智能工厂:

>>> q = quote({"kind": "智能工厂", "level": "市", "year": 2023},
...           [{"kind": "数字化车间", "level": "市", "year": 2022, "amount_wan": 80}], {"智能工厂": 3})
>>> q["amount_wan"], q["already_paid_wan"], q["payable_wan"]
(200, 80, 120)
"""

from __future__ import annotations

from graphsvc.core.formatting import wan_text
from graphsvc.core.regions import current_code, district_name, in_scope
from graphsvc.programmes import catalogue as _cat
from graphsvc.programmes.eligibility import FAIL, PASS, UNKNOWN, missing_reason


def _num(x):
    """Round money to 0.01 万元 (= 100 元) and drop a needless .0.

    >>> _num(45.1785), _num(120.0)
    (45.18, 120)
    """
    x = round(float(x), 2)
    return int(x) if x == int(x) else x


# --------------------------------------------------------------------------
# B10 杭州“未来工厂”奖补（按进档差额执行）

def _find_tier(ladders: dict, kind, level):
    for name, tiers in ladders.items():
        for i, t in enumerate(tiers):
            if t["kind"] == kind and t["level"] == level:
                return name, i, t
    return None, None, None


def quote(recognition: dict, already_received: list[dict] | None = None,
          awarded_this_year: dict | None = None, catalogue: dict | None = None) -> dict:
    """Award due for *recognition* ``{kind, level, year}`` under B10.

    *already_received*: awards the enterprise was paid before, ``[{kind, level,
    year, amount_wan}]``.  *awarded_this_year*: ``{kind: count}`` of awards
    already granted city-wide in the recognition's year (this one excluded).

    Returns ``{amount_wan, already_paid_wan, payable_wan, rule_ids, reason,
    outcome, tier}``.  The award of the tier is paid as the difference to what
    was already received on the same ladder (数字化车间 → 智能工厂 →
    链主工厂; 省级 → 国家级工业互联网平台), never negative; the same or a
    lower tier again pays 0; at the yearly cap (5 / 20 / 50) it pays 0.

    >>> quote({"kind": "链主工厂", "level": "市", "year": 2023}, [], {"链主工厂": 5})["payable_wan"]
    0
    """
    cat = catalogue
    p = _cat.params("B10", cat)
    doc = (cat or _cat.default())["documents"][_cat.rule("B10", cat)["document_id"]]
    kind, level, year = (recognition or {}).get("kind"), (recognition or {}).get("level"), (recognition or {}).get("year")
    out = {"amount_wan": 0, "already_paid_wan": 0, "payable_wan": 0, "rule_ids": ["B10"],
           "reason": "", "outcome": FAIL, "tier": None}
    missing = [k for k, v in (("kind", kind), ("level", level), ("year", year)) if v is None]
    if missing:
        out.update(outcome=UNKNOWN, reason=missing_reason(missing))
        return out
    ladder_name, idx, tier = _find_tier(p["ladders"], kind, level)
    if tier is None:
        out["reason"] = (f"{level}级“{kind}”不在B10奖补范围内（市级认定的链主工厂、智能工厂、数字化车间，"
                         f"国家级、省级工业互联网平台）")
        return out
    out["tier"] = ladder_name
    out["amount_wan"] = tier["award_wan"]
    ladder = p["ladders"][ladder_name]
    on_ladder = []
    for r in already_received or []:
        _, j, _t = _find_tier({ladder_name: ladder}, r.get("kind"), r.get("level"))
        if j is not None:
            on_ladder.append((j, r))
    paid = sum(r.get("amount_wan") or 0 for _, r in on_ladder)
    out["already_paid_wan"] = _num(paid)
    valid_until = doc.get("valid_until")
    if valid_until is not None and int(year) > valid_until.year:
        out["reason"] = f"认定年度{year}年超出政策有效期（至{valid_until.isoformat()}）"
        return out
    same_or_higher = [r for j, r in on_ladder if j >= idx]
    if same_or_higher:
        got = same_or_higher[0]
        out["reason"] = f"已获{got.get('level')}级“{got.get('kind')}”奖补（同档或更高档），按进档差额执行，不再补助"
        return out
    cap = tier.get("yearly_cap")
    count = (awarded_this_year or {}).get(kind, 0)
    if cap is not None and count >= cap:
        out["reason"] = f"{year}年“{kind}”补助名额已满（每年不超过{cap}家，已补助{count}家）"
        return out
    payable = max(0, tier["award_wan"] - paid)
    out["payable_wan"] = _num(payable)
    out["ceiling"] = bool(tier.get("ceiling"))
    award = award_text(tier)
    if payable <= 0:
        out["reason"] = f"{level}级“{kind}”{award}，已获{wan_text(paid)}，差额为0"
        return out
    out["outcome"] = PASS
    upto = "最高" if tier.get("ceiling") else ""
    if paid:
        out["reason"] = (f"{level}级“{kind}”{award}，按进档差额执行，"
                         f"扣除已获{wan_text(paid)}，{upto}应补{wan_text(payable)}")
    else:
        out["reason"] = f"{level}级“{kind}”一次性{award}"
    return out


def award_text(tier: dict) -> str:
    """How a B10 tier's award reads: a ceiling (“不超过500万元”) or a fixed sum.

    >>> award_text({"award_wan": 500, "ceiling": True}), award_text({"award_wan": 300})
    ('补助不超过500万元（按上限测算）', '补助300万元')
    """
    if tier.get("ceiling"):
        return f"补助不超过{wan_text(tier['award_wan'])}（按上限测算）"
    return f"补助{wan_text(tier['award_wan'])}"


# --------------------------------------------------------------------------
# C3.5 滨江第14条：示范应用奖励

def _by_uscc(client_recognitions) -> dict:
    if isinstance(client_recognitions, dict):
        return client_recognitions
    out: dict = {}
    for r in client_recognitions or []:
        out.setdefault(r.get("uscc"), []).append(r)
    return out


def year_of(day) -> int | None:
    text = str(day or "")[:4]
    return int(text) if text.isdigit() else None


def provider_check(d: dict, providers: dict, p: dict) -> tuple[str | None, str]:
    """(outcome or None when the provider qualifies, reason): “支持区内企业…”."""
    prov = providers.get(d.get("supplier_uscc")) or {}
    region = prov.get("region_code") or d.get("supplier_region")
    scope, scope_name = p["provider_scope"], p["provider_scope_name"]
    if region is None:
        return UNKNOWN, f"缺少服务商注册地，无法判断是否为{scope_name}区内企业"
    now = current_code(str(region))
    if not in_scope(now, scope):
        where = district_name(now) or str(region)
        return FAIL, f"服务商注册地为{where}，不是{scope_name}区内企业；第14条支持区内企业，不予奖励"
    return None, ""


def listing_follows(d: dict, recognition: dict, p: dict) -> tuple[str | None, str]:
    """(outcome or None when the listing can follow from the project, reason)."""
    signed = year_of(d.get("signed_date")) or year_of(d.get("accepted_date"))
    if signed is None:
        return UNKNOWN, "缺少合同签订日期，无法判断客户的认定是否在项目之后"
    year = recognition.get("year")
    if year is None:
        return UNKNOWN, "客户认定缺少年度，无法判断认定是否在项目之后"
    if int(year) < signed + p["listing_min_years_after_signing"]:
        return FAIL, (f"客户于{year}年列入“{recognition.get('kind')}”，早于合同签订（{signed}年），"
                      "该认定并非本项目助力所得，不予奖励")
    return None, ""


def item14_reward(deliveries: list[dict], client_recognitions, catalogue: dict | None = None,
                  providers: dict | None = None) -> dict:
    """C3.5: reward on deliveries whose client holds a qualifying recognition.

    *deliveries*: ``[{id, supplier_uscc, client_uscc, contract_amount_wan,
    status, rating, signed_date, accepted_date, supplier_region?}]``; only ``confirmed`` ones
    count.  *providers*: ``uscc -> {name, region_code}``; the provider must be registered in
    the district (“支持区内企业”), else the delivery's ``supplier_region`` is read.  *client_recognitions*:
    a list of ``{uscc, kind, level, status, year, region_code?}`` or a dict
    ``uscc -> [recognition]``.  A recognition qualifies when its kind is a
    数字工厂(车间)/智能工厂/未来工厂/工业互联网平台 (see the YAML), it is 认定,
    and, if it carries a region_code, that lies in Zhejiang; it counts only when listed in the
    contract's signing year or later (``listing_from`` in the YAML: the listing must be able
    to follow from the project).  The amounts are estimates pending the 专家委员会认定 the seed
    pays on (``estimate``, ``basis``).

    Returns ``{lines, providers, total_wan, rule_ids, reason}``: one line per
    delivery (``reward_wan`` before the cap, ``payable_wan`` after it, in the
    order given), per provider the sum and the capped total (≤ 100 万元).

    >>> r = item14_reward([{"id": "d1", "supplier_uscc": "S", "client_uscc": "C", "signed_date": "2023-03-01",
    ...     "contract_amount_wan": 400, "status": "confirmed", "rating": "excellent"}],
    ...     [{"uscc": "C", "kind": "智能工厂", "level": "省", "status": "认定", "year": 2023}],
    ...     providers={"S": {"name": "示例服务商", "region_code": "330108"}})
    >>> r["lines"][0]["rate"], r["lines"][0]["reward_wan"], r["total_wan"]
    (0.2, 80, 80)
    """
    p = _cat.params("C3.5", catalogue)
    recs = _by_uscc(client_recognitions)
    known = providers or {}
    lines, providers = [], {}
    for d in deliveries:
        line = {"delivery_id": d.get("id"), "supplier_uscc": d.get("supplier_uscc"),
                "client_uscc": d.get("client_uscc"), "contract_amount_wan": d.get("contract_amount_wan"),
                "rate": 0, "reward_wan": 0, "payable_wan": 0, "qualifying_recognition": None,
                "outcome": FAIL, "reason": ""}
        lines.append(line)
        if d.get("status") != p["delivery_status"]:
            line["reason"] = unconfirmed_reason(d.get("status"))
            continue
        stop, why = provider_check(d, known, p)
        if stop:
            line.update(outcome=stop, reason=why)
            continue
        qualifying = [r for r in recs.get(d.get("client_uscc"), []) if qualifies(r, p)]
        if not qualifying:
            line["reason"] = NOT_LISTED
            continue
        timed = [(r, listing_follows(d, r, p)) for r in qualifying]
        following = [r for r, (stop, _) in timed if stop is None]
        if not following:
            stop, why = next((t for _, t in timed if t[0] == UNKNOWN), timed[0][1])
            line.update(outcome=stop, reason=why)
            continue
        q = following[0]
        line["qualifying_recognition"] = {k: q.get(k) for k in ("kind", "level", "status", "year")}
        amount = d.get("contract_amount_wan")
        if amount is None:
            line.update(outcome=UNKNOWN, reason=missing_reason(["contract_amount_wan"]))
            continue
        reward_line(line, q, amount, d.get("rating") in p["excellent_ratings"], p)
    for line in lines:
        cap_line(providers, line, p)
    return item14_totals(providers, known, p, lines)


def qualifies(recognition: dict, p: dict) -> bool:
    """Does a client's recognition qualify for C3.5 (kind, 认定, in the client scope)?"""
    r = recognition
    return (r.get("kind") in p["client_kinds"] and r.get("status") == p["client_status"]
            and (r.get("region_code") is None or in_scope(current_code(str(r["region_code"])), p["client_scope"])))


NOT_LISTED = "客户未列入浙江省数字工厂（车间）、智能工厂、未来工厂或工业互联网平台（产业大脑），不予奖励"


def unconfirmed_reason(status) -> str:
    return f"交付未经确认（状态：{status}），不予奖励"


def reward_line(line: dict, q: dict, amount, excellent: bool, p: dict) -> None:
    """A passing C3.5 line: its rate, reward before the cap and reason (in place); `q` is the
    client's qualifying recognition."""
    rate = p["rate"] + (p["excellent_bonus"] if excellent else 0)
    line["rate"] = _num(rate)
    line["reward_wan"] = _num(amount * rate)
    line["outcome"] = PASS
    line["reason"] = (f"客户{q.get('year')}年列入{q.get('level') or ''}级“{q.get('kind')}”，按合同金额"
                      f"{wan_text(amount)}的{_num(rate * 100)}%估算奖励{wan_text(line['reward_wan'])}"
                      + (f"（优秀项目上浮{_num(p['excellent_bonus'] * 100)}%）" if excellent else "")
                      + f"，待{p['pending_recognition']}")


def cap_line(providers: dict, line: dict, p: dict) -> None:
    """The per-provider cap on one line, in the lines' order: its payable part and the
    provider's running sums (in place)."""
    cap = p["cap_per_provider_wan"]
    prov = providers.setdefault(line["supplier_uscc"], {"reward_wan": 0, "total_wan": 0, "capped": False})
    prov["reward_wan"] = _num(prov["reward_wan"] + line["reward_wan"])
    room = max(0, cap - prov["total_wan"])
    line["payable_wan"] = _num(min(line["reward_wan"], room))
    if line["payable_wan"] < line["reward_wan"]:
        prov["capped"] = True
        line["reason"] += f"；单个企业最高不超过{wan_text(cap)}，本项计{wan_text(line['payable_wan'])}"
    prov["total_wan"] = _num(prov["total_wan"] + line["payable_wan"])


def item14_totals(providers: dict, known: dict, p: dict, lines: list) -> dict:
    total = _num(sum(v["total_wan"] for v in providers.values()))
    capped = [(known.get(u) or {}).get("name") or "该服务商" for u, v in providers.items() if v["capped"]]
    basis = f"估算，待{p['pending_recognition']}后确定"
    reason = f"合计估算奖励{wan_text(total)}（{basis}）" + (
        f"；{'、'.join(capped)}已达单个企业{wan_text(p['cap_per_provider_wan'])}上限" if capped else "")
    return {"lines": lines, "providers": providers, "total_wan": total, "rule_ids": ["C3.5"], "reason": reason,
            "estimate": True, "basis": basis}


# --------------------------------------------------------------------------
# C3.6 / C3.7 滨江第15、16条：应用区内模块 / 芯片

def _module_subsidy(rule_id: str, what: str, rd_spend_wan, purchase_wan, year_number,
                    paid_this_year_wan, catalogue) -> dict:
    p = _cat.params(rule_id, catalogue)
    used = {"rd_spend_wan": rd_spend_wan, "purchase_wan": purchase_wan, "year_number": year_number,
            "paid_this_year_wan": paid_this_year_wan}
    out = {"rule_id": rule_id, "outcome": FAIL, "amount_wan": 0, "facts_used": used, "reason": ""}
    missing = [k for k in ("rd_spend_wan", "purchase_wan", "year_number") if used[k] is None]
    if missing:
        out.update(outcome=UNKNOWN, reason=missing_reason(missing))
        return out
    if year_number > p["max_years"]:
        out["reason"] = f"第{year_number}年申请，连续资助不超过{p['max_years']}年"
        return out
    by_rd = rd_spend_wan * p["rate_of_rd"]
    by_purchase = purchase_wan * p["max_share_of_purchase"]
    room = max(0, p["yearly_cap_wan"] - (paid_this_year_wan or 0))
    amount = min(by_rd, by_purchase, room)
    out["amount_wan"] = _num(amount)
    out["limits"] = {"by_rd_wan": _num(by_rd), "by_purchase_wan": _num(by_purchase), "yearly_room_wan": _num(room)}
    if amount <= 0:
        out["reason"] = f"单个企业每年总额不超过{p['yearly_cap_wan']}万元，本年度额度已用完"
        return out
    out["outcome"] = PASS
    out["reason"] = (f"应用区内{what}：研发投入{_num(rd_spend_wan)}万元×{_num(p['rate_of_rd'] * 100)}%="
                     f"{_num(by_rd)}万元，不超过采购额{_num(purchase_wan)}万元的{_num(p['max_share_of_purchase'] * 100)}%"
                     f"（{_num(by_purchase)}万元）及本年度剩余额度{_num(room)}万元，补贴{out['amount_wan']}万元")
    return out


def item15_subsidy(rd_spend_wan, purchase_wan, year_number, paid_this_year_wan=0, catalogue=None) -> dict:
    """C3.6: 15% of the project's R&D spend, ≤ 10% of purchases, ≤ 3 years, ≤ 200 万元/yr.

    >>> item15_subsidy(1000, 2000, 1)["amount_wan"]
    150
    """
    return _module_subsidy("C3.6", "工位机、工业计算机、工业控制器等应用模块", rd_spend_wan, purchase_wan,
                           year_number, paid_this_year_wan, catalogue)


def item16_subsidy(rd_spend_wan, purchase_wan, year_number, paid_this_year_wan=0, catalogue=None) -> dict:
    """C3.7: 20% of the project's R&D spend, ≤ 30% of purchases, ≤ 3 years, ≤ 300 万元/yr.

    >>> item16_subsidy(1000, 500, 2)["amount_wan"]
    150
    """
    return _module_subsidy("C3.7", "集成电路企业自主芯片", rd_spend_wan, purchase_wan,
                           year_number, paid_this_year_wan, catalogue)


# --------------------------------------------------------------------------
# C3.1–C3.3 培育资金

def batch_check(batch_size, catalogue=None) -> dict:
    """C3.1: at most 10 enterprises in a yearly batch.

    >>> batch_check(10)["outcome"], batch_check(11)["outcome"]
    ('pass', 'fail')
    """
    cap = _cat.params("C3.1", catalogue)["max_per_batch"]
    used = {"batch_size": batch_size}
    if batch_size is None:
        return {"rule_id": "C3.1", "outcome": UNKNOWN, "facts_used": used, "reason": missing_reason(["batch_size"])}
    ok = batch_size <= cap
    return {"rule_id": "C3.1", "outcome": PASS if ok else FAIL, "facts_used": used,
            "reason": f"本批{batch_size}家，{'未超过' if ok else '超过'}每批{cap}家"}


def cultivation_award(stage: str, signing_year, assessment_year, passed=None, paid_so_far_wan=0,
                      extension_years=0, catalogue=None) -> dict:
    """C3.2 money at each stage, within C3.1's 1000 万元 total and C3.3's extension.

    *stage*: ``signing`` (启动资金, ≤ 200), ``midterm`` (中期考核合格, ≤ 500,
    from the year after signing, may slip one year) or ``final`` (验收优秀,
    ≤ 300, after the 3-year period, may slip one year, plus any C3.3
    extension of at most 3 years).  *passed*: the midterm passed / the final
    was rated excellent (ignored at signing).

    >>> cultivation_award("midterm", 2023, 2024, passed=True, paid_so_far_wan=200)["amount_wan"]
    500
    >>> cultivation_award("final", 2023, 2026, passed=True, paid_so_far_wan=800)["amount_wan"]
    200
    """
    p2 = _cat.params("C3.2", catalogue)
    total_cap = _cat.params("C3.1", catalogue)["max_total_per_enterprise_wan"]
    max_ext = _cat.params("C3.3", catalogue)["max_extension_years"]
    used = {"stage": stage, "signing_year": signing_year, "assessment_year": assessment_year,
            "passed": passed, "paid_so_far_wan": paid_so_far_wan, "extension_years": extension_years}
    out = {"rule_ids": ["C3.2", "C3.1"], "outcome": FAIL, "amount_wan": 0, "facts_used": used, "reason": ""}
    need = ["signing_year", "assessment_year"] + ([] if stage == "signing" else ["passed"])
    missing = [k for k in need if used[k] is None]
    if missing:
        out.update(outcome=UNKNOWN, reason=missing_reason(missing))
        return out
    if extension_years and extension_years > max_ext:
        out["rule_ids"].append("C3.3")
        out["reason"] = f"考核期限延长{extension_years}年，超过最长{max_ext}年"
        return out
    offset = assessment_year - signing_year
    ext = extension_years or 0
    if stage == "signing":
        window, cap, ok_text = (0, 0), p2["signing_max_wan"], "签订责任书当年给予启动资金"
    elif stage == "midterm":
        lo = p2["midterm_from_offset"]
        window, cap, ok_text = (lo, lo + p2["max_delay_years"] + ext), p2["midterm_max_wan"], "中期考核合格"
    elif stage == "final":
        lo = p2["final_from_offset"]
        window, cap, ok_text = (lo, lo + p2["max_delay_years"] + ext), p2["final_max_wan"], "培育期满验收优秀"
    else:
        raise ValueError(f"unknown stage {stage!r} (signing, midterm, final)")
    if ext:
        out["rule_ids"].append("C3.3")
    if not window[0] <= offset <= window[1]:
        out["reason"] = f"{assessment_year}年不在该阶段的申请期（签订责任书后第{window[0]}至{window[1]}年）内"
        return out
    if stage != "signing" and not passed:
        out["reason"] = "中期考核不合格" if stage == "midterm" else "验收结果非优秀"
        return out
    amount = min(cap, max(0, total_cap - (paid_so_far_wan or 0)))
    out["amount_wan"] = _num(amount)
    if amount <= 0:
        out["reason"] = f"已获{_num(paid_so_far_wan)}万元，达到单个企业最高{total_cap}万元"
        return out
    out["outcome"] = PASS
    out["reason"] = f"{ok_text}，最高{cap}万元" + (
        f"（受单个企业最高{total_cap}万元限制，实给{out['amount_wan']}万元）" if amount < cap else "")
    return out


# --------------------------------------------------------------------------
# C3.8 标准奖励

SCOPE_NAMES = {"international": "国际标准", "national": "国家标准", "industry": "行业标准",
               "zhejiang_made": "“浙江制造”标准"}
ROLE_NAMES = {"lead": "主导", "participate": "参与"}


def standards_award(standards: list[dict], catalogue=None) -> dict:
    """C3.8: award per published standard ``{id?, scope, role, rank?}``.

    scope: international | national | industry | zhejiang_made; role: lead |
    participate; rank: the enterprise's place among drafters (national needs
    top 3, industry top 2).

    >>> standards_award([{"scope": "national", "role": "participate", "rank": 3},
    ...                  {"scope": "industry", "role": "participate", "rank": 3}])["total_wan"]
    20
    """
    table = _cat.params("C3.8", catalogue)["awards"]
    lines = []
    for s in standards:
        line = {"standard": s.get("id"), "scope": s.get("scope"), "role": s.get("role"), "rank": s.get("rank"),
                "award_wan": 0, "outcome": FAIL, "reason": ""}
        lines.append(line)
        name = f"{ROLE_NAMES.get(s.get('role'), s.get('role'))}制定{SCOPE_NAMES.get(s.get('scope'), s.get('scope'))}"
        for a in table:
            if a["scope"] != s.get("scope") or ("role" in a and a["role"] != s.get("role")):
                continue
            if "max_rank" in a:
                if s.get("rank") is None:
                    line.update(outcome=UNKNOWN, reason=missing_reason(["rank"]) + f"（须前{a['max_rank']}位）")
                    break
                if s["rank"] > a["max_rank"]:
                    line["reason"] = f"{name}排名第{s['rank']}位，须前{a['max_rank']}位"
                    break
            line.update(award_wan=a["award_wan"], outcome=PASS, reason=f"{name}并发布，奖励{a['award_wan']}万元")
            break
        else:
            line["reason"] = f"{name}不在奖励范围内"
    total = _num(sum(x["award_wan"] for x in lines))
    return {"lines": lines, "total_wan": total, "rule_ids": ["C3.8"], "reason": f"合计奖励{total}万元"}


# --------------------------------------------------------------------------
# B12 信用担保

def credit_guarantee(tax_paid_wan_by_year: dict | None, year, requested_wan=None, catalogue=None) -> dict:
    """B12: an unsecured credit guarantee up to the tax paid in the three years before *year*.

    >>> g = credit_guarantee({2020: 100, 2021: 120, 2022: 130}, 2023, requested_wan=350)
    >>> g["cap_wan"], g["outcome"]
    (350, 'pass')
    """
    n = _cat.params("B12", catalogue)["tax_years"]
    years = [year - i for i in range(n, 0, -1)] if year is not None else []
    by_year = {int(k): v for k, v in (tax_paid_wan_by_year or {}).items()}
    used = {"tax_paid_wan_by_year": tax_paid_wan_by_year, "year": year, "requested_wan": requested_wan}
    out = {"rule_id": "B12", "outcome": UNKNOWN, "cap_wan": None, "facts_used": used, "reason": ""}
    lacking = [y for y in years if by_year.get(y) is None]
    if year is None or lacking:
        out["reason"] = missing_reason(["year"] if year is None else ["tax_paid_wan_by_year"]) + (
            f"（缺{'、'.join(map(str, lacking))}年纳税额）" if lacking else "")
        return out
    cap = _num(sum(by_year[y] for y in years))
    out["cap_wan"] = cap
    if requested_wan is None:
        out.update(outcome=PASS, reason=f"前{n}年纳税总额{cap}万元，可提供不超过该额度的信用担保")
        return out
    ok = requested_wan <= cap
    out.update(outcome=PASS if ok else FAIL,
               reason=f"申请担保{_num(requested_wan)}万元，{'未超过' if ok else '超过'}前{n}年纳税总额{cap}万元")
    return out
