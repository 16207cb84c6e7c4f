"""Exploring the graph (issue #15) on the province graph, LadybugDB, as the administrator.

Targets (issue #15 closing note): upstream 3 tiers of the largest 链主工厂 ≤ 50 ms median;
impact of the most-connected supplier ≤ 100 ms; paths ≤ 200 ms; profile page ≤ 300 ms server
time. "Largest" is the leader with the most 2024 suppliers, "most-connected" the supplier with
the most 2024 buyers; paths run from that leader to that supplier with the default 4 hops.
"""
from __future__ import annotations

from bench.common import handler, timed
from graphsvc.core.access import Principal

YEAR = 2024
ADMIN = Principal("bench", "admin")


def _pick(store) -> tuple[str, str, str]:
    leader = store.read_cypher(
        "MATCH (l:Enterprise)-[:HAS]->(r:Recognition) WHERE r.kind = '链主工厂' WITH DISTINCT l "
        "MATCH (s:Enterprise)-[e:SUPPLIES]->(l) WITH l, s, e WHERE e.year = $y "
        "RETURN l.uscc AS u, count(DISTINCT s) AS n ORDER BY n DESC, u LIMIT 1", {"y": YEAR})[0]
    supplier = store.read_cypher(
        "MATCH (s:Enterprise)-[e:SUPPLIES]->(b:Enterprise) WITH s, b, e WHERE e.year = $y "
        "RETURN s.uscc AS u, count(DISTINCT b) AS n ORDER BY n DESC, u LIMIT 1", {"y": YEAR})[0]
    n_ent = store.read_cypher("MATCH (e:Enterprise) RETURN count(e) AS n")[0]["n"]
    n_sup = store.read_cypher("MATCH ()-[r:SUPPLIES]->() RETURN count(r) AS n")[0]["n"]
    return leader["u"], supplier["u"], f"province {n_ent / 1000:.0f}k ent, {n_sup / 1e6:.2f}M supplies"


def run(ctx) -> list[dict]:
    from graphsvc.enterprises import service

    store = ctx.store()
    leader, supplier, dataset = _pick(store)
    get = handler(store, ADMIN)
    rows = []

    def row(name, fn, target, extra, repeat=20):
        rows.append({"name": name, "dataset": f"{dataset}, {extra}", **timed(fn, repeat=repeat), "target": target})

    up = service.upstream(store, ADMIN, leader, year=YEAR, tiers=3)
    row("enterprises.upstream 3 tiers (lib)", lambda: service.upstream(store, ADMIN, leader, year=YEAR, tiers=3),
        "<= 50 ms", f"{sum(t['count'] for t in up['tiers'])} members")
    imp = service.impact(store, ADMIN, supplier, year=YEAR)
    row("enterprises.impact (lib)", lambda: service.impact(store, ADMIN, supplier, year=YEAR), "<= 100 ms",
        f"{len(imp['items'])} leaders")
    ps = service.paths(store, ADMIN, leader, supplier, max_hops=4)
    row("enterprises.paths max_hops=4 (lib)", lambda: service.paths(store, ADMIN, leader, supplier, max_hops=4),
        "<= 200 ms", f"{len(ps['paths'])} paths", repeat=5)
    row("GET /enterprises/<uscc> profile page HTML (handler)",
        lambda: get(f"/enterprises/{leader}?year={YEAR}"), "<= 300 ms", "largest leader", repeat=10)
    return rows
