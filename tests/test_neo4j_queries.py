"""Every queries/*.cypher file executes on Neo4j too, against the demo graph, inside a
transaction that is rolled back, with the arguments tests/test_queries_run.py gives LadybugDB."""
from __future__ import annotations

from tests.test_queries_run import QUERIES, run_every_query


def test_every_query_file_runs_on_neo4j(neo4j_demo, accounts):
    failures = run_every_query(neo4j_demo, accounts)
    assert not failures, "\n".join(failures)
    assert len(QUERIES) >= 60
    # Rolled back: the demo graph the other Neo4j tests read is as restored.
    assert neo4j_demo.read_one("deliveries/get", id="TQ-NEW-1") is None
