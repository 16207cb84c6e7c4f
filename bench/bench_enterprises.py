"""Exploring the graph (issue #15) on the province graph, LadybugDB, as the administrator.

Targets (issue #15 closing note): upstream 3 tiers of the largest 链主工厂 ≤ 50 ms median;
impact of the most-connected supplier ≤ 100 ms; paths ≤ 200 ms; profile page ≤ 300 ms server
time. "Largest" is the leader with the most 2024 suppliers, "most-connected" the supplier with
the most 2024 buyers; paths run from that leader to that supplier with the default 4 hops.

The answers come from the explore projection (graphsvc/enterprises/projection.py), built once
per process (its build time is a row of its own). References measured in the same run:
- plain NumPy on the same arrays: the tier walk alone, impact's direct and indirect amounts for
  every leader by one sparse product, the two breadth-first searches of paths — the arithmetic
  without answers, names or scope (the ratio says what building the answer costs);
- the raw engine: the Cypher walk the projection replaced (bench/explore_cypher.py), for
  upstream 3 tiers (the others take minutes in Cypher).
Each row also carries `cpu_median`, the median process CPU time of a call: on a machine shared
by many processes wall time mostly measures waiting for a core.
"""
from __future__ import annotations

import statistics
import time

import numpy as np

from bench import explore_cypher
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


def _numpy_impact(st, x: int) -> np.ndarray:
    """Direct + indirect amounts of every leader for supplier row x: one sparse product."""
    y = st.year(YEAR)
    up, down, total = y["up"], y["down"], y["total"]
    sold = np.zeros(st.n)
    row = slice(down.indptr[x], down.indptr[x + 1])
    sold[down.indices[row]] = down.data[row]
    w = np.divide(sold, total, out=np.zeros(st.n), where=total > 0)
    indirect = up @ w - up.diagonal() * w
    return (sold + indirect)[st.leaders()]


def cpu_median(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        samples.append((time.process_time() - t) * 1000)
    return round(statistics.median(samples), 2)


def run(ctx) -> list[dict]:
    from graphsvc.enterprises import projection as proj
    from graphsvc.enterprises import service

    store = ctx.store()
    leader, supplier, dataset = _pick(store)
    rows = []

    def row(name, fn, target, extra, repeat=20, warmup=2):
        rows.append({"name": name, "dataset": f"{dataset}, {extra}",
                     **timed(fn, repeat=repeat, warmup=warmup), "cpu_median": cpu_median(fn, repeat), "target": target})
        print(rows[-1], flush=True)

    t, c = time.perf_counter(), time.process_time()
    st = proj.current(store)
    build, build_cpu = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
    rows.append({"name": "enterprises projection build (once a process)", "dataset": dataset, "n": 1,
                 "median": round(build, 1), "p95": round(build, 1), "cpu_median": round(build_cpu, 1), "unit": "ms",
                 "target": "(reported)"})
    li, xi = st.idx[leader], st.idx[supplier]
    y = st.year(YEAR)
    m, mt, _ = st.hubs()
    links = st.links()

    up = service.upstream(store, ADMIN, leader, year=YEAR, tiers=3)
    members = f"{sum(t['count'] for t in up['tiers'])} members"
    row("enterprises.upstream 3 tiers (lib)", lambda: service.upstream(store, ADMIN, leader, year=YEAR, tiers=3),
        "<= 50 ms", members)
    row("  reference: NumPy tier walk only", lambda: proj.tier_walk(y["up"], li, 3, st.rank()), "(reference)",
        members)
    row("  reference: Cypher walk (explore_cypher)",
        lambda: explore_cypher.tiers_payload(store, ADMIN, leader, "upstream", YEAR, 3, None), "(reference)",
        members, repeat=1, warmup=0)
    imp = service.impact(store, ADMIN, supplier, year=YEAR)
    row("enterprises.impact (lib)", lambda: service.impact(store, ADMIN, supplier, year=YEAR), "<= 100 ms",
        f"{len(imp['items'])} leaders")
    row("  reference: NumPy sparse product only", lambda: _numpy_impact(st, xi), "(reference)",
        f"{int(st.leaders().sum())} leaders")
    ps = service.paths(store, ADMIN, leader, supplier, max_hops=4)
    row("enterprises.paths max_hops=4 (lib)", lambda: service.paths(store, ADMIN, leader, supplier, max_hops=4),
        "<= 200 ms", f"{len(ps['paths'])} paths", repeat=10)
    row("  reference: NumPy BFS levels both ends",
        lambda: (proj.bfs_levels(links, m, mt, li, 2), proj.bfs_levels(links, m, mt, xi, 2)), "(reference)",
        f"{links.nnz // 2} links, {m.shape[1]} hubs", repeat=10)
    get = handler(store, ADMIN)
    row("GET /enterprises/<uscc> profile page HTML (handler)",
        lambda: get(f"/enterprises/{leader}?year={YEAR}"), "<= 300 ms", "largest leader", repeat=10)
    row("enterprise search, 2 characters common to many names", lambda: service.suggest(store, ADMIN, "杭州"),
        "(reported)", f"{len(service.suggest(store, ADMIN, '杭州')['items'])} suggestions")
    return rows
