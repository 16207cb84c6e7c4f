"""Rows as typed columns, for bulk writes that leave the engine nothing to guess.

LadybugDB's `COPY … FROM` and `LOAD FROM` read an Arrow table with the schema's own types:
no text round trip, so no CSV dialect to sniff (a quoted list, a comma or a line break in a
name is just data) and no type inferred from the first rows (a column empty on every row is
a NULL column of the declared type, not STRING).

>>> t = arrow_table([{"k": "a,\\"b\\"", "n": None}], ["k", "n"], ["STRING", "INT64"])
>>> t.column("v1").type, t.column("v0").to_pylist()
(DataType(int64), ['a,"b"'])
>>> import pyarrow as pa
>>> rows = ColumnRows({"k": pa.array(["a", "b"]), "n": [1, None]})
>>> rows[1], arrow_table(rows, ["k", "n"], ["STRING", "DOUBLE"]).column("v1").to_pylist()
({'k': 'b', 'n': None}, [1.0, None])
"""
from __future__ import annotations

from collections.abc import Sequence


def _arrow_type(typ: str):
    import pyarrow as pa

    scalar = {"STRING": pa.string(), "INT64": pa.int64(), "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_()}
    if typ.endswith("[]"):
        return pa.list_(scalar[typ[:-2]])
    return scalar[typ]


class ColumnRows(Sequence):
    """A read-only sequence of row dicts kept as columns (bounded memory for millions of rows);
    `column(name)` hands a whole column to a bulk writer without building the dicts."""

    def __init__(self, columns: dict[str, list], n: int | None = None):
        self.columns = columns   # lists, or Arrow arrays (handed to a bulk writer as they are)
        self.n = n if n is not None else len(next(iter(columns.values()), []))
        self._lists: dict[str, list] = {}

    def __len__(self) -> int:
        return self.n

    def column(self, name: str) -> list:
        col = self.columns.get(name)
        return col if col is not None else [None] * self.n

    def _list(self, name: str) -> list:
        col = self._lists.get(name)
        if col is None:
            col = self.columns[name]
            col = self._lists[name] = col if isinstance(col, list) else col.to_pylist()
        return col

    def _row(self, i: int) -> dict:
        return {k: self._list(k)[i] for k in self.columns}

    def __getitem__(self, item):
        if isinstance(item, slice):
            return [self._row(i) for i in range(*item.indices(self.n))]
        return self._row(item)

    def __iter__(self):
        return (self._row(i) for i in range(self.n))


def column_of(rows, name: str) -> list:
    getter = getattr(rows, "column", None)
    if getter is not None:
        return getter(name)
    return [r.get(name) for r in rows]


def arrow_table(rows, columns: list[str], types: list[str], names: list[str] | None = None):
    """An Arrow table of `columns` of `rows` typed as the schema says, its columns named
    `names` (default v0, v1, …: property names such as `from` are reserved words)."""
    import pyarrow as pa

    names = names or [f"v{i}" for i in range(len(columns))]

    def typed(values, typ):
        if isinstance(values, (pa.Array, pa.ChunkedArray)):
            return values.cast(typ)
        return pa.array(values, type=typ)

    return pa.table({n: typed(column_of(rows, c), _arrow_type(t)) for n, c, t in zip(names, columns, types)})
