"""Serving under concurrent reads and writes (issue 12): a real gunicorn, 8 HTTP clients, a writer.

    .venv/bin/python -m bench.bench_serving --scale small --duration 60
    .venv/bin/python -m bench.bench_serving                      # province, 600 s per phase
    .venv/bin/python -m bench.bench_serving --scale small --duration 60 --engine neo4j --workers 4
    .venv/bin/python -m bench.bench_serving --scale small --duration 60 --engine both   # side by side

On a private read-write copy of the demo graph of `--scale` (bench/common.py builds and caches
it), `graphsvc serve` (gunicorn, web/gunicorn_conf.py, 1 worker × 8 threads, LadybugDB) is
started; 8 client threads then request, for `--duration` seconds, a mix of

- ``table``: the local-supply table (GET /api/v1/local-supply),
- ``leader``: a leader's detail, every leader of the table in rotation,
- ``coverage``: a chain's coverage, the reference chains in rotation,
- ``recommend``: a recommendation for a random manufacturer and provider type,
- ``search``: an enterprise search by a name fragment (GET /api/v1/enterprises?q=…),

as the city bureau (杭州, 330100), first WHILE a writer (admin) imports a 1,000-row supplies
file every 10 s (POST /api/v1/imports/supplies) and confirms a claimed delivery every second,
then the same without the writer.

Reported per phase and endpoint: requests, p50/p95 (ms), errors (non-200 or no answer);
throughput of the phase; worker restarts (gunicorn's log); and for the writes: their latency,
errors, whether each acknowledged write was visible to the next read that followed it (the
import's probe row in the leader's detail; the confirmed delivery as ``served_me`` evidence in
its client's recommendation), and the first request to each endpoint after a write against the
warm median of the phase without writes, and each handler's warm in-process median measured in
the same run as the reference. Results: bench/results/serving-<scale>-<duration>s.json and a
printed table. Nothing here is asserted: it measures.

`--engine neo4j` (issue 23): a Neo4j 5.26 server of its own is started the way the tests start
theirs (tools/neo4j_server.py: a fresh data directory, a free Bolt port, a generated password;
stopped at the end), the same demo graph reaches it the way tests/engines.py moves it there
(`graphsvc backup` of the embedded copy, restored on Neo4j), and `graphsvc serve --workers N`
(4 unless told) × 8 threads serves it; the clients, writer and visibility checks are the same.
A read may land on any worker: the change log keeps every worker's projection current
(docs/projection.md). `--engine both` runs LadybugDB, then Neo4j, in one run and writes the two
results side by side (serving-<scale>-<duration>s-both.json).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import RESULTS, ROOT, Context, start_server

CLIENTS = 8
ENDPOINTS = ("table", "leader", "coverage", "recommend", "search")
IMPORT_EVERY_S = 10.0
CONFIRM_EVERY_S = 1.0
IMPORT_ROWS = 1000
BUREAU_SCOPE = "330100"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(q * len(xs)))], 1)


def _median(xs: list[float]) -> float | None:
    return round(statistics.median(xs), 1) if xs else None


# ---------------------------------------------------------------- the data a run draws from

class Plan:
    """Accounts, request parameters and the writes' material, prepared in the database copy
    before the server starts."""

    def __init__(self, st, seed: int, confirms_needed: int):
        from graphsvc.accounts.users import add_user, create_token
        from graphsvc.contractors import recommend as R
        from graphsvc.core import reference
        from graphsvc.core.access import Principal
        from graphsvc.local_supply import service as LS

        rnd = self.rnd = random.Random(seed)
        for name, role, scope in (("bench_admin", "admin", None), ("bench_bureau", "bureau", BUREAU_SCOPE)):
            if not st.read_one("accounts/get", username=name):
                add_user(st, name, role, "bench-password-0", scope=scope, actor="bench")
        self.tokens = {"admin": create_token(st, "bench_admin", actor="bench"),
                       "bureau": create_token(st, "bench_bureau", actor="bench")}
        bureau = Principal("bench_bureau", "bureau", BUREAU_SCOPE)
        table = LS.ratio_table(st, bureau)
        self.year = table["year"]
        self.leaders = [i["uscc"] for i in table["items"]]
        self.chains = [c["id"] for c in reference.chains()]
        ents = st.read_cypher("MATCH (e:Enterprise) RETURN e.uscc AS uscc, e.name AS name, "
                              "e.region_code AS region, e.is_manufacturer AS maker, "
                              "e.provider_types AS types, e.credit_ok AS credit ORDER BY uscc")
        self.all_usccs = [e["uscc"] for e in ents]
        local = [e for e in ents if (e["region"] or "").startswith(BUREAU_SCOPE[:4])]
        self.makers = [e["uscc"] for e in local if e["maker"]]
        names = [e["name"] for e in local if e["name"]]
        self.fragments = []
        for n in rnd.sample(names, min(400, len(names))):
            core = n.replace("有限公司", "").replace("股份", "")
            a = rnd.randrange(max(1, len(core) - 2))
            self.fragments.append(core[a:a + 2])
        # The import's probe: a supplier that does not yet supply the first leader in the
        # table's year, re-imported with a new amount each time.
        have = {r["s"] for r in st.read_cypher(
            "MATCH (s:Enterprise)-[r:SUPPLIES]->(l:Enterprise {uscc: $l}) WHERE r.year = $y RETURN s.uscc AS s",
            {"l": self.leaders[0], "y": self.year})}
        self.probe_leader = self.leaders[0]
        # With a segment: a supply row's identity is (pair, year, segment_id), and a row with
        # no segment never matches a stored one (NULL = NULL is not true), so it would add up.
        chain = reference.chain(table["items"][0]["chain"]) or reference.chains()[0]
        self.probe_segment = chain["segments"][0]["id"]
        self.probe_supplier = next(u for u in rnd.sample(self.all_usccs, len(self.all_usccs))
                                   if u not in have and u != self.probe_leader)
        # Claimed deliveries to confirm: providers offering the type, credit-worthy, for a
        # manufacturer client the bureau sees (so the recommendation can show the evidence).
        ix = R.load_index(st)
        good = {u: set(p.types) for u, p in ix.providers.items() if p.credit_ok}
        makers = set(self.makers)
        claimed = [r for r in st.read_cypher(
            "MATCH (p:Enterprise)-[:DELIVERED]->(d:Delivery)-[:`FOR`]->(c:Enterprise) WHERE d.status = 'claimed' "
            "RETURN d.id AS id, p.uscc AS p, c.uscc AS c, d.provider_type AS t ORDER BY id")
                   if r["p"] in good and r["t"] in good[r["p"]] and r["c"] in makers]
        from graphsvc.core.vocabulary import DELIVERY_KINDS
        from graphsvc.deliveries import ledger

        admin = Principal("bench_admin", "admin")
        providers = sorted(good)
        while len(claimed) < confirms_needed:
            p, c = rnd.choice(providers), rnd.choice(self.makers)
            t = rnd.choice(sorted(good[p]))
            if p == c:
                continue
            body = {"supplier_uscc": p, "client_uscc": c, "kind": sorted(DELIVERY_KINDS[t])[0],
                    "contract_amount_wan": 20, "signed_date": "2024-06-01"}
            if t == 1:
                body["unit"] = "factory"
            d = ledger.claim(st, admin, body)
            claimed.append({"id": d["id"], "p": p, "c": c, "t": t})
        rnd.shuffle(claimed)
        self.claimed = claimed

    def supplies_file(self, k: int) -> bytes:
        rnd, seen = self.rnd, set()
        rows = [f"{self.probe_supplier},{self.probe_leader},{self.year},{self.marker(k)},{self.probe_segment}"]
        while len(rows) < IMPORT_ROWS:
            a, b = rnd.choice(self.all_usccs), rnd.choice(self.all_usccs)
            if a == b or (a, b) in seen or (a, b) == (self.probe_supplier, self.probe_leader):
                continue
            seen.add((a, b))
            rows.append(f"{a},{b},{self.year},{rnd.randint(1, 900)}.5,")
        return ("supplier_uscc,buyer_uscc,year,amount_wan,segment_id\n" + "\n".join(rows) + "\n").encode()

    @staticmethod
    def marker(k: int) -> float:
        return 1000.0 + k

    def read_path(self, kind: str, rnd: random.Random, i: int) -> str:
        if kind == "table":
            return "/api/v1/local-supply"
        if kind == "leader":
            return f"/api/v1/local-supply/{self.leaders[i % len(self.leaders)]}"
        if kind == "coverage":
            return f"/api/v1/chains/{self.chains[i % len(self.chains)]}/coverage"
        if kind == "recommend":
            return (f"/api/v1/contractors/recommend?manufacturer={rnd.choice(self.makers)}"
                    f"&provider_type={rnd.randint(1, 6)}&limit=10")
        return f"/api/v1/enterprises?q={rnd.choice(self.fragments)}&limit=20"


# ---------------------------------------------------------------- one phase

class Phase:
    def __init__(self, name: str):
        self.name = name
        self.lat: dict[str, list[float]] = {k: [] for k in ENDPOINTS}
        self.errors: dict[str, list[str]] = {k: [] for k in ENDPOINTS}
        self.lock = threading.Lock()
        self.wall = 0.0

    def record(self, kind: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.lat[kind].append(ms)
            if error:
                self.errors[kind].append(error)

    def summary(self) -> dict:
        n = sum(len(v) for v in self.lat.values())
        return {"seconds": round(self.wall, 1), "requests": n, "throughput_rps": round(n / self.wall, 1) if self.wall else None,
                "errors": sum(len(v) for v in self.errors.values()),
                "endpoints": {k: {"n": len(self.lat[k]), "p50_ms": _median(self.lat[k]), "p95_ms": _pct(self.lat[k], 0.95),
                                  "errors": len(self.errors[k]), "error_samples": self.errors[k][:5]}
                              for k in ENDPOINTS}}


def _get(session, base: str, path: str, timeout: float = 120) -> tuple[float, object, str | None]:
    import requests

    t = time.perf_counter()
    try:
        resp = session.get(base + path, timeout=timeout)
    except requests.RequestException as exc:
        return (time.perf_counter() - t) * 1000, None, f"{type(exc).__name__}"
    ms = (time.perf_counter() - t) * 1000
    return ms, resp, None if resp.status_code == 200 else f"{resp.status_code} {path[:60]}"


def _readers(base: str, plan: Plan, phase: Phase, duration: float, seed: int) -> None:
    import requests

    stop = time.monotonic() + duration

    def client(k: int) -> None:
        rnd = random.Random(seed * 100 + k)
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {plan.tokens['bureau']}"
        i = k
        while time.monotonic() < stop:
            kind = ENDPOINTS[i % len(ENDPOINTS)]
            ms, _, err = _get(s, base, plan.read_path(kind, rnd, i // len(ENDPOINTS)))
            phase.record(kind, ms, err)
            i += 1

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(CLIENTS)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    phase.wall = time.perf_counter() - t0


class Writer:
    """Imports supplies every 10 s and confirms a delivery every second, then reads once to
    check the write is visible and to time the first request after it."""

    def __init__(self, base: str, plan: Plan):
        import requests

        self.base, self.plan = base, plan
        self.admin = requests.Session()
        self.admin.headers["Authorization"] = f"Bearer {plan.tokens['admin']}"
        self.bureau = requests.Session()
        self.bureau.headers["Authorization"] = f"Bearer {plan.tokens['bureau']}"
        self.imports: list[float] = []
        self.confirms: list[float] = []
        self.errors: list[str] = []
        self.visible = {"import": [0, 0], "confirm": [0, 0, 0]}   # seen, not seen (, inconclusive)
        self.first: dict[str, list[float]] = {k: [] for k in ENDPOINTS}
        self.first_errors: list[str] = []
        self.unseen: list[dict] = []      # the writes a next read did not show (first few)
        self.rnd = random.Random(7)

    def run(self, duration: float) -> None:
        t0 = time.monotonic()
        stop = t0 + duration
        next_import, next_confirm, k, c, probe = t0, t0 + 0.5, 0, 0, 0
        while time.monotonic() < stop:
            now = time.monotonic()
            # Whichever is longest overdue goes first, so slow imports do not starve the confirms.
            if now >= next_import and next_import <= next_confirm:
                self._import(k)
                k += 1
                next_import += IMPORT_EVERY_S
            elif now >= next_confirm:
                if c < len(self.plan.claimed):
                    self._confirm(self.plan.claimed[c], probe)
                    probe += 1
                c += 1
                next_confirm += CONFIRM_EVERY_S
            else:
                time.sleep(min(next_import, next_confirm) - now)

    def _first(self, kind: str, i: int) -> None:
        ms, _, err = _get(self.bureau, self.base, self.plan.read_path(kind, self.rnd, i))
        self.first[kind].append(ms)
        if err:
            self.first_errors.append(err)

    def _import(self, k: int) -> None:
        import requests

        t = time.perf_counter()
        try:
            resp = self.admin.post(self.base + "/api/v1/imports/supplies",
                                   files={"file": ("supplies.csv", self.plan.supplies_file(k), "text/csv")}, timeout=300)
        except requests.RequestException as exc:
            self.errors.append(f"import {type(exc).__name__}")
            return
        self.imports.append((time.perf_counter() - t) * 1000)
        if resp.status_code != 200:
            self.errors.append(f"import {resp.status_code} {resp.text[:120]}")
            return
        # The next read: the probe row in the leader's detail, timed as a first request.
        ms, r, err = _get(self.bureau, self.base, f"/api/v1/local-supply/{self.plan.probe_leader}?year={self.plan.year}")
        self.first["leader"].append(ms)
        amount = None
        if r is not None and r.status_code == 200:
            amount = next((s["amount"] for s in r.json().get("by_supplier", [])
                           if s["uscc"] == self.plan.probe_supplier), None)
        ok = amount is not None and abs(amount - self.plan.marker(k)) < 0.006
        self.visible["import"][0 if ok else 1] += 1
        if not ok:
            self.unseen.append({"import": k, "want": self.plan.marker(k), "saw": amount, "status": r.status_code if r is not None else None})
        if err:
            self.first_errors.append(err)
        for kind in ("table", "coverage", "search"):
            self._first(kind, k)

    def _confirm(self, d: dict, i: int) -> None:
        import requests

        t = time.perf_counter()
        try:
            resp = self.admin.post(f"{self.base}/api/v1/deliveries/{d['id']}/confirm", timeout=120)
        except requests.RequestException as exc:
            self.errors.append(f"confirm {type(exc).__name__}")
            return
        self.confirms.append((time.perf_counter() - t) * 1000)
        if resp.status_code != 200:
            self.errors.append(f"confirm {resp.status_code} {resp.text[:120]}")
            return
        ms, r, err = _get(self.bureau, self.base, f"/api/v1/contractors/recommend?manufacturer={d['c']}"
                                                  f"&provider_type={d['t']}&limit=50")
        self.first["recommend"].append(ms)
        if err or r is None:
            self.first_errors.append(err or "no answer")
            self.visible["confirm"][1] += 1
            return
        item = next((x for x in r.json()["items"] if x["uscc"] == d["p"]), None)
        if item is None:
            self.visible["confirm"][2] += 1     # the provider ranks below 50: cannot tell
        else:
            ev = {e for x in item["reasons"] if x["code"] == "served_me" for e in x["evidence"]}
            self.visible["confirm"][0 if d["id"] in ev else 1] += 1
            if d["id"] not in ev:
                self.unseen.append({"confirm": d["id"], "provider": d["p"], "served_me": sorted(ev)[:5]})

    def summary(self) -> dict:
        return {"imports": {"n": len(self.imports), "p50_ms": _median(self.imports), "p95_ms": _pct(self.imports, 0.95),
                            "max_ms": round(max(self.imports), 1) if self.imports else None},
                "confirms": {"n": len(self.confirms), "p50_ms": _median(self.confirms),
                             "p95_ms": _pct(self.confirms, 0.95)},
                "errors": len(self.errors), "error_samples": self.errors[:5],
                "visible_next_read": {"import_probe": {"seen": self.visible["import"][0],
                                                       "not_seen": self.visible["import"][1]},
                                      "confirm_evidence": {"seen": self.visible["confirm"][0],
                                                           "not_seen": self.visible["confirm"][1],
                                                           "provider_not_in_top_50": self.visible["confirm"][2]}},
                "unseen_samples": self.unseen[:10], "first_after_write_errors": len(self.first_errors),
                "first_after_write_error_samples": self.first_errors[:5]}


# ---------------------------------------------------------------- the run

def _in_process(st, plan: Plan, seed: int, data_dir: Path | None, repeat: int = 10) -> dict:
    """The same-run reference: each endpoint's handler called in this process (no HTTP, no
    other load from the bench), warm, as the city bureau: medians in ms."""
    from bench.common import handler
    from graphsvc.core.access import Principal

    get = handler(st, Principal("bench_bureau", "bureau", BUREAU_SCOPE), data_dir)
    rnd = random.Random(seed)
    out = {}
    for kind in ENDPOINTS:
        get(plan.read_path(kind, rnd, 0))
        xs = []
        for i in range(repeat):
            path = plan.read_path(kind, rnd, i)
            t = time.perf_counter()
            get(path)
            xs.append((time.perf_counter() - t) * 1000)
        out[kind] = {"median_ms": _median(xs), "n": repeat}
    return out


def _warm_up(base: str, plan: Plan, workers: int, seed: int) -> dict:
    """Unmeasured: with several workers the cold requests reached one of them; the clients
    request every endpoint 3 × `workers` times each so that every worker has built what it
    computes from before the phases start (gunicorn does not let a client pick a worker)."""
    if workers <= 1:
        return {"requests": 0, "seconds": 0.0}
    import requests

    paths = [plan.read_path(kind, random.Random(seed + i), i) for kind in ENDPOINTS for i in range(3 * workers)]
    errors: list[str] = []

    def client(k: int) -> None:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {plan.tokens['bureau']}"
        for path in paths[k::CLIENTS]:
            _, _, err = _get(s, base, path, timeout=600)
            if err:
                errors.append(err)

    t = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(CLIENTS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return {"requests": len(paths), "seconds": round(time.perf_counter() - t, 1), "errors": errors[:5]}


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _workers_of(master: int) -> list[int]:
    """The gunicorn workers: the children of the `graphsvc serve` process (gunicorn's master)."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    out.append(int(d.name))
            except (OSError, IndexError, ValueError):
                continue
    return sorted(out)


def _wait_built(base: str, plan: Plan, master: int, timeout: float = 900) -> dict:
    """Wait until a worker reports the projection built at start (GET /health as admin: the
    `warm` state); its seconds, each part's build seconds, and the workers' RSS before the
    build finished (as first seen) and after."""
    import requests

    h = {"Authorization": f"Bearer {plan.tokens['admin']}"}
    rss_first = {pid: _rss_mb(pid) for pid in _workers_of(master)}
    t = time.perf_counter()
    body = None
    while time.perf_counter() - t < timeout:
        with contextlib.suppress(requests.RequestException, ValueError):
            body = requests.get(base + "/api/v1/health", timeout=30, headers=h).json().get("projection")
            if body and body.get("warm") and body["warm"]["state"] != "running":
                break
        time.sleep(1)
    # The worker measures its own resident memory before the build and after it (warm.rss_mb,
    # graphsvc.core.projection.status): `worker_rss_mb_first_seen`, read here once the server
    # answers, is usually taken after the build has begun.
    return {"waited_seconds": round(time.perf_counter() - t, 1), "warm": (body or {}).get("warm"),
            "parts_build_seconds": {k: v["build_seconds"] for k, v in ((body or {}).get("parts") or {}).items()},
            "worker_rss_mb_first_seen": rss_first,
            "worker_rss_mb_built": {pid: _rss_mb(pid) for pid in _workers_of(master)}}


def _restarts(log_text: str, workers: int = 1) -> dict:
    boots = len(re.findall(r"Booting worker with pid", log_text))
    return {"worker_boots": boots, "worker_restarts": max(0, boots - workers),
            "buffer_pool_errors": len(re.findall(r"Buffer manager exception|buffer pool is full", log_text, re.I)),
            "worker_signals": re.findall(r"Worker \(pid:\d+\) was sent (\w+)", log_text)[:10],
            "worker_timeouts": len(re.findall(r"WORKER TIMEOUT", log_text))}


def _neo4j_server(home: Path):
    """A Neo4j server of the bench's own (not the tests' nor `make neo4j`'s): a fresh data
    directory under `home`, a free port, a generated password. (Running, stop())."""
    sys.path.insert(0, str(ROOT / "tools"))
    import neo4j_server as n4

    run = n4.start(home)
    return run, lambda: n4.stop(home)


def _neo4j_demo(ctx: Context, tmp: Path, run):
    """The demo graph of `ctx` on the Neo4j server `run`, the way tests/engines.py moves it:
    `graphsvc backup` of a private copy of the embedded graph, restored on Neo4j."""
    from graphsvc.core import projection
    from graphsvc.core.backup import backup, restore
    from graphsvc.core.store.neo4j_store import Neo4jStore

    lb = ctx.writable_copy(tmp / "embedded")
    ctx.close()
    lb.ensure_schema()
    t = time.perf_counter()
    backup(lb, tmp / "backup")
    lb.close()
    st = Neo4jStore(run.uri, run.user, run.password)
    st.drop_all()
    projection.reset(st)
    restore(st, tmp / "backup")
    shutil.rmtree(tmp / "embedded", ignore_errors=True)
    return st, round(time.perf_counter() - t, 1)


def serve_and_measure(ctx: Context, duration: float, seed: int = 11, engine: str = "ladybug",
                      workers: int = 1, neo4j=None) -> dict:
    """One run on `engine`; for "neo4j", `neo4j` is the running server (tools/neo4j_server.Running)."""
    import requests

    tmp = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    proc = log = None
    tag = _tag(ctx.scale, duration, engine, workers)
    workers = 1 if engine == "ladybug" else workers
    move_s = None
    try:
        ctx.store()
        ctx.close()
        if engine == "neo4j":
            st, move_s = _neo4j_demo(ctx, tmp, neo4j)
        else:
            st = ctx.writable_copy(tmp)
            ctx.close()
            st.ensure_schema()   # a cached graph from an older schema is brought up to date, as on upgrade
        counts = st.counts()
        t = time.perf_counter()
        plan = Plan(st, seed, confirms_needed=int(duration / CONFIRM_EVERY_S) + 2)
        setup_s = time.perf_counter() - t
        in_process = _in_process(st, plan, seed, tmp if engine == "neo4j" else None)
        st.close()
        port = _free_port()
        env = {**os.environ, "GRAPHSVC_DATA_DIR": str(tmp), "GRAPHSVC_SECRET_KEY": secrets.token_hex(32)}
        for k in ("GRAPHSVC_NEO4J_URI", "GRAPHSVC_NEO4J_USER", "GRAPHSVC_NEO4J_PASSWORD"):
            env.pop(k, None)
        if engine == "neo4j":
            env.update(neo4j.env())
        proc, log = start_server(tmp, port, env, ["--threads", str(CLIENTS), "--workers", str(workers)], 300)
        base = f"http://127.0.0.1:{port}"
        # The workers build the projection's parts in the background once started
        # (web.warm_projection): wait for that, and note its time and the worker's memory.
        start_build = _wait_built(base, plan, proc.pid)
        # Cold: the first request to each endpoint after start (after the build at start).
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {plan.tokens['bureau']}"
        rnd = random.Random(seed)
        cold = {}
        for kind in ENDPOINTS:
            ms, _, err = _get(s, base, plan.read_path(kind, rnd, 0), timeout=600)
            cold[kind] = {"ms": round(ms, 1), "error": err}
        warmup = _warm_up(base, plan, workers, seed)
        time.sleep(5)   # background reads after a build (the leaders' supplier sets)
        with_writer, reads_only = Phase("with_writer"), Phase("reads_only")
        writer = Writer(base, plan)
        wt = threading.Thread(target=writer.run, args=(duration,), daemon=True)
        load0 = os.getloadavg()[0]
        wt.start()
        _readers(base, plan, with_writer, duration, seed)
        wt.join()
        load1 = os.getloadavg()[0]
        _readers(base, plan, reads_only, duration, seed + 1)
        load2 = os.getloadavg()[0]
        health = None
        with contextlib.suppress(requests.RequestException, ValueError):
            health = requests.get(base + "/api/v1/health", timeout=30,
                                  headers={"Authorization": f"Bearer {plan.tokens['admin']}"}).json()
        warm = reads_only.summary()["endpoints"]
        first = {k: {"n": len(v), "median_ms": _median(v), "warm_median_ms": warm[k]["p50_ms"],
                     "ratio": round(statistics.median(v) / warm[k]["p50_ms"], 2) if v and warm[k]["p50_ms"] else None}
                 for k, v in writer.first.items()}
        return {"scale": ctx.scale, "engine": engine, "workers": workers,
                "dataset": {k: counts.get(k) for k in ("Enterprise", "SUPPLIES", "Delivery", "Recognition")},
                "duration_s_per_phase": duration, "clients": CLIENTS,
                "server": f"gunicorn {workers} worker{'s' if workers > 1 else ''} × {CLIENTS} threads, "
                          + ("Neo4j 5.26 (tools/neo4j_server.py)" if engine == "neo4j" else "LadybugDB"),
                "cpus": os.cpu_count(), "setup_seconds": round(setup_s, 1),
                "backup_restore_to_neo4j_seconds": move_s, "build_at_start": start_build,
                "cold_first_request": cold, "warm_up": warmup,
                "in_process_warm_reference": in_process,
                "phases": {"with_writer": with_writer.summary(), "reads_only": reads_only.summary()},
                "writer": writer.summary(), "first_after_write_vs_warm": first,
                "load_average_1m": {"start": round(load0, 2), "after_with_writer": round(load1, 2),
                                    "after_reads_only": round(load2, 2)},
                "server_log": _restarts((tmp / "server.log").read_text(errors="replace"), workers),
                "health": health}
    finally:
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if log is not None:
            log.close()
            RESULTS.mkdir(parents=True, exist_ok=True)   # the server's log, kept for the errors
            shutil.copy(tmp / "server.log", RESULTS / f"{tag}.server.log")
        shutil.rmtree(tmp, ignore_errors=True)


def table(res: dict) -> str:
    lines = [f"serving bench — {res['scale']}: {res['dataset']}; {res['clients']} clients, "
             f"{res['duration_s_per_phase']} s per phase; {res['server']}",
             f"{'phase':<12} {'endpoint':<10} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}"]
    for name, ph in res["phases"].items():
        for k, e in ph["endpoints"].items():
            lines.append(f"{name:<12} {k:<10} {e['n']:>6} {e['p50_ms'] or '-':>8} {e['p95_ms'] or '-':>8} {e['errors']:>6}")
        lines.append(f"{name:<12} {'ALL':<10} {ph['requests']:>6} {'':>8} {'':>8} {ph['errors']:>6}   "
                     f"throughput {ph['throughput_rps']} req/s")
    w = res["writer"]
    lines.append(f"writes: {w['imports']['n']} imports (p50 {w['imports']['p50_ms']} ms, max {w['imports']['max_ms']} ms), "
                 f"{w['confirms']['n']} confirms (p50 {w['confirms']['p50_ms']} ms), errors {w['errors']}")
    v = w["visible_next_read"]
    lines.append(f"visible on next read: import probe {v['import_probe']}, confirm {v['confirm_evidence']}")
    b = res.get("build_at_start") or {}
    rss = (b.get("warm") or {}).get("rss_mb") or {}
    extra = round(rss["after"] - rss["before"], 1) if rss.get("after") and rss.get("before") else None
    lines.append(f"projection built at start: {(b.get('warm') or {}).get('seconds')} s "
                 f"(parts {b.get('parts_build_seconds')}); worker RSS before the build {rss.get('before')} MB, "
                 f"after {rss.get('after')} MB (+{extra} MB); as this bench saw it: {b.get('worker_rss_mb_first_seen')} MB "
                 f"once answering -> {b.get('worker_rss_mb_built')} MB built")
    lines.append("first request after a write vs warm median (reads-only phase):")
    for k, f in res["first_after_write_vs_warm"].items():
        lines.append(f"  {k:<10} n={f['n']:<4} first {f['median_ms']} ms / warm {f['warm_median_ms']} ms = {f['ratio']}×")
    lines.append(f"cold first requests: {json.dumps(res['cold_first_request'], ensure_ascii=False)}")
    lines.append("in-process warm medians, same run (no HTTP): "
                 + ", ".join(f"{k} {v['median_ms']} ms" for k, v in res["in_process_warm_reference"].items()))
    lines.append(f"load average (1 min): {res['load_average_1m']}")
    lines.append(f"server: {res['server_log']}")
    return "\n".join(lines)


def run(ctx) -> list[dict]:
    """For `python -m bench.run serving`: one run at the context's scale (GRAPHSVC_SERVING_DURATION
    seconds per phase, 600 unless set), as bench rows."""
    duration = float(os.environ.get("GRAPHSVC_SERVING_DURATION", "600"))
    res = serve_and_measure(ctx, duration)
    _save(res)
    ds = f"{res['scale']}: {res['dataset']}"
    rows = []
    for name, ph in res["phases"].items():
        for k, e in ph["endpoints"].items():
            rows.append({"name": f"serving {name}: {k}", "dataset": ds, "n": e["n"], "median": e["p50_ms"],
                         "p95": e["p95_ms"], "unit": "ms", "target": "p95 <= 100 ms, 0 errors", "errors": e["errors"]})
        rows.append({"name": f"serving {name}: throughput", "dataset": ds, "n": ph["requests"],
                     "median": ph["throughput_rps"], "p95": None, "unit": "req/s", "target": ">= 120 req/s"})
    return rows


def _tag(scale: str, duration: float, engine: str, workers: int) -> str:
    base = f"serving-{scale}-{int(duration)}s"
    return base if engine == "ladybug" else f"{base}-{engine}-{workers}w"


def _save(res: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{_tag(res['scale'], res['duration_s_per_phase'], res.get('engine', 'ladybug'), res.get('workers', 1))}.json"
    path.write_text(json.dumps(res, ensure_ascii=False, indent=1))
    return path


def side_by_side(runs: list[dict]) -> str:
    """Per phase and endpoint, p50/p95/errors of each run in one row, and the Neo4j / LadybugDB
    ratio of the p50s."""
    heads = [f"{r['engine']} {r['workers']}w" for r in runs]
    lines = [f"side by side — {runs[0]['scale']}: {runs[0]['dataset']}; {runs[0]['clients']} clients, "
             f"{runs[0]['duration_s_per_phase']} s per phase",
             f"{'phase':<12} {'endpoint':<10} " + " ".join(f"{h + ' n/p50/p95/err':>32}" for h in heads)
             + ("  p50 ratio" if len(runs) == 2 else "")]
    for phase in runs[0]["phases"]:
        for k in ENDPOINTS:
            es = [r["phases"][phase]["endpoints"][k] for r in runs]
            cells = " ".join(f"{e['n']:>7} {e['p50_ms'] or '-':>8} {e['p95_ms'] or '-':>8} {e['errors']:>5}" for e in es)
            ratio = ""
            if len(es) == 2 and es[0]["p50_ms"] and es[1]["p50_ms"]:
                ratio = f"  {es[1]['p50_ms'] / es[0]['p50_ms']:.2f}"
            lines.append(f"{phase:<12} {k:<10} {cells}{ratio}")
        lines.append(f"{phase:<12} {'req/s':<10} " + " ".join(
            f"{r['phases'][phase]['throughput_rps']:>17} {r['phases'][phase]['errors']:>14}" for r in runs))
    for r in runs:
        w = r["writer"]
        lines.append(f"{r['engine']}: writes {w['imports']['n']} imports (p50 {w['imports']['p50_ms']} ms), "
                     f"{w['confirms']['n']} confirms (p50 {w['confirms']['p50_ms']} ms), errors {w['errors']}; "
                     f"visible {w['visible_next_read']}; restarts {r['server_log']['worker_restarts']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=("small", "province"), default="province")
    ap.add_argument("--duration", type=float, default=600.0, help="seconds per phase (with, then without the writer)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--engine", choices=("ladybug", "neo4j", "both"), default="ladybug",
                    help="both: LadybugDB, then Neo4j, in one run")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn workers on Neo4j (LadybugDB: always 1)")
    args = ap.parse_args(argv)
    engines = ("ladybug", "neo4j") if args.engine == "both" else (args.engine,)
    ctx, runs, stop, home = Context(args.scale), [], None, None
    try:
        for engine in engines:
            run = None
            if engine == "neo4j":
                home = Path(tempfile.mkdtemp(prefix="bench-serving-neo4j-"))
                run, stop = _neo4j_server(home)
            res = serve_and_measure(ctx, args.duration, args.seed, engine, args.workers, run)
            path = _save(res)
            print(table(res))
            print(f"written: {path.relative_to(ROOT)}", flush=True)
            runs.append(res)
    finally:
        ctx.close()
        if stop is not None:
            stop()
        if home is not None:
            shutil.rmtree(home, ignore_errors=True)
    if len(runs) > 1:
        print(side_by_side(runs))
        both = RESULTS / f"serving-{args.scale}-{int(args.duration)}s-both.json"
        both.write_text(json.dumps({"runs": runs, "table": side_by_side(runs)}, ensure_ascii=False, indent=1))
        print(f"written: {both.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
