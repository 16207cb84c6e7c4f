"""The delivery ledger on Neo4j: the LadybugDB module's transition tests, and concurrent
confirmation decided by the database alone (the Neo4j adapter takes no Python lock)."""
from __future__ import annotations

from tests import test_ledger
from tests.engines import rerun_on_neo4j

rerun_on_neo4j(test_ledger, globals(), skip={
    "test_cli_confirm_and_assessment": "closes the store and opens its directory from the CLI",
})
