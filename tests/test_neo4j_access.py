"""The access matrix (tests/access/*.yaml) on Neo4j: every API operation × every caller, over
real HTTP, against a real gunicorn serving graphsvc from the session's Neo4j server.

The rows and the test body are test_access_matrix's, unchanged; only `server` differs. Its demo
graph is restored from the same backup as every Neo4j demo graph, and put back afterwards.
"""
from __future__ import annotations

import pytest

from tests import test_access_matrix
from tests.conftest import Server


@pytest.fixture(scope="module")
def server(neo4j_server, neo4j_demo_backup, tmp_path_factory):
    """graphsvc under gunicorn on Neo4j holding the demo graph; the rows may write to it."""
    neo4j_server.demo()
    d = tmp_path_factory.mktemp("server-neo4j")
    srv = Server(d, d / "server.log", env=neo4j_server.run.env())
    yield srv
    srv.stop()
    neo4j_server.state = "changed-demo"


test_access = test_access_matrix.test_access
