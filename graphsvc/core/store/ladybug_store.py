"""LadybugDB (embedded, the maintained fork of Kùzu) adapter.

Engine facts this module is shaped by (docs/domain-model.md §9):
- one read-write process per database directory, and a database opened before a fork hangs
  the child: so the database is opened lazily, per process, on first use;
- one write transaction at a time: writers take a process-wide lock;
- `COPY FROM` is two orders of magnitude faster than `UNWIND … MERGE` at scale, and it runs
  inside an explicit transaction, so bulk imports stay all-or-nothing;
- a statement that fails inside an explicit transaction rolls the transaction back itself
  (a ROLLBACK after it finds "no active transaction"): the database is as before either way.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

from graphsvc.core import projection, reqtiming, schema
from graphsvc.core.store.base import (Store, StoreError, StoreUnavailable, Tx, delete_by_end, load_query, plain,
                                      same_identity)
from graphsvc.core.store.typed_rows import PartRows, arrow_table, column_of

log = logging.getLogger(__name__)

# Below this many rows UNWIND is cheaper than handing the engine an Arrow table (measured: one
# row through LOAD FROM costs ~18 ms, through UNWIND ~2 ms). GRAPHSVC_COPY_THRESHOLD overrides it.
COPY_THRESHOLD = 2000
CHUNK = 5000
# A COPY into a table that already holds rows makes the COMMIT checkpoint that table, at a cost
# that grows with the table, not the batch (measured on the province graph, 2M supply edges:
# 10k edges by COPY, COMMIT 3.5 s; by CREATE 0.6 s and a COMMIT of 0.1 s). So into a table
# holding rows, COPY takes only batches of this many times the copy threshold (100k rows).
STORED_COPY_FACTOR = 50
# Up to this many replaced edges are deleted from their suppliers' keys (`_delete_each`: a walk
# of each supplier's own edges, whatever the graph's size); above it, by both ends' keys.
ROW_DELETES = 20_000


def _ddl_type(t: str) -> str:
    return t


def node_ddl(label: str) -> str:
    spec = schema.NODES.get(label) or schema.LOG[label]
    cols = ", ".join(f"{p} {_ddl_type(t)}" for p, t in spec["props"].items())
    return f"CREATE NODE TABLE IF NOT EXISTS {label}({cols}, PRIMARY KEY({spec['key']}))"


def rel_ddl(rel: str) -> str:
    spec = schema.RELS[rel]
    cols = "".join(f", {p} {_ddl_type(t)}" for p, t in spec["props"].items())
    return f"CREATE REL TABLE IF NOT EXISTS `{rel}`(FROM {spec['from']} TO {spec['to']}{cols})"


# core/supply_edges as LadybugDB reads it fastest (LadybugStore.read_supplies): by seller node
# offsets, SUPPLIES_CHUNK enterprises at a time, ends as offsets (no join on the buyers' keys).
SUPPLIES_CHUNK = 8192
_NODE_OFFSETS = "MATCH (e:Enterprise) RETURN offset(id(e)) AS o, e.uscc AS uscc"
_SUPPLIES_BY_OFFSET = (
    "MATCH (s:Enterprise)-[e:SUPPLIES]->(b:Enterprise) WHERE offset(id(s)) >= $lo AND offset(id(s)) < $hi "
    "RETURN offset(id(s)) AS seller, offset(id(b)) AS buyer, e.year AS year, e.amount_wan AS amount_wan, "
    "e.segment_id AS segment_id, e.supplier_region AS supplier_region")


class LadybugTx(Tx):
    def __init__(self, conn, copy_threshold: int = COPY_THRESHOLD):
        self.conn = conn
        self.copy_threshold = copy_threshold
        self.scanned_arrow = False

    def _copies(self, rows, stored: bool) -> bool:
        """Whether `rows` go in by COPY rather than by CREATE (see STORED_COPY_FACTOR)."""
        if isinstance(rows, PartRows):
            return True
        return len(rows) >= self.copy_threshold * (STORED_COPY_FACTOR if stored else 1)

    def run_cypher(self, cypher: str, params: dict | None = None) -> list[dict]:
        self.note_cypher(cypher)
        return _rows(self.conn.execute(*_inline_nulls(cypher, params)))

    def _copy(self, table: str, columns: list[str], types: list[str], rows) -> None:
        self.scanned_arrow = True
        if isinstance(rows, PartRows) and rows.columns == columns:
            # One COPY per staged file, all in this transaction: the engine's peak memory
            # follows the part, not the whole load (measured: 2M edges, 480 MB vs 780 MB).
            for path in rows.files():
                if "'" in str(path):
                    raise ValueError(f"cannot name {path} in a COPY statement")
                self.conn.execute(f"COPY `{table}` FROM '{path}'")
            return
        self.conn.execute(f"COPY `{table}` FROM $rows", {"rows": arrow_table(rows, columns, types, columns)})

    def _each(self, body: str, columns: list[str], types: list[str], rows, load: bool = True) -> list[dict]:
        """Run `body` (which reads the row's fields as `r.<column>`) once per row.

        Large batches go to `LOAD FROM` a typed Arrow table: binding a list of maps as a
        parameter costs far more than the engine scanning a table (≈10× at 1k rows). The
        body then reads the table's columns directly: wrapping them into a struct first
        (`WITH {…} AS r`) stops the planner using key lookups (a 600-edge CREATE took 100 s).
        Not for deletes (`load=False`): there the planner stops using key lookups (measured:
        10k LOCATED_IN deletes took 28 s through LOAD FROM, under 1 s through UNWIND).
        Small batches bind a list of maps, whose field types the engine infers from the values:
        a column NULL (or an empty list) on every row would bind as STRING, so written typed
        fields are cast to the schema's type.
        """
        out: list[dict] = []
        if load and len(rows) >= self.copy_threshold:
            names = [f"v{i}" for i in range(len(columns))]
            self.scanned_arrow = True
            return self.run_cypher(f"LOAD FROM $rows {_bind(body, columns, types, lambda i, c, t: names[i])}",
                                   {"rows": arrow_table(rows, columns, types, names)})
        if load:
            body = _bind(body, columns, types,
                         lambda i, c, t: f"r.`{c}`" if t == "STRING" else f"CAST(r.`{c}` AS {t})")
        for i in range(0, len(rows), CHUNK):
            out.extend(self.run_cypher(f"UNWIND $rows AS r {body}",
                                       {"rows": [_full(r, columns) for r in rows[i:i + CHUNK]]}))
        return out

    def _table_empty(self, match: str) -> bool:
        return not self.run_cypher(f"{match} RETURN 1 AS x LIMIT 1")

    def _upsert_nodes(self, label: str, rows: list[dict]) -> dict:
        if not rows:
            return {"created": 0, "updated": 0}
        spec = schema.NODES[label]
        key, props = spec["key"], spec["props"]
        # Only the properties the rows carry are set: an import without a column keeps the
        # stored values of that column.
        cols = [p for p in props if p in rows[0]]
        types = [props[c] for c in cols]
        existing: set = set()
        stored = not self._table_empty(f"MATCH (n:{label})")
        if stored:
            found = self._each(f"MATCH (n:{label} {{{key}: r.{key}}}) RETURN n.{key} AS k",
                               [key], [props[key]], rows)
            existing = {f["k"] for f in found}
        # Rows kept as columns (ColumnRows) stay so when all are new: no dict per row.
        new, old = ([r for r in rows if r[key] not in existing], [r for r in rows if r[key] in existing]) \
            if existing else (rows, [])
        if self._copies(new, stored):
            self._copy(label, list(props), list(props.values()), new)
        elif new:
            self._each(f"CREATE (n:{label} {{{key}: r.{key}}}) {_sets(cols, key)}", cols, types, new)
        if old and len(cols) > 1:
            self._each(f"MATCH (n:{label} {{{key}: r.{key}}}) {_sets(cols, key)}", cols, types, old)
        return {"created": len(new), "updated": len(old)}

    def _replace_rels(self, rel: str, rows: list[dict], mode: str = "pair") -> int:
        if not rows:
            return 0
        spec = schema.RELS[rel]
        fl, tl = spec["from"], spec["to"]
        fk, tk = schema.key_of(fl), schema.key_of(tl)
        props = spec["props"]
        stored = not self._table_empty(f"MATCH (:{fl})-[e:`{rel}`]->(:{tl})")
        if stored:
            if mode in ("from", "to"):
                k = fk if mode == "from" else tk
                keys = [{mode: x} for x in sorted(set(column_of(rows, mode)))]
                self._each(delete_by_end(rel, fl, tl, mode, k, f"r.`{mode}`"), [mode], ["STRING"], keys,
                           load=False)
            else:
                idcols = ["from", "to", *spec["identity"]]
                idtypes = ["STRING", "STRING", *(props[p] for p in spec["identity"])]
                # Only the rows replacing a stored edge need a delete (measured: half of a
                # 10k-row upsert, whose deletes are most of its time).
                stale = _stored_matches(self.conn, rel, rows, idcols, idtypes)
                if len(stale) <= ROW_DELETES:
                    self._delete_each(rel, stale)
                else:
                    # Both ends by key, then the edge between them: matching the edge from `a`
                    # to a keyed `b` took 2.6 s for a 1,000-row supplies file on the province
                    # demo (0.8 s this way).
                    self._each(
                        f"MATCH (a:{fl} {{{fk}: r.`from`}}) MATCH (b:{tl} {{{tk}: r.`to`}}) "
                        f"MATCH (a)-[e:`{rel}`]->(b){same_identity(rel)} DELETE e",
                        idcols, idtypes, list({tuple(r[c] for c in idcols): r for r in stale}.values()),
                        load=False)
        cols = ["from", "to", *props]
        types = ["STRING", "STRING", *props.values()]
        if self._copies(rows, stored):
            self._copy(rel, cols, types, rows)
        else:
            pmap = ", ".join(f"{p}: r.{p}" for p in props)
            pmap = f" {{{pmap}}}" if pmap else ""
            self._each(f"MATCH (a:{fl} {{{fk}: r.`from`}}) MATCH (b:{tl} {{{tk}: r.`to`}}) "
                       f"CREATE (a)-[:`{rel}`{pmap}]->(b)", cols, types, rows)
        return len(rows)

    def _delete_each(self, rel: str, rows) -> None:
        """Delete the stored `rel` edges `rows` name by their supplier's key and the edge's
        offset (`_eid`, as `_stored_matches` read it in this transaction), in batches: after
        the key lookup an OPTIONAL MATCH walks only that node's own edges (a plain MATCH scans
        every edge of the type), and the offset spares reading each neighbour's key.
        Measured on the province graph, 5,000 stale supply edges at load 7: 1.4 s by their
        ends' keys and identity, 2.7 s by a prepared statement per edge; found by offset,
        2.5-3x faster than by keys and identity (side by side). One row per supplier, with the
        offsets of all its edges to delete: each supplier's edges are walked once (national
        graph, 5,000 stale edges of 1,944 suppliers: the match 0.18 s vs 0.27 s a row per edge)."""
        spec = schema.RELS[rel]
        fk = schema.key_of(spec["from"])
        # Each schema relationship is one FROM-TO pair, so an offset names one edge of it.
        eids: dict = {}
        for r in rows:
            eids.setdefault(r["from"], set()).add(r["_eid"])
        batch = [{"from": f, "eids": sorted(es)} for f, es in sorted(eids.items())]
        body = (f"UNWIND $rows AS r MATCH (a:{spec['from']} {{{fk}: r.`from`}}) "
                f"OPTIONAL MATCH (a)-[e:`{rel}`]->(:{spec['to']}) WHERE list_contains(r.eids, offset(ID(e))) "
                "WITH e WHERE e IS NOT NULL DELETE e")
        for i in range(0, len(batch), CHUNK):
            self.run_cypher(body, {"rows": batch[i:i + CHUNK]})


def _stored_matches(conn, rel: str, rows, idcols: list[str], types: list[str]) -> list[dict]:
    """The identities (`idcols`, of schema `types`) of `rows` that a stored `rel` edge has,
    NULL equal to NULL as in `same_identity`, once per such stored edge with its offset
    (`_eid`, for `_delete_each`). Staged parts (hundreds of thousands of rows) are
    joined with one scan of every stored edge; other rows with the stored edges of their own
    suppliers, read by key (an OPTIONAL MATCH after the key lookup lets the engine scan only
    those suppliers' edges: 0.1 s for 4k suppliers of the province graph, where a plain MATCH
    scanned all 2M edges). Those suppliers' edges name their far end by offset, and so do the
    rows, their `to` keys looked up once each: reading every stored edge's far-end key took
    most of the read (national graph, 112k edges of 4.9k suppliers: 0.40 s vs 0.15 s)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    spec = schema.RELS[rel]
    fk, tk = schema.key_of(spec["from"]), schema.key_of(spec["to"])
    props = ", ".join(f"e.{p} AS `{p}`" for p in spec["identity"])
    props = f"{', ' if props else ''}{props}, offset(ID(e)) AS _eid"
    if isinstance(rows, PartRows):
        if not rows.paths:
            return []
        stored = conn.execute(f"MATCH (a:{spec['from']})-[e:`{rel}`]->(b:{spec['to']}) "
                              f"RETURN a.{fk} AS `from`, b.{tk} AS `to`{props}").get_as_arrow()
        # (rows as written, rows as joined)
        tables = ((t, t) for t in (pq.read_table(path, columns=idcols) for path in rows.paths))
        schema_ = pq.read_schema(rows.paths[0])
        target = pa.schema([schema_.field(c) for c in idcols])
    else:
        t = arrow_table(rows, idcols, types, idcols)
        keys = {}
        for end in ("from", "to"):
            keys[end] = pc.unique(t.column(end).drop_null()).sort()
            if not len(keys[end]):
                return []   # a stored edge has both ends
        far = conn.execute(f"UNWIND $keys AS k MATCH (b:{spec['to']} {{{tk}: k}}) RETURN k, offset(ID(b)) AS o",
                           {"keys": keys["to"].to_pylist()}).get_as_arrow()
        if not far.num_rows:
            return []
        stored = conn.execute(f"UNWIND $keys AS k MATCH (a:{spec['from']} {{{fk}: k}}) "
                              f"OPTIONAL MATCH (a)-[e:`{rel}`]->(b:{spec['to']}) "
                              f"RETURN k AS `from`, offset(ID(b)) AS `to`{props}",
                              {"keys": keys["from"].to_pylist()}).get_as_arrow()
        stored = stored.filter(pc.is_valid(stored.column("to")))
        # A row whose `to` is not stored gets a null offset: it matches no stored edge.
        at = pc.index_in(t.column("to"), value_set=far.column("k"))
        joined = t.set_column(t.schema.get_field_index("to"), "to", far.column("o").combine_chunks().take(at))
        tables = [(t, joined)]
        target = joined.schema

    def keyed(t):   # NULL as a value no cell holds, so that the join pairs NULL with NULL
        cols = {}
        for c in idcols:
            col = t.column(c)
            cols[c] = pc.fill_null(col, "\x00" if pa.types.is_string(col.type) else
                                   pa.scalar(-(2 ** 63), col.type) if pa.types.is_integer(col.type) else
                                   pa.scalar(float("-inf"), col.type))
        return pa.table(cols)

    # The join pairs equal types only: the stored columns take the rows' types.
    eids = stored.column("_eid")
    stored = keyed(stored.select(idcols).cast(target)).append_column("_eid", eids)
    out: list[dict] = []
    for t, joined in tables:
        k = keyed(joined).append_column("_i", pa.array(range(len(t)), pa.int64()))
        hit = k.join(stored, idcols, join_type="inner")
        out += t.take(hit.column("_i")).append_column("_eid", hit.column("_eid")).to_pylist()
    return out


_FIELD = re.compile(r"\br\.(`?)(\w+)\1")


def _bind(body: str, columns: list[str], types: list[str], ref) -> str:
    """Replace each `r.<column>` in `body` by `ref(index, column, type)`."""
    index = {c: i for i, c in enumerate(columns)}

    def sub(m):
        i = index.get(m.group(2))
        return m.group(0) if i is None else ref(i, columns[i], types[i])

    return _FIELD.sub(sub, body)


def _sets(cols: list[str], key: str) -> str:
    sets = ", ".join(f"n.{p} = r.{p}" for p in cols if p != key)
    return f"SET {sets}" if sets else ""


def _inline_nulls(cypher: str, params: dict | None) -> tuple[str, dict]:
    """Replace `$p` by a NULL literal where p is None.

    LadybugDB types each parameter once per statement, so a None used both in `$p IS NULL` and
    in `x = $p` fails to bind ("Cannot change parameter expression data type"); the literal
    has the same meaning in Cypher and binds everywhere. Neo4j needs no such help.
    """
    if not params:
        return cypher, {}
    nulls = [k for k, v in params.items() if v is None]
    for k in nulls:
        cypher = re.sub(r"\$" + re.escape(k) + r"\b", "NULL", cypher)
    return cypher, {k: v for k, v in params.items() if v is not None}


def _full(row: dict, cols: list[str]) -> dict:
    return {c: row.get(c) for c in cols}


def _rows_raw(result) -> list[list]:
    out = []
    while result.has_next():
        out.append(result.get_next())
    return out


def _rows(result) -> list[dict]:
    cols = result.get_column_names()
    out = []
    while result.has_next():
        out.append({c: plain(v) for c, v in zip(cols, result.get_next())})
    return out


class LadybugStore(Store):
    engine = "ladybug"
    # A streamed import may hand its staged parts over while it still reads the file: the
    # engine's COPY of one part runs on its own threads, outside the GIL (loaders.importer).
    copies_while_staging = True

    def __init__(self, path: Path, read_only: bool = False, buffer_pool_mb: int = 1024,
                 copy_threshold: int = COPY_THRESHOLD, checkpoint_mb: int = 16):
        self.copy_threshold = copy_threshold
        self.buffer_pool_bytes = buffer_pool_mb * 1024 * 1024
        self.checkpoint_bytes = checkpoint_mb * 1024 * 1024
        # Read-only: several processes may open one database (benchmarks, a reporting replica);
        # each sees the snapshot taken when it opened.
        self.read_only = read_only
        self.path = Path(path)
        self._db = None
        self._pid = None
        self._open_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._local = threading.local()

    # -- lifecycle -------------------------------------------------------------------------
    def _database(self):
        if self._db is not None and self._pid == os.getpid():
            return self._db
        with self._open_lock:
            if self._db is None or self._pid != os.getpid():
                import ladybug

                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    db = ladybug.Database(str(self.path), read_only=self.read_only,
                                          buffer_pool_size=self.buffer_pool_bytes,
                                          checkpoint_threshold=self.checkpoint_bytes)
                except Exception as exc:  # the engine raises RuntimeError for most faults
                    raise StoreUnavailable(_explain_open_error(self.path, exc)) from exc
                self._db, self._pid = db, os.getpid()
                self._local = threading.local()
                if not self.read_only:
                    self._ensure_schema_on(ladybug.Connection(db))
        return self._db

    def _conn(self):
        db = self._database()
        conn = getattr(self._local, "conn", None)
        if conn is None:
            import ladybug

            conn = ladybug.Connection(db)
            self._local.conn = conn
        return conn

    def _ensure_schema_on(self, conn) -> None:
        for label in (*schema.NODES, *schema.LOG):
            conn.execute(node_ddl(label))
        for rel in schema.RELS:
            conn.execute(rel_ddl(rel))
        # Databases made by an earlier release lack later properties: add every one the schema
        # names (empty), and fill those MIGRATIONS has a query for.
        fills = {(table, prop): query for table, prop, query in schema.MIGRATIONS}
        for table, spec in {**schema.NODES, **schema.LOG, **schema.RELS}.items():
            have = {r[1] for r in _rows_raw(conn.execute(f"CALL table_info('{table}') RETURN *"))}
            for prop, kind in spec["props"].items():
                if prop in have:
                    continue
                log.warning("migrating %s: adding %s.%s", self.path, table, prop)
                conn.execute(f"ALTER TABLE `{table}` ADD {prop} {_ddl_type(kind)}")
                if (table, prop) in fills:
                    conn.execute(load_query(fills[(table, prop)]))

    def ensure_schema(self) -> None:
        self._database()

    def close(self) -> None:
        with self._open_lock:
            self._local = threading.local()
            if self._db is not None:
                self._db.close()
            self._db = None

    def health(self) -> dict:
        try:
            self.read_cypher("RETURN 1 AS ok")
            return {"ok": True, "engine": self.engine, "path": str(self.path)}
        except StoreError as exc:
            return {"ok": False, "engine": self.engine, "path": str(self.path), "detail": str(exc)}

    # -- queries ---------------------------------------------------------------------------
    def read_cypher(self, cypher: str, params: dict | None = None) -> list[dict]:
        conn = self._conn()
        try:
            with reqtiming.section("db"):
                return _rows(conn.execute(*_inline_nulls(cypher, params)))
        except RuntimeError as exc:
            raise StoreError(str(exc)) from exc

    def read_columns(self, name: str, **params):
        conn = self._conn()
        try:
            return conn.execute(*_inline_nulls(load_query(name), params)).get_as_arrow()
        except RuntimeError as exc:
            raise StoreError(str(exc)) from exc

    def read_supplies(self):
        """core/supply_edges read by ranges of seller node offsets, seller and buyer as node
        offsets turned into USCC dictionary codes, in one read-only transaction. Read whole,
        the engine materialised 2M rows with two USCC strings each and a hash join on the
        buyers' keys; the memory it took for that stayed with the process (+230 MB RSS after
        the province build, against +60 MB so) and it took about twice as long."""
        import numpy as np
        import pyarrow as pa

        conn = self._conn()
        try:
            conn.execute("BEGIN TRANSACTION READ ONLY")
        except RuntimeError:   # a transaction is open on this thread's connection: read in it
            return self.read_columns("core/supply_edges")
        try:
            with reqtiming.section("db"):
                ents = conn.execute(_NODE_OFFSETS).get_as_arrow()
                offs = ents.column("o").to_numpy()
                row = np.full(int(offs.max()) + 1 if len(offs) else 0, -1, dtype=np.int32)
                row[offs] = np.arange(len(offs), dtype=np.int32)
                chunks = [conn.execute(_SUPPLIES_BY_OFFSET, {"lo": lo, "hi": lo + SUPPLIES_CHUNK}).get_as_arrow()
                          for lo in range(0, len(row), SUPPLIES_CHUNK)]
            conn.execute("COMMIT")
        except RuntimeError as exc:
            with contextlib.suppress(RuntimeError):   # the failed statement may have ended it
                conn.execute("ROLLBACK")
            raise StoreError(str(exc)) from exc
        if not chunks:   # no enterprise: the plain read gives the empty columns their types
            return self.read_columns("core/supply_edges")
        uscc = ents.column("uscc").combine_chunks()
        t = pa.concat_tables(chunks)
        cols = {k: pa.DictionaryArray.from_arrays(pa.array(row[t.column(k).to_numpy()]), uscc)
                for k in ("seller", "buyer")}
        return pa.table({k: cols.get(k, t.column(k)) for k in t.column_names})

    @contextmanager
    def bulk_reads(self):
        """This thread's reads, while inside, go to a read-only copy of the database file, made
        after a checkpoint and deleted at the end, with the writers held off while it is made
        and read (10-15 s at a worker's start on the province demo).

        Why: the build at start reads every table once, and the engine keeps each page it read
        in its buffer pool for as long as the database stays open: on the province demo 140 MB
        of a worker's resident memory (issue #12), held for pages serving reads few of. Closing
        the copy's handle hands them back. A copy and not a second handle on the same file:
        closing any descriptor of a file drops every POSIX lock the process holds on it, and
        with it the lock that keeps a second process from opening the database to write (a
        second `graphsvc` command then opened it while the server ran); for the same reason
        the copy is made by `cp` in a process of its own. If the checkpoint or the copy fails,
        the reads stay on the shared handle."""
        if self.read_only:
            yield
            return
        import shutil
        import subprocess

        import ladybug

        with self._write_lock:
            conn = self._conn()
            scratch = self.path.parent / ".bulk-read"
            try:
                conn.execute("CHECKPOINT")
                shutil.rmtree(scratch, ignore_errors=True)   # one left by a killed worker
                scratch.mkdir(mode=0o700)                   # a whole copy of the data
                # In another process: this one opening and closing the file would drop its lock.
                subprocess.run(["cp", "--", str(self.path), str(scratch / self.path.name)], check=True,
                               capture_output=True, timeout=3600)
                db = ladybug.Database(str(scratch / self.path.name), read_only=True,
                                      buffer_pool_size=self.buffer_pool_bytes)
            except (RuntimeError, OSError, subprocess.SubprocessError):
                log.warning("bulk reads on the shared handle", exc_info=True)
                shutil.rmtree(scratch, ignore_errors=True)
                yield
                return
            own = ladybug.Connection(db)
            self._local.conn = own
            try:
                yield
            finally:
                if getattr(self._local, "conn", None) is own:
                    self._local.conn = conn
                own.close()
                db.close()
                shutil.rmtree(scratch, ignore_errors=True)

    @contextmanager
    def transaction(self) -> Iterator[LadybugTx]:
        conn = self._conn()
        logged = None
        with self._write_lock, reqtiming.writing("active"):
            conn.execute("BEGIN TRANSACTION")
            tx = LadybugTx(conn, self.copy_threshold)
            try:
                yield tx
            except BaseException:
                try:
                    conn.execute("ROLLBACK")
                except RuntimeError as exc:
                    # The failed statement already rolled the transaction back.
                    if "no active transaction" not in str(exc).lower():
                        log.exception("rollback failed")
                raise
            else:
                logged = tx.write_log(self.bulk_rows)
                conn.execute("COMMIT")
                self.committed_accounts(tx)
                projection.committed(self, logged)
            finally:
                # LadybugDB 0.22 keeps buffer-pool pages of each Arrow scan until its connection
                # closes (measured: a 64 MB pool fills after 16 four-row COPYs on one connection,
                # never with a connection per transaction), so such a connection is not reused.
                if tx.scanned_arrow:
                    self._local.conn = None
                    try:
                        conn.close()  # release its pages now, not whenever the object is collected
                    except RuntimeError:
                        log.warning("closing a connection after a bulk write failed", exc_info=True)
        if logged:   # outside the write lock: other writers do not wait for the patching
            with reqtiming.writing("catch_up"):
                projection.catch_up(self)

    def drop_all(self) -> None:
        """Delete the graph (not its change log, which records this as one bulk change)."""
        with self.transaction() as tx:
            tx.log_change("*", "bulk", [])
            for rel in schema.RELS:
                tx.run_cypher(f"MATCH ()-[e:`{rel}`]->() DELETE e")
            for label in schema.NODES:
                tx.run_cypher(f"MATCH (n:{label}) DELETE n")


def _explain_open_error(path: Path, exc: Exception) -> str:
    msg = str(exc)
    if "lock" in msg.lower():
        return (f"database {path} is in use by another process (is the server running?): stop it, "
                f"or import through the web API instead. Engine said: {msg}")
    if not os.access(path.parent if path.parent.exists() else path.parent.parent, os.W_OK):
        return (f"database directory {path.parent} is not writable: fix its permissions or set "
                f"GRAPHSVC_DATA_DIR to a writable directory. Engine said: {msg}")
    return f"cannot open database {path}: {msg}"
