"""Shared manufacturing (issue #16): the one place the API, the page and the CLI split an order.

Who may split, and over whose capacities (capacities are visible only to the platform they
belong to, to bureaus of their region and to admin):
- a manufacturer account bound to a 聚能工厂 (an enterprise holding a 聚能工厂 recognition) is
  that platform: it splits over its own member factories only; other manufacturers (链主工厂
  and the rest) are refused — no new role, the platform is the 聚能工厂's own account;
- a bureau: over the member factories registered in its region (all factories with capacities
  in its region when no ecosystem is given); an ecosystem outside its region is "not found";
- admin: any ecosystem, or every factory with capacities.
A factory on the 失信 list (credit_ok false) is never a candidate.
"""
from __future__ import annotations

import datetime as dt
import math

from stdnum.cn import uscc as stdnum_uscc

from graphsvc.core import access, reference, regions
from graphsvc.core.errors import BadParameter, Forbidden, Invalid, NotFound
from graphsvc.orders import split as S

MAX_STEPS = 200
MAX_WEEKS = 520
MAX_QUANTITY = 10**9
TIME_LIMIT_S = 20.0
SUGGESTIONS_PER_STEP = 5
STEP_KEYS = {"process", "quantity", "name"}
ORDER_KEYS = {"ecosystem", "weeks", "steps", "local_region", "min_local_share"}
SOLVER_NAME = "HiGHS (scipy.optimize.milp)"


def _integer(value, field: str, label: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            (isinstance(value, float) and not value.is_integer()):
        raise BadParameter(f"{label}应为正整数", field=field)
    if value <= 0:
        raise BadParameter(f"{label}应为正整数（大于 0），实为 {value:g}", field=field)
    if value > maximum:
        raise BadParameter(f"{label}不能大于 {maximum}", field=field)
    return int(value)


def _steps(raw) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        raise BadParameter("steps 应为非空数组，每项为 {process, quantity}", field="steps")
    if len(raw) > MAX_STEPS:
        raise BadParameter(f"工序步骤不能超过 {MAX_STEPS} 个", field="steps")
    words = reference.process_words()
    out = []
    for i, st in enumerate(raw):
        where = f"steps[{i}]"
        if not isinstance(st, dict):
            raise BadParameter("每个工序步骤应为对象 {process, quantity}", field=where)
        extra = sorted(set(st) - STEP_KEYS)
        if extra:
            raise BadParameter(f"未知的字段 {extra[0]}（可用 process、quantity、name）", field=f"{where}.{extra[0]}")
        proc = st.get("process")
        pid = words.get(proc.strip()) if isinstance(proc, str) else None
        if pid is None:
            raise BadParameter(f"未知的工序“{proc}”：应为工序目录中的编号，如 "
                               f"{'、'.join(list(reference.processes())[:4])}", field=f"{where}.process")
        qty = _integer(st.get("quantity"), f"{where}.quantity", "数量", MAX_QUANTITY)
        name = st.get("name")
        if name is not None and (not isinstance(name, str) or len(name) > 100):
            raise BadParameter("步骤名称应为不超过 100 字的文本", field=f"{where}.name")
        out.append({"step": i, "process": pid, "quantity": qty, "name": (name or "").strip() or None})
    return out


def parse_order(order) -> dict:
    """Check an order's shape and values; BadParameter names the field (steps[1].quantity …)."""
    if not isinstance(order, dict):
        raise BadParameter("订单应为 JSON 对象", field="body")
    extra = sorted(set(order) - ORDER_KEYS)
    if extra:
        raise BadParameter(f"未知的字段 {extra[0]}（可用 {'、'.join(sorted(ORDER_KEYS))}）", field=extra[0])
    weeks = _integer(order.get("weeks"), "weeks", "交付周数 weeks ", MAX_WEEKS)
    steps = _steps(order.get("steps"))
    eco = order.get("ecosystem")
    if eco in (None, ""):
        eco = None
    elif not isinstance(eco, str) or not stdnum_uscc.is_valid(eco.strip().upper()):
        raise BadParameter("ecosystem 应为聚能工厂的统一社会信用代码", field="ecosystem")
    else:
        eco = eco.strip().upper()
    local = order.get("local_region")
    if local in (None, ""):
        local = None
    elif not isinstance(local, str) or not regions.is_known_region(local.strip()):
        raise BadParameter(f"未知的行政区划代码“{local}”", field="local_region")
    else:
        local = regions.current_code(local.strip())
    share = order.get("min_local_share")
    if share is not None:
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1 \
                or math.isnan(share):
            raise BadParameter("min_local_share 应为 0–1 之间的数", field="min_local_share")
        if local is None:
            raise BadParameter("给出 min_local_share 时须同时给出 local_region（本地范围）", field="local_region")
        share = float(share)
    return {"ecosystem": eco, "weeks": weeks, "steps": steps, "local_region": local, "min_local_share": share}


def _platform(store, uscc: str) -> dict | None:
    row = store.read_one("orders/platform", uscc=uscc)
    return row if row and row.get("uscc") else None


def _caller_platform(store, who: access.Principal) -> dict | None:
    """Refuse callers who may not split at all (before looking at the order); a platform's
    own account gets its platform back."""
    if who.role == "manufacturer":
        own = _platform(store, who.uscc) if who.uscc else None
        if not own or not own["platform_recognitions"]:
            raise Forbidden("只有聚能工厂（平台）账号可以拆分订单")
        return own
    if who.role not in ("admin", "bureau"):
        raise Forbidden("当前角色无权拆分订单")
    return None


def _resolve_ecosystem(store, who: access.Principal, own: dict | None, eco: str | None) -> dict | None:
    """The ecosystem the caller splits over (None: every factory it may see); raises."""
    if own is not None:
        if eco not in (None, who.uscc):
            raise Forbidden("聚能工厂只能用本平台成员工厂的产能拆分订单", field="ecosystem")
        return own
    if eco is None:
        return None
    p = _platform(store, eco)
    if p is None or (who.role == "bureau" and not access.sees_region(who, p.get("region_code"))):
        raise NotFound("未找到该聚能工厂，或不在您的可见范围内", field="ecosystem")
    if not p["platform_recognitions"]:
        raise Invalid(f"{p['name']} 不是聚能工厂：只能按聚能工厂的成员工厂拆分订单", field="ecosystem")
    return p


def _prefix(who: access.Principal) -> str:
    return "" if who.role != "bureau" else access.visible_prefix(who) or "\uffff"


def _offers(rows: list[dict], local_region: str | None) -> list[S.Offer]:
    """One offer per (factory, process): of several valid capacity rows the latest declared."""
    latest: dict[tuple, dict] = {}
    for r in sorted(rows, key=lambda r: (r["uscc"], r["process"], r.get("valid_from") or "")):
        latest[(r["uscc"], r["process"])] = r
    return [S.Offer(r["uscc"], r["name"], r["process"], int(r["units_per_week"]), float(r["unit_cost_yuan"]),
                    float(r["setup_cost_yuan"]),
                    bool(local_region and r.get("region_code") and regions.in_scope(r["region_code"], local_region)),
                    r.get("region_code"))
            for r in latest.values() if (r.get("units_per_week") or 0) > 0]


def candidate_offers(store, who, ecosystem: dict | None, processes: list[str], today: str,
                     local_region: str | None) -> list[S.Offer]:
    prefix = _prefix(who)
    if ecosystem is None:
        rows = store.read("orders/capacities", processes=processes, prefix=prefix, today=today)
    else:
        rows = store.read("orders/member_capacities", ecosystem=ecosystem["uscc"], processes=processes,
                          today=today)
        rows = [r for r in rows if (r.get("region_code") or "").startswith(prefix)]
    return _offers(rows, local_region)


def split_order(store, who: access.Principal, order, today: dt.date | None = None,
                time_limit: float = TIME_LIMIT_S) -> dict:
    """Check the order and the caller, split it exactly, and return the payload; raises
    DomainError (BadParameter/Forbidden/NotFound/Invalid — Invalid with the shortfalls)."""
    own = _caller_platform(store, who)
    o = parse_order(order)
    eco = _resolve_ecosystem(store, who, own, o["ecosystem"])
    as_of = (today or dt.date.today()).isoformat()
    processes = sorted({s["process"] for s in o["steps"]})
    offers = candidate_offers(store, who, eco, processes, as_of, o["local_region"])
    steps = [S.Step(s["step"], s["process"], s["quantity"]) for s in o["steps"]]
    try:
        plan = S.solve(steps, offers, o["weeks"], o["min_local_share"], time_limit=time_limit,
                       local_region=o["local_region"] is not None)
    except S.Infeasible as exc:
        raise _infeasible(store, who, eco, o, offers, exc, as_of) from None
    return _payload(o, eco, offers, plan, as_of)


def _process_name(pid: str) -> str:
    return reference.processes()[pid]["name"]


def _payload(o: dict, eco: dict | None, offers: list[S.Offer], plan: S.Plan, as_of: str) -> dict:
    per_process: dict[str, int] = {}
    for off in offers:
        per_process[off.process] = per_process.get(off.process, 0) + 1
    return {
        "ecosystem": _eco_info(eco),
        "as_of": as_of, "weeks": o["weeks"], "local_region": o["local_region"],
        "local_region_name": regions.label(o["local_region"]) if o["local_region"] else None,
        "min_local_share": o["min_local_share"],
        "steps": [{"step": s["step"], "name": s["name"], "process": s["process"],
                   "process_name": _process_name(s["process"]), "quantity": s["quantity"],
                   "candidates": per_process.get(s["process"], 0)} for s in o["steps"]],
        "candidates": len({off.uscc for off in offers}),
        "allocations": [{
            "step": a.step, "process": a.process, "process_name": _process_name(a.process),
            "uscc": a.uscc, "name": a.offer.name, "region_code": a.offer.region_code,
            "quantity": a.quantity, "unit_cost_yuan": a.offer.unit_cost, "setup_cost_yuan": a.offer.setup_cost,
            "cost_yuan": a.cost, "capacity_units": a.capacity_units,
            "capacity_used": round(a.quantity / a.capacity_units, 4) if a.capacity_units else 0.0,
            "local": a.offer.local, "explanation": a.reasons} for a in plan.allocations],
        "total_cost_yuan": plan.total_cost,
        "local_share": None if plan.local_share is None else round(plan.local_share, 6),
        "solver": {"name": SOLVER_NAME, "status": plan.status, "time_s": round(plan.time_s, 4),
                   "mip_gap": plan.mip_gap, "variables": plan.variables},
    }


def _eco_info(eco: dict | None) -> dict | None:
    if eco is None:
        return None
    return {"uscc": eco["uscc"], "name": eco["name"], "region_code": eco.get("region_code"),
            "members": eco.get("members", 0)}


def _infeasible(store, who, eco, o, offers, exc: S.Infeasible, as_of: str) -> Invalid:
    if exc.reason == "time_limit":
        return Invalid(f"求解器在 {TIME_LIMIT_S:g} 秒内未找到可行方案，请减少工序或候选工厂后重试", field="steps")
    if exc.reason == "local_share":
        local = {}
        for off in offers:
            if off.local:
                local[off.process] = local.get(off.process, 0) + off.units_per_week * o["weeks"]
        return Invalid(
            f"本地份额不低于 {o['min_local_share']:.0%} 的方案不存在：本地工厂产能或成本不足以承担该份额，"
            f"请降低 min_local_share 或扩大 local_region", field="min_local_share",
            local_capacity=[{"step": s["step"], "process": s["process"], "quantity": s["quantity"],
                             "local_capacity_units": local.get(s["process"], 0)} for s in o["steps"]])
    short = [{**s, "process_name": _process_name(s["process"])} for s in exc.shortfalls]
    weeks = [s["weeks_needed"] for s in short]
    suggest_weeks = max(weeks) if weeks and None not in weeks and max(weeks) <= MAX_WEEKS else None
    outside = _outside(store, who, eco, short, as_of, o["weeks"]) if eco else []
    parts = [f"第 {s['step'] + 1} 步 {s['process_name']} 缺 {s['short_units']} 件"
             f"（需要 {s['quantity']}，可用产能 {s['capacity_units']}）" for s in short]
    fixes = []
    if suggest_weeks:
        fixes.append(f"把交付期延长到 {suggest_weeks} 周")
    if outside:
        fixes.append("或邀请有该工序产能的非成员工厂：" + "、".join(f["name"] for f in outside[:3]))
    detail = "产能不足，无法承接该订单：" + "；".join(parts) + ("。可行的办法：" + "，".join(fixes) if fixes else "")
    return Invalid(detail, field="steps", shortfalls=short,
                   suggestions={"weeks": suggest_weeks, "outside_factories": outside})


def _outside(store, who, eco, short: list[dict], as_of: str, weeks: int) -> list[dict]:
    """Factories outside the ecosystem (not 失信) with capacity for the short processes. Their
    capacity figures are shown only to callers who may see them (admin, the bureau of their
    region); a platform learns who could help and whether one alone would cover the gap."""
    processes = sorted({s["process"] for s in short})
    members = {r["uscc"] for r in store.read("orders/member_capacities", ecosystem=eco["uscc"],
                                              processes=processes, today=as_of)}
    rows = store.read("orders/capacities", processes=processes, prefix=_prefix(who), today=as_of)
    offers = [off for off in _offers(rows, None) if off.uscc not in members and off.uscc != eco["uscc"]]
    gap = {}
    for s in short:
        gap[s["process"]] = gap.get(s["process"], 0) + s["short_units"]
    out = []
    for p in processes:
        best = sorted((off for off in offers if off.process == p), key=lambda f: (-f.units_per_week, f.unit_cost,
                                                                                   f.uscc))
        for off in best[:SUGGESTIONS_PER_STEP]:
            row = {"process": p, "process_name": _process_name(p), "uscc": off.uscc, "name": off.name,
                   "region_code": off.region_code, "covers_shortfall": off.units_per_week * weeks >= gap[p]}
            if who.role in ("admin", "bureau"):
                row["units_per_week"] = off.units_per_week
            out.append(row)
    return out


def processes() -> list[dict]:
    """The process catalogue for forms: [{id, name}]."""
    return [{"id": p["id"], "name": p["name"]} for p in reference.processes().values()]


def platforms(store, who: access.Principal) -> list[dict]:
    """The ecosystems the caller may split over (a platform: itself)."""
    if who.role == "manufacturer":
        own = _platform(store, who.uscc) if who.uscc else None
        return [_eco_info(own)] if own and own["platform_recognitions"] else []
    if who.role not in ("admin", "bureau"):
        return []
    return [_eco_info(r) for r in store.read("orders/platforms", prefix=_prefix(who))]
