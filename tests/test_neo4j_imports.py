"""The order-capacity import on Neo4j (per-row refusals, nothing written on a bad file): the
LadybugDB module's tests, run again on the session's Neo4j server. test_imports runs there in
test_neo4j_store.py; the generated-file properties in test_neo4j_import_properties.py."""
from __future__ import annotations

from tests import test_orders_import
from tests.engines import rerun_on_neo4j

rerun_on_neo4j(test_orders_import, globals())
