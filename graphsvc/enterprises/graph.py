"""Exploring the supply graph around one enterprise (issue #15): tiers, supplier-failure impact
and connection paths. Pure functions over edge lists; the service reads the edges.

A supply edge is ``{"supplier_uscc", "buyer_uscc", "amount_wan", "segment_id"?}`` for one year;
two edges between the same pair (two segments) are summed.

Tiers (upstream; downstream is the mirror with buyers for suppliers): tier 1 is the suppliers
of the enterprise; tier k the suppliers of tier k−1 that are at no lower tier and are not the
enterprise itself. A member's ``amount_wan`` is the sum of its supplies into tier k−1 members
(into the enterprise for tier 1), so a cycle between two suppliers never counts twice.

>>> edges = [{"supplier_uscc": "A", "buyer_uscc": "L", "amount_wan": 60.0},
...          {"supplier_uscc": "B", "buyer_uscc": "L", "amount_wan": 40.0},
...          {"supplier_uscc": "B", "buyer_uscc": "A", "amount_wan": 5.0},   # B is tier 1 already
...          {"supplier_uscc": "C", "buyer_uscc": "A", "amount_wan": 7.0},
...          {"supplier_uscc": "C", "buyer_uscc": "B", "amount_wan": 3.0},
...          {"supplier_uscc": "L", "buyer_uscc": "C", "amount_wan": 1.0}]   # back to the root
>>> items = tiers("L", edges, 3)
>>> [(i["uscc"], i["tier"], i["amount_wan"], i["via"]) for i in items]
[('A', 1, 60.0, ['L']), ('B', 1, 40.0, ['L']), ('C', 2, 10.0, ['A', 'B'])]
"""
from __future__ import annotations

import math
from collections import defaultdict
from itertools import islice

import networkx as nx

UP, DOWN = "upstream", "downstream"
MAX_PATHS = 5


def _pair_sums(edges: list[dict], direction: str) -> dict[str, dict[str, float]]:
    """node -> {next node outward: summed amount}; outward is towards suppliers upstream."""
    out: dict = defaultdict(lambda: defaultdict(float))
    for e in edges:
        s, b = e["supplier_uscc"], e["buyer_uscc"]
        near, far = (b, s) if direction == UP else (s, b)
        out[near][far] += float(e.get("amount_wan") or 0.0)
    return out


def tiers(root: str, edges: list[dict], depth: int, direction: str = UP) -> list[dict]:
    """The members of tiers 1..depth around `root`: [{uscc, tier, amount_wan, via}], by tier, USCC.

    Downstream mirror: tier 1 are the buyers of `root`, `amount_wan` the supplies from the
    tier k−1 members into the member.

    >>> e = [{"supplier_uscc": "L", "buyer_uscc": "X", "amount_wan": 2.0},
    ...      {"supplier_uscc": "L", "buyer_uscc": "X", "amount_wan": 3.0},
    ...      {"supplier_uscc": "X", "buyer_uscc": "Y", "amount_wan": 4.0}]
    >>> [(i["uscc"], i["tier"], i["amount_wan"]) for i in tiers("L", e, 2, DOWN)]
    [('X', 1, 5.0), ('Y', 2, 4.0)]
    """
    out_of = _pair_sums(edges, direction)
    seen = {root}
    frontier = [root]
    items = []
    for k in range(1, depth + 1):
        found: dict[str, dict] = {}
        for near in frontier:
            for far, amount in out_of.get(near, {}).items():
                if far in seen:
                    continue
                it = found.setdefault(far, {"uscc": far, "tier": k, "parts": [], "via": set()})
                it["parts"].append(amount)
                it["via"].add(near)
        for it in found.values():
            it["amount_wan"] = math.fsum(it.pop("parts"))
            it["via"] = sorted(it["via"])
        seen.update(found)
        frontier = sorted(found)
        items.extend(found[u] for u in frontier)
        if not frontier:
            break
    return items


def tier_totals(items: list[dict], depth: int) -> list[dict]:
    """[{tier, count, amount_wan, local_amount_wan}] for tiers 1..depth (items carry `local`).

    >>> tier_totals([{"tier": 1, "amount_wan": 6.0, "local": True},
    ...              {"tier": 1, "amount_wan": 4.0, "local": False}], 2)
    [{'tier': 1, 'count': 2, 'amount_wan': 10.0, 'local_amount_wan': 6.0}, {'tier': 2, 'count': 0, 'amount_wan': 0.0, 'local_amount_wan': 0.0}]
    """
    out = []
    for k in range(1, depth + 1):
        at = [i for i in items if i["tier"] == k]
        out.append({"tier": k, "count": len(at), "amount_wan": math.fsum(i["amount_wan"] for i in at),
                    "local_amount_wan": math.fsum(i["amount_wan"] for i in at if i["local"])})
    return out


# ---------------------------------------------------------------- impact

def impact(x: str, supplies_from_x: list[dict], supplies_from_buyers: list[dict],
           purchases: list[dict], leaders: set[str], local) -> list[dict]:
    """What each 链主工厂 loses if `x` stops supplying, sorted by exposure (largest first).

    `supplies_from_x`: x's supply edges in the year; `supplies_from_buyers`: the edges out of
    x's buyers; `purchases`: every edge into x's buyers and into the leaders they supply (with
    ``supplier_region``); `leaders`: the 链主工厂 USCCs; `local(leader, region)` says whether a
    supplier in `region` is local to that leader.

    For leader L: direct = x→L; indirect = Σ_S (S→L) · (x→S) / purchases(S) over x's buyers
    S ≠ L; shares over L's purchases; the local ratio by amount before, and after removing x→L.

    >>> fx = [{"supplier_uscc": "X", "buyer_uscc": "L", "amount_wan": 10.0},
    ...       {"supplier_uscc": "X", "buyer_uscc": "S", "amount_wan": 20.0}]
    >>> fb = [{"supplier_uscc": "S", "buyer_uscc": "L", "amount_wan": 30.0}]
    >>> pu = fx + fb + [{"supplier_uscc": "T", "buyer_uscc": "S", "amount_wan": 60.0},
    ...                 {"supplier_uscc": "U", "buyer_uscc": "L", "amount_wan": 60.0}]
    >>> regions = {"X": "330106", "S": "330108", "T": "310101", "U": "310101"}
    >>> for e in pu: e["supplier_region"] = regions[e["supplier_uscc"]]
    >>> r = impact("X", fx, fb, pu, {"L"}, lambda l, reg: reg.startswith("3301"))[0]
    >>> r["direct_amount_wan"], r["indirect_amount_wan"], r["direct_share"], r["exposure_share"]
    (10.0, 7.5, 0.1, 0.175)
    >>> r["ratio_before"], round(r["ratio_after"], 4)
    (0.4, 0.3333)
    """
    to_buyer = _pair_sums(supplies_from_x, DOWN)[x]
    buyer_to = _pair_sums(supplies_from_buyers, DOWN)
    into: dict = defaultdict(list)
    for e in purchases:
        into[e["buyer_uscc"]].append(e)
    total = {b: math.fsum(float(e.get("amount_wan") or 0.0) for e in es) for b, es in into.items()}

    affected = {b for b in to_buyer if b in leaders}
    for s in to_buyer:
        affected.update(lead for lead in buyer_to.get(s, {}) if lead in leaders and lead != x)
    rows = []
    for lead in sorted(affected):
        direct = to_buyer.get(lead, 0.0)
        parts = [buyer_to[s][lead] * to_buyer[s] / total[s]
                 for s in sorted(to_buyer) if s != lead and lead in buyer_to.get(s, {}) and total.get(s, 0.0) > 0]
        indirect = math.fsum(parts)
        tot = total.get(lead, 0.0)
        loc = math.fsum(float(e.get("amount_wan") or 0.0) for e in into.get(lead, [])
                        if local(lead, e.get("supplier_region")))
        x_local = math.fsum(float(e.get("amount_wan") or 0.0) for e in into.get(lead, [])
                            if e["supplier_uscc"] == x and local(lead, e.get("supplier_region")))
        rows.append({
            "uscc": lead, "direct_amount_wan": direct, "indirect_amount_wan": indirect,
            "via": sorted(s for s in to_buyer if s != lead and lead in buyer_to.get(s, {})),
            "total_purchases_wan": tot,
            "direct_share": direct / tot if tot > 0 else None,
            "exposure_share": (direct + indirect) / tot if tot > 0 else None,
            "ratio_before": loc / tot if tot > 0 else None,
            "ratio_after": (loc - x_local) / (tot - direct) if tot - direct > 0 else None,
            "segment_ids": sorted({e.get("segment_id") for e in supplies_from_x
                                   if e["buyer_uscc"] == lead and e.get("segment_id")}),
        })
    rows.sort(key=lambda r: (-(r["exposure_share"] or 0.0), r["uscc"]))
    return rows


# ---------------------------------------------------------------- paths

def _hub(kind: str, hid: str) -> str:
    return f"{kind}:{hid}"


def link_graph(links: list[dict], memberships: list[dict]) -> nx.Graph:
    """Enterprises joined by direct links, and through chain / group hubs at half a hop each.

    `links`: {a, b, rel, year?, amount_wan?, delivery_id?} (rel: supplies, delivery,
    ecosystem); for a pair with several links the latest year (then the largest amount) names
    the hop. `memberships`: {uscc, kind ('chain' or 'group'), id}.
    """
    g = nx.Graph()
    for ln in links:
        a, b = ln["a"], ln["b"]
        if a == b:
            continue
        rank = (ln.get("year") or 0, float(ln.get("amount_wan") or 0.0), ln.get("delivery_id") or "")
        cur = g.get_edge_data(a, b)
        if cur is None or rank > cur["rank"]:
            g.add_edge(a, b, weight=1.0, rank=rank, link=ln)
    for m in memberships:
        g.add_edge(m["uscc"], _hub(m["kind"], m["id"]), weight=0.5, rank=(), link=None)
    return g


def _hops(g: nx.Graph, nodes: list[str]) -> list[dict]:
    hops, i = [], 0
    while i < len(nodes) - 1:
        a, b = nodes[i], nodes[i + 1]
        if ":" in b:  # enterprise → hub → enterprise is one hop: both belong to the hub
            kind, hid = b.split(":", 1)
            hops.append({"from": a, "to": nodes[i + 2], "rel": kind, "id": hid})
            i += 2
            continue
        ln = g.edges[a, b]["link"]
        hop = {"from": a, "to": b, "rel": ln["rel"], "year": ln.get("year")}
        if ln.get("amount_wan") is not None:
            hop["amount_wan"] = ln["amount_wan"]
        if ln.get("delivery_id"):
            hop["delivery_id"] = ln["delivery_id"]
        if ln["rel"] in ("supplies", "delivery", "ecosystem"):
            hop["direction"] = "forward" if ln["a"] == a else "backward"
        hops.append(hop)
        i += 1
    return hops


def paths(src: str, dst: str, links: list[dict], memberships: list[dict], max_hops: int,
          limit: int = MAX_PATHS) -> list[dict]:
    """Up to `limit` shortest simple connections from `src` to `dst` of at most `max_hops` hops.

    >>> links = [{"a": "A", "b": "B", "rel": "supplies", "year": 2023, "amount_wan": 5.0},
    ...          {"a": "B", "b": "C", "rel": "delivery", "year": 2024, "delivery_id": "D1"}]
    >>> ms = [{"uscc": "A", "kind": "chain", "id": "HZ02"}, {"uscc": "C", "kind": "chain", "id": "HZ02"}]
    >>> [(p["hops"], [h["rel"] for h in p["steps"]]) for p in paths("A", "C", links, ms, 4)]
    [(1, ['chain']), (2, ['supplies', 'delivery'])]
    >>> paths("A", "C", links, [], 1)
    []
    """
    g = link_graph(links, memberships)
    if src not in g or dst not in g or src == dst:
        return []
    out = []
    try:
        for nodes in islice(nx.shortest_simple_paths(g, src, dst, weight="weight"), limit):
            steps = _hops(g, nodes)
            if len(steps) > max_hops:
                break
            out.append({"hops": len(steps), "nodes": [n for n in nodes if ":" not in n], "steps": steps})
    except nx.NetworkXNoPath:
        pass
    return out
