"""Rows as typed columns, for bulk writes that leave the engine nothing to guess.

LadybugDB's `COPY … FROM` and `LOAD FROM` read an Arrow table with the schema's own types:
no text round trip, so no CSV dialect to sniff (a quoted list, a comma or a line break in a
name is just data) and no type inferred from the first rows (a column empty on every row is
a NULL column of the declared type, not STRING).

>>> t = arrow_table([{"k": "a,\\"b\\"", "n": None}], ["k", "n"], ["STRING", "INT64"])
>>> t.column("v1").type, t.column("v0").to_pylist()
(DataType(int64), ['a,"b"'])
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
        self.columns = columns
        self.n = n if n is not None else len(next(iter(columns.values()), []))

    def __len__(self) -> int:
        return self.n

    def column(self, name: str) -> list:
        col = self.columns.get(name)
        return col if col is not None else [None] * self.n

    def _row(self, i: int) -> dict:
        return {k: c[i] for k, c in self.columns.items()}

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
    return pa.table({n: pa.array(column_of(rows, c), type=_arrow_type(t))
                     for n, c, t in zip(names, columns, types)})
