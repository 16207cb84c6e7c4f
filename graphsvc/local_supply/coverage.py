"""Chain coverage (docs/figures.md §5): for a chain C, a year Y and a local scope S, per segment —

- the local enterprises in it (``IN_SEGMENT``, registered in S), with counts per district;
- the 链主工厂 registered in S that bought in it in Y, the amount they bought and the share
  sourced from suppliers registered in S (``local_share``);
- ``gap``: no local enterprise in the segment at all;
- ``single_point``: one supplier carries more than half of what those leaders bought in the
  segment in Y (local or not — a dependency either way);
- ``sole_local``: exactly one local enterprise in the segment;
- the 聚能工厂 platforms registered in S and their ecosystem members (``ORGANIZES``) in the
  segment, counted as the platform's pooled capacity (members, and their revenue in 万元);
  a gap whose segment platforms can cover says so (``covered_by_platform``).

"Local" is the caller's region for a bureau and 杭州 (330100) for an administrator unless a
scope is asked for; the result says which (``local``).

The computation is pure; networkx holds the segment–enterprise–leader graph the page draws.

Worked example — one segment, two leaders buying 100 万元, 60 of it from supplier X:

>>> seg = {"id": "HZ01-01", "name": "甲环节", "stage": "upstream"}
>>> r = coverage({"id": "HZ01", "name": "示例链", "segments": [seg]}, 2024, "330100",
...     members=[{"segment_id": "HZ01-01", "uscc": "X", "name": "x", "region_code": "330106",
...               "credit_ok": True, "revenue_wan": 10.0}],
...     purchases=[{"leader_uscc": "L1", "segment_id": "HZ01-01", "supplier_uscc": "X", "supplier_name": "x",
...                 "supplier_region": "330106", "amount_wan": 60.0},
...                {"leader_uscc": "L2", "segment_id": "HZ01-01", "supplier_uscc": "Y", "supplier_name": "y",
...                 "supplier_region": "310101", "amount_wan": 40.0}],
...     platforms=[], leaders=[{"uscc": "L1", "name": "l1"}, {"uscc": "L2", "name": "l2"}])
>>> s = r["segments"][0]
>>> s["local_enterprises"], s["leaders_buying"], s["purchase_amount"], s["local_share"], s["gap"]
(1, 2, 100.0, 0.6, False)
>>> s["single_point"]["uscc"], s["single_point"]["share"], s["sole_local"]
('X', 0.6, True)
"""
from __future__ import annotations

import math
from collections import defaultdict
from functools import lru_cache

from graphsvc.core import reference
from graphsvc.core import regions
from graphsvc.core.cache import cached_call
from graphsvc.core.regions import is_local, prefix_of
from graphsvc.core.regions import label as region_label
from graphsvc.local_supply import headline
from graphsvc.local_supply import projection as lsproj
from graphsvc.local_supply.ratios import fetch_leaders, visible_leaders

HANGZHOU = "330100"
LIST_LIMIT = 50          # local enterprises listed per segment (counts are always complete)
GRAPH_LOCAL = 8          # local enterprises per segment drawn in the graph
GRAPH_OTHER = 4          # non-local suppliers per segment drawn in the graph


def local_basis(role: str, principal_scope: str | None, scope: str | None) -> tuple[str, str]:
    """(scope code, basis) of "local" for coverage.

    >>> local_basis("bureau", "330108", None), local_basis("admin", None, None)
    (('330108', 'caller_region'), ('330100', 'admin_default'))
    >>> local_basis("admin", None, "330600")
    ('330600', 'requested')
    """
    if scope:
        return regions.current_code(scope), "requested"
    if role == "bureau" and principal_scope:
        return regions.current_code(principal_scope), "caller_region"
    return HANGZHOU, "admin_default"


def share_measure(scope: str | None) -> dict:
    """Which measure coverage's local share is, named so that a district's same-district share is
    never read as the city's 本地配套比例 (issue 13 item 13).

    >>> share_measure("330108")["share_name"], share_measure("330100")["share_name"]
    ('区内占比（按金额）', '市内本地占比（按金额）')
    """
    measure = headline.measure_of(None, scope)
    names = {"district": "区内占比（按金额）", "city": "市内本地占比（按金额）"}
    return {"measure": measure, "share_name": names.get(measure, "本地占比（按金额）"),
            "definition": headline.MEASURES[measure][1] if measure in headline.MEASURES else None}


BASIS_TEXT = {"caller_region": "本地 = 您所辖区域", "admin_default": "本地 = 杭州市（管理员默认）",
              "requested": "本地 = 所选区域"}


def _district(code: str | None) -> str | None:
    return _current(code) if code else None


@lru_cache(maxsize=1 << 14)
def _current(code: str) -> str:
    return regions.current_code(code)


def coverage(chain: dict, year: int, scope: str, members: list[dict], purchases: list[dict],
             platforms: list[dict], leaders: list[dict], list_limit: int = LIST_LIMIT) -> dict:
    """Coverage of one chain; see the module docstring. Rows as the coverage_* queries return."""
    seg_ids = [s["id"] for s in chain["segments"]]
    seg_set = set(seg_ids)
    mem = _local_members(members, seg_set, scope)
    tally = _tally_purchases(purchases, seg_set, scope)
    plat = _local_platforms(platforms, seg_set, scope)
    leader_name = {x["uscc"]: x.get("name") for x in leaders}

    import networkx as nx  # imported here: it is slow to import and only this function needs it

    g = nx.DiGraph()
    out_segments = []
    for s in chain["segments"]:
        row, local_list, sup_rows = _segment(s, mem.get(s["id"], {}), tally, plat.get(s["id"], []), leader_name,
                                             scope, list_limit)
        out_segments.append(row)
        _graph_segment(g, chain, row, local_list, sup_rows)
    return {"chain": {"id": chain["id"], "name": chain["name"], "ecosystem": chain.get("ecosystem")},
            "year": year, "summary": _summary(out_segments, mem, purchases, seg_ids), "segments": out_segments,
            "districts": _districts(mem, purchases, seg_ids, leaders, scope),
            "platforms": _chain_platforms(plat, scope), "graph": _graph_json(g)}


# ---------------------------------------------------------------- the steps of `coverage`

def _local_members(members: list[dict], seg_set: set, scope: str) -> dict:
    """segment -> uscc -> member row, for the chain's segments and the enterprises registered in `scope`."""
    mem: dict = defaultdict(dict)
    for m in members:
        if m["segment_id"] in seg_set and is_local(m.get("region_code"), scope):
            mem[m["segment_id"]][m["uscc"]] = m
    return mem


class _Tally:
    """The purchases in the chain's segments, summed in one pass: amounts per segment, per
    (segment, supplier) and per (segment, leader), each also restricted to local suppliers."""

    def __init__(self):
        self.seg_amt: dict = defaultdict(list)
        self.seg_loc: dict = defaultdict(list)
        self.sup_amt: dict = defaultdict(lambda: defaultdict(list))     # segment -> supplier -> amounts
        self.sup_leaders: dict = defaultdict(lambda: defaultdict(set))
        self.lead_amt: dict = defaultdict(lambda: defaultdict(list))    # segment -> leader -> amounts
        self.lead_loc: dict = defaultdict(lambda: defaultdict(list))
        self.sup_info: dict = {}                                         # supplier -> (name, region, local)


def _tally_purchases(purchases: list[dict], seg_set: set, scope: str) -> _Tally:
    """Sum the purchases in the chain's segments (see `_Tally`); a supplier is local when registered in `scope`."""
    t = _Tally()
    for p in purchases:
        sid = p["segment_id"]
        if sid not in seg_set:
            continue
        u, lu = p["supplier_uscc"], p["leader_uscc"]
        info = t.sup_info.get(u)
        if info is None:
            region = p.get("supplier_region")
            info = t.sup_info[u] = (p.get("supplier_name"), region, is_local(region, scope))
        a = float(p["amount_wan"] or 0.0)
        t.seg_amt[sid].append(a)
        t.sup_amt[sid][u].append(a)
        t.sup_leaders[sid][u].add(lu)
        t.lead_amt[sid][lu].append(a)
        if info[2]:
            t.seg_loc[sid].append(a)
            t.lead_loc[sid][lu].append(a)
    return t


def _local_platforms(platforms: list[dict], seg_set: set, scope: str) -> dict:
    """segment -> (platform, member) rows of the 聚能工厂 registered in `scope`."""
    plat: dict = defaultdict(list)
    for p in platforms:
        if p["segment_id"] in seg_set and is_local(p.get("platform_region"), scope):
            plat[p["segment_id"]].append(p)
    return plat


def _segment(s: dict, ms: dict, tally: _Tally, plat_rows: list[dict], leader_name: dict, scope: str,
             list_limit: int) -> tuple[dict, list[dict], list[dict]]:
    """One segment's row of the result, with its ranked local enterprises and suppliers (for the graph)."""
    sid = s["id"]
    has_purchases = bool(tally.seg_amt.get(sid))
    total = math.fsum(tally.seg_amt.get(sid, ()))
    local_amt = math.fsum(tally.seg_loc.get(sid, ()))
    sup_rows = _supplier_rows(tally, sid, total)
    single = _single_point(sup_rows, total)
    leader_rows = _leader_rows(tally, sid, leader_name)
    local_list = _local_list(ms, sup_rows, list_limit)
    platforms, pooled_members = _segment_platforms(plat_rows, scope)
    gap = not ms
    row = {
        "segment_id": sid, "segment_name": s["name"], "stage": s.get("stage"),
        "local_enterprises": len(ms),
        "local_credit_ok": sum(1 for m in ms.values() if m.get("credit_ok")),
        "local_suppliers": sum(1 for r in sup_rows if r["local"]),
        "suppliers": len(sup_rows),
        "leaders_buying": len(leader_rows), "leaders": leader_rows,
        "purchase_amount": total if has_purchases else None,
        "local_amount": local_amt if has_purchases else None,
        "local_share": (local_amt / total) if total > 0 else None,
        "gap": gap, "sole_local": len(ms) == 1, "single_point": single,
        "top_suppliers": sup_rows[:5],
        "districts": _segment_districts(ms),
        "platforms": platforms,
        "platform_pooled_members": len(pooled_members),
        "platform_pooled_capacity_wan": _revenue(pooled_members.values()),
        "covered_by_platform": gap and bool(pooled_members),
        "local_list": local_list[:list_limit],
    }
    row["flags"] = _flags(row, region_label(scope), has_purchases)
    return row, local_list, sup_rows


def _supplier_rows(tally: _Tally, sid: str, total: float) -> list[dict]:
    """Every supplier of the segment with its amount and share of `total`, largest first."""
    rows = []
    for u, amounts in tally.sup_amt.get(sid, {}).items():
        name, region, local = tally.sup_info[u]
        amt = math.fsum(amounts)
        rows.append({"uscc": u, "name": name, "region_code": region, "region_name": region_label(region),
                     "local": local, "amount": amt, "share": amt / total if total > 0 else None,
                     "leaders": len(tally.sup_leaders[sid][u])})
    rows.sort(key=lambda r: (-r["amount"], r["uscc"]))
    return rows


def _single_point(sup_rows: list[dict], total: float) -> dict | None:
    """The supplier carrying more than half of the segment's purchases, if one does."""
    top = sup_rows[0] if sup_rows else None
    return dict(top) if top and total > 0 and top["amount"] > 0.5 * total else None


def _leader_rows(tally: _Tally, sid: str, leader_name: dict) -> list[dict]:
    """The leaders buying in the segment, with what they bought and its local part, largest first."""
    return sorted(({"uscc": u, "name": leader_name.get(u), "amount": math.fsum(amounts),
                    "local_amount": math.fsum(tally.lead_loc[sid].get(u, ()))}
                   for u, amounts in tally.lead_amt.get(sid, {}).items()),
                  key=lambda r: (-r["amount"], r["uscc"]))


def _local_list(ms: dict, sup_rows: list[dict], list_limit: int) -> list[dict]:
    """The segment's local enterprises, those supplying the leaders most first, then by revenue;
    at least GRAPH_LOCAL of them (the graph draws that many even when the list is shorter)."""
    supplied = {r["uscc"]: r["amount"] for r in sup_rows}
    ranked = sorted(ms.items(), key=lambda t: (-supplied.get(t[0], 0.0), -(t[1].get("revenue_wan") or 0.0), t[0]))
    return [{"uscc": u, "name": m.get("name"), "region_code": m.get("region_code"),
             "district": _district(m.get("region_code")),
             "district_name": region_label(_district(m.get("region_code"))),
             "credit_ok": m.get("credit_ok"), "revenue_wan": m.get("revenue_wan"),
             "supplied_amount": supplied.get(u, 0.0)} for u, m in ranked[:max(list_limit, GRAPH_LOCAL)]]


def _segment_districts(ms: dict) -> list[dict]:
    """The segment's local enterprises counted per district, most first."""
    districts: dict = defaultdict(int)
    for m in ms.values():
        districts[_district(m.get("region_code"))] += 1
    return [{"code": d, "name": region_label(d), "count": n}
            for d, n in sorted(districts.items(), key=lambda t: (-t[1], t[0] or ""))]


def _revenue(members) -> float:
    return math.fsum(float(m.get("revenue_wan") or 0.0) for m in members)


def _segment_platforms(plat_rows: list[dict], scope: str) -> tuple[list[dict], dict]:
    """The segment's platforms (most members first) and all their members pooled (uscc -> row)."""
    pl: dict = defaultdict(dict)
    for p in plat_rows:
        pl[p["platform_uscc"]][p["member_uscc"]] = p
    rows = []
    pooled_members: dict = {}
    for pu, mm in pl.items():
        first = next(iter(mm.values()))
        pooled_members.update(mm)
        rows.append({"uscc": pu, "name": first.get("platform_name"), "members": len(mm),
                     "local_members": sum(1 for m in mm.values() if is_local(m.get("member_region"), scope)),
                     "capacity_revenue_wan": _revenue(mm.values())})
    rows.sort(key=lambda r: (-r["members"], r["uscc"]))
    return rows, pooled_members


def _flags(row: dict, scope_name: str, has_purchases: bool) -> list[str]:
    """The segment's warnings in Chinese: a gap (and whether platforms can cover it), local
    enterprises the leaders do not buy from, a single point of failure, a sole local enterprise."""
    flags = []
    if row["gap"]:
        flags.append(f"缺口：{scope_name}没有该环节的企业"
                     + ("，可由聚能工厂生态伙伴承接" if row["platform_pooled_members"] else ""))
    elif has_purchases and not row["local_suppliers"]:
        flags.append(f"{scope_name}有该环节企业，但链主工厂本年未向其采购")
    single = row["single_point"]
    if single:
        flags.append(f"单点依赖：{single['name']}承担了该环节{single['share'] * 100:.1f}%的采购")
    if row["local_enterprises"] == 1:
        flags.append(f"{scope_name}仅有1家该环节企业")
    return flags


def _chain_platforms(plat: dict, scope: str) -> list[dict]:
    """Every local platform with members in the chain: members, capacity, segments reached."""
    plat_all: dict = defaultdict(lambda: {"members": {}, "segments": set()})
    for sid, rows in plat.items():
        for p in rows:
            d = plat_all[p["platform_uscc"]]
            d["name"] = p.get("platform_name")
            d["region_code"] = p.get("platform_region")
            d["members"][p["member_uscc"]] = p
            d["segments"].add(sid)
    return sorted(({"uscc": u, "name": d["name"], "region_code": d["region_code"],
                    "region_name": region_label(d["region_code"]), "members_in_chain": len(d["members"]),
                    "local_members": sum(1 for m in d["members"].values() if is_local(m.get("member_region"), scope)),
                    "capacity_revenue_wan": _revenue(d["members"].values()),
                    "segments": len(d["segments"])} for u, d in plat_all.items()),
                  key=lambda r: (-r["members_in_chain"], r["uscc"]))


def _summary(out_segments: list[dict], mem: dict, purchases: list[dict], seg_ids: list[str]) -> dict:
    """The chain's totals over its segment rows."""
    tot = math.fsum(r["purchase_amount"] or 0.0 for r in out_segments)
    loc = math.fsum(r["local_amount"] or 0.0 for r in out_segments)
    return {"segments": len(out_segments), "gaps": sum(r["gap"] for r in out_segments),
            "single_points": sum(1 for r in out_segments if r["single_point"]),
            "sole_local": sum(r["sole_local"] for r in out_segments),
            "covered_by_platform": sum(r["covered_by_platform"] for r in out_segments),
            "local_enterprises": len({u for ms in mem.values() for u in ms}),
            "leaders_buying": len({p["leader_uscc"] for p in purchases if p["segment_id"] in seg_ids}),
            "purchase_amount": tot, "local_amount": loc, "local_share": loc / tot if tot > 0 else None}


def _districts(mem: dict, purchases: list[dict], seg_ids: list[str], leaders: list[dict], scope: str) -> list[dict]:
    ents: dict = defaultdict(set)
    per_seg: dict = defaultdict(lambda: defaultdict(int))
    for sid, ms in mem.items():
        for u, m in ms.items():
            d = _district(m.get("region_code"))
            ents[d].add(u)
            per_seg[d][sid] += 1
    sup: dict = defaultdict(set)
    amt: dict = defaultdict(list)
    seg_set = set(seg_ids)
    local: dict = {}             # region -> is_local, once per region (there are few)
    for p in purchases:
        region = p.get("supplier_region")
        if region not in local:
            local[region] = is_local(region, scope)
        if p["segment_id"] in seg_set and local[region]:
            d = _district(region)
            sup[d].add(p["supplier_uscc"])
            amt[d].append(float(p["amount_wan"] or 0.0))
    lead: dict = defaultdict(int)
    for x in leaders:
        lead[_district(x.get("region_code"))] += 1
    codes = set(ents) | set(sup) | set(lead)
    rows = [{"code": d, "name": region_label(d), "enterprises": len(ents.get(d, ())),
             "segments_present": len(per_seg.get(d, {})), "by_segment": dict(sorted(per_seg.get(d, {}).items())),
             "leaders": lead.get(d, 0), "suppliers_to_leaders": len(sup.get(d, ())),
             "amount_supplied": math.fsum(amt.get(d, []))} for d in codes if d]
    return sorted(rows, key=lambda r: (-r["enterprises"], r["code"]))


def _graph_segment(g, chain: dict, row: dict, local_list: list[dict], sup_rows: list[dict]) -> None:
    sid = row["segment_id"]
    g.add_node(sid, kind="segment", name=row["segment_name"], gap=row["gap"], single_point=bool(row["single_point"]),
               local_enterprises=row["local_enterprises"], local_share=row["local_share"], stage=row["stage"])
    shown = [r for r in local_list[:GRAPH_LOCAL]]
    shown += [r for r in sup_rows if not r["local"]][:GRAPH_OTHER]
    sp = row["single_point"]["uscc"] if row["single_point"] else None
    for r in shown:
        u = r["uscc"]
        local = r.get("local", True)
        if u not in g:
            g.add_node(u, kind="enterprise", name=r["name"], local=local, single_point=False)
        if u == sp:
            g.nodes[u]["single_point"] = True
        g.add_edge(u, sid, kind="member" if local else "supplier",
                   amount=r.get("supplied_amount", r.get("amount")) or 0.0)
    if sp and sp not in g:
        top = row["single_point"]
        g.add_node(sp, kind="enterprise", name=top["name"], local=top["local"], single_point=True)
        g.add_edge(sp, sid, kind="supplier", amount=top["amount"])
    for ld in row["leaders"]:
        u = ld["uscc"]
        if u not in g:
            g.add_node(u, kind="leader", name=ld["name"], local=True, single_point=False)
        g.add_edge(sid, u, kind="purchase", amount=ld["amount"])


def _graph_json(g) -> dict:
    nodes = [{"id": n, **{k: v for k, v in d.items()}, "degree": g.degree(n)} for n, d in g.nodes(data=True)]
    links = [{"source": a, "target": b, **d} for a, b, d in g.edges(data=True)]
    return {"nodes": nodes, "links": links}


# ---------------------------------------------------------------- reading the store

def fetch_coverage(store, chain_id: str, year: int | None, scope: str, basis: str,
                   list_limit: int = LIST_LIMIT) -> dict:
    """Coverage of `chain_id` with "local" = `scope` (basis: caller_region/admin_default/requested).

    Leaders are the 链主工厂 registered in `scope`. `year` None = the latest year in which they
    received supplies. A year without any supply record for them gives empty results and a note.
    """
    chain = reference.chain(chain_id)
    if chain is None:
        raise KeyError(chain_id)
    st = lsproj.current(store)
    leaders = visible_leaders(fetch_leaders(store), scope)
    prefix = prefix_of(scope)
    seg_ids = [s["id"] for s in chain["segments"]]
    local = {"code": scope, "name": region_label(scope), "basis": basis, "text": BASIS_TEXT[basis],
             **share_measure(scope)}
    lus = [x["uscc"] for x in leaders]
    # The years with supplies into these leaders (into anyone, when the scope has no leader).
    years = st.leader_years(prefix) if lus else st.years()
    if year is None:
        year = years[-1] if years else None
    if year not in years:
        return _without_supplies(chain, year, local, years, bool(lus))

    def compute():
        purchases = st.purchases(prefix, year, seg_ids) if lus else []
        members = st.members(seg_ids, prefix)
        platforms = st.platforms(seg_ids, prefix)
        res = coverage(chain, year, scope, members, purchases, platforms, leaders, list_limit)
        res["_has_purchases"] = bool(purchases)
        return res

    # The result is kept until a delta touches what it depends on (State.stamp_coverage).
    res = cached_call(store, ("projection", st.uid, *st.stamp_coverage(prefix)), "coverage",
                      {"chain": chain_id, "year": year, "scope": scope, "limit": list_limit}, compute)
    out = {k: v for k, v in res.items() if k != "_has_purchases"}
    out["local"] = local
    out["years"] = years
    out["note"] = _note(local["name"], year, bool(lus), res["_has_purchases"])
    return out


def _without_supplies(chain: dict, year: int | None, local: dict, years: list[int], has_leaders: bool) -> dict:
    """The empty result for a year in which the scope's leaders (or anyone) received nothing."""
    who = f"{local['name']}的链主工厂" if has_leaders else ""
    note = f"{year}年{who}没有任何供货记录" if year is not None else "没有任何供货记录"
    return {"chain": {"id": chain["id"], "name": chain["name"], "ecosystem": chain.get("ecosystem")},
            "year": year, "local": local, "years": years, "summary": None, "segments": [],
            "districts": [], "platforms": [], "graph": {"nodes": [], "links": []}, "note": note}


def _note(local_name: str, year: int, has_leaders: bool, has_purchases: bool) -> str | None:
    """Why the figures are partial, if they are: no leader in the scope, or none buying in the chain."""
    if not has_leaders:
        return f"{local_name}没有链主工厂：以下只统计本地企业和聚能工厂生态伙伴，没有链主采购数据"
    return None if has_purchases else f"{year}年{local_name}的链主工厂未在该产业链各环节采购"
