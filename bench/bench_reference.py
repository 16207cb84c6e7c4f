"""Plain NumPy references for the figures bench_local_supply.py does not cover (issue #12, "Must
hold": in-process compute time of each figure <= 3x a plain NumPy computation of the same figure
on the same arrays), on the province graph, LadybugDB.

Each reference below takes the projection parts' arrays (the shared supply edges, local supply,
the dashboard part, the contractor ranking's provider tables) and computes the figure's numbers
with masks, `np.unique` and `np.bincount` over whole arrays, with no memo: what a plain NumPy
program would do. Lists the parts keep as Python objects (the dashboard's recognition facts
and delivery statuses) are turned into code arrays once, before timing (`_Columns`). The bench
first checks each reference gives the project's numbers (sums to 1e-9, counts and ids exactly),
then times both in the same run:

- leader detail + what-if (the leader with most suppliers below the target in 杭州), the
  all-leader table of 杭州 and the coverage of HZ01 (bench_local_supply's references for
  these scan every edge; here the leaders' edges are read by the buyer offsets, as the
  project does);
- the bureau dashboard's summary (province, 杭州, 西湖区) and the four district-map measures
  of 杭州;
- targets (programmes: 杭州 B2-B5, 浙江 D10);
- a contractor recommendation (top 10 of type 1 for a chain leader);
- a supplier's assessment (the busiest provider; the deliveries part and the dashboard part's
  recognitions) and the three summary forms of 杭州 (the dashboard part's recognitions, the
  projects part): the assessment's reference computes the whole figure the project returns
  (totals, each measure with its delivery ids and clients, the listed briefs, the C3.5 lines
  with their texts, C2 and C3.6/C3.7 by the same rule calls) from the provider's rows of the
  deliveries part made into columns before timing, and is checked equal to it; 附件1's reference computes the
  form's rows (holder, name, category, chain, 2021-2022 rating, status, region, level, in the
  form's order) from the recognition codes, with each holder's segment chains named before
  timing; 附件2's the ids of the projects listed, from the projects part's arrays.

The project's side is timed as the first call after a write that touches it: every memo and
result cache the figure depends on is dropped before each call. Rows carry wall and process
CPU medians (ms), `ratio` (wall) and `cpu_ratio`; the machine is shared, so the load average
is in each row's dataset text.
"""
from __future__ import annotations

import math
import os

import numpy as np

from bench.bench_local_supply import _check_coverage, _check_detail, _check_table, _close, _timed, stale_supplies
from graphsvc.core import cache, projection, reference, regions
from graphsvc.core.vocabulary import FUTURE_FACTORY_KINDS, LEADER_KIND, RECOGNITION_KINDS
from graphsvc.dashboard import projection as dproj
from graphsvc.dashboard import summary as D
from graphsvc.local_supply import projection as lsproj
from graphsvc.local_supply import coverage, ratios, whatif
from graphsvc.programmes import catalogue as cat
from graphsvc.programmes import reports, targets

YEAR = 2024
CITY = "330100"
COVERAGE_CHAIN = "HZ01"


def _load() -> str:
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def _scope_mask(regs: list, scope: str) -> np.ndarray:
    """Per region-code table entry: does it lie in `scope` (today's codes, regions.in_scope)."""
    return np.array([bool(c) and regions.in_scope(regions.current_code(c), scope) for c in regs], dtype=bool)


def _prefix_mask(regs: list, prefix: str) -> np.ndarray:
    """Per region-code table entry: STARTS WITH `prefix` (the dashboard's Cypher filter)."""
    return np.char.startswith(np.array([c or "#" for c in regs]), prefix)


def _into(e, buyers) -> np.ndarray:
    """Indexes of the live edges into `buyers`: the shared edges are sorted by buyer up to
    `n_sorted` (row offsets `bstart`), edges appended since are scanned."""
    b = np.asarray(buyers, dtype=np.int64)
    b = b[b < len(e.bstart) - 1]
    lo, hi = e.bstart[b], e.bstart[b + 1]
    size = hi - lo
    idx = np.repeat(lo - np.concatenate(([0], np.cumsum(size)[:-1])), size) + np.arange(size.sum())
    tail = np.arange(e.n_sorted, e.n)
    idx = np.concatenate((idx, tail[np.isin(e.buyer[tail], b)]))
    return idx[e.alive[idx]]


def _meets(ratio, target: float):
    return np.round(ratio, 9) >= round(target, 9)


# ---------------------------------------------------------------- table and coverage by the buyer offsets

def _leaders_in(ls, local_reg: np.ndarray) -> np.ndarray:
    held = sorted({ls.index[r["uscc"]] for r in ls.recognitions(lsproj.LEADER)})
    leaders = np.array(held, dtype=np.int64)
    return leaders[local_reg[ls.region[leaders]]]


def ref_table(ls, year: int, city: str) -> dict:
    """bench_local_supply._ref_table's numbers, reading the leaders' edges by the buyer offsets
    instead of masking every edge."""
    local_reg = _prefix_mask(ls.regs, regions.scope_prefix(city))
    leaders = _leaders_in(ls, local_reg)
    m = _into(ls.shared, leaders)
    m = m[ls.year[m] == year]
    n = len(ls.uscc)
    pairs, inv = np.unique(ls.buyer[m].astype(np.int64) * n + ls.seller[m], return_inverse=True)
    amount = np.bincount(inv, weights=ls.amount[m])
    near = np.bincount(inv, weights=local_reg[ls.sreg[m]]) > 0
    slot = np.searchsorted(leaders, pairs // n)
    k = len(leaders)
    total, local = np.bincount(slot, weights=amount, minlength=k), np.bincount(slot, weights=amount * near, minlength=k)
    ns, nl = np.bincount(slot, minlength=k), np.bincount(slot, weights=near, minlength=k)
    return {ls.uscc[x]: (local[j], total[j], int(nl[j]), int(ns[j])) for j, x in enumerate(leaders.tolist())}


def ref_coverage(ls, chain: dict, year: int, scope: str) -> dict:
    """bench_local_supply._ref_coverage's numbers, by the buyer offsets."""
    local_reg = _prefix_mask(ls.regs, regions.prefix_of(scope))
    m = _into(ls.shared, _leaders_in(ls, local_reg))
    seg_ids = [x["id"] for x in chain["segments"]]
    gid = np.array([ls.seg_index.get(x, -9) for x in seg_ids])
    m = m[(ls.year[m] == year) & np.isin(ls.seg[m], gid)]
    g, a, s = ls.seg[m], ls.amount[m], ls.seller[m]
    loc = local_reg[ls.sreg[m]]
    out = {}
    for sid, k in zip(seg_ids, gid.tolist()):
        sel = g == k
        mem = np.fromiter(ls.seg_members.get(k, ()), dtype=np.int64)
        out[sid] = {"purchase_amount": a[sel].sum() if sel.any() else None,
                    "local_amount": a[sel & loc].sum() if sel.any() else None,
                    "suppliers": len(np.unique(s[sel])),
                    "local_enterprises": int(local_reg[ls.region[mem]].sum()) if len(mem) else 0}
    return out


# ---------------------------------------------------------------- leader detail + what-if

def ref_detail(ls, uscc: str, year: int, scope: str) -> dict:
    """One leader's detail (bench_local_supply._ref_detail's numbers), reading the leader's and
    its tier 1's edges by the buyer offsets instead of scanning every edge."""
    local_reg = _scope_mask(ls.regs, scope)
    into = _into(ls.shared, [ls.index[uscc]])
    m = into[ls.year[into] == year]
    s, a, g = ls.seller[m], ls.amount[m], ls.seg[m]
    us, inv = np.unique(s, return_inverse=True)
    gs, ginv = np.unique(g, return_inverse=True)
    m2 = _into(ls.shared, us)
    m2 = m2[ls.year[m2] == year]
    a2, l2 = ls.amount[m2], local_reg[ls.sreg[m2]]
    ys, yinv = np.unique(ls.year[into], return_inverse=True)
    return {"local": a[local_reg[ls.sreg[m]]].sum(), "total": a.sum(), "suppliers": len(us),
            "by_supplier": dict(zip((ls.uscc[x] for x in us.tolist()), np.bincount(inv, weights=a))),
            "by_segment": dict(zip((ls.segs[x] if x >= 0 else None for x in gs.tolist()), np.bincount(ginv, weights=a))),
            "tier2": (a2[l2].sum(), a2.sum()), "trend": dict(zip(ys.tolist(), np.bincount(yinv, weights=ls.amount[into])))}


def ref_whatif(ls, uscc: str, year: int, scope: str, target: float) -> dict:
    """The what-if's numbers for one leader: non-local purchases per segment, local credit-worthy
    candidates per segment (count and the best 5: already supplying, then revenue, then USCC),
    the substitutable amount, the highest reachable ratio and the amounts of the smallest set."""
    i = ls.index[uscc]
    local_reg = _scope_mask(ls.regs, scope)
    m = _into(ls.shared, [i])
    m = m[ls.year[m] == year]
    amount, seller, seg = ls.amount[m], ls.seller[m], ls.seg[m]
    loc = local_reg[ls.sreg[m]]
    local, total = amount[loc].sum(), amount.sum()
    already = np.zeros(len(ls.uscc), dtype=bool)
    already[seller[loc]] = True
    far_seg, far_amount = seg[~loc], amount[~loc]
    gs, ginv = np.unique(far_seg, return_inverse=True)
    seg_amount = np.bincount(ginv, weights=far_amount, minlength=len(gs))
    seg_count = np.bincount(ginv, minlength=len(gs))
    segments, movable_seg = {}, np.zeros(len(gs), dtype=bool)
    for k, g in enumerate(gs.tolist()):
        mem = np.fromiter(ls.seg_members.get(g, ()), dtype=np.int64) if g >= 0 else np.zeros(0, dtype=np.int64)
        mem = mem[(ls.credit[mem] == 1) & local_reg[ls.region[mem]] & (mem != i)]
        rev = np.nan_to_num(ls.revenue[mem], nan=0.0)
        names = np.array([ls.uscc[x] for x in mem.tolist()], dtype=str)
        best = mem[np.lexsort((names, -rev, ~already[mem]))[:whatif.TOP_CANDIDATES]]
        segments[ls.segs[g] if g >= 0 else None] = (seg_amount[k], int(seg_count[k]), len(mem),
                                                     [ls.uscc[x] for x in best.tolist()])
        movable_seg[k] = len(mem) > 0
    movable = far_amount[movable_seg[ginv]]
    ratio_max = min(1.0, (local + movable.sum()) / total) if total > 0 else None
    steps = None
    if total > 0:
        if _meets(local / total, target):
            steps = []
        else:
            order = np.sort(movable)[::-1]
            reach = _meets((local + np.cumsum(order)) / total, target)
            if reach.any():
                k = int(np.argmax(reach))           # k + 1 purchases are enough
                before = local + order[:k].sum()
                rest = order[k:]
                steps = order[:k].tolist() + [rest[_meets((before + rest) / total, target)].min()]
    return {"segments": segments, "substitutable": movable.sum(), "ratio_max": ratio_max, "steps": steps}


def check_whatif(w: dict, ref: dict) -> None:
    assert _close(w["substitutable_amount"], ref["substitutable"]), "what-if: substitutable amount"
    assert _close(w["ratio_max"], ref["ratio_max"]), "what-if: highest ratio"
    got = {s["segment_id"]: s for s in w["segments"]}
    assert sorted(got, key=str) == sorted(ref["segments"], key=str), "what-if: other segments"
    for sid, (amount, n, n_cands, best) in ref["segments"].items():
        s = got[sid]
        assert _close(s["non_local_amount"], amount) and s["purchases"] == n, sid
        assert s["candidates_count"] == n_cands and [c["uscc"] for c in s["candidates"]] == best, sid
    if ref["steps"] is None:
        assert w["reachable"] is False or w["reachable"] is None, "what-if: reachable"
    else:
        assert len(w["steps"]) == len(ref["steps"]), "what-if: number of steps"
        assert all(_close(a, b) for a, b in zip(sorted(s["amount"] for s in w["steps"]), sorted(ref["steps"])))


# ---------------------------------------------------------------- the dashboard part as columns

class _Columns:
    """The dashboard part's Python lists as code arrays, made once before timing."""

    def __init__(self, ds):
        facts = ds.rec_facts
        self.kinds = sorted({f[0] for f in facts if f[0] is not None})
        self.statuses = sorted({f[2] for f in facts if f[2] is not None})
        self.levels = sorted({f[1] for f in facts if f[1] is not None})
        self.kind = np.array([self.kinds.index(f[0]) if f[0] is not None else -1 for f in facts])
        self.status = np.array([self.statuses.index(f[2]) if f[2] is not None else -1 for f in facts])
        self.level = np.array([self.levels.index(f[1]) if f[1] is not None else -1 for f in facts])
        self.year = np.array([f[3] if f[3] is not None else -1 for f in facts], dtype=np.int64)
        self.owner = ds.rec_owner[:len(facts)]
        self.del_states = sorted({s for s in ds.del_status if s is not None})
        self.del_status = np.array([self.del_states.index(s) if s is not None else -1 for s in ds.del_status])

    def codes(self, table: list, values) -> np.ndarray:
        return np.array([table.index(v) for v in values if v in table], dtype=np.int64)


def _holders(ds, c: _Columns, rec: np.ndarray) -> np.ndarray:
    """Distinct holders of the recognitions selected by the mask `rec`."""
    return np.unique(c.owner[rec])


def _counted(ds, c: _Columns, inside_reg: np.ndarray) -> np.ndarray:
    """Recognitions held by an enterprise whose region is marked in `inside_reg`."""
    o = c.owner
    ok = o >= 0
    ok[ok] = inside_reg[ds.edges.region[o[ok]]]
    return ok


def ref_leader_ratios(ds, c: _Columns, prefix: str, year: int) -> dict:
    """{leader uscc: (region index, local, total)} for the 链主工厂 under `prefix`; local = the
    supplier's region lies in the leader's city."""
    e = ds.edges
    reg_in = _prefix_mask(e.regs, prefix)
    lk = c.kinds.index(LEADER_KIND)
    leaders = _holders(ds, c, _counted(ds, c, reg_in) & (c.kind == lk))
    city = np.array([regions.city_of(r) or "" if r else "" for r in e.regs], dtype=object)
    city_id = np.unique(city.astype(str), return_inverse=True)[1]
    m = _into(e, leaders)
    m = m[e.year[m] == year]
    b, a = e.buyer[m], e.amount[m]
    sreg = e.region[e.seller[m]]
    loc = (city_id[sreg] == city_id[e.region[b]]) & (city[e.region[b]] != "")
    slot = np.searchsorted(leaders, b)
    total = np.bincount(slot, weights=a, minlength=len(leaders))
    local = np.bincount(slot[loc], weights=a[loc], minlength=len(leaders))
    return {e.uscc[x]: (g, lo, to) for x, g, lo, to in zip(leaders.tolist(), e.region[leaders].tolist(),
                                                          local.tolist(), total.tolist())}


def _rounded_ratio(local: float, total: float):
    lw, tw = round(local, 2), round(total, 2)
    return lw, tw, (round(lw / tw, 4) if tw > 0 else None)


def ref_targets(ds, c: _Columns, region: str, year: int, rec_prefix: str) -> dict:
    """{target id: distinct holders} for the targets applying to `region` (杭州 B2-B5 city-wide,
    浙江 D10), over the recognitions of enterprises under `rec_prefix`."""
    e = ds.edges
    scope = regions.current_code(region)
    counted = _counted(ds, c, _prefix_mask(e.regs, rec_prefix))
    if regions.in_scope(scope, targets.HANGZHOU):
        where, doc, first = targets.HANGZHOU, cat.targets_document("B2"), None
    else:
        where, doc, first = targets.ZHEJIANG, cat.targets_document("D10"), year
    inside = counted & _counted(ds, c, _scope_mask(e.regs, where))
    out = {}
    for t in cat.targets(doc) or []:
        sel = inside & np.isin(c.kind, c.codes(c.kinds, t["kinds"])) & np.isin(c.status, c.codes(c.statuses, t["statuses"]))
        if t.get("levels") is not None:
            sel &= np.isin(c.level, c.codes(c.levels, t["levels"]))
        sel &= (c.year >= 0) & (c.year <= year) & (c.year >= (first if first is not None else 0))
        out[t["id"]] = len(_holders(ds, c, sel))
    return out


def ref_summary(ds, c: _Columns, region: str, year: int, target: float) -> dict:
    """The dashboard summary's numbers for `region`."""
    e = ds.edges
    n = len(e.uscc)
    prefix = regions.scope_prefix(region)
    reg_in = _prefix_mask(e.regs, prefix)
    inside = reg_in[e.region[:n]]
    counts = {"enterprises": int(inside.sum()), "manufacturers": int((inside & ds.manufacturer[:n]).sum()),
              "providers": int((inside & ds.provider[:n]).sum())}
    k = len(c.del_status)
    sup, cli = ds.del_supplier[:k], ds.del_client[:k]
    linked = (sup >= 0) & (cli >= 0) & (c.del_status >= 0)
    st = c.del_status[linked]
    by_p = reg_in[e.region[sup[linked]]]
    to_c = reg_in[e.region[cli[linked]]]
    k = len(c.del_states)
    bp, tc = np.bincount(st[by_p], minlength=k), np.bincount(st[to_c], minlength=k)
    deliveries = {"by_providers": {c.del_states[s]: int(bp[s]) for s in np.nonzero(bp | tc)[0]},
                  "to_clients": {c.del_states[s]: int(tc[s]) for s in np.nonzero(bp | tc)[0]}}
    held = _counted(ds, c, reg_in) & (c.year >= 0) & (c.year <= year) & (c.kind >= 0) & (c.status >= 0)
    pair = np.unique((c.kind[held] * len(c.statuses) + c.status[held]) * n + c.owner[held]) // n
    per = np.bincount(pair, minlength=len(c.kinds) * len(c.statuses))
    recog = {}
    for kind in RECOGNITION_KINDS:
        if kind in c.kinds:
            ki = c.kinds.index(kind)
            recog[kind] = tuple(int(per[ki * len(c.statuses) + c.statuses.index(s)]) if s in c.statuses else 0
                                for s in ("认定", "培育"))
    ff = held & np.isin(c.kind, c.codes(c.kinds, FUTURE_FACTORY_KINDS)) & (c.status == c.statuses.index("认定"))
    lr = ref_leader_ratios(ds, c, prefix, year)
    rounded = {u: _rounded_ratio(loc, tot) for u, (_, loc, tot) in lr.items()}
    with_data = {u: r[2] for u, r in rounded.items() if r[2] is not None}
    below = sorted((u for u, r in with_data.items() if not _meets(r, target)), key=lambda u: (with_data[u], u))
    return {"counts": counts, "deliveries": deliveries, "recognitions": recog,
            "recognised_future_factories": len(_holders(ds, c, ff)),
            "targets": ref_targets(ds, c, region, year, prefix), "leaders": len(lr), "with_supplies": len(with_data),
            "below": [(u, with_data[u]) for u in below]}


def check_summary(s: dict, ref: dict) -> None:
    assert s["counts"] == ref["counts"], "summary: counts"
    for side in ("by_providers", "to_clients"):
        got = {k: v for k, v in s["deliveries"][side].items() if k != "total"}
        assert got == ref["deliveries"][side], f"summary: deliveries {side}"
    got = {r["kind"]: (r["recognised"], r["cultivated"]) for r in s["recognitions"]}
    assert all(got[k] == v for k, v in ref["recognitions"].items()), "summary: recognition counts"
    assert s["recognised_future_factories"] == ref["recognised_future_factories"], "summary: future factories"
    assert {r["target_id"]: r["actual"] for r in s["targets"]} == ref["targets"], "summary: targets"
    assert (s["leaders"]["leaders"], s["leaders"]["with_supplies"]) == (ref["leaders"], ref["with_supplies"])
    assert [(r["uscc"], r["ratio"]) for r in s["leaders_below_target"]] == ref["below"], "summary: below target"


def ref_districts(ds, c: _Columns, city: str, measure: str, year: int, target: float) -> dict:
    """{district code: value} of one map measure over the districts of `city`."""
    e = ds.edges
    n = len(e.uscc)
    prefix = regions.scope_prefix(city)
    reg_in = _prefix_mask(e.regs, prefix)
    codes = [d["code"] for d in D.districts_of(city)]
    slot = {code: k for k, code in enumerate(e.regs)}
    if measure == "providers":
        per = np.bincount(e.region[:n][reg_in[e.region[:n]] & ds.provider[:n]], minlength=len(e.regs))
    elif measure == "local_suppliers":
        m = e.alive[:e.n] & (e.year[:e.n] == year)
        sellers = np.flatnonzero(np.bincount(e.seller[:e.n][m], minlength=n))
        reg = e.region[sellers]
        per = np.bincount(reg[reg_in[reg]], minlength=len(e.regs))
    elif measure == "recognised":
        ff = (_counted(ds, c, reg_in) & (c.year >= 0) & (c.year <= year)
              & np.isin(c.kind, c.codes(c.kinds, FUTURE_FACTORY_KINDS)) & (c.status == c.statuses.index("认定")))
        per = np.bincount(e.region[_holders(ds, c, ff)], minlength=len(e.regs))
    else:
        lr = ref_leader_ratios(ds, c, prefix, year)
        reg = np.array([g for g, _, _ in lr.values()], dtype=np.int64)
        r = np.array([np.nan if x is None else x for x in (_rounded_ratio(loc, tot)[2] for _, loc, tot in lr.values())])
        has = ~np.isnan(r)
        sums = np.bincount(reg[has], weights=r[has], minlength=len(e.regs))
        cnt = np.bincount(reg[has], minlength=len(e.regs))
        return {code: (round(100 * sums[slot[code]] / cnt[slot[code]], 1)
                       if code in slot and cnt[slot[code]] else None) for code in codes}
    return {code: int(per[slot[code]]) if code in slot else 0 for code in codes}


# ---------------------------------------------------------------- contractor recommendation

class _Deliveries:
    """The ranking index's confirmed deliveries as arrays (provider row in the type table,
    client code), made once before timing: the index keeps them as lists per provider."""

    def __init__(self, ix, tt):
        self.client_code: dict[str, int] = {}
        prov, client = [], []
        for p, ds in ix.confirmed.items():
            row = tt.pos.get(p, -1)
            for d in ds:
                prov.append(row)
                client.append(self.client_code.setdefault(d.client, len(self.client_code)))
        self.prov, self.client = np.array(prov, dtype=np.int64), np.array(client, dtype=np.int64)


def ref_recommend(ix, tt, dl: _Deliveries, sh, chains: frozenset, m: dict, weights: dict, limit: int) -> list:
    """[(uscc, score)] of the best `limit` providers of the type table `tt` for manufacturer `m`
    ({uscc, region_code, industry_code, industry_kind}, its `chains`): every term of the
    weights as one array operation over the providers, the ties by bincount over the confirmed
    deliveries to the manufacturer's related clients (its buyers and suppliers from the shared
    supply edges)."""
    from graphsvc.contractors import recommend as R

    terms = weights["terms"]

    def sat(code, n):
        return terms[code]["weight"] * np.minimum(1.0, np.log1p(np.maximum(n, 0)) / math.log1p(terms[code]["saturation"]))

    i = sh.index[m["uscc"]]
    out_edges = np.flatnonzero(sh.seller[:sh.n] == i)
    buyers = {sh.uscc[b] for b in np.unique(sh.buyer[out_edges[sh.alive[out_edges]]]).tolist()}
    suppliers = {sh.uscc[x] for x in np.unique(sh.seller[_into(sh, [i])]).tolist()}
    mine = {b for b in buyers if b in ix.leaders} - {m["uscc"]}
    near = _into(sh, [sh.index[b] for b in mine])
    co = {sh.uscc[x] for x in np.unique(sh.seller[near]).tolist()}
    chain = {u for u, cs in ix.leaders.items() if cs & chains} - mine - {m["uscc"]}
    peers = ({c for c in co if c in ix.by_client} | suppliers | buyers) - mine - chain - {m["uscc"]}
    sc = sat("type_experience", tt.n_type) + sat("recognised_clients", tt.recognised)
    d = tt.disputed
    sc -= terms["disputes"]["weight"] * np.where(d > 0, d / np.maximum(tt.total + d, 1), 0.0)
    div, kind = R.division(m["industry_code"]), m["industry_kind"]
    zero = np.zeros(len(sc))
    n_div = tt.by_division.get(div, zero) if div else zero
    sc += sat("same_industry", n_div)
    if kind:
        sc += sat("same_kind", tt.by_kind.get(kind, zero) - tt.by_kind_division.get((kind, div), zero))
    district = regions.current_code(m["region_code"])
    city, province = regions.city_of(m["region_code"]), regions.province_of(m["region_code"])
    same_d = tt.district == district
    same_c = (tt.city == city) & ~same_d
    sc += terms["same_district"]["weight"] * same_d + terms["same_city"]["weight"] * same_c
    sc += terms["same_province"]["weight"] * ((tt.province == province) & ~same_d & ~(tt.city == city))
    share = ((ix.division_total.get(div, 0) if div else 0) + 1.0) / (ix.n_confirmed + 1.0)
    prior = terms["specialisation"]["prior"]
    sc += terms["specialisation"]["weight"] * np.log((n_div + prior * share) / (tt.total + prior) / share)
    rev = tt.revenue
    sc += terms["provider_size"]["weight"] * np.where(
        rev > 0, np.clip(np.log10(np.where(rev > 0, rev, 1.0) / terms["provider_size"]["reference_wan"]), -2, 2), 0)
    for code, clients in (("served_me", {m["uscc"]}), ("served_my_leader", mine), ("served_chain_leader", chain),
                          ("served_chain_peers", peers)):
        codes = [dl.client_code[c] for c in clients if c in dl.client_code]
        hit = np.isin(dl.client, codes) & (dl.prov >= 0)
        sc += sat(code, np.bincount(dl.prov[hit], minlength=len(sc)))
    valid = tt.credit.copy()
    if m["uscc"] in tt.pos:
        valid[tt.pos[m["uscc"]]] = False
    pos = np.flatnonzero(valid)
    best = pos[np.lexsort((np.array(tt.usccs)[pos], -tt.n_type[pos], -sc[pos]))[:limit]]
    return [(tt.usccs[x], sc[x]) for x in best.tolist()]


def check_recommend(got: dict, ref: list) -> None:
    assert [it["uscc"] for it in got["items"]] == [u for u, _ in ref], "recommend: other providers"
    assert all(it["score"] == round(s, 3) for it, (_, s) in zip(got["items"], ref)), "recommend: scores"


# ---------------------------------------------------------------- supplier assessment

def _assessment_columns(store, ds, c: _Columns, uscc: str) -> dict:
    """The provider's deliveries as the assessment reads them (the deliveries part's rows), as
    columns (made once): codes as text arrays, the brief's fields as they are, each client's
    index in the dashboard part (its recognitions' holder); the provider's record."""
    from graphsvc.deliveries import assessment, ledger
    from graphsvc.deliveries import projection as dlv
    from graphsvc.programmes import subsidies

    rows = dlv.rows_of(dlv.current(store), uscc)
    assert all(r["supplier_uscc"] in (None, uscc) for r in rows)

    def text(key):
        return np.array([r[key] or "" for r in rows], dtype=str)

    def year(r):
        y = subsidies.year_of(r["signed_date"]) or subsidies.year_of(r["accepted_date"])
        return -1 if y is None else y

    return {"id": text("id"), "status": text("status"), "kind": text("kind"), "unit": text("unit"),
            "type": np.array([assessment.provider_type_of(r) or 0 for r in rows], dtype=np.int64),
            "quantity": np.array([int(r["quantity"] or 1) for r in rows], dtype=np.int64),
            "client": text("client_uscc"), "client_name": np.array([r["client_name"] for r in rows], dtype=object),
            "client_kind": np.array([assessment.industry_kind(r) for r in rows], dtype=str),
            "client_region": text("client_region"), "corrects": text("corrects"), "rating": text("rating"),
            "day": np.array([ledger.period_date(r) or "" for r in rows], dtype=str),
            "dated": np.array([ledger.period_date(r) is not None for r in rows]),
            "amount": np.array([np.nan if r["contract_amount_wan"] is None else r["contract_amount_wan"] for r in rows],
                               dtype=np.float64),
            "signed_year": np.array([year(r) for r in rows], dtype=np.int64),
            "holder": np.array([ds.edges.index.get(r["client_uscc"], -1) for r in rows], dtype=np.int64),
            "brief": {k: np.array([r[k] for r in rows] + [None], dtype=object)[:-1] for k in assessment.BRIEF},
            "supplier": store.read_one("deliveries/assessment_supplier", uscc=uscc)["enterprise"],
            "recognitions": c}


def ref_assessment(c: dict, start: str | None = None, end: str | None = None) -> dict:
    """The whole assessment: totals by status, superseded confirmed deliveries, each provider
    type's measures with their delivery ids and clients, the listed briefs and the C3.5 lines;
    the C2 and C3.6/C3.7 parts are the same rule calls as the project's (no deliveries in them)."""
    from graphsvc.deliveries import assessment as A
    from graphsvc.deliveries import ledger

    sup = c["supplier"]
    inside = np.ones(len(c["id"]), dtype=bool) if start is None and end is None else (
        c["dated"] & ((c["day"] >= start) if start else True) & ((c["day"] <= end) if end else True))
    order = np.lexsort((c["id"], c["day"]))
    period = order[inside[order]]
    confirmed = c["status"] == "confirmed"
    replaced = c["corrects"][confirmed & (c["corrects"] != "")]
    old = np.isin(c["id"], replaced[np.isin(replaced, c["id"][confirmed])])
    st = {s: period[c["status"][period] == s] for s in ("confirmed", "claimed", "disputed", "withdrawn")}
    counted = st["confirmed"][~old[st["confirmed"]]]
    sup_types = {int(t) for t in sup.get("provider_types") or []}
    types = []
    for t in sorted(sup_types | set(np.unique(c["type"][period]).tolist()) - {0}):
        mine = counted[c["type"][counted] == t]
        ms = [_ref_measure(c, key, label, how, mine[np.isin(c["kind"][mine], list(kinds))] if kinds else mine)
              for key, label, how, kinds in A.MEASURES.get(t, [])]
        if t == 1:
            for ik, unit in A.UNIT_BUCKETS + [("unclassified", u) for u in ("cell", "line", "workshop", "factory")]:
                sel = mine[(c["unit"][mine] == unit) & (c["client_kind"][mine] == ik)]
                if ik != "unclassified" or len(sel):
                    m = _ref_measure(c, f"{ik}.{unit}", f"{A.INDUSTRY_KIND_NAMES[ik]}·{ledger.UNIT_NAMES[unit]}（个）",
                                     "quantity", sel)
                    ms.append({**m, "projects": len(sel)})
        types.append({"provider_type": t, "name": ledger.type_names().get(t, str(t)), "confirmed": len(mine),
                      "measures": ms})
    out = {"types": types, "counted": c["id"][counted].tolist(), "withdrawn": c["id"][st["withdrawn"]].tolist(),
           "claimed": _ref_briefs(c, st["claimed"]), "disputed": _ref_briefs(c, st["disputed"]),
           "superseded": _ref_briefs(c, period[old[period]]),
           "clients": _ref_measure(c, "clients", "服务企业总数（家）", "clients", counted)}
    out["totals"] = {"confirmed": len(counted), **{k: len(out[k]) for k in ("claimed", "disputed", "withdrawn",
                                                                           "superseded")},
                     "clients": out["clients"]["value"]}
    out["item14"] = _ref_item14(c, counted)
    out["c2"], out["modules"] = A.c2(sup), A.modules()
    return out


def _ref_measure(c: dict, key, label, how, sel: np.ndarray) -> dict:
    out = {"key": key, "label": label, "delivery_ids": c["id"][sel].tolist()}
    if how != "clients":
        out["value"] = len(sel) if how == "count" else int(c["quantity"][sel].sum())
        return out
    usccs, first, inv = np.unique(c["client"][sel], return_index=True, return_inverse=True)
    members = np.argsort(inv, kind="stable")
    ids = c["id"][sel[members]].tolist()
    bounds = np.searchsorted(inv[members], np.arange(len(usccs) + 1)).tolist()
    out["value"] = len(usccs)
    out["clients"] = [{"uscc": u or None, "name": n, "delivery_ids": ids[a:b]} for u, n, a, b in
                      zip(usccs.tolist(), c["client_name"][sel[first]].tolist(), bounds[:-1], bounds[1:])]
    return out


def _ref_briefs(c: dict, sel: np.ndarray) -> list[dict]:
    from graphsvc.deliveries import ledger

    from graphsvc.deliveries.assessment import BRIEF

    cols = [c["brief"][k][sel].tolist() for k in BRIEF]
    return [{**dict(zip(BRIEF, v)), "status_name": ledger.STATUS_NAMES.get(v[10], v[10]),
             "kind_name": ledger.KIND_NAMES.get(v[3], v[3])} for v in zip(*cols)]


def _ref_item14(c: dict, counted: np.ndarray) -> dict:
    """C3.5 over the counted deliveries: the provider check once, the clients' qualifying
    recognitions by masks over the dashboard part's codes, the listing year by one comparison
    per (line, recognition); the texts from the rule's own helpers."""
    from graphsvc.core.regions import current_code, in_scope
    from graphsvc.programmes import catalogue
    from graphsvc.programmes import subsidies as S
    from graphsvc.programmes.eligibility import FAIL, UNKNOWN, missing_reason

    p, sup = catalogue.params("C3.5"), c["supplier"]
    known = {sup["uscc"]: {"name": sup.get("name"), "region_code": sup.get("region_code")}}
    n = len(counted)
    why = np.full(n, S.NOT_LISTED, dtype=object)
    outcome = np.full(n, FAIL, dtype=object)
    first = np.full(n, -1, dtype=np.int64)
    keys = np.zeros((0, 4), dtype=np.int64)         # the qualifying recognitions first[] points into
    go = c["status"][counted] == p["delivery_status"]
    why[~go] = [S.unconfirmed_reason(s) for s in c["status"][counted][~go].tolist()]
    stop, text = S.provider_check({"supplier_uscc": sup["uscc"]}, known, p)
    if stop:
        outcome[go], why[go] = stop, text
    elif go.any():
        r = c["recognitions"]
        lines = np.flatnonzero(go)
        holder = c["holder"][counted[lines]]
        regs, reg_at = np.unique(c["client_region"][counted[lines]], return_inverse=True)
        reg_ok = np.array([not g or in_scope(current_code(g), p["client_scope"]) for g in regs.tolist()])
        ok_holders = np.unique(holder[reg_ok[reg_at] & (holder >= 0)])
        kinds = [i for i, k in enumerate(r.kinds) if k in p["client_kinds"]]
        status = r.statuses.index(p["client_status"]) if p["client_status"] in r.statuses else -2
        q = np.flatnonzero(np.isin(r.owner, ok_holders) & np.isin(r.kind, kinds) & (r.status == status))
        # distinct (holder, year, kind, level) in the listing order (missing years last)
        big = np.iinfo(np.int64).max
        keys = np.unique(np.stack([r.owner[q], np.where(r.year[q] < 0, big, r.year[q]), r.kind[q],
                                   np.where(r.level[q] < 0, big, r.level[q])], axis=1), axis=0)
        lo, hi = np.searchsorted(keys[:, 0], holder, "left"), np.searchsorted(keys[:, 0], holder, "right")
        size = hi - lo
        at = np.repeat(np.arange(len(lines)), size)
        rec = np.repeat(lo - np.concatenate(([0], np.cumsum(size)[:-1])), size) + np.arange(size.sum())
        signed = c["signed_year"][counted[lines]][at]
        year = keys[rec, 1]
        follows = (signed >= 0) & (year != big) & (year >= signed + p["listing_min_years_after_signing"])
        hit, where = np.unique(at[follows], return_index=True)
        first[lines[hit]] = rec[follows][where]
        for i, a, b in zip(lines.tolist(), lo.tolist(), hi.tolist()):
            if first[i] < 0 and a < b:
                d = {k: c["brief"][k][counted[i]] for k in ("signed_date", "accepted_date")}
                timed = [S.listing_follows(d, _ref_rec(r, k, p["client_status"]), p) for k in keys[a:b].tolist()]
                outcome[i], why[i] = next((x for x in timed if x[0] == UNKNOWN), timed[0])
    ids = c["id"][counted].tolist()
    bad = first < 0
    fail = bad & (outcome == FAIL)
    refused_at = np.flatnonzero(bad | np.isnan(c["amount"][counted]))
    lines_out, providers = [], {}
    for i in np.flatnonzero(~fail).tolist():
        j = counted[i]
        line = {"delivery_id": ids[i], "supplier_uscc": sup["uscc"], "client_uscc": c["brief"]["client_uscc"][j],
                "contract_amount_wan": c["brief"]["contract_amount_wan"][j], "rate": 0, "reward_wan": 0,
                "payable_wan": 0, "qualifying_recognition": None, "outcome": outcome[i], "reason": why[i]}
        if first[i] >= 0:
            q = _ref_rec(c["recognitions"], keys[first[i]].tolist(), p["client_status"])
            line["qualifying_recognition"] = q
            if np.isnan(c["amount"][j]):
                line.update(outcome=UNKNOWN, reason=missing_reason(["contract_amount_wan"]))
                why[i] = line["reason"]
            else:
                S.reward_line(line, q, line["contract_amount_wan"], c["rating"][j] in p["excellent_ratings"], p)
            S.cap_line(providers, line, p)
        lines_out.append({**line, "client_name": c["client_name"][j]})
    res = S.item14_totals(providers, known, p, lines_out)
    prov = providers.get(sup["uscc"], {"reward_wan": 0, "total_wan": 0, "capped": False})
    return {"rule_id": "C3.5", "total_wan": res["total_wan"], "reward_before_cap_wan": prov["reward_wan"],
            "cap_wan": p["cap_per_provider_wan"], "capped": prov["capped"], "reason": res["reason"],
            "estimate": res["estimate"], "basis": res["basis"],
            "refused": [{"delivery_id": ids[i], "reason": why[i]} for i in refused_at.tolist()],
            "lines": lines_out, "not_qualifying": np.array(ids, dtype=object)[fail].tolist()}


def _ref_rec(r, key: list, status: str) -> dict:
    """A qualifying recognition (holder, year, kind, level codes; its `status`) as the rule reads it."""
    big = np.iinfo(np.int64).max
    _, year, kind, level = key
    return {"kind": r.kinds[kind], "level": None if level == big else r.levels[level], "status": status,
            "year": None if year == big else year}


def check_assessment(got: dict, ref: dict) -> None:
    for k, v in ref.items():
        assert got[k] == v, f"assessment: {k} differs"


# ---------------------------------------------------------------- the summary forms

def chain_texts(ds, c: _Columns, store) -> dict:
    """holder index -> the names of its segments' chains, for every holder of a recognition
    (made once, before timing: the project keeps them per segment state)."""
    from graphsvc.enterprises import projection as exproj
    from graphsvc.programmes.reports import _chain_names

    ex = exproj.current(store)
    return {o: _chain_names(sorted(ex.chains_of(ds.edges.uscc[o]))) for o in np.unique(c.owner[c.owner >= 0]).tolist()}


def ref_future_factories(ds, c: _Columns, chains: dict, scope: str, year: int) -> list[tuple]:
    """附件1's rows (uscc, name, category, chain, 2021-2022 rating, build status, region, level)
    in the form's order: one per holder in `scope` and 未来工厂 category with a recognition of
    `year`, its first 认定 one (else its first) deciding status and level."""
    from graphsvc.programmes.reports import _chain_names

    e = ds.edges
    cats = list(cat.params("A1.1")["categories"])
    p = cat.params("A1.4")
    base = _counted(ds, c, _scope_mask(e.regs, scope)) & np.isin(c.kind, c.codes(c.kinds, cats))
    rec = c.status == c.statuses.index("认定")
    ids = np.flatnonzero(base & (c.year == year))
    key = c.owner[ids] * len(c.kinds) + c.kind[ids]
    order = np.lexsort((ids, ~rec[ids], key))
    best = ids[order[np.r_[True, key[order][1:] != key[order][:-1]]]]
    rated = np.flatnonzero(base & rec & (c.year >= p["rated_from_year"]) & (c.year <= p["rated_to_year"]))
    rated = rated[np.lexsort((rated, c.kind[rated], c.year[rated]))]
    levels = [*c.levels, None]                                   # code -1: no level
    rating: dict = {}
    for o, y, lv, k in zip(*(a.tolist() for a in (c.owner[rated], c.year[rated], c.level[rated], c.kind[rated]))):
        rating.setdefault(o, []).append(f"{y}年{levels[lv] or ''}级{c.kinds[k]}")
    picked = set(ids.tolist())
    named: dict = {}
    for i in sorted(i for i in ds.rec_chain if i in picked):
        named.setdefault((int(c.owner[i]), int(c.kind[i])), []).append(ds.rec_chain[i])
    rows = []
    for o, k, lv, r in zip(*(a.tolist() for a in (c.owner[best], c.kind[best], c.level[best], rec[best]))):
        u = e.uscc[o]
        rows.append((u, ds.names.get(u), c.kinds[k], _chain_names(named[o, k]) if (o, k) in named else chains[o],
                     "；".join(rating.get(o, ())) or "无", "已认定" if r else "培育", e.regs[e.region[o]], levels[lv]))
    order = {k: j for j, k in enumerate(cats)}
    return sorted(rows, key=lambda r: (order[r[2]], r[6] or "", r[1] or "", r[0]))


FF_FIELDS = ("uscc", "enterprise_name", "category", "chain", "rating_2021_2022", "build_status", "region_code", "level")


def ref_ranking(ds, ls, c: _Columns, scope: str, year: int) -> list:
    """附件3: the 数字工厂 recognised in `year` in `scope`, by revenue (highest first), then name."""
    e = ds.edges
    sel = (_counted(ds, c, _scope_mask(e.regs, scope)) & (c.year == year)
           & (c.kind == c.kinds.index("数字工厂")) & (c.status == c.statuses.index("认定")))
    who = np.unique(c.owner[sel])
    rev = np.nan_to_num(ls.revenue[who], nan=0.0)
    names = np.array([ls.name[x] or "" for x in who.tolist()])
    return [e.uscc[x] for x in who[np.lexsort((names, -rev))].tolist()]


def _project_columns(store) -> dict:
    """The projects part's arrays: project ids, owners' region codes, start dates."""
    from graphsvc.programmes import projects as pj

    st = pj.current(store)
    return {"id": np.array([r["project_id"] for r in st.rows]), "region": [r["region_code"] for r in st.rows],
            "start": st.start}


def ref_projects(p: dict, scope: str, year: int) -> set:
    """附件2: the ids of the projects of enterprises in `scope` started within the call's window."""
    lo, hi = reports.project_window(year)
    codes = sorted({r for r in p["region"] if r})
    inside = dict(zip(codes, _scope_mask(codes, scope)))
    ok = np.array([inside.get(r, False) for r in p["region"]], dtype=bool)
    ok &= (p["start"] >= np.datetime64(lo)) & (p["start"] <= np.datetime64(hi))
    return set(p["id"][ok].tolist())


# ---------------------------------------------------------------- the figures

def _pairs(store, ls, ds, cols, target: float) -> list[tuple]:
    """(name, project fn, reference fn, check(project result, reference result), what)."""
    out = []
    table = ratios.fetch_table(store, YEAR, region=CITY)
    below = [i for i in table["items"] if i["meets_target"] is False]
    pick = max(below or table["items"], key=lambda i: i["suppliers"] or 0)
    leader = ratios.fetch_leaders(store, pick["uscc"])[0]

    def detail():
        # as after a supplies write into every enterprise (bench_local_supply's `uncached`):
        # the detail, its tier-2 sums and the served figures are computed again
        cur = lsproj.current(store)
        cur.tick += 1
        cur.buyer_gen[:] = cur.tick
        cache.clear_cache()
        return whatif.fetch_detail(store, leader, YEAR)

    def ref_both():
        return ref_detail(ls, leader["uscc"], YEAR, CITY), ref_whatif(ls, leader["uscc"], YEAR, CITY, target)

    def check_detail(d, ref):
        _check_detail(d, ref[0])
        check_whatif(d["what_if"], ref[1])

    out.append(("leader detail + what-if", detail, ref_both, check_detail, f"{pick['suppliers']} suppliers"))

    def uncached(fn):
        return stale_supplies(store, fn)

    out.append(("local-supply table 杭州", uncached(lambda: ratios.fetch_table(store, YEAR, region=CITY)),
                lambda: ref_table(ls, YEAR, CITY), _check_table, f"{len(table['items'])} leaders"))
    chain = reference.chain(COVERAGE_CHAIN)
    out.append((f"coverage {COVERAGE_CHAIN}",
                uncached(lambda: coverage.fetch_coverage(store, COVERAGE_CHAIN, YEAR, CITY, "admin_default")),
                lambda: ref_coverage(ls, chain, YEAR, CITY), _check_coverage, "the slowest chain in bench_local_supply"))

    served = dproj.reader(store)

    def fresh(fn):
        return _fresh(store, fn)

    for region in ("330000", CITY, "330108"):
        out.append((f"dashboard summary {region}", fresh(lambda r=region: D.fetch_summary(store, r, YEAR, served)),
                    lambda r=region: ref_summary(ds, cols, r, YEAR, target), check_summary, ""))
    visible = {d["code"] for d in D.districts_of(CITY)}
    for m in D.MEASURES:
        out.append((f"district map {CITY} {m}",
                    fresh(lambda m=m: D.fetch_districts(store, CITY, m, YEAR, visible, served)),
                    lambda m=m: ref_districts(ds, cols, CITY, m, YEAR, target),
                    lambda got, ref: _check_map(got, ref), f"{len(visible)} districts"))
    for region in (CITY, "330000"):
        out.append((f"targets {region}", fresh(lambda r=region: reports.target_progress(store, r, YEAR)),
                    lambda r=region: ref_targets(ds, cols, r, YEAR, regions.scope_prefix(
                        targets.applicable(r)[0]["set_for"])),
                    lambda got, ref: _check_targets(got, ref), ""))
    out += _other_pairs(store, ls, ds, cols, leader["uscc"])
    return out


def _fresh(store, fn):
    """fn as the first call after a write touching enterprises: the dashboard part's memo dropped."""
    def go():
        projection.current(store, dproj.NAME).memo.clear()
        return fn()
    return go


def _other_pairs(store, ls, ds, cols, leader: str) -> list[tuple]:
    """The contractor recommendation, a supplier's assessment and the three forms."""
    from graphsvc.contractors import recommend as R
    from graphsvc.deliveries import assessment
    from graphsvc.enterprises import directory
    from graphsvc.enterprises import projection as exproj

    out = []
    weights = R.load_weights()
    ix = R.index_for(store, weights)
    ex = exproj.current(store)
    clients = sorted(u for u in ix.by_client if u in ls.index)
    for who, uscc in (("a chain leader", leader), ("a client", clients[len(clients) // 2])):
        rec = directory.record(directory.current(store), uscc)
        m = {k: rec.get(k) for k in ("uscc", "region_code", "industry_code", "industry_kind")}
        tt = ix.tables[1]
        dl = _Deliveries(ix, tt)

        def ours(uscc=uscc):
            R.index_for(store, weights).links.clear()
            return R.fetch_recommendation(store, uscc, R.Query(1, None, None, 10), weights)

        out.append((f"recommend type 1, {who}", ours,
                    lambda m=m, dl=dl, tt=tt: ref_recommend(ix, tt, dl, ex.shared, ex.chains_of(m["uscc"]), m,
                                                           weights, 10),
                    check_recommend, f"{len(tt.usccs):,} providers of the type"))
    per = store.read_cypher("MATCH (p:Enterprise)-[:DELIVERED]->(d:Delivery) "
                            "RETURN p.uscc AS uscc, count(d) AS n ORDER BY n DESC, uscc")
    cols_a = _assessment_columns(store, ds, cols, per[0]["uscc"])
    out.append(("assessment of the busiest provider",
                lambda: assessment.fetch_assessment(store, per[0]["uscc"]), lambda: ref_assessment(cols_a),
                check_assessment, f"{per[0]['n']} deliveries"))
    year1 = reports.default_year("future-factory-summary")
    chains = chain_texts(ds, cols, store)
    out.append(("form 附件1 future-factory-summary 330100",
                lambda: reports.form_data(store, "future-factory-summary", CITY, year1),
                lambda: ref_future_factories(ds, cols, chains, CITY, year1),
                lambda got, ref: _same([tuple(r[k] for k in FF_FIELDS) for r in got["rows"]], ref),
                f"year {year1}"))
    projects = _project_columns(store)
    out.append(("form 附件2 digital-project-summary 330100",
                lambda: reports.form_data(store, "digital-project-summary", CITY, year1),
                lambda: ref_projects(projects, CITY, year1),
                lambda got, ref: _same({r["project_id"] for r in got["rows"]}, ref), f"year {year1}"))
    year3 = reports.default_year("digital-factory-ranking")
    out.append(("form 附件3 digital-factory-ranking 330100",
                _fresh(store, lambda: reports.form_data(store, "digital-factory-ranking", CITY, year3)),
                lambda: ref_ranking(ds, ls, cols, CITY, year3),
                lambda got, ref: _same([r["uscc"] for r in got["rows"]], ref), f"year {year3}"))
    return out


def _same(got, ref) -> None:
    assert got == ref, f"{len(got)} rows != {len(ref)} in the reference"


def _check_map(rows: list[dict], ref: dict) -> None:
    got = {r["code"]: r["value"] for r in rows}
    assert got.keys() == ref.keys(), "map: other districts"
    assert all(_close(got[k], v) for k, v in ref.items()), f"map: {got} != {ref}"


def _check_targets(out: dict, ref: dict) -> None:
    assert {r["target_id"]: r["actual"] for r in out["rows"]} == ref, f"targets: {out['rows']} != {ref}"


def run(ctx) -> list[dict]:
    store = ctx.store()
    projection.reset(store)
    ls = lsproj.current(store)
    ds = projection.current(store, dproj.NAME)
    cols = _Columns(ds)
    target = ratios.target_ratio()
    dataset = (f"province: {len(ls.uscc):,} enterprises, {int(ls.alive[:ls.n].sum()):,} supplies, "
               f"{len(ds.del_status):,} deliveries, {len(ds.rec_facts):,} recognitions")
    rows = []
    for name, ours, ref, check, what in _pairs(store, ls, ds, cols, target):
        check(ours(), ref())
        a, b = _timed(ours, repeat=7, warmup=1), _timed(ref, repeat=7, warmup=1)
        text = f"{dataset}{', ' + what if what else ''}, {_load()}"
        rows.append({"name": f"{name}: project (first call after a write)", "dataset": text, **a,
                     "target": "<= 3x reference", "ratio": round(a["median"] / b["median"], 2),
                     "cpu_ratio": round(a["cpu_median"] / max(b["cpu_median"], 0.01), 2)})
        rows.append({"name": f"{name}: plain NumPy reference", "dataset": text, **b, "target": "-"})
    projection.reset(store)
    return rows


if __name__ == "__main__":   # python -m bench.bench_reference
    from bench.common import Context, write_results

    out = run(Context())
    for r in out:
        print(f"{r['name']:<66} {r['median']:>9} ms cpu {r['cpu_median']:>9}  ratio {r.get('ratio', '-')} "
              f"cpu_ratio {r.get('cpu_ratio', '-')}  {r['dataset'].rsplit(', ', 1)[-1]}")
    print(write_results("reference", out))
    os._exit(0)
