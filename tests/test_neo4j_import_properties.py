"""Imports of generated files on Neo4j: every valid file reads back exactly (through the
driver's type mapping), one bad row fails the whole file naming row and field and writes
nothing, and a column present but empty on every row is stored as NULL (issue 13 item 4).

The test bodies are test_import_properties', unchanged. As there, one store serves the whole
module (every generated file uses new codes): emptying Neo4j of the demo graph costs tens of
seconds, so it is done once. `threshold` (LadybugDB's bulk-write switch) is an attribute the
Neo4j adapter does not read.
"""
from __future__ import annotations

import pytest

from tests import test_import_properties as props

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gen_store(neo4j_server):
    """The Neo4j store with reference data only, for the whole module."""
    return neo4j_server.empty()


test_every_valid_file_imports_and_reads_back_exactly = props.test_every_valid_file_imports_and_reads_back_exactly
test_one_bad_row_fails_the_whole_file_naming_it_and_writes_nothing = \
    props.test_one_bad_row_fails_the_whole_file_naming_it_and_writes_nothing


@pytest.mark.parametrize("kind", list(props.KIND_FILES))
def test_every_optional_column_empty_on_every_row_is_null(gen_store, kind):
    props.test_every_optional_column_empty_on_every_row_is_null(gen_store, kind, threshold=2000)
