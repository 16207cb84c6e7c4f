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

First request after a write: upstream and impact right after a 1,000-row supplies write
(changed amounts of random 2024 records, handed to the projection as a committed write; the
graph on disk is the shared read-only copy), against their warm medians (`ratio`, `cpu_ratio`).
"""
from __future__ import annotations

import random
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
    _after_write(store, rows, dataset, leader, supplier)
    return rows


def _delta(sh, rng: random.Random, n: int = 1000) -> list[dict]:
    """n changed amounts of random live YEAR records of the shared edges (graphsvc.core.supply_edges)."""
    live = np.flatnonzero(sh.alive[:sh.n] & (sh.year[:sh.n] == YEAR))
    out = []
    for e in rng.sample(live.tolist(), n):
        g = int(sh.seg[e])
        out.append({"from": sh.uscc[sh.seller[e]], "to": sh.uscc[sh.buyer[e]], "year": YEAR,
                    "amount_wan": round(float(sh.amount[e]) * 1.1 + 1, 2), "segment_id": sh.segs[g] if g >= 0 else None,
                    "supplier_region": sh.regs[sh.sreg[e]]})
    return out


def _after_write(store, rows: list[dict], dataset: str, leader: str, supplier: str) -> None:
    from graphsvc.core import projection, supply_edges
    from graphsvc.enterprises import service

    rng = random.Random(15)
    calls = {"upstream 3 tiers": lambda: service.upstream(store, ADMIN, leader, year=YEAR, tiers=3),
             "impact": lambda: service.impact(store, ADMIN, supplier, year=YEAR)}
    for name, fn in calls.items():
        warm = {"median": timed(fn, repeat=10, warmup=2)["median"], "cpu": cpu_median(fn, 10)}
        firsts, cpus = [], []
        for _ in range(5):
            projection.committed(store, [("SUPPLIES", "replace_pair", _delta(supply_edges.current(store), rng))])
            supply_edges.current(store)          # the shared edges take the write (timed in bench_local_supply)
            t, c = time.perf_counter(), time.process_time()
            fn()
            cpus.append((time.process_time() - c) * 1000)
            firsts.append((time.perf_counter() - t) * 1000)
        first, cpu = statistics.median(firsts), statistics.median(cpus)
        rows.append({"name": f"enterprises.{name} first after a 1,000-row supplies write", "dataset": dataset,
                     "n": 5, "median": round(first, 1), "p95": round(max(firsts), 1), "cpu_median": round(cpu, 1),
                     "unit": "ms", "target": "<= 2x warm", "ratio": round(first / warm["median"], 2),
                     "cpu_ratio": round(cpu / warm["cpu"], 2)})
        print(rows[-1], flush=True)
