"""Local supply (issue 5) on the province graph, LadybugDB.

Targets: all-leader ratio table median <= 150 ms; one leader's detail with the what-if
<= 200 ms; one chain's coverage <= 300 ms. Each is timed as the library call the API makes
and as the HTTP handler (Flask test client, JSON serialisation included). The detail is timed
on the below-target leader with the most suppliers, the coverage on the slowest chain.
"""
from __future__ import annotations

from bench.common import timed

YEAR = 2024


def _dataset(store) -> str:
    n_ent = store.read_cypher("MATCH (e:Enterprise) RETURN count(e) AS n")[0]["n"]
    n_sup = store.read_cypher("MATCH ()-[r:SUPPLIES]->() RETURN count(r) AS n")[0]["n"]
    return f"province {n_ent / 1000:.0f}k ent, {n_sup / 1e6:.2f}M supplies"


def _handler(store):
    """Call the API views in a request context as 杭州市经信局 (no account written to the cache)."""
    from flask import g

    from graphsvc.access import Principal
    from graphsvc.config import load
    from web import create_app

    app = create_app(load(data_dir=store.path), store=store)
    app.extensions["graphsvc"]["reference_checked"] = True

    def get(path):
        with app.test_request_context(path):
            g.principal, g.via = Principal("bench", "bureau", "330100"), "token"
            resp = app.full_dispatch_request()
            assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
            return resp

    return get


def run(ctx) -> list[dict]:
    from graphsvc import coverage, ratios, reference, whatif

    store = ctx.store()
    dataset = _dataset(store)
    rows = []

    def row(name, res, target, n_items=None):
        rows.append({"name": name, "dataset": dataset + (f", {n_items}" if n_items else ""), **res,
                     "target": target})

    table = ratios.fetch_table(store, YEAR, region="330100")
    n_leaders = len(table["items"])
    row("local_supply.table (all leaders, lib)", timed(lambda: ratios.fetch_table(store, YEAR, region="330100")),
        "<= 150 ms", f"{n_leaders} leaders")

    below = [i for i in table["items"] if i["meets_target"] is False]
    pick = max(below or table["items"], key=lambda i: i["suppliers"] or 0)
    leader = ratios.fetch_leaders(store, pick["uscc"])[0]
    row("local_supply.leader_detail+what_if (lib)", timed(lambda: whatif.fetch_detail(store, leader, YEAR)),
        "<= 200 ms", f"{pick['suppliers']} suppliers")

    worst = None
    for c in reference.chains():
        res = timed(lambda c=c: coverage.fetch_coverage(store, c["id"], YEAR, "330100", "admin_default"),
                    repeat=5, warmup=1)
        if worst is None or res["median"] > worst[1]["median"]:
            worst = (c["id"], res)
    cid = worst[0]
    row(f"local_supply.coverage slowest chain {cid} (lib)",
        timed(lambda: coverage.fetch_coverage(store, cid, YEAR, "330100", "admin_default")), "<= 300 ms")

    get = _handler(store)
    row("GET /api/v1/local-supply (handler)", timed(lambda: get(f"/api/v1/local-supply?year={YEAR}")), "<= 150 ms",
        f"{n_leaders} leaders")
    row("GET /api/v1/local-supply/<uscc> (handler)",
        timed(lambda: get(f"/api/v1/local-supply/{pick['uscc']}?year={YEAR}")), "<= 200 ms")
    row(f"GET /api/v1/chains/{cid}/coverage (handler)",
        timed(lambda: get(f"/api/v1/chains/{cid}/coverage?year={YEAR}")), "<= 300 ms")
    return rows
