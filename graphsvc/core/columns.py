"""Arrow columns to NumPy codes: how projections turn a bulk read into arrays without a Python
object per row (the engine's row-by-row conversion was most of a province build).

>>> import pyarrow as pa
>>> ids = {"a": 0, "b": 1}
>>> codes(pa.chunked_array([["b", "a", None, "b"]]), lambda v: ids.get(v, -1)).tolist()
[1, 0, -1, 1]
>>> numbers(pa.chunked_array([[1.5, None, 2.0]]), missing=0.0).tolist()
[1.5, 0.0, 2.0]
"""
from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def codes(column, lookup: Callable, dtype=np.int64) -> np.ndarray:
    """lookup(value) for every value of `column`, called once per distinct value (nulls: None)."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if len(arr) == 0:
        return np.zeros(0, dtype=dtype)
    enc = arr.dictionary_encode()
    table = [lookup(v) for v in enc.dictionary.to_pylist()]
    if enc.indices.null_count:
        table.append(lookup(None))
        idx = pc.fill_null(enc.indices, len(table) - 1).to_numpy(zero_copy_only=False)
    else:
        idx = enc.indices.to_numpy(zero_copy_only=False)
    return np.asarray(table, dtype=dtype)[idx]


def positions(column, keys, lookup: Callable, dtype=np.int64) -> np.ndarray:
    """`codes(column, lookup)` for a `lookup` whose code of ``keys[i]`` is ``i`` (a part's
    index of USCCs): the values found in `keys` by one hash join in C, `lookup` called only for
    the others and for nulls. A supplies read names 200,000 distinct USCCs twice over; a
    Python call for each was 0.4 s of the province build.

    >>> positions(pa.chunked_array([["b", "z", None, "a"]]), pa.array(["a", "b"]), lambda v: -1).tolist()
    [1, -1, -1, 0]
    """
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if len(arr) == 0:
        return np.zeros(0, dtype=dtype)
    enc = arr.dictionary_encode()
    dic = enc.dictionary
    keys = keys if isinstance(keys, pa.Array) else pa.array(keys)
    found = pc.index_in(dic, value_set=keys.cast(dic.type))
    table = pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    for k in np.flatnonzero(table < 0).tolist():
        table[k] = lookup(dic[k].as_py())
    idx = enc.indices
    if idx.null_count:
        table = np.append(table, lookup(None))
        idx = pc.fill_null(idx, len(table) - 1)
    return table.astype(dtype)[idx.to_numpy(zero_copy_only=False)]


def numbers(column, missing=np.nan, dtype=np.float64) -> np.ndarray:
    """The column as a NumPy array, nulls replaced by `missing`."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if len(arr) == 0:
        return np.zeros(0, dtype=dtype)
    return pc.fill_null(arr.cast(pa.from_numpy_dtype(np.dtype(dtype))), missing).to_numpy(zero_copy_only=False)


def strings(column) -> list:
    """The column as a Python list (names, keys), each string interned (`shared`).

    A string column is dictionary-encoded first, so each distinct value is converted and
    interned once and the list is filled by one NumPy take (province build under cProfile:
    explore's string columns 1.67 -> 1.35 s, the directory's 1.01 -> 0.57 s).

    >>> xs = strings(pa.chunked_array([["330108", None], ["".join(["3301", "08"])]]))
    >>> xs, xs[0] is xs[2]
    (['330108', None, '330108'], True)
    """
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) or len(arr) == 0:
        return [shared(v) for v in arr.to_pylist()]
    enc = arr.dictionary_encode()
    table = np.empty(len(enc.dictionary) + 1, dtype=object)
    table[:-1] = [sys.intern(v) for v in enc.dictionary.to_pylist()]
    idx = enc.indices
    if idx.null_count:
        idx = pc.fill_null(idx, len(table) - 1)
    return table[idx.to_numpy(zero_copy_only=False)].tolist()


def rows(table) -> list[dict]:
    """A table's rows as dicts (what `store.read` returns for the same query), strings
    `shared`: built column by column, without the engine's conversion of one value at a time.

    >>> rows(pa.table({"id": ["a", "b"], "n": [1, None]}))
    [{'id': 'a', 'n': 1}, {'id': 'b', 'n': None}]
    """
    names = table.column_names
    return [dict(zip(names, vals)) for vals in zip(*(strings(table.column(k)) for k in names))]


def shared(v):
    """One object for equal strings, whichever part read them (`sys.intern`): the USCCs, names
    and region or industry codes of the province's 200,000 enterprises were held once per
    part and once per row (a region code 200,000 times), about 60 MB a part.

    >>> a, b = shared("".join(["33", "0108"])), shared("".join(["3301", "08"]))
    >>> a is b, shared(None), shared(1.5)
    (True, None, 1.5)
    """
    return sys.intern(v) if type(v) is str else v


def shared_rows(rows) -> list[dict]:
    """`rows` (dicts, as `store.read` returns them) with their strings `shared`, for a part to
    keep.

    >>> [r] = shared_rows([{"region_code": "".join(["33", "0108"]), "n": 1}])
    >>> r["region_code"] is shared("330108"), r["n"]
    (True, 1)
    """
    return [{k: shared(v) for k, v in r.items()} for r in rows]
