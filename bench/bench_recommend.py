"""Contractor recommendation benchmarks (issue 4), on the province graph (LadybugDB).

Targets: median ≤ 50 ms per recommendation in-process; HTTP p95 ≤ 150 ms with 8 concurrent
clients through gunicorn (`graphsvc serve` on a private copy of the province database,
loopback only, a bounded number of requests).

In-process timings are the whole `fetch_recommendation` call a request makes (projection
check, manufacturer and its links, scoring, live check of the returned providers) with the
index already built, wall and process CPU (`cpu_median`); the first request for each
manufacturer is a miss of the kept links. The one-off index build is reported on its own row.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from bench.bench_local_supply import _timed
from bench.common import start_server, timed

DATASET = "province (≈200k enterprises, 2M supplies, 50k deliveries)"
CLIENTS = 8
PREFETCH_WAIT_S = 6
REQUESTS_PER_CLIENT = 40   # 8 × 40 = 320 requests per pass, loopback only


def _sample(store, n: int, seed: int = 11) -> list[tuple[str, int, str | None]]:
    """(manufacturer, provider type, unit) requests drawn from real clients and leaders."""
    rows = store.read_cypher(
        "MATCH (d:Delivery)-[:`FOR`]->(c:Enterprise) WHERE c.is_manufacturer = true "
        "RETURN DISTINCT c.uscc AS uscc ORDER BY uscc LIMIT 20000")
    leaders = store.read_cypher(
        "MATCH (l:Enterprise)-[:HAS]->(r:Recognition) WHERE r.kind = '链主工厂' RETURN DISTINCT l.uscc AS uscc")
    usccs = [r["uscc"] for r in rows]
    rnd = random.Random(seed)
    picks = rnd.sample(usccs, min(n, len(usccs))) + [r["uscc"] for r in leaders[: n // 10]]
    types = [1, 1, 1, 2, 3, 4, 5, 6]
    units = [None, None, "cell", "line", "workshop", "factory"]
    return [(u, rnd.choice(types), rnd.choice(units)) for u in picks]


def run(ctx) -> list[dict]:
    from graphsvc.contractors import recommend as R

    store = ctx.store()
    counts = store.counts()
    dataset = (f"province: {counts['Enterprise']} enterprises, {counts['SUPPLIES']} supplies, "
               f"{counts['Delivery']} deliveries")
    weights = R.load_weights()
    t = time.perf_counter()
    R.index_for(store, weights)
    build_s = time.perf_counter() - t
    rows = [{"name": "recommend: index build (once per process; changes are folded in)", "dataset": dataset, "n": 1,
             "median": round(build_s, 2), "p95": None, "unit": "s", "target": "(one-off)"}]
    fresh = R.load_index(store, weights)
    t = time.perf_counter()
    R._prefetch_leader_suppliers(store, fresh, weights)
    rows.append({"name": "recommend: chain leaders' supplier sets (background thread after a build)",
                 "dataset": dataset, "n": 1, "median": round(time.perf_counter() - t, 2), "p95": None, "unit": "s",
                 "target": "(one-off)", "leaders": len(fresh.leaders)})
    del fresh
    reqs = _sample(store, 300)
    # First pass: each manufacturer's links are read from the graph (cold); second pass: the
    # same requests again, links kept with the index (what repeated use by one manufacturer sees).
    for label in ("first request for each manufacturer", "repeated requests"):
        it = iter(reqs)

        def one(it=it):
            u, pt, unit = next(it)
            R.fetch_recommendation(store, u, R.Query(pt, unit, None, 10))

        # With the CPU per request: under the GIL, what a request holds is what others wait for.
        rows.append({"name": f"recommend in-process, limit 10: {label}", "dataset": dataset,
                     **_timed(one, repeat=len(reqs), warmup=0), "target": "median <= 50 ms",
                     "load_average_1m": round(os.getloadavg()[0], 2)})
    rows.extend(_deltas(store, dataset))
    rows.extend(_http(ctx, reqs, dataset))
    return rows


def _deltas(store, dataset) -> list[dict]:
    """Folding 1,000-row changes into the index (issue 12: <= 50 ms), against its full build:
    the status of 1,000 deliveries flipped (the re-read rows given, so only the fold is timed)
    and 1,000 supply links written."""
    from graphsvc.contractors import index_updates as U
    from graphsvc.contractors import recommend as R

    ix = R.index_for(store)
    rnd = random.Random(5)
    ids = rnd.sample(sorted(ix.delivery_rows), min(1000, len(ix.delivery_rows)))
    flip = {i: {**ix.delivery_rows[i], "status": "disputed" if ix.delivery_rows[i]["status"] == "confirmed"
                else "confirmed"} for i in ids}
    dl = timed(lambda: U.patched(ix, U.Touched(deliveries=set(flip)), {"deliveries": flip, "enterprises": {}},
                                 store.read), repeat=5, warmup=1)
    usccs = sorted(ix.providers) + sorted(ix.by_client)
    sup = [{"from": rnd.choice(usccs), "to": rnd.choice(sorted(ix.leaders) or usccs), "year": 2024, "amount_wan": 1.0}
           for _ in range(1000)]
    sl = timed(lambda: U.patched(ix, U.Touched(supplies=[("pair", sup)]), {"deliveries": {}, "enterprises": {}},
                                 store.read), repeat=5, warmup=1)
    t = time.perf_counter()
    R.load_index(store)
    full = (time.perf_counter() - t) * 1000
    return [{"name": "recommend index: fold in 1,000 delivery status changes", "dataset": dataset, **dl,
             "target": "<= 50 ms", "full_build_ms": round(full, 1), "ratio_to_full_build": round(dl["median"] / full, 4)},
            {"name": "recommend index: fold in 1,000 supply links", "dataset": dataset, **sl, "target": "<= 50 ms",
             "full_build_ms": round(full, 1)}]


# ---------------------------------------------------------------- over HTTP

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http(ctx, reqs, dataset) -> list[dict]:
    import requests

    from graphsvc.accounts.users import add_user, create_token

    tmp = Path(tempfile.mkdtemp(prefix="bench-recommend-"))
    proc = log = None
    try:
        st = ctx.writable_copy(tmp)   # the server needs its own read-write copy
        if not st.read_one("accounts/get", username="bench_admin"):
            add_user(st, "bench_admin", "admin", "bench-password-0", actor="bench")
        token = create_token(st, "bench_admin", actor="bench")
        st.close()
        port = _free_port()
        env = {**os.environ, "GRAPHSVC_DATA_DIR": str(tmp), "GRAPHSVC_SECRET_KEY": "bench-secret-" + "x" * 40}
        env.pop("GRAPHSVC_NEO4J_URI", None)
        proc, log = start_server(tmp, port, env, [], 120)
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}

        def url(r):
            u, pt, unit = r
            return (f"{base}/api/v1/contractors/recommend?manufacturer={u}&provider_type={pt}"
                    + (f"&unit={unit}" if unit else "") + "&limit=10")

        warm = requests.get(url(reqs[0]), headers=headers, timeout=300)   # builds the index
        assert warm.status_code == 200, warm.text[:500]
        # The build and the background read of the leaders' suppliers that follows it are
        # one-off costs (rows above); measure the steady state after them.
        time.sleep(PREFETCH_WAIT_S)
        out = []
        for label in ("first request for each manufacturer", "repeated requests"):
            lat: list[float] = []
            errors: list[int] = []
            lock = threading.Lock()

            def client(k: int, lat=lat, errors=errors, lock=lock):
                s = requests.Session()
                s.headers.update(headers)
                mine = reqs[k::CLIENTS]
                for i in range(min(REQUESTS_PER_CLIENT, len(mine))):
                    t = time.perf_counter()
                    resp = s.get(url(mine[i]), timeout=60)
                    el = (time.perf_counter() - t) * 1000
                    with lock:
                        lat.append(el)
                        if resp.status_code != 200:
                            errors.append(resp.status_code)

            threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
            t0 = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            wall = time.perf_counter() - t0
            lat.sort()
            out.append({"name": f"recommend over HTTP, {CLIENTS} concurrent clients (gunicorn 1 worker × 8 threads): "
                                f"{label}", "dataset": dataset, "n": len(lat),
                        "median": round(statistics.median(lat), 2),
                        "p95": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 2), "unit": "ms",
                        "target": "p95 <= 150 ms", "errors": len(errors), "throughput_rps": round(len(lat) / wall, 1),
                        "load_average_1m": round(os.getloadavg()[0], 2)})
        return out
    finally:
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
        if log is not None:
            log.close()
        shutil.rmtree(tmp, ignore_errors=True)
