"""The checked rows of a streamed import, staged batch by batch as Parquet part files until
the write transaction copies them: nothing holds every row of a large file at once.

The files live in a directory the import removes when it ends; rows a later check rejects
(a duplicate of a row in an earlier batch) are dropped from their part before the write.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from graphsvc.core.store.typed_rows import PartRows

# Batches are gathered into part files of at least this many rows: the engine copies parts of
# 250k rows as fast as the whole file at once (and in two thirds of its memory); parts of 18k
# rows took 40% longer (2M supply edges, measured side by side).
PART_ROWS = 250_000

PREFIX = "graphsvc-import-"


@contextmanager
def staging_dir():
    """A fresh directory for one import's part files, removed when the import ends.

    A killed import cannot remove its own (its parts can be as large as the file), so its
    name carries the importing process's id, and each import first removes the directories
    of processes that are gone.
    """
    root = Path(tempfile.gettempdir())
    sweep_orphans(root)
    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-", dir=root) as tmp:
        yield Path(tmp)


def sweep_orphans(root: Path) -> list[Path]:
    """Remove the staging directories under `root` whose process no longer runs; return them.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / f"{PREFIX}{os.getpid()}-live").mkdir()
    >>> (root / f"{PREFIX}999999999-gone").mkdir()   # above any pid Linux hands out
    >>> [p.name for p in sweep_orphans(root)] == [f"{PREFIX}999999999-gone"]
    True
    >>> sorted(p.name for p in root.iterdir()) == [f"{PREFIX}{os.getpid()}-live"]
    True
    """
    gone = []
    for d in sorted(root.glob(f"{PREFIX}*-*")):
        pid = d.name[len(PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(d, ignore_errors=True)
            gone.append(d)
    return gone


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):   # no such process; a number no pid can be
        return False
    except PermissionError:   # another user's process: its directory is not ours to remove
        return True
    return True


class Staged:
    """Part files of `columns` (Arrow types as the engine's schema has them), with the
    spreadsheet row number of each staged row kept beside them in memory."""

    def __init__(self, directory: Path, columns: list[str], on_part=None):
        self.directory = Path(directory)
        self.columns = columns
        self.on_part = on_part            # (rows written, of total) while the engine copies
        self.parts: list[tuple[Path, np.ndarray, np.ndarray | None]] = []   # (file, rownos, keep mask)
        self.rows = 0                     # data rows read, staged or not
        self._writer = None               # the open part's ParquetWriter

    def add(self, columns: dict, rownos, read: int) -> None:
        """Stage one batch: `columns` (Arrow arrays) of its rows that passed, numbered
        `rownos`; `read` rows were read in all."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.rows += read
        if not len(rownos):
            return
        table = pa.table({c: columns[c] for c in self.columns})
        if self._writer is None:
            path = self.directory / f"part-{len(self.parts):05d}.parquet"
            self._writer = pq.ParquetWriter(path, table.schema)
            self.parts.append((path, np.empty(0, dtype=np.int64), None))
        self._writer.write_table(table)
        path, staged, _ = self.parts[-1]
        self.parts[-1] = (path, np.concatenate([staged, np.asarray(rownos, dtype=np.int64)]), None)
        if len(self.parts[-1][1]) >= PART_ROWS:
            self.finish()

    def finish(self) -> None:
        """Close the part being written (every part must be closed before it is read)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __len__(self) -> int:
        return sum(len(r) if keep is None else int(keep.sum()) for _, r, keep in self.parts)

    def without(self, bad_rows: set) -> Staged:
        """These staged rows less `bad_rows` (files are rewritten only when written)."""
        if not bad_rows:
            return self
        self.finish()
        bad = np.fromiter(bad_rows, dtype=np.int64, count=len(bad_rows))
        out = Staged(self.directory, self.columns, self.on_part)
        out.rows = self.rows
        for path, rownos, keep in self.parts:
            mask = ~np.isin(rownos, bad)
            out.parts.append((path, rownos, None if mask.all() and keep is None else
                              mask if keep is None else keep & mask))
        return out

    def _tables(self):
        import pyarrow.parquet as pq

        self.finish()
        for path, rownos, keep in self.parts:
            t = pq.read_table(path)
            yield (t, rownos) if keep is None else (t.filter(keep), rownos[keep])

    def __iter__(self):
        """Row dicts with their `_row` (to name the row an engine's refusal quotes)."""
        for t, rownos in self._tables():
            cols = {c: t.column(c).to_pylist() for c in self.columns}
            for i, row in enumerate(rownos.tolist()):
                yield {"_row": row, **{c: cols[c][i] for c in self.columns}}

    def part_rows(self) -> PartRows:
        """The staged rows for the engine: parts that lost rows are rewritten without them."""
        import pyarrow.parquet as pq

        self.finish()
        paths, sizes = [], []
        for k, (path, rownos, keep) in enumerate(self.parts):
            if keep is not None:
                if not keep.any():
                    continue
                kept = self.directory / f"part-{k:05d}-kept.parquet"
                pq.write_table(pq.read_table(path).filter(keep), kept)
                path, rownos = kept, rownos[keep]
            paths.append(path)
            sizes.append(len(rownos))
        return PartRows(self.columns, paths, sizes, self.on_part)


class StagedStream(Staged):
    """Parts staged by a reader thread (`start`) while the write transaction copies the parts
    already closed (`part_rows`): the engine's COPY of one part (its own threads, outside the
    GIL) overlaps the Python checks of the batches after it. Parts are files, so the reader
    running ahead of the engine costs disk, not memory.

    `stop_copying()` (one bad row in an all-or-nothing import: nothing will be kept) makes the
    copying end after the part it is on; the reader still reads to the end, for the report.
    """

    def __init__(self, directory: Path, columns: list[str], on_part=None, expected: int = 0):
        super().__init__(directory, columns, on_part)
        self.expected = expected          # rows the file may hold, for progress until all are read
        self._changed = threading.Condition()
        self._closed = 0                  # parts complete on disk
        self._done = False
        self._failure: BaseException | None = None
        self._thread: threading.Thread | None = None
        self.cancelled = False            # the writer gave up: the reader stops at its next batch
        self.copying = True

    def start(self, read) -> None:
        """Run `read()` (which `add`s batches) in a thread; `wait` re-raises what it raised."""
        def run():
            try:
                read()
                self.finish()
            except BaseException as exc:   # handed to the writer's thread by `wait`
                self._failure = exc
            with self._changed:
                self._done = True
                self._changed.notify_all()

        self._thread = threading.Thread(target=run, name="import-reader", daemon=True)
        self._thread.start()

    def finish(self) -> None:
        super().finish()
        with self._changed:
            self._closed = len(self.parts)
            self._changed.notify_all()

    def stop_copying(self) -> None:
        with self._changed:
            self.copying = False
            self._changed.notify_all()

    def wait(self) -> None:
        """Until the reader is done; raises what it raised."""
        if self._thread is not None:
            self._thread.join()
        if self._failure is not None:
            raise self._failure

    def cancel(self) -> None:
        """Stop the reader after its current batch and wait for it (its errors no longer matter)."""
        self.cancelled = True
        if self._thread is not None:
            self._thread.join()

    def _closed_part(self, k: int) -> tuple[Path, int] | None:
        """Part `k` once it is complete; None when there is none to copy (all read, or the
        reader failed, or copying stopped)."""
        with self._changed:
            while self.copying and k >= self._closed and not self._done:
                self._changed.wait()
            if not self.copying or k >= self._closed or self._failure is not None:
                return None
            path, rownos, _ = self.parts[k]
            return path, len(rownos)

    def part_rows(self) -> PartRows:
        return _LiveParts(self)


class _LiveParts(PartRows):
    """PartRows over a StagedStream: `files()` hands out each part as the reader closes it;
    anything that needs every part (`paths`, `sizes`, `len`) waits for the reader."""

    def __init__(self, staged: StagedStream):   # paths and sizes come from `staged`
        self.columns, self.on_part, self._cached = staged.columns, staged.on_part, None
        self._staged = staged

    def _complete(self) -> Staged:
        self._staged.wait()
        return self._staged

    @property
    def paths(self) -> list:
        return [p for p, _, _ in self._complete().parts]

    @property
    def sizes(self) -> list[int]:
        return [len(r) for _, r, _ in self._complete().parts]

    def __bool__(self) -> bool:
        return self._staged._closed_part(0) is not None or bool(self.sizes)

    def files(self):
        done, k = 0, 0
        while (part := self._staged._closed_part(k)) is not None:
            yield part[0]
            done, k = done + part[1], k + 1
            if self.on_part is not None:
                self.on_part(done, max(done, self._staged.expected))
