"""B10 subsidy quotes over the graph: the award for a recognition, paid as the difference to the
tier the enterprise already received, with the yearly cap counted from the city's other
recognitions (the pure ladder arithmetic is ``subsidies.quote``)."""
from __future__ import annotations

from graphsvc.core import regions
from graphsvc.programmes import catalogue as _cat
from graphsvc.programmes import eligibility, subsidies, targets
from graphsvc.programmes.facts import RECOGNITION_KINDS, RECOGNITION_LEVELS, FactError, _year, load_enterprise

HANGZHOU = targets.HANGZHOU


def _tiers(catalogue=None) -> dict:
    """(kind, level) -> award for every tier of every B10 ladder."""
    ladders = _cat.params("B10", catalogue)["ladders"]
    return {(t["kind"], t["level"]): t["award_wan"] for tiers in ladders.values() for t in tiers}


def paid_history(recognitions: list[dict], year: int, catalogue=None) -> list[dict]:
    """Recognitions before *year* that sit on a B10 ladder, as the awards they were paid.

    The graph records recognitions, not payments: an earlier 认定 at a tier is taken as paid
    under “补助资金均按进档差额执行”, i.e. the difference to the highest tier of the same
    ladder reached before it, so what has been paid in all is the highest tier's award, not
    the sum of the tiers (80 then 120 for 数字化车间 → 智能工厂, not 80 + 200).

    >>> paid_history([{"kind": "数字化车间", "level": "市", "status": "认定", "year": 2021},
    ...               {"kind": "数字化车间", "level": "区", "status": "认定", "year": 2021},
    ...               {"kind": "智能工厂", "level": "市", "status": "培育", "year": 2022}], 2023)
    [{'kind': '数字化车间', 'level': '市', 'year': 2021, 'amount_wan': 80}]
    >>> [r["amount_wan"] for r in paid_history([{"kind": "数字化车间", "level": "市", "status": "认定", "year": 2021},
    ...     {"kind": "智能工厂", "level": "市", "status": "认定", "year": 2022}], 2023)]
    [80, 120]
    """
    tiers = _tiers(catalogue)
    ladder_of = {(t["kind"], t["level"]): name
                 for name, ts in _cat.params("B10", catalogue)["ladders"].items() for t in ts}
    held = []
    for r in recognitions or []:
        amount = tiers.get((r.get("kind"), r.get("level")))
        if amount is None or r.get("status") != "认定" or r.get("year") is None or int(r["year"]) >= int(year):
            continue
        held.append({"kind": r["kind"], "level": r["level"], "year": int(r["year"]), "amount_wan": amount})
    out, reached = [], {}
    for r in sorted(held, key=lambda r: (r["year"], r["amount_wan"])):
        ladder = ladder_of[(r["kind"], r["level"])]
        top = reached.get(ladder, 0)
        out.append({**r, "amount_wan": max(0, r["amount_wan"] - top)})
        reached[ladder] = max(top, r["amount_wan"])
    return out


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
    notes = ["图谱不记录实际拨付：此前已认定的同序列档次按进档差额视为已补助，已补助合计为所达最高档的补助额",
             f"年度名额按{rec['year']}年杭州市其他企业的同类同级认定数计（{count}家）"]
    region = e.get("region_code")
    if region and not regions.in_scope(regions.current_code(str(region)), HANGZHOU):
        q.update(payable_wan=0, outcome=eligibility.FAIL,
                 reason=f"企业注册地{region}不在杭州市，B10为杭州市奖补政策，不适用")
    if not held:
        notes.append(f"该企业在图谱中尚无{rec['year']}年{rec['level']}级“{rec['kind']}”认定记录，以上为测算")
    return {**q, "uscc": uscc, "name": e.get("name"), "recognition": rec, "held": held,
            "paid_basis": history, "awarded_this_year": count, "yearly_cap": cap, "note": "；".join(notes)}
