"""The Cypher reading of the explore answers (issue #15): the reference the in-memory
projection (graphsvc/enterprises/projection.py) is checked against in
tests/test_explore_projection.py and timed against in bench/bench_enterprises.py. It walks the
graph tier by tier in the engine and computes with the pure functions of
graphsvc.enterprises.graph; scoping as in graphsvc.enterprises.explore.
"""
from __future__ import annotations

import math

from graphsvc.core import access, regions
from graphsvc.enterprises import graph
from graphsvc.enterprises.explore import MAX_HOPS, MAX_TIERS, NO_DATA, NO_YEARS, _sees, check_range, mask
from graphsvc.enterprises.service import enterprise


def _year(store, year: int | None) -> tuple[int | None, str | None]:
    """The year asked for (default: the latest with supplies) and a note when it has none."""
    from graphsvc.local_supply.ratios import fetch_years

    years = fetch_years(store)
    if year is None:
        return (years[-1], None) if years else (None, NO_YEARS)
    return year, None if year in years else NO_DATA


# ---------------------------------------------------------------- tiers

def _walk(store, root: str, direction: str, year: int, depth: int) -> list[dict]:
    """The supply edges of year `year` out to `depth` tiers, one query per tier."""
    name = "enterprises/supplies_into" if direction == graph.UP else "enterprises/supplies_from"
    far = "supplier_uscc" if direction == graph.UP else "buyer_uscc"
    seen, frontier, edges = {root}, [root], []
    for _ in range(depth):
        rows = store.read(name, usccs=frontier, year=year)
        edges.extend(rows)
        new = {r[far] for r in rows} - seen
        seen |= new
        frontier = sorted(new)
        if not frontier:
            break
    return edges


def _ends(edges: list[dict], direction: str) -> dict[str, dict]:
    """uscc -> {name, region_code} of the outward ends of `edges`."""
    if direction == graph.UP:
        return {e["supplier_uscc"]: {"name": e.get("supplier_name"), "region_code": e.get("supplier_region")}
                for e in edges}
    return {e["buyer_uscc"]: {"name": e.get("buyer_name"), "region_code": e.get("buyer_region")} for e in edges}


def tiers_payload(store, p: access.Principal, uscc: str, direction: str, year: int | None, depth: int,
                  min_amount_wan: float | None) -> dict:
    """Tier members and totals; `min_amount_wan` hides small members from `items` only."""
    check_range(depth, "tiers", 1, MAX_TIERS)
    root = enterprise(store, p, uscc)
    year, note = _year(store, year)
    edges = _walk(store, root["uscc"], direction, year, depth) if year is not None else []
    ends = _ends(edges, direction)
    city = regions.default_scope(root.get("region_code"))
    members = graph.tiers(root["uscc"], edges, depth, direction)
    for m in members:
        info = ends.get(m["uscc"], {})
        m["name"], m["region_code"] = info.get("name"), info.get("region_code")
        m["local"] = regions.is_local(m["region_code"], city)
    visible = {m["uscc"] for m in members if _sees(p, m["uscc"], m["region_code"])} | {root["uscc"]}
    items = []
    for m in members:
        if m["uscc"] not in visible or (min_amount_wan is not None and m["amount_wan"] < min_amount_wan):
            continue
        shown = [v for v in m["via"] if v in visible]
        items.append({**m, "via": shown, "via_withheld": len(m["via"]) - len(shown)})
    if year is not None and not edges and note is None:
        note = NO_DATA
    return {"uscc": root["uscc"], "name": root.get("name"), "region_code": root.get("region_code"),
            "direction": direction, "year": year, "tiers_requested": depth, "min_amount_wan": min_amount_wan,
            "items": items, "tiers": graph.tier_totals(members, depth),
            "withheld": sum(1 for m in members if m["uscc"] not in visible), "note": note}


# ---------------------------------------------------------------- impact

def _candidates(store, leader: str, scope: str | None, segment_ids: list[str], x: str) -> list[dict]:
    """Local what-if candidates (graphsvc.local_supply.whatif) for the segments x supplies."""
    from graphsvc.local_supply.whatif import rank_candidates

    if not segment_ids or not scope:
        return []
    rows = store.read("local_supply/candidates", segment_ids=segment_ids, prefix=regions.prefix_of(scope),
                      exclude=leader)
    ranked = rank_candidates([r for r in rows if r["uscc"] != x], set())
    best: dict[str, dict] = {}
    for sid in segment_ids:
        for c in ranked.get(sid, []):
            best.setdefault(c["uscc"], c)
    return list(best.values())


def impact_payload(store, p: access.Principal, uscc: str, year: int | None) -> dict:
    root = enterprise(store, p, uscc)
    x = root["uscc"]
    year, note = _year(store, year)
    rows: list[dict] = []
    withheld = 0
    if year is not None:
        fx = store.read("enterprises/supplies_from", usccs=[x], year=year)
        buyers = sorted({e["buyer_uscc"] for e in fx})
        fb = store.read("enterprises/supplies_from", usccs=buyers, year=year) if buyers else []
        reached = sorted(set(buyers) | {e["buyer_uscc"] for e in fb})
        leaders = {r["uscc"] for r in store.read("enterprises/leaders_among", usccs=reached)} if reached else set()
        info = {e["buyer_uscc"]: {"name": e.get("buyer_name"), "region_code": e.get("buyer_region")}
                for e in fx + fb}
        wanted = sorted(set(buyers) | (leaders & set(reached)))
        purchases = store.read("enterprises/supplies_into", usccs=wanted, year=year) if wanted else []
        scope = {u: regions.default_scope(i.get("region_code")) for u, i in info.items()}

        def local(leader: str, region: str | None) -> bool:
            return regions.is_local(region, scope.get(leader))

        for r in graph.impact(x, fx, fb, purchases, leaders, local):
            lr = info.get(r["uscc"], {})
            if not _sees(p, r["uscc"], lr.get("region_code")):
                withheld += 1
                continue
            cands = _candidates(store, r["uscc"], scope.get(r["uscc"]), r["segment_ids"], x)
            shown = [c for c in cands if _sees(p, c["uscc"], c.get("region_code"))]
            via_shown = [v for v in r["via"] if _sees(p, v, info.get(v, {}).get("region_code"))]
            rows.append({**r, "name": lr.get("name"), "region_code": lr.get("region_code"),
                         "via": via_shown, "via_withheld": len(r["via"]) - len(via_shown),
                         "local_candidate": bool(cands),
                         "local_candidates": [{"uscc": c["uscc"], "name": c["name"]} for c in shown[:3]]})
        if not fx and note is None:
            note = NO_DATA
    return {"uscc": x, "name": root.get("name"), "year": year, "items": rows, "withheld": withheld, "note": note}


# ---------------------------------------------------------------- paths

def _links(store, usccs: list[str]) -> list[dict]:
    """Direct links of `usccs` as graph.link_graph takes them; a delivery's year is the year it
    was accepted (else signed)."""
    out = [{"a": r["src"], "b": r["dst"], "rel": "supplies", "year": r["year"], "amount_wan": r["amount_wan"]}
           for r in store.read("enterprises/links_supplies", usccs=usccs)]
    for r in store.read("enterprises/links_deliveries", usccs=usccs):
        date = r.get("accepted_date") or r.get("signed_date")
        out.append({"a": r["src"], "b": r["dst"], "rel": "delivery", "year": int(str(date)[:4]) if date else None,
                    "amount_wan": r.get("amount_wan"), "delivery_id": r["delivery_id"]})
    out.extend({"a": r["src"], "b": r["dst"], "rel": "ecosystem"}
               for r in store.read("enterprises/links_ecosystem", usccs=usccs))
    return out


def _ball(store, start: str, radius: int) -> tuple[list[dict], list[dict]]:
    """Links and memberships of every enterprise within `radius` hops of `start` (hubs joining
    their members in one hop)."""
    seen, frontier, links, members = {start}, [start], [], []
    for _ in range(radius):
        rows = _links(store, frontier)
        ms = store.read("enterprises/memberships", usccs=frontier)
        chains = sorted({m["id"] for m in ms if m["kind"] == "chain"})
        groups = sorted({m["id"] for m in ms if m["kind"] == "group"})
        hub = store.read("enterprises/hub_members", chain_ids=chains, group_ids=groups) if ms else []
        links.extend(rows)
        members.extend(ms + hub)
        new = ({r["a"] for r in rows} | {r["b"] for r in rows} | {m["uscc"] for m in hub}) - seen
        seen |= new
        frontier = sorted(new)
        if not frontier:
            break
    return links, members


def paths_payload(store, p: access.Principal, src: str, dst: str, max_hops: int) -> dict:
    """Every hop of a path of at most h hops lies within ⌈h/2⌉ hops of one of its ends, so the
    two balls of that radius hold every path the answer can contain."""
    check_range(max_hops, "max_hops", 1, MAX_HOPS)
    a = enterprise(store, p, src)
    b = enterprise(store, p, dst)
    radius = math.ceil(max_hops / 2)
    la, ma = _ball(store, a["uscc"], radius)
    lb, mb = _ball(store, b["uscc"], radius)
    found = graph.paths(a["uscc"], b["uscc"], la + lb, ma + mb, max_hops)
    names = {r["uscc"]: r for r in store.read("enterprises/brief", usccs=sorted({n for f in found for n in f["nodes"]}))}
    hidden: set[str] = set()

    def ref(u: str) -> dict:
        r = names.get(u, {"uscc": u, "name": None, "region_code": None})
        ok = _sees(p, u, r.get("region_code"))
        if not ok:
            hidden.add(u)
        return mask({"uscc": u, "name": r.get("name")}, ok)

    out = []
    for f in found:
        steps = [{**s, "from": ref(s["from"]), "to": ref(s["to"])} for s in f["steps"]]
        out.append({"hops": f["hops"], "steps": steps})
    note = None if out else f"{max_hops}跳以内没有找到两家企业之间的联系"
    return {"from": {"uscc": a["uscc"], "name": a.get("name")}, "to": {"uscc": b["uscc"], "name": b.get("name")},
            "max_hops": max_hops, "paths": out, "withheld": len(hidden), "note": note}
