"""Store semantics, imports, accounts and tokens on Neo4j: the LadybugDB modules' tests, run again
on the session's Neo4j server (tests/engines.py), plus what only a server engine has."""
from __future__ import annotations

from tests import test_auth, test_imports, test_store
from tests.engines import rerun_on_neo4j

rerun_on_neo4j(test_store, globals(), skip={
    "test_restore_refuses_a_damaged_backup": "needs two stores at once; see test_neo4j_backup.py",
    "test_unwritable_data_dir_is_reported_not_crashed": "about the embedded engine's directory",
})
rerun_on_neo4j(test_imports, globals(), skip={
    "test_reimporting_the_same_file_changes_nothing":
        "the same on Neo4j is in test_neo4j_equality.py, which imports the demo files there anyway",
})
rerun_on_neo4j(test_auth, globals())
