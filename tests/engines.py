"""The second engine in the same run: a real Neo4j 5.26 server for the whole session (one per
pytest-xdist worker that runs Neo4j tests: `make test` splits them into two units, conftest's
xdist_scope).

The server is tools/neo4j-server (the Neo4j kernel and Bolt connector from Maven Central),
reached through the official driver exactly as in production. If `make neo4j` has already
started one (its variables in .neo4j/env answer), a run without pytest-xdist uses it, else the
process starts its own and stops it at the end. If the server cannot be built or started, every Neo4j test FAILS with
the reason: nothing is skipped.

Neo4j Community has one user database, so the Neo4j fixtures share it and put it in the state
the test asks for: `neo4j_empty` (reference data only), `neo4j_demo` (the demo graph, read
only) and `neo4j_fresh` (the demo graph, the test may change it). The demo graph reaches Neo4j
the way a deployment moves there: `graphsvc backup` of the embedded demo store, restored on Neo4j.

Test modules named test_neo4j_*.py run tests of the LadybugDB modules again by importing them
and overriding `store` / `fresh_store` / `empty_store` with these fixtures.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import neo4j_server as n4  # noqa: E402  (tools/ is not a package)

MAKE_ENV = ROOT / ".neo4j" / "env"
ENGINE_FIXTURES = {"neo4j": {"neo4j_server"},
                   "ladybug": {"store", "fresh_store", "empty_store", "demo_template", "server"}}


def _reuse_make_server():
    """The server `make neo4j` started, if its env file is there and it answers, and this is not
    a pytest-xdist worker: `make test` runs the Neo4j files in two workers, each on its own
    server, which must not share one database."""
    import os

    if not MAKE_ENV.exists() or os.environ.get("PYTEST_XDIST_WORKER"):
        return None
    env = n4.read_env(MAKE_ENV)
    try:
        n4.wait_bolt(env["GRAPHSVC_NEO4J_URI"], env["GRAPHSVC_NEO4J_USER"],
                               env["GRAPHSVC_NEO4J_PASSWORD"], timeout=5)
    except (n4.ServerError, KeyError):
        return None
    return n4.Running(env["GRAPHSVC_NEO4J_URI"], env["GRAPHSVC_NEO4J_USER"],
                                env["GRAPHSVC_NEO4J_PASSWORD"], pid=0, home=MAKE_ENV.parent)


class Neo4jSession:
    """The session's server plus the state its one database is in."""

    def __init__(self, run: n4.Running, owned: bool):
        self.run, self.owned = run, owned
        self.state: str | None = None
        self.demo_backup: Path | None = None
        self._store = None
        # name -> digest of each node label's and relationship type's rows when the database last
        # held exactly the demo backup (_fingerprints); empty when it does not
        self._demo_prints: dict[str, str] = {}
        self._backup_rows: dict[str, list[dict]] = {}  # the backup's files, read once

    def open(self):
        from graphsvc.core.store.neo4j_store import Neo4jStore

        return Neo4jStore(self.run.uri, self.run.user, self.run.password)

    @property
    def store(self):
        if self._store is None:
            self._store = self.open()
        return self._store

    def empty(self):
        from graphsvc.core.reference_graph import ensure_reference

        self.store.drop_all()
        _behind_the_log(self.store)
        ensure_reference(self.store)
        self.state = "dirty"
        self._demo_prints = {}
        return self.store

    def demo(self):
        from graphsvc.core.backup import restore

        if self.state == "demo":
            return self.store
        assert self.demo_backup, "the demo backup is made by the neo4j_demo_backup fixture"
        if self.state == "changed-demo" and self._undo_changes():
            self.state = "demo"
            return self.store
        self.store.drop_all()
        _behind_the_log(self.store)
        restore(self.store, self.demo_backup)
        self.state = "demo"
        self._demo_prints = self._fingerprints()
        return self.store

    def _fingerprints(self, names=None) -> dict[str, str]:
        """A digest of the stored rows of each node label and relationship type (`names`, default
        all): one record per label, the server collecting the rows, instead of a record per row."""
        import hashlib

        from graphsvc.core import schema

        def digest(rows) -> str:
            return hashlib.sha256("\n".join(sorted(map(repr, rows))).encode()).hexdigest()

        queries = {label: f"MATCH (n:{label}) RETURN collect([{', '.join(f'n.{p}' for p in spec['props'])}])"
                   for label, spec in schema.NODES.items()}
        for rel, spec in schema.RELS.items():
            fk, tk = schema.key_of(spec["from"]), schema.key_of(spec["to"])
            props = "".join(f", r.{p}" for p in spec["props"])
            queries[rel] = f"MATCH (a:{spec['from']})-[r:`{rel}`]->(b:{spec['to']}) RETURN collect([a.{fk}, b.{tk}{props}])"
        with self.store._drv().session() as s:
            return {name: digest(s.run(q).single()[0]) for name, q in queries.items() if names is None or name in names}

    def _backup(self, name: str, columns: dict) -> list[dict]:
        from graphsvc.core.backup import _read

        if name not in self._backup_rows:
            self._backup_rows[name] = _read(self.demo_backup / f"{name}.csv", columns)
        return self._backup_rows[name]

    def _undo_changes(self) -> bool:
        """Put back the demo graph after a test changed a few records: compare every node and
        edge of the labels and types whose rows differ from the demo's (their digests) with the
        backup and rewrite only what differs (a full restore costs ~10 s, this ~1 s). True when
        the graph then matches the backup's counts."""
        import json

        from graphsvc.core import schema

        st = self.store
        manifest = json.loads((self.demo_backup / "manifest.json").read_text(encoding="utf-8"))
        now = self._fingerprints()
        differ = {name for name, d in now.items() if self._demo_prints.get(name) != d}
        with st.transaction() as tx:
            for label, spec in schema.NODES.items():
                if label not in differ:
                    continue
                key = spec["key"]
                want = {r[key]: r for r in self._backup(f"node_{label}", spec["props"])}
                have = {r[key]: r for r in st.dump_nodes(label)}
                extra = [k for k in have if k not in want]
                if extra:
                    tx.run_cypher(f"UNWIND $keys AS k MATCH (n:{label} {{{key}: k}}) DETACH DELETE n",
                                  {"keys": extra})
                changed = [r for k, r in want.items() if have.get(k) != r]
                tx.upsert_nodes(label, changed)
            for rel, spec in schema.RELS.items():
                if rel not in differ:
                    continue
                cols = {"from": "STRING", "to": "STRING", **spec["props"]}
                want = _pairs(self._backup(f"rel_{rel}", cols))
                have = _pairs(tx.run_cypher(_dump_rels_cypher(rel)))
                touched = [p for p in set(want) | set(have) if _sorted(want.get(p)) != _sorted(have.get(p))]
                if touched:
                    tx.run_cypher(_delete_pairs_cypher(rel), {"rows": [{"from": a, "to": b} for a, b in touched]})
                    tx.replace_rels(rel, [r for p in touched for r in want.get(p, [])])
        _behind_the_log(st)
        counts = st.counts()
        if not all(counts[meta["name"]] == meta["count"] for meta in manifest["files"].values()):
            return False
        self._demo_prints = {**now, **self._fingerprints(differ)}
        return True

    def down(self) -> None:
        """Stop the session's server (fault tests); up() starts it again on the same data. The
        server `make neo4j` started too: it comes back on its port and password, so .neo4j/env
        stays true (and `make neo4j-stop` still stops it, through .neo4j/pid)."""
        if not n4.stop(self.run.home):
            pytest.fail(f"no Neo4j server with its data in {self.run.home} was running to stop")

    def up(self) -> None:
        """Start the server again on the same data directory, port and password, so that a
        client that was connected before (a running graphsvc) can reconnect by itself."""
        port = int(self.run.uri.rsplit(":", 1)[1])
        self.run = n4.start(self.run.home, port=port, wipe=False, password=self.run.password)

    def restart(self) -> None:
        self.down()
        self.up()


def _behind_the_log(store) -> None:
    """The harness deleted nodes and edges with raw Cypher, which records no change: the
    in-memory projections are forgotten, to be built again from the graph on their next read."""
    from graphsvc.core import projection

    projection.reset(store)


def _pairs(rows) -> dict:
    out: dict = {}
    for r in rows:
        out.setdefault((r["from"], r["to"]), []).append(r)
    return out


def _sorted(rows):
    return sorted(tuple(sorted((k, repr(v)) for k, v in r.items())) for r in rows or [])


def _dump_rels_cypher(rel: str) -> str:
    from graphsvc.core import schema

    spec = schema.RELS[rel]
    fk, tk = schema.key_of(spec["from"]), schema.key_of(spec["to"])
    props = "".join(f", r.{p} AS {p}" for p in spec["props"])
    return (f"MATCH (a:{spec['from']})-[r:`{rel}`]->(b:{spec['to']}) "
            f"RETURN a.{fk} AS `from`, b.{tk} AS `to`{props}")


def _delete_pairs_cypher(rel: str) -> str:
    from graphsvc.core import schema

    spec = schema.RELS[rel]
    fk, tk = schema.key_of(spec["from"]), schema.key_of(spec["to"])
    return (f"UNWIND $rows AS r MATCH (a:{spec['from']} {{{fk}: r.`from`}})-[e:`{rel}`]->"
            f"(b:{spec['to']} {{{tk}: r.`to`}}) DELETE e")


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory):
    """The session's Neo4j server (Neo4jSession)."""
    run = _reuse_make_server()
    owned = run is None
    if owned:
        try:
            run = n4.start(tmp_path_factory.mktemp("neo4j"))
        except n4.ServerError as exc:
            pytest.fail(f"the Neo4j test server could not be started: {exc}", pytrace=False)
    sess = Neo4jSession(run, owned)
    yield sess
    if sess._store is not None:
        sess._store.close()
    if owned:
        n4.stop(sess.run.home)


@pytest.fixture(scope="session")
def neo4j_demo_backup(neo4j_server, demo_template, tmp_path_factory):
    """`graphsvc backup` of the embedded demo store: what every Neo4j demo graph is restored from."""
    from graphsvc.core.backup import backup
    from tests.conftest import _copy_data, open_test_store

    # Not the `store` fixture: in a test_neo4j_* module that name means the Neo4j store.
    lb = open_test_store(_copy_data(demo_template, tmp_path_factory.mktemp("demo-ladybug")))
    d = tmp_path_factory.mktemp("demo-backup")
    try:
        backup(lb, d)
    finally:
        lb.close()
    neo4j_server.demo_backup = d
    return d


@pytest.fixture
def neo4j_empty(neo4j_server):
    """The Neo4j store holding reference data only."""
    return neo4j_server.empty()


@pytest.fixture
def neo4j_demo(neo4j_server, neo4j_demo_backup):
    """The Neo4j store holding the demo graph; do not write to it."""
    return neo4j_server.demo()


@pytest.fixture
def neo4j_fresh(neo4j_server, neo4j_demo_backup):
    """The Neo4j store holding the demo graph; the test may change it."""
    yield neo4j_server.demo()
    neo4j_server.state = "changed-demo"


def engine_of(item) -> str | None:
    names = set(getattr(item, "fixturenames", ()))
    if names & ENGINE_FIXTURES["neo4j"]:
        return "neo4j"
    if names & ENGINE_FIXTURES["ladybug"]:
        return "ladybug"
    return None


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes tens of seconds (a whole demo import on Neo4j)")


def _neo4j_state_rank(item) -> int:
    names = set(getattr(item, "fixturenames", ()))
    return 2 if names & {"empty_store", "neo4j_empty"} else 1 if names & {"fresh_store", "neo4j_fresh"} else 0


def pytest_collection_modifyitems(config, items):
    for item in items:
        engine = engine_of(item)
        if engine:
            item.user_properties.append(("engine", engine))
    # Within each test_neo4j_* module: readers of the demo graph, then the tests that change it,
    # then those that start empty, so that the one database is rebuilt least often. A module
    # that follows one ending empty starts with its own empty tests instead (readers, changers
    # last): restoring the demo graph from empty costs a full restore (~5-10 s), from a changed
    # demo graph a repair of what changed, so every second module needs no full restore.
    from tests.conftest import xdist_scope

    first: dict = {}
    ranks: dict = {}
    for i, it in enumerate(items):
        path = it.nodeid.split("::")[0]
        first.setdefault(path, i)
        ranks.setdefault(path, set()).add(_neo4j_state_rank(it))
    empty_first: set = set()
    ended_empty: dict[str, bool] = {}  # per Neo4j unit: its modules run in order on one server
    for path in sorted((p for p in first if Path(p).name.startswith("test_neo4j_")), key=first.get):
        unit = xdist_scope(path)
        if ended_empty.get(unit) and 2 in ranks[path]:
            empty_first.add(path)
            ended_empty[unit] = ranks[path] == {2}
        else:
            ended_empty[unit] = 2 in ranks[path]

    def key(pair):
        i, it = pair
        path = it.nodeid.split("::")[0]
        if Path(path).name.startswith("test_neo4j_"):
            rank = _neo4j_state_rank(it)
            return (first[path], (rank + 1) % 3 if path in empty_first else rank, i)
        return (i, 0, i)

    items[:] = [it for _, it in sorted(enumerate(items), key=key)]


def pytest_terminal_summary(terminalreporter):
    """How many engine-dependent tests ran on each engine (the suite's promise is: both)."""
    tally: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for rep in terminalreporter.stats.get(outcome, []):
            if getattr(rep, "when", "call") != "call" and outcome == "passed":
                continue
            engine = dict(getattr(rep, "user_properties", ())).get("engine")
            if engine:
                tally.setdefault(engine, {}).setdefault(outcome, 0)
                tally[engine][outcome] += 1
    if tally:
        line = "; ".join(f"{e}: " + ", ".join(f"{n} {o}" for o, n in sorted(c.items()))
                         for e, c in sorted(tally.items()))
        terminalreporter.write_line(f"engine-dependent tests — {line}")



STORE_FIXTURES = {"store", "fresh_store", "empty_store"}
LADYBUG_ONLY = {"server", "api", "page_as", "demo_template"}


def rerun_on_neo4j(module, namespace: dict, *, skip: dict[str, str] | None = None) -> None:
    """Collect `module`'s store tests again in the test_neo4j_* module whose globals are
    `namespace`, with `store`, `fresh_store` and `empty_store` meaning the Neo4j store there.

    The test bodies are the LadybugDB ones, unchanged: the same assertions hold on both engines.
    `skip` names tests left out, each with the reason (they test the embedded engine itself).
    """
    import inspect

    skip = skip or {}
    fixtures = {n: o for n, o in vars(module).items() if _is_fixture(o)}

    def needs(params: set, seen: frozenset = frozenset()) -> set:
        """The conftest fixtures `params` reach through the module's own fixtures."""
        out = set(params)
        for p in params & set(fixtures) - seen:
            out |= needs(set(inspect.signature(fixtures[p]).parameters), seen | {p})
        return out

    namespace.update({n: o for n, o in fixtures.items() if n not in namespace})
    for name, obj in vars(module).items():
        if name.startswith("test_") and callable(obj) and name not in skip:
            used = needs(set(inspect.signature(obj).parameters))
            if used & STORE_FIXTURES and not used & LADYBUG_ONLY:
                namespace[name] = obj
    namespace.update(_store_overrides())


def _is_fixture(obj) -> bool:
    try:
        from _pytest.fixtures import FixtureFunctionDefinition
    except ImportError:  # pytest < 8.4
        return hasattr(obj, "_pytestfixturefunction")
    return isinstance(obj, FixtureFunctionDefinition)


def _store_overrides() -> dict:
    # Made per call: defined at module level they would replace the LadybugDB fixtures everywhere.
    # `store` is module-scoped like the module fixtures built on it (indexes, recount frames);
    # the autouse fixture puts the demo graph back before each test that reads it.
    @pytest.fixture(name="store", scope="module")
    def store_on_neo4j(neo4j_server, neo4j_demo_backup):
        return neo4j_server.demo()

    @pytest.fixture(name="fresh_store")
    def fresh_store_on_neo4j(neo4j_fresh):
        return neo4j_fresh

    @pytest.fixture(name="empty_store")
    def empty_store_on_neo4j(neo4j_empty):
        return neo4j_empty

    @pytest.fixture(autouse=True)
    def neo4j_demo_unless_changed(request, neo4j_server, neo4j_demo_backup):
        if not {"fresh_store", "empty_store"} & set(request.fixturenames):
            neo4j_server.demo()

    return {"_store_on_neo4j": store_on_neo4j, "_fresh_store_on_neo4j": fresh_store_on_neo4j,
            "_empty_store_on_neo4j": empty_store_on_neo4j, "_neo4j_demo_unless_changed": neo4j_demo_unless_changed}
