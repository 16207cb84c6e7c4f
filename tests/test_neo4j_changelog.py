"""The change log on Neo4j: the store tests of test_changelog.py again, then what only a
database shared by several processes shows — concurrent writers get unique increasing
sequence numbers, another process's projection follows the log (and rebuilds when compaction
took what it lacked), and four gunicorn workers each answer every acknowledged write.
"""
from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from graphsvc.core import projection
from tests import test_changelog
from tests.changelog_app import MIRROR, Gunicorn, build, plain_state
from tests.conftest import TEST_SECRET, free_port
from tests.engines import rerun_on_neo4j
from tests.test_changelog import claim_body, differences, some_writes

rerun_on_neo4j(test_changelog, globals(), skip={
    "test_changelog_cli_compacts": "the CLI opens the store its environment names; the compaction itself "
                                   "(Store.compact_changes) runs on Neo4j in the compaction test"})


def test_concurrent_writers_get_unique_contiguous_sequences(neo4j_fresh):
    store = neo4j_fresh
    head = store.change_head()
    barrier = threading.Barrier(8)

    def writer(w: int) -> None:
        barrier.wait()
        for i in range(5):
            with store.transaction() as tx:
                tx.log_change("Recognition", "upsert", [{"id": f"W{w}-{i}"}])
                tx.log_change("HAS", "replace_to", [{"from": "x", "to": f"W{w}-{i}"}])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(writer, range(8)))
    logged = store.changes_since(head)
    assert [c.seq for c in logged] == list(range(head + 1, head + 81))
    # Each transaction's two entries are adjacent: one transaction holds the head's lock.
    for a, b in zip(logged[::2], logged[1::2]):
        assert (a.entity, b.entity) == ("Recognition", "HAS") and a.rows[0]["id"] == b.rows[0]["to"]
    assert store.change_head() == head + 80


def test_another_process_follows_the_log_and_rebuilds_after_compaction(neo4j_fresh, neo4j_server, accounts):
    """A second store object is another process's view: its own projection, kept current by
    reading the log; when compaction removed entries it had not read, it rebuilds."""
    writer = neo4j_fresh
    reader = neo4j_server.open()
    try:
        projection.reset(reader)
        projection.current(reader, MIRROR.name)
        rng = random.Random(3)
        for _ in range(3):
            some_writes(writer, accounts, rng, 4)
            got, want = projection.current(reader, MIRROR.name), build(reader)
            assert plain_state(got) == plain_state(want), differences(got, want)
            assert projection.status(reader)["lag"] == 0
        built = projection.status(reader)["parts"][MIRROR.name]["built_at"]
        some_writes(writer, accounts, rng, 4)
        writer.compact_changes(keep=1)
        got, want = projection.current(reader, MIRROR.name), build(reader)
        assert plain_state(got) == plain_state(want), differences(got, want)
        assert projection.head(reader) == writer.change_head()
        assert projection.status(reader)["parts"][MIRROR.name]["built_at"] > built  # rebuilt
    finally:
        projection.reset(reader)
        reader.close()


def test_four_workers_each_show_every_acknowledged_write(neo4j_fresh, neo4j_server, accounts, tmp_path):
    """`serve --workers 4` on Neo4j: a write acknowledged by one worker is in the answer of the
    next read, whichever worker serves it (every read on a new connection)."""
    run = neo4j_server.run
    env = {"GRAPHSVC_NEO4J_URI": run.uri, "GRAPHSVC_NEO4J_USER": run.user, "GRAPHSVC_NEO4J_PASSWORD": run.password,
           "GRAPHSVC_DATA_DIR": str(tmp_path / "data"), "GRAPHSVC_SECRET_KEY": TEST_SECRET,
           # Each worker warms the mirror only: the part the probes read. Four workers each
           # building every part on two cores took a minute before the first write.
           "GRAPHSVC_PROJECTION_WARM": MIRROR.name}
    srv = Gunicorn(free_port(), env, tmp_path / "server.log", workers=4, threads=2)
    try:
        pids = set()
        for _ in range(60):  # every worker builds its projection before the writes
            pids.add(srv.probe(delivery="")["pid"])
            if len(pids) == 4:
                break
        assert len(pids) >= 2, "the reads never reached a second worker"
        provider = {"Authorization": f"Bearer {accounts['provider']['token']}", "Connection": "close"}
        maker = {"Authorization": f"Bearer {accounts['maker']['token']}", "Connection": "close"}
        seen = set()
        for _ in range(3):
            r = requests.post(srv.url + "/api/v1/deliveries", json=claim_body(accounts["maker"]["uscc"]),
                              headers=provider, timeout=60)
            assert r.status_code == 201, r.text
            did = r.json()["id"]
            for _ in range(12):
                body = srv.probe(delivery=did)
                seen.add(body["pid"])
                assert body["state"]["nodes"]["Delivery"].get(did, {}).get("status") == "claimed", body["pid"]
            r = requests.post(srv.url + f"/api/v1/deliveries/{did}/confirm", headers=maker, timeout=60)
            assert r.status_code == 200, r.text
            for _ in range(12):
                body = srv.probe(delivery=did)
                seen.add(body["pid"])
                assert body["state"]["nodes"]["Delivery"][did]["status"] == "confirmed", body["pid"]
        assert len(seen) >= 2, seen
        body = srv.probe(fresh=True)
        assert body["state"] == body["fresh"]
        assert body["status"]["lag"] == 0
    finally:
        srv.stop()
