"""Faults with the real Neo4j server: it is stopped and started again while a real gunicorn
serves graphsvc on it.

While it is down every request gets a 503 whose JSON names the cause (Neo4j, its URI); once it
is back the same gunicorn serves again without a restart; every write sent around the outage is
either acknowledged and present afterwards, or refused and absent (or, when the 503 says the
connection broke during COMMIT itself, wholly present or wholly absent). (Neo4j unreachable at start
is test_store's `test_neo4j_unreachable_*`.)

The session's server is restarted on the same data directory, port and password, so the Neo4j
tests after this one find it as it was; `neo4j_fresh` then puts back the demo graph.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import pytest
import requests

from tests.conftest import Client, Server

pytestmark = [pytest.mark.slow, pytest.mark.server]


def _claim(client: Client, maker_uscc: str, delivery_id: str):
    from tests.test_ledger import claim_body

    return client.post("/api/v1/deliveries", json={**claim_body(maker_uscc), "id": delivery_id})


def _wait_serving(client: Client, limit: float = 120.0) -> None:
    """Until graphsvc answers a store-backed read again (a wait, not a timed assertion)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if client.get("/api/v1/deliveries").status_code == 200:
            return
        time.sleep(0.5)
    pytest.fail(f"graphsvc did not serve again within {limit:.0f} s of Neo4j answering")


def _workers(master: int) -> set[int]:
    """The gunicorn master's worker processes."""
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return {int(x) for x in out.split()}


def _wait_replaced(master: int, killed: set[int], limit: float = 120.0) -> None:
    """Until the master runs as many workers as before, none of them a killed one (a wait)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        now = _workers(master)
        if len(now) >= len(killed) and not now & killed:
            return
        time.sleep(0.5)
    pytest.fail(f"gunicorn did not replace its killed workers within {limit:.0f} s")


def test_neo4j_restart_while_serving(neo4j_fresh, neo4j_server, accounts, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    # One projection part built at worker start: the start-up path runs (it once read the
    # database while booting a worker, and a worker booted during the outage then took the
    # master down), without five workers building every part on two cores. Two workers: every one
    # is killed during the outage and two boot without Neo4j as five would, in less time.
    srv = Server(data, tmp_path / "server.log",
                 env={**neo4j_server.run.env(), "GRAPHSVC_PROJECTION_WARM": "supply_edges"}, workers=2)
    maker_uscc = accounts["maker"]["uscc"]
    provider = Client(srv.url, accounts["provider"]["token"])
    maker = Client(srv.url, accounts["maker"]["token"])
    outcomes: dict[str, int] = {}
    uncertain: set[str] = set()   # 503s saying the connection broke during COMMIT itself
    try:
        assert maker.get("/api/v1/deliveries").status_code == 200
        assert _claim(provider, maker_uscc, "TQ-FAULT-BEFORE").status_code == 201

        # Writers and readers keep going while the server goes down: some requests are in
        # flight when it stops.
        stop = threading.Event()
        acknowledged = threading.Event()
        read_status: list[int] = []

        def write(n: int):
            i = 0
            while not stop.is_set():
                did = f"TQ-FAULT-W{n}-{i}"
                r = _claim(Client(srv.url, accounts["provider"]["token"]), maker_uscc, did)
                outcomes[did] = r.status_code
                if r.status_code == 503 and "may or may not" in r.json().get("detail", ""):
                    uncertain.add(did)
                if outcomes[did] == 201:
                    acknowledged.set()
                i += 1

        def read():
            c = Client(srv.url, accounts["maker"]["token"])
            while not stop.is_set():
                read_status.append(c.get("/api/v1/deliveries").status_code)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(3)] + [threading.Thread(target=read)]
        for t in threads:
            t.start()
        try:
            # Stop it only once writes are being acknowledged, so the outage falls between
            # writes that landed and writes that did not (a wait, not a timed assertion: a
            # busy machine can take seconds over the first ones).
            acknowledged.wait(timeout=120)
            time.sleep(0.5)
            neo4j_server.down()
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=120)

        # Down: a read and a write each get a clear 503 naming the cause.
        r = maker.get("/api/v1/deliveries")
        assert r.status_code == 503, r.text
        body = r.json()
        assert body["error"] == "store_unavailable"
        assert "Neo4j" in body["detail"] and neo4j_server.run.uri in body["detail"], body
        r = _claim(provider, maker_uscc, "TQ-FAULT-DOWN")
        assert r.status_code == 503 and r.json()["error"] == "store_unavailable", r.text
        assert requests.get(srv.url + "/api/v1/health", timeout=60).json() == {"status": "fault"}

        # A worker that dies while Neo4j is down is replaced by one that starts without it
        # (the store opens lazily) and answers 503 until Neo4j is back.
        killed = _workers(srv.proc.pid)
        assert killed
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        _wait_replaced(srv.proc.pid, killed)
        # (new connections: the kept-alive ones died with the workers)
        maker, provider = Client(srv.url, accounts["maker"]["token"]), Client(srv.url, accounts["provider"]["token"])
        r = maker.get("/api/v1/deliveries")
        assert r.status_code == 503 and r.json()["error"] == "store_unavailable", r.text

        neo4j_server.up()
        _wait_serving(maker)     # the same gunicorn master, not restarted
        assert srv.proc.poll() is None
        assert requests.get(srv.url + "/api/v1/health", timeout=60).json() == {"status": "ok"}

        # Never half-written: acknowledged → there with its audit event; refused → neither,
        # unless the 503 said the connection broke during COMMIT itself ("may or may not have
        # been stored": then both or neither). A claim whose COMMIT went through answers 201
        # even when its read-back meets the outage.
        store = neo4j_server.store
        assert outcomes, "no write was sent around the outage"
        unexpected = {d: s for d, s in outcomes.items() if s not in (201, 503)}
        assert not unexpected, f"writes around the outage got neither 201 nor 503: {unexpected}"
        assert 503 in outcomes.values() and 201 in outcomes.values(), outcomes
        for did, status in {**outcomes, "TQ-FAULT-BEFORE": 201, "TQ-FAULT-DOWN": 503}.items():
            present = store.read_one("deliveries/get", id=did) is not None
            audited = bool(store.read_cypher(
                "MATCH (e:AuditEvent) WHERE e.action = 'delivery.claim' AND e.target = $id RETURN e.id AS id",
                {"id": did}))
            assert present == audited, (did, status, present, audited)
            assert present == (status == 201) or did in uncertain, (did, status, present)
        assert set(read_status) <= {200, 503}, set(read_status)

        # And writes work again.
        assert _claim(provider, maker_uscc, "TQ-FAULT-AFTER").status_code == 201
        assert maker.get("/api/v1/deliveries/TQ-FAULT-AFTER").status_code == 200
    finally:
        srv.stop()
