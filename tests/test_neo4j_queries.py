"""Every queries/*.cypher file executes on Neo4j too, against the demo graph, inside a
transaction that is rolled back, with the arguments tests/test_queries_run.py gives LadybugDB."""
from __future__ import annotations

import re

from graphsvc.store.base import load_query
from tests.test_queries_run import OVERRIDES, QUERIES, arguments


def test_every_query_file_runs_on_neo4j(neo4j_demo, accounts):
    args = arguments(accounts)
    failures = []
    for name in QUERIES:
        wanted = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", load_query(name)))
        missing = wanted - set(args)
        if missing:
            failures.append(f"{name}: no test argument for {sorted(missing)}")
            continue

        class Rollback(Exception):
            pass

        try:
            with neo4j_demo.transaction() as tx:
                tx.run(name, **{k: {**args, **OVERRIDES.get(name, {})}[k] for k in wanted})
                raise Rollback
        except Rollback:
            pass
        except Exception as exc:  # collected below, with the query named
            failures.append(f"{name}: {exc}")
    assert not failures, "\n".join(failures)
    assert len(QUERIES) >= 60
    # Rolled back: the demo graph the other Neo4j tests read is as restored.
    assert neo4j_demo.read_one("delivery_get", id="TQ-NEW-1") is None
