"""The change log (issue #12 items 2-5): every write logs its changes in its own transaction, a
failed write logs nothing, a projection kept by the log equals a fresh build — in process, from
the persisted rows, after compaction, and after the server is SIGKILLed under a write load.

The projection is tests/changelog_app.py's mirror part: it folds changes in by the meaning of
each op, so a write path that logs too little (or wrongly) makes it drift from a fresh build.
tests/test_neo4j_changelog.py runs the store tests here again on Neo4j.
"""
from __future__ import annotations

import random
import threading
import time
import uuid

import pytest
import requests

from graphsvc.core import projection
from graphsvc.core.access import Principal
from graphsvc.deliveries import ledger
from loaders.importer import run_import
from tests.changelog_app import MIRROR, Gunicorn, apply, build, plain_state
from tests.conftest import TEST_SECRET, _copy_data, free_port


def principal(accounts, name: str) -> Principal:
    a = accounts[name]
    return Principal(name, a["role"], a.get("scope"), a.get("uscc"))


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def mirror(store) -> dict:
    return projection.current(store, MIRROR.name)


def differences(a: dict, b: dict) -> list:
    """What differs between two mirror states, briefly (for assertion messages)."""
    out = []
    for label in a["nodes"]:
        x, y = a["nodes"][label], b["nodes"][label]
        out += [(label, k, x.get(k), y.get(k)) for k in sorted(set(x) | set(y)) if x.get(k) != y.get(k)]
    for rel in a["rels"]:
        x, y = set(a["rels"][rel]), set(b["rels"][rel])
        out += [(rel, "only projected", sorted(x - y)[:3]), (rel, "only stored", sorted(y - x)[:3])] if x != y else []
    return out[:10]


def assert_current(store) -> None:
    """The projection, brought up to date by changes alone, equals a fresh build."""
    got, want = mirror(store), build(store)
    assert plain_state(got) == plain_state(want), differences(got, want)


def claim_body(client: str) -> dict:
    return {"client_uscc": client, "kind": "engineering_project", "unit": "workshop", "quantity": 1,
            "contract_amount_wan": 150, "signed_date": "2025-02-01", "accepted_date": "2025-10-01"}


def some_writes(store, accounts, rng: random.Random, n: int) -> None:
    """`n` writes drawn from every write path: ledger claims and transitions, supplies,
    enterprise (moving region, clearing segments), project (1+N groups, service org) imports."""
    provider, maker = principal(accounts, "provider"), principal(accounts, "maker")
    pu, mu = accounts["provider"]["uscc"], accounts["maker"]["uscc"]
    others = [r["u"] for r in store.read_cypher(
        "MATCH (e:Enterprise) WHERE e.uscc <> $a AND e.uscc <> $b RETURN e.uscc AS u ORDER BY u LIMIT 40",
        {"a": pu, "b": mu})]
    claimed: list[str] = []
    for _ in range(n):
        what = rng.choice(["claim", "claim", "transition", "supplies", "enterprise", "projects"])
        if what == "claim" or (what == "transition" and not claimed):
            claimed.append(ledger.claim(store, provider, claim_body(mu))["id"])
        elif what == "transition":
            did = claimed.pop(rng.randrange(len(claimed)))
            if rng.random() < 0.3:
                ledger.transition(store, provider, did, "withdraw")
            else:
                ledger.transition(store, maker, did, rng.choice(["confirm", "dispute"]), reason="核对")
        elif what == "supplies":
            rows = [[rng.choice(others), rng.choice([mu, *others[:5]]), rng.choice([2023, 2024]),
                     round(rng.uniform(1, 500), 2)] for _ in range(rng.randint(1, 8))]
            rep = run_import(store, "supplies", csv_bytes(["供应商统一社会信用代码", "采购方统一社会信用代码", "年度",
                                                           "采购金额（万元）"], rows), "s.csv", actor="test")
            assert rep.status == "ok", rep.errors
        elif what == "enterprise":
            u = rng.choice(others)
            name = store.read_cypher("MATCH (e:Enterprise {uscc: $u}) RETURN e.name AS n", {"u": u})[0]["n"]
            region = rng.choice(["330106", "330108", "330110"])
            rep = run_import(store, "enterprises", csv_bytes(["统一社会信用代码", "企业名称", "行政区划代码", "链上环节"],
                                                             [[u, name, region, ""]]), "e.csv", actor="test")
            assert rep.status == "ok", rep.errors
        else:
            g = f"TG{rng.randrange(3)}"
            rows = [[f"TP-{g}-{i}", mu, f"测试项目{i}", "1" if i == 0 else "N", g,
                     rng.choice([pu, None])] for i in range(rng.randint(2, 4))]
            rep = run_import(store, "projects", csv_bytes(["项目编号", "统一社会信用代码", "项目名称", "是否为“1+N”形式项目",
                                                           "1+N组号", "数字工程服务机构统一社会信用代码"], rows),
                             "p.csv", actor="test")
            assert rep.status == "ok", rep.errors


def test_every_write_path_is_logged_and_the_projection_follows(fresh_store, accounts):
    """After each of a random sequence of writes, the projection kept by changes equals a
    fresh build; and the persisted rows alone bring the first state to the last."""
    store = fresh_store
    projection.reset(store)
    first = mirror(store)
    head = store.change_head()
    rng = random.Random(12)
    for _ in range(4):
        some_writes(store, accounts, rng, 6)
        assert_current(store)
    logged = store.changes_since(head)
    assert [c.seq for c in logged] == list(range(head + 1, store.change_head() + 1))
    assert {"Delivery", "DELIVERED", "FOR", "SUPPLIES", "LOCATED_IN", "LEADS"} <= {c.entity for c in logged}
    assert "AuditEvent" not in {c.entity for c in logged}
    assert plain_state(apply(first, [c for c in logged if c.entity in MIRROR.entities])) == plain_state(build(store))
    assert projection.status(store)["parts"][MIRROR.name]["lag"] == 0


def test_a_failed_write_logs_nothing(fresh_store):
    """A statement failing mid-transaction (a duplicate key) rolls back the changes logged
    before it: no Change entry, the head unchanged, the projection without the write."""
    store = fresh_store
    projection.reset(store)
    before = plain_state(mirror(store))
    head = store.change_head()
    existing = store.read_cypher("MATCH (d:Delivery) RETURN d.id AS id ORDER BY id LIMIT 1")[0]["id"]
    with pytest.raises(Exception, match="(?i)duplicat|already exists|primary key|constraint"), \
            store.transaction() as tx:
        tx.upsert_nodes("Delivery", [{"id": "TX-ROLLED-BACK", "status": "claimed"}])
        tx.run_cypher("CREATE (:Delivery {id: $id})", {"id": existing})
    with pytest.raises(RuntimeError, match="after the writes"), store.transaction() as tx:
        tx.upsert_nodes("Delivery", [{"id": "TX-ROLLED-BACK-2", "status": "claimed"}])
        raise RuntimeError("a fault after the writes, before COMMIT")
    assert store.change_head() == head
    assert store.changes_since(head) == []
    assert not store.read_cypher("MATCH (d:Delivery) WHERE d.id STARTS WITH 'TX-ROLLED' RETURN d.id AS id")
    assert plain_state(mirror(store)) == before
    assert projection.head(store) == head


def test_a_bulk_entry_has_no_rows_and_the_projection_rebuilds(fresh_store, accounts):
    store = fresh_store
    projection.reset(store)
    mirror(store)
    head = store.change_head()
    old = store.bulk_rows
    store.bulk_rows = 2
    try:
        mu = accounts["maker"]["uscc"]
        sups = [r["u"] for r in store.read_cypher(
            "MATCH (e:Enterprise) WHERE e.uscc <> $m RETURN e.uscc AS u ORDER BY u LIMIT 3", {"m": mu})]
        rep = run_import(store, "supplies", csv_bytes(["供应商统一社会信用代码", "采购方统一社会信用代码", "年度", "采购金额（万元）"],
                                                      [[s, mu, 2024, 7.5] for s in sups]), "b.csv", actor="test")
        assert rep.status == "ok", rep.errors
    finally:
        store.bulk_rows = old
    (entry,) = store.changes_since(head)
    assert (entry.entity, entry.op, entry.rows) == ("SUPPLIES", "bulk", [])
    assert_current(store)
    # A process that knows the bulk change from the log only rebuilds (apply never sees it).
    projection.reset(store)
    assert_current(store)


def test_compaction_keeps_the_newest_and_a_later_build_is_identical(fresh_store, accounts):
    store = fresh_store
    projection.reset(store)
    mirror(store)
    some_writes(store, accounts, random.Random(5), 5)
    kept = plain_state(mirror(store))
    out = store.compact_changes(keep=2)
    assert out["entries"] == 2 and out["oldest"] == out["head"] - 1
    assert [c.seq for c in store.changes_since(0)] == [out["head"] - 1, out["head"]]
    # By age: nothing is older than a day, so nothing goes.
    assert store.compact_changes(keep=1, before="2000-01-01")["entries"] == 2
    projection.reset(store)
    assert plain_state(mirror(store)) == kept
    some_writes(store, accounts, random.Random(6), 3)
    assert_current(store)


def test_changelog_cli_compacts(fresh_store, accounts, tmp_path):
    from click.testing import CliRunner

    from graphsvc.cli import cli

    path = fresh_store.path.parent
    some_writes(fresh_store, accounts, random.Random(7), 3)
    head = fresh_store.change_head()
    fresh_store.close()
    env = {"GRAPHSVC_DATA_DIR": str(path), "GRAPHSVC_SECRET_KEY": TEST_SECRET}
    res = CliRunner().invoke(cli, ["changelog", "compact", "--keep", "1"], env=env)
    assert res.exit_code == 0, res.output
    assert f'"head": {head}, "entries": 1, "oldest": {head}' in res.output
    res = CliRunner().invoke(cli, ["changelog", "compact", "--keep", "0"], env=env)
    assert res.exit_code == 2 and "--keep" in res.output


def test_sigkill_under_writes_loses_no_acknowledged_write(demo_template, accounts, tmp_path):
    """gunicorn SIGKILLed while clients claim, confirm and read: after a restart every
    acknowledged write is there, and the projection (rebuilt) equals a fresh build."""
    data = _copy_data(demo_template, tmp_path / "db")
    env = {"GRAPHSVC_DATA_DIR": str(data), "GRAPHSVC_SECRET_KEY": TEST_SECRET,
           "GRAPHSVC_LOGIN_ATTEMPTS_PER_MINUTE": "1000"}
    port = free_port()
    srv = Gunicorn(port, env, tmp_path / "server.log", workers=1, threads=6)
    mu = accounts["maker"]["uscc"]
    acked: dict[str, str] = {}
    lock, stop = threading.Lock(), threading.Event()
    errors: list[str] = []

    def session(who: str) -> requests.Session:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {accounts[who]['token']}"
        return s

    def claimer():
        s = session("provider")
        while not stop.is_set():
            try:
                r = s.post(srv.url + "/api/v1/deliveries", json=claim_body(mu), timeout=30)
            except requests.RequestException:
                return
            if r.status_code == 201:
                with lock:
                    acked[r.json()["id"]] = "claimed"
            elif r.status_code != 503:
                errors.append(f"claim {r.status_code} {r.text[:200]}")

    def confirmer():
        s = session("maker")
        while not stop.is_set():
            with lock:
                claimed_ids = [d for d, st in acked.items() if st == "claimed"]
            if not claimed_ids:
                time.sleep(0.02)
                continue
            try:
                r = s.post(srv.url + f"/api/v1/deliveries/{claimed_ids[0]}/confirm", timeout=30)
            except requests.RequestException:
                return
            if r.status_code == 200:
                with lock:
                    acked[claimed_ids[0]] = "confirmed"

    def reader():
        while not stop.is_set():
            try:
                srv.probe()
            except (requests.RequestException, AssertionError):
                return

    threads = [threading.Thread(target=f) for f in (claimer, claimer, confirmer, reader)]
    for t in threads:
        t.start()
    try:
        deadline = time.time() + 120
        while time.time() < deadline and sum(v == "confirmed" for v in acked.values()) < 15:
            time.sleep(0.1)
        srv.kill()
    finally:
        stop.set()
        for t in threads:
            t.join(60)
        if srv.proc.poll() is None:
            srv.stop()
    assert not errors, errors[:3]
    with lock:
        snapshot = dict(acked)
    assert sum(v == "confirmed" for v in snapshot.values()) >= 15, snapshot

    srv = Gunicorn(port, env, tmp_path / "server.log", workers=1, threads=4)
    try:
        body = srv.probe(fresh=True)
        assert body["state"] == body["fresh"]
        stored = body["fresh"]["nodes"]["Delivery"]
        missing = [d for d in snapshot if d not in stored]
        assert not missing, f"{len(missing)} acknowledged claims lost: {missing[:5]}"
        wrong = [d for d, st in snapshot.items() if st == "confirmed" and stored[d]["status"] != "confirmed"]
        assert not wrong, f"acknowledged confirmations lost: {wrong[:5]}"
        # The log survived with the data: its head covers every write, and the restarted
        # worker's projection has no lag.
        assert body["status"]["lag"] == 0 and body["status"]["parts"][MIRROR.name]["lag"] == 0
        # New writes after the restart are followed as before.
        r = requests.post(srv.url + "/api/v1/deliveries", json=claim_body(mu), timeout=30,
                          headers={"Authorization": f"Bearer {accounts['provider']['token']}"})
        assert r.status_code == 201, r.text
        after = srv.probe(fresh=True)
        assert after["state"]["nodes"]["Delivery"][r.json()["id"]]["status"] == "claimed"
        assert after["state"] == after["fresh"]
    finally:
        srv.stop()


def test_log_rows_are_json_of_what_was_written(fresh_store):
    store = fresh_store
    head = store.change_head()
    rid = f"TR-{uuid.uuid4().hex[:8]}"
    uscc = store.read_cypher("MATCH (e:Enterprise) RETURN e.uscc AS u ORDER BY u LIMIT 1")[0]["u"]
    with store.transaction() as tx:
        tx.upsert_nodes("Recognition", [{"id": rid, "uscc": uscc, "kind": "智能工厂", "level": "市级",
                                         "status": "已认定", "year": 2025, "chain_id": None, "rating": None}])
        tx.replace_rels("HAS", [{"from": uscc, "to": rid}], mode="to")
    a, b = store.changes_since(head)
    assert (a.seq, a.entity, a.op) == (head + 1, "Recognition", "upsert")
    assert a.rows == [{"id": rid, "uscc": uscc, "kind": "智能工厂", "level": "市级", "status": "已认定",
                       "year": 2025, "chain_id": None, "rating": None}]
    assert (b.seq, b.entity, b.op, b.rows) == (head + 2, "HAS", "replace_to", [{"from": uscc, "to": rid}])
