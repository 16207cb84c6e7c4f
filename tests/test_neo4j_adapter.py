"""The Neo4j adapter: every statement it generates is checked by
Neo4j's own Cypher front-end (the linter the queries/ files pass), and the adapter runs
against the session's real server.
"""
from __future__ import annotations

import json

from graphsvc.core import schema
from graphsvc.core.store.neo4j_store import Neo4jStore, Neo4jTx
from tests.test_cypher_lint import fmt, run_lint, schema_from_graphsvc


class RecordingTx:
    """Stands in for the driver's transaction: records each statement (the adapter code that
    builds them is the real one) and answers every statement with one row."""

    def __init__(self):
        self.statements: list[str] = []

    def run(self, cypher, params=None):
        self.statements.append(cypher)
        # One row for every probe, so that the statements run only on non-empty data are built too.
        return [{"x": 1, "k": "k"}]


class RecordingSession:
    def __init__(self, sink: list[str]):
        self.sink = sink

    def run(self, cypher, params=None):
        self.sink.append(cypher)

        class _R:
            def single(self):
                return {"x": 1}   # pretend every migration probe finds data, so it is emitted

        return _R()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def generated_statements() -> list[str]:
    rec = RecordingTx()
    tx = Neo4jTx(rec)
    for label, spec in schema.NODES.items():
        row = {p: None for p in spec["props"]}
        row[spec["key"]] = "k"
        tx.upsert_nodes(label, [row])
    for rel, spec in schema.RELS.items():
        row = {"from": "a", "to": "b", **{p: None for p in spec["props"]}}
        for mode in ("pair", "from", "to"):
            tx.replace_rels(rel, [row], mode=mode)
    ddl: list[str] = []
    store = Neo4jStore("bolt://127.0.0.1:1", "neo4j", "x")

    class Driver:
        def session(self):
            return RecordingSession(ddl)

    store._drv = lambda: Driver()
    store.ensure_schema()
    return sorted(set(rec.statements) | set(ddl))


def test_every_generated_statement_passes_neo4j_front_end(tmp_path):
    stmts = generated_statements()
    assert len(stmts) > 40
    files = []
    for i, s in enumerate(stmts):
        f = tmp_path / f"stmt_{i:03d}.cypher"
        f.write_text(s + "\n", encoding="utf-8")
        files.append(f)
    lint_schema = schema_from_graphsvc()
    # `from`/`to` are keys of the parameter rows (r.`from`), not graph properties.
    lint_schema["propertyKeys"] = sorted({*lint_schema["propertyKeys"], "from", "to"})
    (tmp_path / "schema.json").write_text(json.dumps(lint_schema), encoding="utf-8")
    code, diags, stderr = run_lint(files, "--schema", str(tmp_path / "schema.json"))
    errors = [d for d in diags if d["severity"] == "error"]
    assert not errors, "adapter statements rejected by Neo4j's front-end:\n" + fmt(errors) + "\n" + "\n".join(
        f"{f.name}: {f.read_text()}" for f in files if any(d["file"].endswith(f.name) for d in errors))
    assert code == 0, stderr


def test_neo4j_server_round_trip(neo4j_empty):
    empty_store = neo4j_empty   # the session's real Neo4j server (tests/engines.py)
    assert empty_store.engine == "neo4j"
    with empty_store.transaction() as tx:
        tx.upsert_nodes("Project", [{"id": "N1", "name": "甲"}, {"id": "N2", "name": "乙"}])
        tx.replace_rels("LEADS", [{"from": "N1", "to": "N2"}])
        tx.replace_rels("LEADS", [{"from": "N1", "to": "N2"}])
    assert empty_store.counts()["LEADS"] == 1
    assert empty_store.health()["ok"]
