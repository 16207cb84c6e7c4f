"""Reading the graph around one enterprise for the explore endpoints (issue #15): tiers,
supplier-failure impact and connection paths, computed from the in-memory explore projection
(graphsvc/enterprises/projection.py: CSR matrices of each year's supplies, the link and hub
matrices of paths) by the rules of graphsvc.enterprises.graph; this module applies the
caller's scope. bench/explore_cypher.py computes the same answers by walking the graph in
Cypher: the reference the tests compare with.

Scoping: the enterprise asked about must be visible to the caller (else NotFound, as for
`GET /enterprises/{uscc}`). Every other enterprise the caller may not see under
`access.sees_enterprise` still counts in tier totals and amounts but is never named: it is
left out of `items` (or shown without USCC and name on a path) and counted in `withheld`.

>>> mask({"uscc": "X", "name": "甲"}, False)
{'uscc': None, 'name': None, 'withheld': True}
"""
from __future__ import annotations

import gc
import math
from contextlib import contextmanager

import numpy as np

from graphsvc.core import access, regions
from graphsvc.core.errors import BadParameter, NotFound
from graphsvc.enterprises import graph
from graphsvc.enterprises import projection as proj
from graphsvc.enterprises.service import enterprise

NO_DATA = "该年度无供货记录"
NO_YEARS = "尚无任何供货记录"
MAX_TIERS = 4
MAX_HOPS = 6


def mask(item: dict, visible: bool) -> dict:
    """An enterprise reference as the caller may see it."""
    return dict(item) if visible else {"uscc": None, "name": None, "withheld": True}


def check_range(value: int, field: str, low: int, high: int) -> int:
    """The CLI and the service share the range rule the web layer applies to query strings.

    >>> check_range(7, "max_hops", 1, 6)
    Traceback (most recent call last):
    ...
    graphsvc.core.errors.BadParameter: 参数 max_hops 应在 1–6 之间
    """
    if not isinstance(value, int) or not low <= value <= high:
        raise BadParameter(f"参数 {field} 应在 {low}–{high} 之间", field=field)
    return value


def _year(st, year: int | None) -> tuple[int | None, str | None]:
    """The year asked for (default: the latest with supplies) and a note when it has none."""
    years = st.years()
    if year is None:
        return (years[-1], None) if years else (None, NO_YEARS)
    return year, None if year in years else NO_DATA


def _sees(p: access.Principal, uscc: str, region: str | None) -> bool:
    return access.sees_enterprise(p, uscc, region)


@contextmanager
def _no_gc():
    """Pause the cyclic garbage collector while a long answer list is built: its passes over
    thousands of fresh dicts (none of them cyclic) cost more than building them."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _root(st, p: access.Principal, uscc: str) -> dict:
    """The enterprise asked about, from the projection: NotFound when unknown or out of the
    caller's scope, exactly as service.enterprise (which reads its segments and recognitions
    too, not needed here)."""
    uscc = (uscc or "").upper()
    i = st.idx.get(uscc)
    if i is None or not access.sees_enterprise(p, uscc, st.regions[i]):
        raise NotFound("未找到该企业，或不在您的可见范围内")
    return {"uscc": uscc, "name": st.names[i], "region_code": st.regions[i]}


def _visible(st, p: access.Principal) -> np.ndarray:
    """Which rows of the projection `p` may see by name (access.sees_enterprise for each)."""
    if p.is_admin:
        return np.ones(st.n, dtype=bool)
    if p.role == "bureau":
        return st.region_table(("sees", p.scope), lambda code: access.sees_region(p, code))
    out = np.zeros(st.n, dtype=bool)
    if p.uscc in st.idx:
        out[st.idx[p.uscc]] = True
    return out


def _local(st, city: str | None) -> np.ndarray:
    """Which rows are registered inside `city` (regions.is_local)."""
    return st.region_table(("local", city), lambda code: regions.is_local(code, city))


# ---------------------------------------------------------------- tiers

def tiers_payload(store, p: access.Principal, uscc: str, direction: str, year: int | None, depth: int,
                  min_amount_wan: float | None) -> dict:
    """Tier members and totals; `min_amount_wan` hides small members from `items` only."""
    check_range(depth, "tiers", 1, MAX_TIERS)
    st = proj.current(store)
    root = _root(st, p, uscc)
    year, note = _year(st, year)
    r = st.idx.get(root["uscc"])
    walk = []
    if year is not None and r is not None:
        y = st.year(year)
        walk = proj.tier_walk(y["up"] if direction == graph.UP else y["down"], r, depth, st.rank())
    city = regions.default_scope(root.get("region_code"))
    local, visible, rank = _local(st, city), _visible(st, p).copy(), st.rank()
    if r is not None:
        visible[r] = True
    items, totals, withheld = [], [], 0
    for k in range(1, depth + 1):
        if k > len(walk):
            totals.append({"tier": k, "count": 0, "amount_wan": 0.0, "local_amount_wan": 0.0})
            continue
        members, amounts, near, start = walk[k - 1]
        loc, vis = local[members], visible[members]
        totals.append({"tier": k, "count": int(members.size), "amount_wan": math.fsum(amounts.tolist()),
                       "local_amount_wan": math.fsum(amounts[loc].tolist())})
        withheld += int((~vis).sum())
        # The visible near nodes of each member, as one list of USCCs cut at `cut`.
        seen_near = visible[near]
        counts = np.diff(np.append(start, near.size))
        shown_counts = np.add.reduceat(seen_near.astype(np.int64), start) if near.size else counts
        cut = np.concatenate([[0], np.cumsum(shown_counts)]).tolist()
        via_names = st.uscc_array()[near[seen_near]].tolist()
        keep = vis if min_amount_wan is None else vis & (amounts >= min_amount_wan)
        ms, am, lc, hidden = members.tolist(), amounts.tolist(), loc.tolist(), (counts - shown_counts).tolist()
        usccs, names, regs = st.usccs, st.names, st.regions
        with _no_gc():
            for j in np.flatnonzero(keep)[np.argsort(rank[members[keep]], kind="stable")].tolist():
                m = ms[j]
                items.append({"uscc": usccs[m], "tier": k, "amount_wan": am[j], "via": via_names[cut[j]:cut[j + 1]],
                              "name": names[m], "region_code": regs[m], "local": lc[j], "via_withheld": hidden[j]})
    if year is not None and not walk and note is None:
        note = NO_DATA
    return {"uscc": root["uscc"], "name": root.get("name"), "region_code": root.get("region_code"),
            "direction": direction, "year": year, "tiers_requested": depth, "min_amount_wan": min_amount_wan,
            "items": items, "tiers": totals, "withheld": withheld, "note": note}


# ---------------------------------------------------------------- impact

def _candidates(st, leader: int, x: int, segment_ids: list[str], visible: np.ndarray) -> tuple[bool, list[dict]]:
    """(whether any local what-if candidate exists for the segments x supplies the leader, the
    first three the caller may see), in graphsvc.local_supply.whatif.rank_candidates order."""
    scope = regions.default_scope(st.regions[leader])
    if not segment_ids or not scope:
        return False, []
    prefix = regions.prefix_of(scope)
    seen, shown, any_ = {leader, x}, [], False
    for sid in segment_ids:
        for c in st.candidates(sid, prefix).tolist():
            if c in seen:
                continue
            seen.add(c)
            any_ = True
            if visible[c]:
                shown.append({"uscc": st.usccs[c], "name": st.names[c]})
                if len(shown) == 3:
                    return True, shown
    return any_, shown


def impact_payload(store, p: access.Principal, uscc: str, year: int | None) -> dict:
    """What each 链主工厂 loses if `uscc` stops supplying (the rule of graph.impact, over the
    year's sparse matrices)."""
    st = proj.current(store)
    root = _root(st, p, uscc)
    x = root["uscc"]
    year, note = _year(st, year)
    rows: list[dict] = []
    withheld = 0
    xi = st.idx.get(x)
    if year is not None and xi is not None:
        y = st.year(year)
        up, down, total = y["up"], y["down"], y["total"]
        lo, hi = down.indptr[xi], down.indptr[xi + 1]
        buyers, to_buyer = down.indices[lo:hi].astype(np.int64), down.data[lo:hi]
        sold = np.zeros(st.n)
        sold[buyers] = to_buyer
        is_buyer = np.zeros(st.n, dtype=bool)
        is_buyer[buyers] = True
        leaders = st.leaders()
        reached = np.unique(down[buyers].indices)
        affected = set(buyers[leaders[buyers]].tolist()) | {int(b) for b in reached[leaders[reached]] if b != xi}
        visible, rank = _visible(st, p), st.rank()
        out_x = st.edges_from(xi)
        out_x = out_x[st.e_year[out_x] == year]
        segments: dict = {}
        for d, g in zip(st.dst_rows(out_x).tolist(), st.e_seg[out_x].tolist()):
            if d in affected and g >= 0 and st.segs[g]:
                segments.setdefault(d, set()).add(st.segs[g])
        for lead in sorted(affected, key=lambda i: rank[i]):
            if not visible[lead]:
                withheld += 1
                continue
            cols, vals = up.indices[up.indptr[lead]:up.indptr[lead + 1]], up.data[up.indptr[lead]:up.indptr[lead + 1]]
            via = cols[is_buyer[cols] & (cols != lead)]
            fed = is_buyer[cols] & (cols != lead) & (total[cols] > 0)
            indirect = math.fsum((vals[fed] * sold[cols[fed]] / total[cols[fed]]).tolist())
            direct, tot = float(sold[lead]), float(total[lead])
            city = regions.default_scope(st.regions[lead])
            near = _local(st, city)
            loc = math.fsum(vals[near[cols]].tolist())
            x_local = direct if near[xi] else 0.0
            segs = sorted(segments.get(lead, ()))
            any_, shown = _candidates(st, lead, xi, segs, visible)
            via_shown = via[visible[via]]
            rows.append({
                "uscc": st.usccs[lead], "direct_amount_wan": direct, "indirect_amount_wan": indirect,
                "via": [st.usccs[i] for i in via_shown[np.argsort(rank[via_shown])]],
                "total_purchases_wan": tot,
                "direct_share": direct / tot if tot > 0 else None,
                "exposure_share": (direct + indirect) / tot if tot > 0 else None,
                "ratio_before": loc / tot if tot > 0 else None,
                "ratio_after": (loc - x_local) / (tot - direct) if tot - direct > 0 else None,
                "segment_ids": segs, "name": st.names[lead], "region_code": st.regions[lead],
                "via_withheld": int(via.size - via_shown.size),
                "local_candidate": any_, "local_candidates": shown})
        rows.sort(key=lambda r: (-(r["exposure_share"] or 0.0), r["uscc"]))
        if buyers.size == 0 and note is None:
            note = NO_DATA
    elif year is not None and note is None:
        note = NO_DATA
    return {"uscc": x, "name": root.get("name"), "year": year, "items": rows, "withheld": withheld, "note": note}


# ---------------------------------------------------------------- paths

def _link(st, a: int, b: int) -> dict:
    """The link naming a direct hop between rows a and b, as graph.link_graph chooses it: the
    latest year, then the largest amount (supplies summed per direction and year, confirmed
    deliveries, ecosystem membership)."""
    best, best_rank = None, None

    def offer(link: dict, rank: tuple) -> None:
        nonlocal best, best_rank
        if best_rank is None or rank > best_rank:
            best, best_rank = link, rank

    for s, t in ((a, b), (b, a)):
        es = st.edges_from(s)
        es = es[st.dst_rows(es) == t]
        per_year: dict = {}
        for year, amount in zip(st.e_year[es].tolist(), st.e_amount[es].tolist()):
            per_year.setdefault(year, []).append(amount)
        for year, amounts in per_year.items():
            y = None if year <= 0 else year      # the shared edges keep no year as 0
            amount = math.fsum(amounts)
            offer({"a": s, "b": t, "rel": "supplies", "year": y, "amount_wan": amount}, (y or 0, amount, ""))
    for s, t, did in st.delivery_pairs().get((min(a, b), max(a, b)), ()):
        d = st.deliveries.get(did) or {}
        date = d.get("accepted_date") or d.get("signed_date")
        y = int(str(date)[:4]) if date else None
        amount = d.get("contract_amount_wan")
        offer({"a": s, "b": t, "rel": "delivery", "year": y, "amount_wan": amount, "delivery_id": did},
              (y or 0, float(amount or 0.0), did))
    ua, ub = st.usccs[a], st.usccs[b]
    for s, t in ((a, b), (b, a)):
        if (st.usccs[s], st.usccs[t]) in st.pairs["ORGANIZES"]:
            offer({"a": s, "b": t, "rel": "ecosystem"}, (0, 0.0, ""))
    assert best is not None, (ua, ub)
    return best


def _hop(st, a: int, b: int, hub: int, hubs: list) -> dict:
    if hub >= 0:
        kind, hid = hubs[hub]
        return {"from": st.usccs[a], "to": st.usccs[b], "rel": kind, "id": hid}
    ln = _link(st, a, b)
    hop = {"from": st.usccs[a], "to": st.usccs[b], "rel": ln["rel"], "year": ln.get("year")}
    if ln.get("amount_wan") is not None:
        hop["amount_wan"] = ln["amount_wan"]
    if ln.get("delivery_id"):
        hop["delivery_id"] = ln["delivery_id"]
    hop["direction"] = "forward" if ln["a"] == a else "backward"
    return hop


def paths_payload(store, p: access.Principal, src: str, dst: str, max_hops: int) -> dict:
    """Up to five shortest connections through supplies, confirmed deliveries, ecosystems and
    chain or "1+N" hubs (projection.short_paths over the projection's link matrices)."""
    check_range(max_hops, "max_hops", 1, MAX_HOPS)
    st = proj.current(store)
    a = _root(st, p, src)
    b = _root(st, p, dst)
    ia, ib = st.idx.get(a["uscc"]), st.idx.get(b["uscc"])
    found = []
    if ia is not None and ib is not None:
        m, mt, hubs = st.hubs()
        for steps in proj.short_paths(st.links(), m, mt, ia, ib, max_hops):
            nodes = [ia] + [v for v, _ in steps]
            found.append([_hop(st, nodes[k], v, h, hubs) for k, (v, h) in enumerate(steps)])
    hidden: set[str] = set()

    def ref(u: str) -> dict:
        i = st.idx[u]
        ok = _sees(p, u, st.regions[i])
        if not ok:
            hidden.add(u)
        return mask({"uscc": u, "name": st.names[i]}, ok)

    out = [{"hops": len(steps), "steps": [{**s, "from": ref(s["from"]), "to": ref(s["to"])} for s in steps]}
           for steps in found]
    note = None if out else f"{max_hops}跳以内没有找到两家企业之间的联系"
    return {"from": {"uscc": a["uscc"], "name": a.get("name")}, "to": {"uscc": b["uscc"], "name": b.get("name")},
            "max_hops": max_hops, "paths": out, "withheld": len(hidden), "note": note}


# ---------------------------------------------------------------- profile page

GRAPH_PER_TIER = 150


def graph_items(items: list[dict], per_tier: int = GRAPH_PER_TIER) -> list[dict]:
    """The members the profile's tier graph draws: the `per_tier` largest of each tier (by
    amount, then USCC), with the fields the drawing uses and `via` kept to drawn members or the
    root (a ring of thousands of dots says less than its tier total in the table).

    >>> items = [{"uscc": u, "name": u, "tier": t, "amount_wan": a, "local": True, "via": v, "region_code": None}
    ...          for u, t, a, v in (("A", 1, 5.0, ["R"]), ("B", 1, 9.0, ["R"]), ("C", 2, 1.0, ["A", "B"]))]
    >>> [(i["uscc"], i["via"]) for i in graph_items(items, 1)]
    [('B', ['R']), ('C', ['B'])]
    """
    tiers: dict = {}
    for i in items:
        tiers.setdefault(i["tier"], []).append(i)
    kept: set = set()
    out = []
    for t in sorted(tiers):
        top = sorted(tiers[t], key=lambda i: (-i["amount_wan"], i["uscc"]))[:per_tier]
        out += [{"uscc": i["uscc"], "name": i["name"], "tier": t, "amount_wan": i["amount_wan"], "local": i["local"],
                 "via": [v for v in i["via"] if t == 1 or v in kept]} for i in top]
        kept |= {i["uscc"] for i in top}
    return out

def _other(p: access.Principal, uscc: str, name: str | None, region: str | None) -> dict:
    return mask({"uscc": uscc, "name": name, "region_code": region}, _sees(p, uscc, region))


def profile_payload(store, p: access.Principal, uscc: str, year: int | None) -> dict:
    """Identity, recognitions, chains, "1+N" groups, ecosystems, provider types, confirmed
    deliveries both ways, two tiers each way and the impact table."""
    from graphsvc.core import reference

    ent = enterprise(store, p, uscc)
    segs = reference.segments()
    chain_ids = sorted({segs[s]["chain_id"] for s in ent["segment_ids"] if s in segs})
    names = {c["id"]: c["name"] for c in reference.chains()}
    eco = [{"role": r["role"], **_other(p, r["uscc"], r["name"], r["region_code"])}
           for r in store.read("enterprises/profile_ecosystems", uscc=ent["uscc"])]
    deliveries = [{"side": r["side"], "id": r["id"], "kind": r["kind"], "amount_wan": r["amount_wan"],
                   "accepted_date": r["accepted_date"],
                   "other": _other(p, r["other_uscc"], r["other_name"], r["other_region"])}
                  for r in store.read("enterprises/profile_deliveries", uscc=ent["uscc"])]
    deliveries.sort(key=lambda d: (d["accepted_date"] or "", d["id"]), reverse=True)
    up = tiers_payload(store, p, ent["uscc"], graph.UP, year, 2, None)
    return {
        "enterprise": ent, "region_label": regions.label(ent.get("region_code")),
        "chains": [{"id": c, "name": names.get(c, c)} for c in chain_ids],
        "projects": store.read("enterprises/profile_projects", uscc=ent["uscc"]),
        "ecosystems": [e for e in eco if not e.get("withheld")],
        "ecosystems_withheld": sum(1 for e in eco if e.get("withheld")),
        "provider_types": sorted(ent.get("provider_types") or []),
        "deliveries_as_supplier": [d for d in deliveries if d["side"] == "supplier"],
        "deliveries_as_client": [d for d in deliveries if d["side"] == "client"],
        "year": up["year"], "upstream": up,
        "downstream": tiers_payload(store, p, ent["uscc"], graph.DOWN, up["year"], 2, None),
        "impact": impact_payload(store, p, ent["uscc"], up["year"]),
    }
