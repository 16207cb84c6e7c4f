"""The Arrow-buffer USCC check (`plain_valid_usccs_arrow`, which the importer runs on each
column's distinct cell texts) agrees with python-stdnum, as `plain_valid_usccs` does, on
arrays that start anywhere in their buffers and hold nulls."""
from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from graphsvc.core.coercion import plain_valid_usccs_arrow
from tests.test_ingest_columnar import _SETTINGS, _stdnum_plain, usccs


@_SETTINGS
@given(st.lists(st.one_of(st.none(), usccs), max_size=20), st.integers(0, 5))
def test_arrow_uscc_check_agrees_with_stdnum(values, skip):
    arr = pa.array(values, pa.string()).slice(min(skip, len(values)))
    got = plain_valid_usccs_arrow(arr).tolist()
    assert got == [v is not None and _stdnum_plain(v) for v in values[min(skip, len(values)):]]
