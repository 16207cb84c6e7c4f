"""The access matrix (tests/access/*.yaml) and accounts online on Neo4j: every API operation ×
every caller, account administration, password resets and tokens, over real HTTP against a real
gunicorn serving graphsvc from the session's Neo4j server.

The rows and the test bodies are test_access_matrix's and test_users_api's, unchanged; only
`server` (and `api` on it) differ. Its demo graph is restored from the same backup as every Neo4j
demo graph, and put back afterwards. The matrix runs first: the account tests add accounts.
"""
from __future__ import annotations

import pytest

from tests import test_access_matrix, test_users_api
from tests.conftest import Client, Server


@pytest.fixture(scope="module")
def server(neo4j_server, neo4j_demo_backup, tmp_path_factory):
    """graphsvc under gunicorn on Neo4j holding the demo graph; the rows may write to it."""
    neo4j_server.demo()
    d = tmp_path_factory.mktemp("server-neo4j")
    # Two workers, not serve's 2 x cores + 1: the rows still meet several processes sharing the
    # one database, and each worker builds every projection part it serves from Neo4j.
    srv = Server(d, d / "server.log", env=neo4j_server.run.env(), workers=2)
    yield srv
    srv.stop()
    neo4j_server.state = "changed-demo"


@pytest.fixture(scope="module")
def api(server, accounts):
    """api("maker").get(...) — as the session's `api`, on the Neo4j server."""

    def make(username: str | None):
        return Client(server.url, accounts[username]["token"] if username else None)

    return make


test_access = test_access_matrix.test_access
# Not the browser test (the pages are the same code on either engine) nor the CLI one (embedded).
test_session_api_calls_wait_for_the_password_change = test_users_api.test_session_api_calls_wait_for_the_password_change
test_bureau_account_administrator_stays_in_its_region = test_users_api.test_bureau_account_administrator_stays_in_its_region
test_reset_password_ends_the_old_one_and_requires_a_change = \
    test_users_api.test_reset_password_ends_the_old_one_and_requires_a_change
test_tokens_belong_to_their_owner = test_users_api.test_tokens_belong_to_their_owner
test_create_refusals_name_the_field = test_users_api.test_create_refusals_name_the_field
