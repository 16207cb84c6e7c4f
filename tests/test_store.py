"""Store semantics on the real engine: transactions, upserts, relationship modes, backup."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from graphsvc.core.backup import BackupError, backup, restore
from graphsvc.core.store import StoreUnavailable, open_store
from tests.conftest import NEO4J, ROOT, make_settings, open_test_store


def test_transaction_rolls_back_on_error(empty_store):
    before = empty_store.counts()
    with pytest.raises(RuntimeError), empty_store.transaction() as tx:
        tx.upsert_nodes("Chain", [{"id": "TMP", "name": "临时", "ecosystem": None}])
        raise RuntimeError("boom")
    assert empty_store.counts() == before


def test_upsert_only_sets_given_columns(empty_store):
    with empty_store.transaction() as tx:
        tx.upsert_nodes("Project", [{"id": "P1", "name": "甲", "investment_wan": 200.0}])
    with empty_store.transaction() as tx:
        res = tx.upsert_nodes("Project", [{"id": "P1", "name": "乙"}])
    assert res == {"created": 0, "updated": 1}
    (p,) = empty_store.dump_nodes("Project")
    assert p["name"] == "乙" and p["investment_wan"] == 200.0


def test_relationship_modes(empty_store):
    with empty_store.transaction() as tx:
        tx.upsert_nodes("Project", [{"id": i} for i in ("A", "B", "C")])
        tx.replace_rels("LEADS", [{"from": "A", "to": "B"}, {"from": "A", "to": "C"}])
        tx.replace_rels("LEADS", [{"from": "A", "to": "B"}])          # pair: no duplicate
    assert empty_store.counts()["LEADS"] == 2
    with empty_store.transaction() as tx:
        tx.replace_rels("LEADS", [{"from": "A", "to": "C"}], mode="from")  # A's set is now {C}
    assert [(r["from"], r["to"]) for r in empty_store.dump_rels("LEADS")] == [("A", "C")]


def test_parallel_reads_while_writing(store):
    """Readers on several threads alongside the writer lock (gunicorn threads do this)."""
    errors = []

    def reader():
        try:
            for _ in range(20):
                assert store.read_one("enterprises/list", prefix="3301", uscc=None, q=None,
                                      provider_type=None, after=None, limit=1)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_bulk_reads_see_every_committed_change_and_hold_writers_off(fresh_store):
    """#12: the build at start reads through Store.bulk_reads (on LadybugDB a read-only handle
    closed afterwards, so the engine's pages it read are handed back): what was committed
    before is there, a writer waits until the reads end, and writes afterwards land."""
    def ids():
        return {r["id"] for r in fresh_store.read_cypher("MATCH (p:Project) WHERE p.id STARTS WITH 'BULK' RETURN p.id AS id")}

    with fresh_store.transaction() as tx:
        tx.upsert_nodes("Project", [{"id": "BULK1", "name": "批量读取前"}])
    go, done = threading.Event(), threading.Event()

    def writer():
        go.wait(30)
        with fresh_store.transaction() as tx:
            tx.upsert_nodes("Project", [{"id": "BULK2", "name": "批量读取时"}])
        done.set()

    t = threading.Thread(target=writer)
    t.start()
    with fresh_store.bulk_reads():
        assert ids() == {"BULK1"}
        go.set()
        if fresh_store.engine == "ladybug":   # Neo4j: the same handle, writers go on
            assert not done.wait(0.5), "a write landed while the read-only handle was open"
            assert ids() == {"BULK1"}
    t.join(30)
    assert done.is_set() and ids() == {"BULK1", "BULK2"}
    if fresh_store.engine == "ladybug":
        # The process still holds the database's lock: closing a descriptor of the file in this
        # process would have dropped it, and a second process would open the database to write.
        probe = subprocess.run([sys.executable, "-c", f"import ladybug; ladybug.Database({str(fresh_store.path)!r})"],
                               capture_output=True, text=True, timeout=120)
        assert probe.returncode != 0 and "lock" in probe.stderr.lower(), probe.stderr[-500:]
    with fresh_store.transaction() as tx:
        tx.upsert_nodes("Project", [{"id": "BULK3", "name": "批量读取后"}])
    assert ids() == {"BULK1", "BULK2", "BULK3"}


def test_backup_restore_roundtrip_reproduces_the_graph(store, tmp_path):
    manifest = backup(store, tmp_path / "bk")
    assert manifest["files"]["node_Account.csv"]["count"] >= 6
    assert manifest["files"]["node_AuditEvent.csv"]["count"] > 0
    target = open_test_store(tmp_path / "restored")
    try:
        restore(target, tmp_path / "bk")
        assert target.counts() == store.counts()
        for label in ("Enterprise", "Delivery", "Account", "Token", "Project", "Recognition"):
            assert target.dump_nodes(label) == store.dump_nodes(label), label
        key = lambda r: tuple(str(v) for v in r.values())
        for rel in ("SUPPLIES", "ORGANIZES", "LEADS", "FOR"):
            assert sorted(target.dump_rels(rel), key=key) == sorted(store.dump_rels(rel), key=key), rel
        with pytest.raises(BackupError, match="empty store"):
            restore(target, tmp_path / "bk")
    finally:
        target.close()


def test_restore_refuses_a_damaged_backup(store, tmp_path, empty_store):
    backup(store, tmp_path / "bk")
    with (tmp_path / "bk" / "node_Enterprise.csv").open("a") as fh:
        fh.write("tampered\n")
    with pytest.raises(BackupError, match="checksum"):
        restore(empty_store, tmp_path / "bk")


@pytest.mark.skipif(bool(NEO4J), reason="kills an embedded writer process")
def test_sigkill_during_import_leaves_the_database_as_before(demo_template, demo_files, tmp_path):
    """A writer killed mid-import: on reopen the graph is exactly as before the import."""
    from tests.conftest import _copy_data

    d = _copy_data(demo_template, tmp_path / "db")
    s = open_test_store(d)
    before = s.counts()
    s.close()
    # Make a big supplies file (every row valid) so the write phase takes a while.
    lines = (demo_files / "supplies.csv").read_text().splitlines()
    head, body = lines[0], lines[1:]
    big = tmp_path / "supplies.csv"
    big.write_text(head + "\n" + "\n".join(
        ",".join([*r.split(",")[:2], str(int(r.split(",")[2]) + 5 * k), *r.split(",")[3:]])
        for k in range(8) for r in body) + "\n")
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from tests.conftest import open_test_store
        from loaders.importer import run_import
        s = open_test_store(Path({str(d)!r}))
        orig = s.transaction
        from contextlib import contextmanager
        @contextmanager
        def slow_tx():
            with orig() as tx:
                real = tx.replace_rels
                def replace_rels(*a, **k):
                    n = real(*a, **k)
                    print("WROTE", flush=True)  # rows are in the open transaction now
                    time.sleep(60)
                    return n
                tx.replace_rels = replace_rels
                yield tx
        s.transaction = slow_tx
        run_import(s, "supplies", Path({str(big)!r}).read_bytes(), "supplies.csv")
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if line != "WROTE":
        proc.kill()
        pytest.fail(f"the importer did not reach the write phase: {proc.stderr.read()[-2000:]}")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    s = open_test_store(d)
    try:
        assert s.counts() == before
    finally:
        s.close()


def test_unwritable_data_dir_is_reported_not_crashed(tmp_path):
    if os.geteuid() == 0:
        # root ignores permissions: use a path below a regular file instead.
        blocker = tmp_path / "file"
        blocker.write_text("x")
        data = blocker / "data"
    else:
        data = tmp_path / "ro"
        data.mkdir()
        data.chmod(0o500)
    s = open_store(make_settings(data))
    h = s.health()
    assert h["ok"] is False and h["detail"]
    with pytest.raises(StoreUnavailable):
        s.read_cypher("RETURN 1 AS x")


def test_health_is_503_when_the_store_cannot_open(tmp_path):
    from web import create_app

    blocker = tmp_path / "file"
    blocker.write_text("x")
    app = create_app(make_settings(blocker / "data"))
    r = app.test_client().get("/api/v1/health")
    assert r.status_code == 503
    # Only "fault": the data path and any lock holder's PID go to the log, not to callers.
    assert r.json == {"status": "fault"}


def test_neo4j_unreachable_reports_what_to_fix():
    from graphsvc.core.store.neo4j_store import Neo4jStore

    s = Neo4jStore("bolt://127.0.0.1:1", "neo4j", "x")
    h = s.health()
    assert h["ok"] is False and "GRAPHSVC_NEO4J_URI" in h["detail"]


def test_cli_user_token_and_import(tmp_path, demo_files):
    env = {**os.environ, "GRAPHSVC_DATA_DIR": str(tmp_path / "cli")}
    run = lambda *a, stdin=None: subprocess.run([sys.executable, "-m", "graphsvc.cli", *a], cwd=ROOT, env=env,
                                                capture_output=True, text=True, timeout=120, input=stdin)
    r = run("import", "enterprises", str(demo_files / "enterprises.csv"))
    assert r.returncode == 0 and "accepted 3000" in r.stdout, r.stderr
    r = run("import", "supplies", str(demo_files / "memberships.csv"))
    assert r.returncode == 1 and "缺少必填列" in r.stdout
    r = run("import", "widgets", str(demo_files / "memberships.csv"))
    assert r.returncode == 2 and "未知的导入类型" in r.stderr
    assert run("user", "add", "amy", "--role", "bureau", "--password-stdin",
               "--scope", "330100", stdin="pw-long-enough-7\n").returncode == 0
    r = run("user", "add", "bob", "--role", "bureau", "--password-stdin", stdin="pw-long-enough-7\n")
    assert r.returncode == 2 and "--scope" in r.stderr
    # Passwords are never arguments; weak ones and zero-day tokens are refused (issue #25.18).
    assert run("user", "add", "cy", "--role", "bureau", "--password", "x" * 12, "--scope", "330100").returncode == 2
    r = run("user", "add", "cy", "--role", "bureau", "--password-stdin", "--scope", "330100", stdin="cy\n")
    assert r.returncode == 2 and "at least 10" in r.stderr
    r = run("user", "add", "cy", "--role", "bureau", "--password-stdin", "--scope", "330100", stdin="qwertyuiop\n")
    assert r.returncode == 2 and "common" in r.stderr
    assert run("token", "create", "amy", "--days", "0").returncode == 2
    assert run("token", "create", "amy", "--days", "-1").returncode == 2
    r = run("token", "create", "amy")
    tok = r.stdout.strip().splitlines()[-1]
    assert tok.startswith("gs_")
    assert "revoked 1" in run("token", "revoke", tok).stdout
    assert "amy\tbureau\t330100\tactive" in run("user", "list").stdout
    assert run("user", "disable", "amy").returncode == 0
    assert "disabled" in run("user", "list").stdout
    r = run("backup", str(tmp_path / "bk"))
    assert r.returncode == 0 and (tmp_path / "bk" / "manifest.json").exists()


def test_a_database_from_an_earlier_release_gains_every_later_property(tmp_path):
    """A LadybugDB file made before `former_names` and `employees` existed opens with both
    columns added (empty) and its rows kept, so reads and imports that name them work."""
    import ladybug

    from graphsvc.core import schema

    db = ladybug.Database(str(tmp_path / "graph.lbdb"))
    conn = ladybug.Connection(db)
    old = {p: t for p, t in schema.NODES["Enterprise"]["props"].items() if p not in ("former_names", "employees")}
    conn.execute(f"CREATE NODE TABLE Enterprise({', '.join(f'{p} {t}' for p, t in old.items())}, PRIMARY KEY(uscc))")
    conn.execute("CREATE (:Enterprise {uscc: '91330100MA2EXAMPL1', name: '旧库企业', region_code: '330106'})")
    conn.close()
    db.close()

    store = open_test_store(tmp_path)
    try:
        rows = store.read_cypher("MATCH (e:Enterprise {uscc: '91330100MA2EXAMPL1'}) "
                                 "RETURN e.name AS name, e.former_names AS former, e.employees AS staff")
        assert rows == [{"name": "旧库企业", "former": None, "staff": None}]
        with store.transaction() as tx:
            tx.upsert_nodes("Enterprise", [{"uscc": "91330100MA2EXAMPL1", "former_names": ["旧名"]}])
        assert store.read_cypher("MATCH (e:Enterprise {uscc: '91330100MA2EXAMPL1'}) "
                                 "RETURN e.former_names AS f, e.name AS n") == [{"f": ["旧名"], "n": "旧库企业"}]
    finally:
        store.close()
