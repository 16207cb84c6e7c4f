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


class PartRows(Sequence):
    """Rows staged as Parquet part files (a streamed import's checked batches), each file
    holding `columns` in that order with the schema's types: the engine copies the files
    themselves, one after the other, and nothing holds every row at once. Reading rows as
    dicts (the Neo4j adapter, deletes by pair) loads one part at a time.

    `on_part(done, total)` is told after each file `files()` hands out has been written.
    """

    def __init__(self, columns: list[str], paths: list, sizes: list[int], on_part=None):
        self.columns, self.paths, self.sizes = columns, list(paths), list(sizes)
        self.on_part = on_part
        self._cached: tuple[int, dict] | None = None

    def __len__(self) -> int:
        return sum(self.sizes)

    def files(self):
        done = 0
        for path, size in zip(self.paths, self.sizes):
            yield path
            done += size
            if self.on_part is not None:
                self.on_part(done, len(self))

    def _part(self, k: int) -> dict:
        if self._cached is None or self._cached[0] != k:
            import pyarrow.parquet as pq

            t = pq.read_table(self.paths[k], columns=self.columns)
            self._cached = (k, {c: t.column(c).to_pylist() for c in self.columns})
        return self._cached[1]

    def _rows(self, start: int, stop: int):
        base = 0
        for k, size in enumerate(self.sizes):
            lo, hi = max(start, base), min(stop, base + size)
            if lo < hi:
                part = self._part(k)
                for i in range(lo - base, hi - base):
                    yield {c: part[c][i] for c in self.columns}
            base += size
            if base >= stop:
                break

    def __getitem__(self, item):
        if isinstance(item, slice):
            start, stop, step = item.indices(len(self))
            rows = list(self._rows(start, stop))
            return rows if step == 1 else rows[::step]
        i = item + len(self) if item < 0 else item
        if not 0 <= i < len(self):
            raise IndexError(item)
        return next(self._rows(i, i + 1))

    def __iter__(self):
        return self._rows(0, len(self))

    def column(self, name: str):
        """The whole column as one Arrow array (for a writer that needs it in memory)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        return pa.chunked_array([pq.read_table(p, columns=[name]).column(name) for p in self.paths])
