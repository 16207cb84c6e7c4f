"""Local-supply ratios of 链主工厂 against the B4 target (docs/figures.md §2–3, docs/policy-rules.md B4).

Definitions (docs/figures.md §2): for a 链主工厂 L, year Y and scope S (default: L's city), over the
``SUPPLIES`` edges into L in Y a supplier is *local* when its ``region_code`` lies in S;

- ``ratio_amount = local_amount / total_amount``;
- ``ratio_count  = local suppliers / suppliers`` (distinct USCCs);
- ``gap_amount   = max(0, target · total_amount − local_amount)``;
- ``meets_target`` — ``graphsvc.programmes.targets.b4_meets_target`` (exactly 60.0% meets it);
- tier-2 share: the same over the edges in Y into L's tier-1 suppliers of Y;
- pooled figures (per chain, per district of the leader): the sums over the leaders with data,
  ``ratio_count`` over (leader, supplier) pairs.

The target (0.60) is rule B4's parameter ``local_supply_ratio`` in
``graphsvc/refdata/rules/``; nothing here spells it. A leader with no supply records in Y gets
``None`` figures and a Chinese reason, never 0%.

Everything but ``fetch_*`` is pure (plain dicts and lists in, plain dicts out).

Worked example — supplies into one leader, local scope 杭州 (prefix 3301):

>>> edges = [{"supplier_uscc": "A", "supplier_region": "330106", "amount_wan": 60.0},
...          {"supplier_uscc": "B", "supplier_region": "310101", "amount_wan": 30.0},
...          {"supplier_uscc": "C", "supplier_region": "330110", "amount_wan": 10.0}]
>>> f = figures(*sums_from_edges(edges, lambda r: r.startswith("3301")), target=0.6)
>>> f["local_amount"], f["total_amount"], f["ratio_amount"], f["meets_target"]
(70.0, 100.0, 0.7, True)
>>> round(f["ratio_count"], 4), f["gap_amount"]
(0.6667, 0.0)
>>> figures(0, 0, 0, 0, target=0.6)["reason"]
'该年度无供货记录'
"""
from __future__ import annotations

import math
from collections import defaultdict
from functools import lru_cache

import numpy as np

from graphsvc.core import regions
from graphsvc.core import reference
from graphsvc.local_supply import projection as lsproj
from graphsvc.local_supply.purchases import Purchases, distinct, group_fsum
from graphsvc.programmes.targets import b4_meets_target, b4_target

RULE_ID = "B4"
NO_DATA = "该年度无供货记录"
ZERO_TOTAL = "该年度供货金额合计为0，无法计算比例"


# ---------------------------------------------------------------- the target and scopes

def target_ratio(catalogue: dict | None = None) -> float:
    """B4's local-supply target from the rules data.

    >>> target_ratio()
    0.6
    """
    return b4_target(catalogue)


def meets(ratio: float | None, catalogue: dict | None = None) -> bool | None:
    """B4 check; None when there is no ratio.

    >>> meets(0.6), meets(0.59999), meets(None)
    (True, False, None)
    """
    return None if ratio is None else b4_meets_target(ratio, catalogue)


def meets_mask(ratios: np.ndarray, catalogue: dict | None = None) -> np.ndarray:
    """`meets` over an array of ratios (none missing). B4 compares the ratio rounded to 9
    places: only ratios within 1e-8 of the target can be decided by that rounding, and only
    those are checked one by one.

    >>> meets_mask(np.array([0.6, 0.5999, 0.1 * 6, 0.7, 0.5999999999])).tolist()
    [True, False, True, True, True]
    """
    r = np.asarray(ratios, dtype=np.float64)
    t = round(b4_target(catalogue), 9)
    out = r > t
    for k in np.nonzero(np.abs(r - t) <= 1e-8)[0].tolist():
        out[k] = b4_meets_target(float(r[k]), catalogue)
    return out


def scope_of(leader_region: str | None, scope: str | None) -> str | None:
    """The scope that decides locality for one leader: the requested one, else its city."""
    return regions.current_code(scope) if scope else regions.default_scope(leader_region)


# ---------------------------------------------------------------- leaders

def leaders_from_recognitions(rows: list[dict]) -> list[dict]:
    """Collapse 链主工厂 recognition rows into one leader per enterprise.

    The latest recognition names the chain; status is 认定 when any row says so.

    >>> ls = leaders_from_recognitions([
    ...   {"uscc": "X", "name": "甲", "region_code": "330106", "chain_id": "HZ02", "status": "培育", "year": 2021},
    ...   {"uscc": "X", "name": "甲", "region_code": "330106", "chain_id": "HZ02", "status": "认定", "year": 2022}])
    >>> [(x["uscc"], x["chain"], x["status"], x["recognition_year"], x["district"]) for x in ls]
    [('X', 'HZ02', '认定', 2022, '330106')]
    """
    by: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by[r["uscc"]].append(r)
    out = []
    for uscc in sorted(by):
        rs = sorted(by[uscc], key=lambda r: (r.get("year") or 0, r.get("status") == "认定"))
        last = rs[-1]
        region = last.get("region_code")
        chain = last.get("chain_id") or next((r.get("chain_id") for r in reversed(rs) if r.get("chain_id")), None)
        ch = reference.chain(chain) if chain else None
        district = regions.current_code(region) if region else None
        out.append({
            "uscc": uscc, "name": last.get("name"), "region_code": region,
            "district": district, "district_name": regions.label(district),
            "chain": chain, "chain_name": ch["name"] if ch else None,
            "status": "认定" if any(r.get("status") == "认定" for r in rs) else (last.get("status") or "培育"),
            "recognition_year": last.get("year"),
        })
    return out


def visible_leaders(leaders: list[dict], region: str | None, scope: str | None = None,
                    chain: str | None = None) -> list[dict]:
    """Leaders registered in `region` (None: everywhere) and in `scope` (when given), of `chain`."""
    out = []
    for x in leaders:
        rc = x.get("region_code")
        if region is not None and not regions.is_local(rc, region):
            continue
        if scope is not None and not regions.is_local(rc, scope):
            continue
        if chain is not None and x.get("chain") != chain:
            continue
        out.append(x)
    return out


# ---------------------------------------------------------------- figures

def sums_from_edges(edges: list[dict], local) -> tuple[float, float, int, int]:
    """(local_amount, total_amount, local_suppliers, suppliers) over supply records.

    `local` is a predicate on the supplier's region code. Amounts are summed with math.fsum
    (correctly rounded), suppliers are distinct USCCs.
    """
    loc, tot, sup, loc_sup = [], [], set(), set()
    for e in edges:
        a = float(e.get("amount_wan") or 0.0)
        tot.append(a)
        sup.add(e["supplier_uscc"])
        if local(e.get("supplier_region")):
            loc.append(a)
            loc_sup.add(e["supplier_uscc"])
    return math.fsum(loc), math.fsum(tot), len(loc_sup), len(sup)


def figures(local_amount: float, total_amount: float, local_suppliers: int, suppliers: int,
            target: float, catalogue: dict | None = None) -> dict:
    """The B4 figures of one leader (or a pool) from its sums.

    >>> f = figures(150.0, 250.0, 3, 5, target=0.6)
    >>> f["ratio_amount"], f["ratio_count"], f["gap_amount"], f["meets_target"]
    (0.6, 0.6, 0.0, True)
    >>> f = figures(149.9, 250.0, 1, 5, target=0.6)
    >>> round(f["gap_amount"], 6), f["meets_target"]
    (0.1, False)
    """
    if not suppliers:
        return {"local_amount": None, "total_amount": None, "ratio_amount": None, "ratio_count": None,
                "local_suppliers": 0, "suppliers": 0, "gap_amount": None, "meets_target": None,
                "reason": NO_DATA}
    ratio_count = local_suppliers / suppliers
    if total_amount <= 0:
        return {"local_amount": float(local_amount), "total_amount": float(total_amount), "ratio_amount": None,
                "ratio_count": ratio_count, "local_suppliers": local_suppliers, "suppliers": suppliers,
                "gap_amount": None, "meets_target": None, "reason": ZERO_TOTAL}
    ratio = local_amount / total_amount
    return {"local_amount": float(local_amount), "total_amount": float(total_amount), "ratio_amount": ratio,
            "ratio_count": ratio_count, "local_suppliers": local_suppliers, "suppliers": suppliers,
            "gap_amount": max(0.0, target * total_amount - local_amount),
            "meets_target": meets(ratio, catalogue), "reason": None}


def pool(items: list[dict], key: str, target: float, catalogue: dict | None = None,
         label=None) -> list[dict]:
    """Pooled figures per value of items[key] (e.g. "chain", "district") over leaders with data.

    >>> rows = pool([{"chain": "HZ01", "local_amount": 60.0, "total_amount": 100.0, "local_suppliers": 2,
    ...               "suppliers": 3, "meets_target": True},
    ...              {"chain": "HZ01", "local_amount": 10.0, "total_amount": 100.0, "local_suppliers": 1,
    ...               "suppliers": 3, "meets_target": False},
    ...              {"chain": "HZ01", "local_amount": None, "total_amount": None, "local_suppliers": 0,
    ...               "suppliers": 0, "meets_target": None}], "chain", 0.6)
    >>> r = rows[0]
    >>> r["leaders"], r["leaders_with_data"], r["leaders_meeting"], r["ratio_amount"], r["ratio_count"], r["gap_amount"]
    (3, 2, 1, 0.35, 0.5, 50.0)
    """
    groups: dict = defaultdict(list)
    for it in items:
        groups[it.get(key)].append(it)
    out = []
    for k in sorted(groups, key=lambda v: (v is None, v or "")):
        members = groups[k]
        with_data = [m for m in members if m.get("suppliers")]
        loc = math.fsum(m["local_amount"] or 0.0 for m in with_data)
        tot = math.fsum(m["total_amount"] or 0.0 for m in with_data)
        f = figures(loc, tot, sum(m["local_suppliers"] for m in with_data),
                    sum(m["suppliers"] for m in with_data), target, catalogue)
        row = {key: k, "name": label(k) if label else k, "leaders": len(members),
               "leaders_with_data": len(with_data),
               "leaders_meeting": sum(1 for m in members if m.get("meets_target"))}
        row.update(f)
        out.append(row)
    return out


def _order(items: list[dict]) -> list[dict]:
    """Leaders with data by ratio (lowest first), then those without."""
    return sorted(items, key=lambda x: (x["ratio_amount"] is None, x["ratio_amount"] or 0.0, x["uscc"]))


def ratio_table(leaders: list[dict], sums: list[dict], year: int, target: float, scope: str | None = None,
                catalogue: dict | None = None, years: list[int] | None = None) -> dict:
    """The all-leader table for `year`.

    `leaders` as from leaders_from_recognitions (already filtered to what the caller sees);
    `sums` rows {uscc, year, local_amount, total_amount, local_suppliers, suppliers} (locality
    decided per leader's scope; rows of other years are ignored); `years`: the years with data
    for these leaders (default: those in `sums`).
    Returns {year, items, pooled: {chains, districts, overall}, years, note}.

    >>> t = ratio_table([{"uscc": "L1", "name": "甲", "chain": "HZ01", "district": "330106", "region_code": "330106"},
    ...                  {"uscc": "L2", "name": "乙", "chain": "HZ01", "district": "330108", "region_code": "330108"}],
    ...                 [{"uscc": "L1", "year": 2024, "local_amount": 60.0, "total_amount": 100.0,
    ...                   "local_suppliers": 3, "suppliers": 5}], 2024, 0.6)
    >>> [(i["uscc"], i["ratio_amount"], i["reason"]) for i in t["items"]]
    [('L1', 0.6, None), ('L2', None, '该年度无供货记录')]
    >>> t["pooled"]["overall"]["ratio_amount"], t["note"]
    (0.6, None)
    >>> ratio_table([{"uscc": "L1", "chain": "HZ01", "district": "330106", "region_code": "330106"}],
    ...             [], 2019, 0.6)["note"]
    '2019年没有任何供货记录，无法计算本地配套比例'
    """
    by_key = {(r["uscc"], int(r["year"])): r for r in sums}
    if years is None:
        years = sorted({int(r["year"]) for r in sums if r.get("suppliers")})
    items = []
    if year in years:
        for x in leaders:
            s = by_key.get((x["uscc"], year))
            f = figures(s["local_amount"], s["total_amount"], s["local_suppliers"], s["suppliers"], target,
                        catalogue) if s else figures(0.0, 0.0, 0, 0, target, catalogue)
            sc = scope_of(x.get("region_code"), scope)
            items.append({"uscc": x["uscc"], "name": x.get("name"), "chain": x.get("chain"),
                          "chain_name": x.get("chain_name"), "status": x.get("status"),
                          "region_code": x.get("region_code"), "district": x.get("district"),
                          "district_name": x.get("district_name"),
                          "scope": sc, "scope_name": regions.label(sc), **f})
    items = _order(items)
    chains = pool(items, "chain", target, catalogue,
                  label=lambda c: (reference.chain(c) or {}).get("name", c) if c else "未注明产业链")
    districts = pool(items, "district", target, catalogue, label=lambda d: regions.label(d) or "未知")
    overall = pool([{**i, "all": "all"} for i in items], "all", target, catalogue)
    note = None
    if not items:
        if not leaders:
            note = "所选范围内没有链主工厂"
        else:
            note = f"{year}年没有任何供货记录，无法计算本地配套比例"
    return {"year": year, "items": items, "years": years,
            "pooled": {"chains": chains, "districts": districts,
                       "overall": ({k: v for k, v in overall[0].items() if k not in ("all", "name")}
                                   if overall else None)},
            "note": note}


# ---------------------------------------------------------------- one leader in detail

def _group(edges: list[dict], key: str) -> dict:
    g: dict = defaultdict(list)
    for e in edges:
        g[e.get(key)].append(e)
    return g


def tier2_figures(tier2: list[dict] | dict, target: float, catalogue: dict | None = None, local=None) -> dict:
    """The "tier2" block of a leader's detail from `tier2` as leader_detail takes it (`local`:
    the locality predicate, needed for rows only)."""
    if isinstance(tier2, dict):
        t2 = figures(*tier2["sums"], target, catalogue)
        t2["tier1_suppliers"] = tier2["tier1_suppliers"]
    else:
        t2 = figures(*sums_from_edges(tier2, local), target, catalogue)
        t2["tier1_suppliers"] = len({e["tier1_uscc"] for e in tier2})
    t2["meets_target"] = None if t2["ratio_amount"] is None else t2["meets_target"]
    if t2["reason"] == NO_DATA:
        t2["reason"] = "该年度一级供应商没有上游供货记录"
    t2.pop("gap_amount", None)
    return t2


def _supplier_rows(p: Purchases, total: float) -> list[dict]:
    """The detail's rows by supplier (amount highest first, then USCC) from the year's records."""
    n = len(p.usccs)
    amount = group_fsum(p.supplier, p.amount, n)
    first = p.first_of_supplier()
    shown = np.nonzero(first < len(p))[0]
    order = shown[np.lexsort((shown, -amount[shown]))].tolist()
    local = np.zeros(n, dtype=bool)
    local[shown] = p.local[first[shown]]        # as its first record's region says
    # each supplier's segments (named ones): its (supplier, segment) pairs, segment codes
    # ascending = ids ascending
    m = max(len(p.segment_ids), 1)
    named = np.array([bool(s) for s in p.segment_ids] or [False])
    pairs = distinct(p.supplier * m + p.segment)
    pairs = pairs[named[pairs % m]]
    ids = [p.segment_ids[g] for g in (pairs % m).tolist()]
    b = np.searchsorted(pairs // m, np.arange(n + 1)).tolist()
    segments = [ids[b[k]:b[k + 1]] for k in range(n)]
    usccs, names, codes, local, amt = p.usccs, p.names, p.regions, local.tolist(), amount.tolist()
    label = {c: regions.label(c) for c in set(codes)}
    share = (amount / total).tolist() if total > 0 else [None] * n
    return [{"uscc": usccs[k], "name": names[k], "region_code": codes[k], "region_name": label[codes[k]],
             "local": local[k], "amount": amt[k], "share": share[k], "segments": segments[k]} for k in order]


def _segment_rows(p: Purchases, total: float, target: float, catalogue: dict | None) -> list[dict]:
    """The detail's rows by segment (lowest ratio first, then largest) from the year's records."""
    nseg, m = len(p.segment_ids), max(len(p.usccs), 1)
    tot = group_fsum(p.segment, p.amount, nseg).tolist()
    loc = group_fsum(p.segment[p.local], p.amount[p.local], nseg).tolist()
    suppliers = np.bincount(distinct(p.segment * m + p.supplier) // m, minlength=nseg).tolist()
    local_suppliers = np.bincount(distinct(p.segment[p.local] * m + p.supplier[p.local]) // m,
                                  minlength=nseg).tolist()
    # in the order the segments first occur (the order of equal keys in the sort below)
    first = np.full(nseg, len(p), dtype=np.int64)
    np.minimum.at(first, p.segment, np.arange(len(p), dtype=np.int64))
    segments = []
    for k in sorted((k for k in range(nseg) if suppliers[k]), key=first.__getitem__):
        sid = p.segment_ids[k]
        f = figures(loc[k], tot[k], local_suppliers[k], suppliers[k], target, catalogue)
        seg = reference.segments().get(sid) if sid else None
        segments.append({"segment_id": sid, "segment_name": seg["name"] if seg else "未注明环节",
                         "stage": seg["stage"] if seg else None,
                         "chain": seg["chain_id"] if seg else None,
                         "local_amount": f["local_amount"], "total_amount": f["total_amount"],
                         "non_local_amount": (f["total_amount"] or 0.0) - (f["local_amount"] or 0.0),
                         "ratio_amount": f["ratio_amount"], "ratio_count": f["ratio_count"],
                         "local_suppliers": f["local_suppliers"], "suppliers": f["suppliers"],
                         "share_of_total": (f["total_amount"] / total) if total > 0 else None})
    segments.sort(key=lambda s: (s["ratio_amount"] is None, s["ratio_amount"] or 0.0, -(s["total_amount"] or 0)))
    return segments


def leader_detail(leader: dict, edges: list[dict] | Purchases, tier2: list[dict] | dict, year: int, target: float,
                  scope: str | None = None, data_years: list[int] | None = None,
                  catalogue: dict | None = None, trend_sums: dict | None = None) -> dict:
    """Breakdown by supplier and by segment, the tier-2 share and the trend for one leader.

    `edges`: every supply into the leader (all years) {year, supplier_uscc, supplier_name,
    supplier_region, amount_wan, segment_id}, or the records of `year` as columns
    (purchases.Purchases, locality by the leader's scope; the projection makes them), then with
    `trend_sums`; `tier2`: supplies in `year` into the leader's
    tier-1 suppliers {tier1_uscc, supplier_uscc, supplier_region, amount_wan}, or their sums
    already made {"sums": (local_amount, total_amount, local_suppliers, suppliers),
    "tier1_suppliers": n} with locality by the leader's scope (the projection makes them);
    `data_years`: the years present in the data (the trend shows each, null where the leader
    has none); `trend_sums`: {year: sums_from_edges of that year's records} made already (the
    projection sums them from its arrays), `edges` then needs only the records of `year`.

    >>> d = leader_detail({"uscc": "L", "name": "甲", "region_code": "330106", "chain": "HZ01"},
    ...     [{"year": 2024, "supplier_uscc": "A", "supplier_name": "a", "supplier_region": "330110",
    ...       "amount_wan": 30.0, "segment_id": "HZ01-01"},
    ...      {"year": 2024, "supplier_uscc": "B", "supplier_name": "b", "supplier_region": "320500",
    ...       "amount_wan": 70.0, "segment_id": "HZ01-02"}],
    ...     [{"tier1_uscc": "A", "supplier_uscc": "C", "supplier_region": "330109", "amount_wan": 5.0}],
    ...     2024, 0.6, data_years=[2023, 2024])
    >>> d["figures"]["ratio_amount"], d["figures"]["gap_amount"], d["tier2"]["ratio_amount"]
    (0.3, 30.0, 1.0)
    >>> [(t["year"], t["ratio_amount"]) for t in d["trend"]]
    [(2023, None), (2024, 0.3)]
    >>> [(s["segment_id"], s["ratio_amount"]) for s in d["by_segment"]]
    [('HZ01-02', 0.0), ('HZ01-01', 1.0)]
    """
    sc = scope_of(leader.get("region_code"), scope)
    seen: dict = {}

    def local(region):
        v = seen.get(region)
        if v is None:
            v = seen[region] = regions.is_local(region, sc)
        return v

    p = edges if isinstance(edges, Purchases) else Purchases.from_rows(
        [e for e in edges if int(e["year"]) == year], local)
    fig = figures(*p.sums(), target, catalogue)
    total = fig["total_amount"] or 0.0
    suppliers = _supplier_rows(p, total)
    segments = _segment_rows(p, total, target, catalogue)

    t2 = tier2_figures(tier2, target, catalogue, local)

    if trend_sums is None:
        by_year = _group(edges, "year")
        trend_sums = {y: sums_from_edges(es, local) for y, es in by_year.items()}
    years = sorted(set(data_years or []) | {int(y) for y in trend_sums})
    trend = []
    for y in years:
        f = figures(*trend_sums.get(y, (0.0, 0.0, 0, 0)), target, catalogue)
        trend.append({"year": y, **f})

    return {"leader": {**leader, "scope": sc, "scope_name": regions.label(sc)},
            "year": year, "target": target, "rule_id": RULE_ID, "figures": fig,
            "by_supplier": suppliers, "by_segment": segments, "tier2": t2, "trend": trend}


# ---------------------------------------------------------------- reading the store

def fetch_leaders(store, uscc: str | None = None) -> list[dict]:
    """Every 链主工厂 (from the projection), or one by USCC (a point read of the database)."""
    if uscc is not None:
        return leaders_from_recognitions(store.read("local_supply/leaders", uscc=uscc))
    st = lsproj.current(store)
    return st._memo("leaders", lambda: leaders_from_recognitions(st.recognitions(lsproj.LEADER)),
                    (st.gen["holders"],))


def leader_of(store, uscc: str) -> dict | None:
    """The 链主工厂 `uscc` as fetch_leaders gives it (from the projection: no database read on a
    request's path), or None when it is no 链主工厂 or unknown."""
    st = lsproj.current(store)
    by = st._memo("leaders_by_uscc", lambda: {x["uscc"]: x for x in fetch_leaders(store)}, (st.gen["holders"],))
    return by.get(uscc)


def _groups(leaders: list[dict], scope: str | None) -> dict[str, list[dict]]:
    """Leaders by the prefix that decides their locality (the scope's, else their city's)."""
    out: dict = defaultdict(list)
    for x in leaders:
        out[_prefix_for(x.get("region_code"), scope)].append(x)
    return out


@lru_cache(maxsize=1 << 12)
def _prefix_for(region: str | None, scope: str | None) -> str:
    return regions.prefix_of(scope_of(region, scope))


def fetch_sums(store, leaders: list[dict], scope: str | None, year: int | None = None) -> list[dict]:
    """Per-leader sums for `year` (every year when None), locality per leader's scope."""
    st = lsproj.current(store)
    wanted = {x["uscc"] for x in leaders}
    out = []
    for prefix in _groups(leaders, scope):
        out += [r for r in st.sums(prefix, year) if r["uscc"] in wanted]
    return out


def fetch_leader_years(store, leaders: list[dict], scope: str | None) -> list[int]:
    """The years in which any 链主工厂 registered under the prefixes of `leaders` received supplies."""
    st = lsproj.current(store)
    years: set = set()
    for prefix in _groups(leaders, scope):
        years |= set(st.leader_years(prefix))
    return sorted(years)


def fetch_years(store) -> list[int]:
    """The years that have any supply record."""
    return list(lsproj.current(store).years())


def table_stamp(store, region: str | None) -> tuple:
    """What the ratio tables of the 链主工厂 in `region` (None: all) depend on, whatever the
    scope and chain filters, and the headline of its city: the sums of the leaders of its city
    (the widest a filter, a scope or the headline reaches below a city; every leader for an
    administrator), the holders of recognitions, enterprise attributes and the years."""
    st = lsproj.current(store)
    prefix = regions.prefix_of(region)[:4] if region else ""
    return ("projection", st.uid, *st.stamp_leaders(prefix), st.gen["ents"], st.gen["years"])


def fetch_table(store, year: int | None, region: str | None = None, scope: str | None = None,
                chain: str | None = None, catalogue: dict | None = None) -> dict:
    """The ratio table for the leaders registered in `region` (None: all) and `scope`.

    `year` None means the latest year with data for these leaders.
    """
    target = target_ratio(catalogue)
    leaders = visible_leaders(fetch_leaders(store), region, scope, chain)
    years = fetch_leader_years(store, leaders, scope)
    if year is None:
        year = years[-1] if years else None
    if year is None:
        every = fetch_years(store)
        year = every[-1] if every else None
    if year is None:
        out = {"year": None, "items": [], "years": [], "note": "没有任何供货记录",
               "pooled": {"chains": [], "districts": [], "overall": None}}
    else:
        sums = fetch_sums(store, leaders, scope, year) if year in years else []
        out = ratio_table(leaders, sums, year, target, scope, catalogue, years=years)
    out.update({"target": target, "rule_id": RULE_ID, "leaders_total": len(leaders)})
    return out


def detail_tier2(st, leader: dict, year: int | None, scope: str | None, data_years: list[int],
                 own_years=None) -> tuple[int, dict]:
    """The year a leader's detail shows (`year`, else the leader's latest year with supplies,
    else its city's latest, else 0) and the tier-2 sums of that year (State.tier2_sums);
    `own_years` the years of the leader's supplies, when the caller has them already."""
    if year is None:
        own = sorted(st.own_years(leader["uscc"]) if own_years is None else own_years)
        year = own[-1] if own else (data_years[-1] if data_years else None)
    if year is None:
        year = 0
    sc = scope_of(leader.get("region_code"), scope)
    return year, st.tier2_sums(leader["uscc"], year, lambda region: regions.is_local(region, sc), local_key=sc)


def detail_purchases(st, leader: dict, year: int, scope: str | None) -> Purchases:
    """The supplies into `leader` in `year` as columns, locality by its scope (State.purchases)."""
    sc = scope_of(leader.get("region_code"), scope)
    return st.purchases(leader["uscc"], year, lambda region: regions.is_local(region, sc), local_key=sc)


def fetch_leader(store, leader: dict, year: int | None, scope: str | None = None,
                 catalogue: dict | None = None, shown: tuple[int, dict] | None = None,
                 purchases: Purchases | None = None) -> dict:
    """Detail for one leader (as from fetch_leaders); `year` None = its latest year with data.
    `shown`: (the year shown, its tier-2 sums) as detail_tier2 gives them, and `purchases`: the
    records of that year (detail_purchases), when the caller has them. The trend is summed from
    the arrays."""
    target = target_ratio(catalogue)
    st = lsproj.current(store)
    # The years with data for the leaders of this one's city (as the table has them).
    data_years = fetch_leader_years(store, [leader], None)
    if shown is None:
        shown = detail_tier2(st, leader, year, scope, data_years)
    (year, tier2), sc = shown, scope_of(leader.get("region_code"), scope)
    trend = st.year_sums(leader["uscc"], lambda region: regions.is_local(region, sc), local_key=sc)
    if purchases is None:
        purchases = detail_purchases(st, leader, year, scope)
    d = leader_detail(leader, purchases, tier2, year, target, scope, data_years,
                      catalogue, trend)
    d["note"] = None
    if year not in data_years:
        d["note"] = f"{year}年没有任何供货记录"
    elif d["figures"]["reason"]:
        d["note"] = f"{year}年该企业{d['figures']['reason']}"
    return d
