"""The store interface both engines implement, and what they share.

Only the adapters talk to a database. Everything else calls `read`/`write` with the name of
a file in `queries/`, or uses a `transaction()` for multi-statement writes (imports,
ledger transitions) so that a failure leaves nothing half-written.
"""
from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import threading
from abc import ABC, abstractmethod
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any
from collections.abc import Iterable, Iterator

import queries
from graphsvc.core import schema
from graphsvc.core.projection import Change
from graphsvc.core.store.typed_rows import ColumnRows, PartRows

# Queries ship as package data of the top-level `queries` package, one folder per feature.
QUERY_DIR = Path(queries.__file__).resolve().parent


class StoreError(Exception):
    """A database fault the caller can report (HTTP 503 / CLI exit 2)."""


class StoreUnavailable(StoreError):
    """The database could not be opened or reached; the message says what to fix."""


class QueryNotFound(StoreError):
    pass


@cache
def load_query(name: str) -> str:
    path = QUERY_DIR / f"{name}.cypher"
    if ".." in name or not path.is_file():
        raise QueryNotFound(f"no query file queries/{name}.cypher")
    return path.read_text(encoding="utf-8")


def query_names() -> list[str]:
    """Every query by the name code uses: `<feature>/<file stem>`."""
    return sorted(p.relative_to(QUERY_DIR).with_suffix("").as_posix() for p in QUERY_DIR.glob("*/*.cypher"))



# Keys LadybugDB adds to node and relationship values; Neo4j's Node has no such entries.
_INTERNAL_KEYS = {"_ID", "_LABEL", "_SRC", "_DST", "_id", "_label", "_src", "_dst"}


def plain(value: Any) -> Any:
    """Normalise driver values: Decimal sums (LadybugDB) become int/float, nodes become dicts."""
    if isinstance(value, decimal.Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k not in _INTERNAL_KEYS}
    return value


def same_identity(rel: str, edge: str = "e", row: str = "r") -> str:
    """A WHERE clause (or "") matching edge `edge` to row `row` on `rel`'s identity properties,
    NULL equal to NULL (a property map `{segment_id: r.segment_id}` never matches a NULL, so a
    re-imported supply without a segment was added a second time instead of replaced).

    >>> same_identity("SUPPLIES")
    ' WHERE (e.year = r.year OR (e.year IS NULL AND r.year IS NULL)) AND (e.segment_id = r.segment_id OR (e.segment_id IS NULL AND r.segment_id IS NULL))'
    """
    conds = [f"({edge}.{p} = {row}.{p} OR ({edge}.{p} IS NULL AND {row}.{p} IS NULL))"
             for p in schema.RELS[rel]["identity"]]
    return f" WHERE {' AND '.join(conds)}" if conds else ""


def delete_by_end(rel: str, fl: str, tl: str, mode: str, key: str, value: str) -> str:
    """Cypher deleting every `rel` edge leaving (mode "from") or reaching (mode "to") the node
    whose key is the expression `value`, found by a key lookup (an IN-list filter scans)."""
    if mode == "from":
        return f"MATCH (a:{fl} {{{key}: {value}}}) MATCH (a)-[e:`{rel}`]->(:{tl}) DELETE e"
    return f"MATCH (b:{tl} {{{key}: {value}}}) MATCH (:{fl})-[e:`{rel}`]->(b) DELETE e"


# Accounts, sessions, throttling and the audit trail are not figures' inputs: their writes are
# not change-logged (the serving issue #12 excludes them); nor is the log itself.
UNLOGGED = frozenset({"Account", "LoginThrottle", "Token", "AuditEvent", *schema.LOG})
# What authentication reads (graphsvc.accounts.users caches it per process): a transaction that
# writes these, runs an accounts query or drops the graph moves the store's `accounts_generation`.
ACCOUNT_LABELS = frozenset({"Account", "Token"})
ACCOUNT_QUERIES = ("accounts/", *(query for table, _, query in schema.MIGRATIONS if table in ACCOUNT_LABELS))
_ACCOUNT_TEXT = re.compile(r"[:|]\s*`?(?:Account|Token)\b")
_ACCOUNTS_GUARD = threading.Lock()

# An entry with more rows than this is logged as op "bulk" without its rows (a demo or province
# load): other processes rebuild their projections on it. GRAPHSVC_CHANGELOG_BULK_ROWS overrides.
BULK_ROWS = 50_000
# Entries per statement when appending to the log.
LOG_CHUNK = 500


def _json_default(v):
    """numpy scalars and arrays in imported rows (ColumnRows) are written as plain JSON."""
    if hasattr(v, "tolist"):
        return v.tolist()
    if isinstance(v, decimal.Decimal):
        return plain(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    raise TypeError(f"{type(v).__name__} is not JSON serialisable in a change-log row")


def log_entries(changes, first_seq: int, at: str, bulk_rows: int = BULK_ROWS) -> list[dict]:
    """The stored form of `changes` (entity, op, rows), numbered from `first_seq`.

    >>> log_entries([("Delivery", "upsert", [{"id": "D1", "status": "confirmed"}]),
    ...              ("SUPPLIES", "replace_pair", [{"from": "a", "to": "b"}] * 3)], 7, "T", bulk_rows=2)
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'seq': 7, 'at': 'T', 'entity': 'Delivery', 'op': 'upsert', 'rows': '[{"id": "D1", "status": "confirmed"}]'},
     {'seq': 8, 'at': 'T', 'entity': 'SUPPLIES', 'op': 'bulk', 'rows': '[]'}]
    """
    out = []
    for i, (entity, op, rows) in enumerate(changes):
        bulk = len(rows) > bulk_rows
        out.append({"seq": first_seq + i, "at": at, "entity": entity, "op": "bulk" if bulk else op,
                    "rows": "[]" if bulk else json.dumps(list(rows), ensure_ascii=False, default=_json_default)})
    return out


def _empty_table(cypher: str):
    """An empty Table with the query's RETURN aliases as columns (no rows: no types to infer)."""
    import re

    import pyarrow as pa

    tail = cypher.rsplit("RETURN", 1)[-1].split("ORDER BY")[0]
    names = re.findall(r"\bAS\s+`?(\w+)`?", tail)
    return pa.table({n: pa.array([], pa.null()) for n in names})


class Tx(ABC):
    """One write transaction. Statements run in order; the whole is committed or nothing.

    Every change to what the figures read is recorded in `changes` as (entity, op, rows):
    `upsert_nodes` and `replace_rels` record themselves; a write through a named query records
    what it changed with `log_change`. The adapter hands the list to
    `graphsvc.core.projection` after commit, so the in-memory projections follow the database.
    """

    @property
    def changes(self) -> list[tuple[str, str, list[dict]]]:
        if not hasattr(self, "_changes"):
            self._changes = []
        return self._changes

    def log_change(self, entity: str, op: str, rows: list[dict]) -> None:
        """Record a change made through `run`: `entity` a label or relationship type, `op`
        "upsert" (rows carry the key and the changed properties), "delete" (rows carry the
        key; for a relationship "from" and/or "to": every such edge leaving `from` / reaching
        `to`, or between the two) or "update" (relationships only: rows carry "from" and/or
        "to" and the properties set on every such edge), or "bulk" (too much to list: every
        projection rebuilds; entity "*" for the whole graph)."""
        if entity == "*":
            self.touches_accounts = True
        if isinstance(rows, PartRows):
            # Staged files are removed once the import ends; a load that large rebuilds every
            # projection anyway.
            op, rows = "bulk", []
        if entity not in UNLOGGED and (rows or op == "bulk"):
            # Read-only columnar rows (an import's millions of edges) are kept as they are: a
            # dict per row is built only if a projection or the log reads them.
            self.changes.append((entity, op, rows if isinstance(rows, ColumnRows) else list(rows)))

    def write_log(self, bulk_rows: int = BULK_ROWS) -> list:
        """Append `changes` to the persisted change log, in this transaction (the adapters call
        it just before COMMIT), and return them as numbered `projection.Change`s."""
        changes = self.changes
        if not changes:
            return []
        at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        last = self.run("core/changelog_next", n=len(changes), at=at)[0]["seq"]
        entries = log_entries(changes, last - len(changes) + 1, at, bulk_rows)
        for i in range(0, len(entries), LOG_CHUNK):
            self.run("core/changelog_append", entries=entries[i:i + LOG_CHUNK])
        return [Change(e["seq"], entity, op, rows) for e, (entity, op, rows) in zip(entries, changes)]

    @abstractmethod
    def run_cypher(self, cypher: str, params: dict | None = None) -> list[dict]: ...

    # Set when this transaction writes what authentication reads (ACCOUNT_LABELS, ACCOUNT_QUERIES).
    touches_accounts: bool = False

    def run(self, name: str, **params) -> list[dict]:
        if name.startswith(ACCOUNT_QUERIES):
            self.touches_accounts = True
        return self.run_cypher(load_query(name), params)

    def note_cypher(self, cypher: str) -> None:
        """The adapters' run_cypher calls this: a statement naming an account or token label
        (a migration, a test's direct write) counts as an accounts write too."""
        if not self.touches_accounts and _ACCOUNT_TEXT.search(cypher):
            self.touches_accounts = True

    def upsert_nodes(self, label: str, rows: list[dict]) -> dict:
        """Create or update nodes by key; returns {"created": n, "updated": m}."""
        if label in ACCOUNT_LABELS:
            self.touches_accounts = True
        out = self._upsert_nodes(label, rows)
        self.log_change(label, "upsert", rows)
        return out

    def replace_rels(self, rel: str, rows: list[dict], mode: str = "pair") -> int:
        """Write relationships given as {"from": key, "to": key, **props}; see `_replace_rels`."""
        out = self._replace_rels(rel, rows, mode)
        self.log_change(rel, f"replace_{mode}", rows)
        return out

    @abstractmethod
    def _upsert_nodes(self, label: str, rows: list[dict]) -> dict: ...

    @abstractmethod
    def _replace_rels(self, rel: str, rows: list[dict], mode: str = "pair") -> int:
        """Write relationships given as {"from": key, "to": key, **props}.

        mode "pair": an existing edge between the same two nodes with the same identity
        properties (schema.RELS[rel]["identity"]) is replaced.  mode "from": every existing
        edge of this type leaving a node named in `rows` is removed first (the rows are the
        complete new set for those nodes); mode "to" likewise for edges arriving.  Either way re-running the same rows changes nothing.
        """


class Store(ABC):
    engine: str = "?"
    # True where other processes may write the same database (Neo4j): projections then read the
    # change log past what they hold before serving. LadybugDB has one writer process.
    shared_log: bool = False
    bulk_rows: int = BULK_ROWS
    # Moves after every committed transaction of this process that wrote accounts or tokens
    # (Tx.touches_accounts): per-process caches of what authentication reads are valid while it
    # stays. Other processes' writes do not move it (see graphsvc.accounts.users).
    accounts_generation: int = 0

    def committed_accounts(self, tx: Tx) -> None:
        """Called by the adapters right after COMMIT."""
        if tx.touches_accounts:
            with _ACCOUNTS_GUARD:     # two commits at once must move it twice
                self.accounts_generation += 1

    @abstractmethod
    def read_cypher(self, cypher: str, params: dict | None = None) -> list[dict]: ...

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[Tx]: ...

    @abstractmethod
    def ensure_schema(self) -> None: ...

    @abstractmethod
    def health(self) -> dict: ...

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def drop_all(self) -> None:
        """Delete every node and relationship (tests, restore into a fresh store)."""

    def read(self, name: str, **params) -> list[dict]:
        return self.read_cypher(load_query(name), params)

    def read_columns(self, name: str, **params):
        """A bulk read as a pyarrow Table (projections read millions of rows: a Python dict per
        row was most of their build time). Adapters with a columnar result override this."""
        import pyarrow as pa

        rows = self.read(name, **params)
        return pa.Table.from_pylist(rows) if rows else _empty_table(load_query(name))

    @contextmanager
    def bulk_reads(self):
        """Route this thread's reads, while inside, to a handle whose cache is dropped at the
        end (the build at start reads every table once; LadybugStore overrides this). Here:
        the same handle."""
        yield

    def read_supplies(self):
        """Every SUPPLIES edge as the columns of core/supply_edges (seller and buyer USCCs,
        year, amount_wan, segment_id, supplier_region); an adapter may hand seller and buyer
        back dictionary-encoded (graphsvc.core.columns.codes reads either)."""
        return self.read_columns("core/supply_edges")

    def read_one(self, name: str, **params) -> dict | None:
        rows = self.read(name, **params)
        return rows[0] if rows else None

    def write(self, name: str, **params) -> list[dict]:
        with self.transaction() as tx:
            return tx.run(name, **params)

    # -- the change log (graphsvc/core/projection.py) --------------------------------------
    def change_head(self) -> int:
        """The last change-log sequence number committed (0: nothing logged yet)."""
        row = self.read_one("core/changelog_head")
        return int(row["seq"]) if row and row["seq"] is not None else 0

    def changes_since(self, after: int, limit: int = 10_000) -> list:
        """Committed change-log entries after `after`, oldest first, as `projection.Change`s
        (a "bulk" entry has no rows)."""
        return [Change(int(r["seq"]), r["entity"], r["op"], json.loads(r["rows"] or "[]"))
                for r in self.read("core/changelog_since", after_seq=after, limit=limit)]

    def compact_changes(self, keep: int, before: str | None = None) -> dict:
        """Delete change-log entries but the newest `keep` (at least 1: a reader tells a
        compacted gap from an idle log by it), optionally only those written before the ISO
        time `before`. A projection behind the deleted range rebuilds when it next reads."""
        keep = max(1, keep)
        head = self.change_head()
        with self.transaction() as tx:
            tx.run("core/changelog_compact", upto_seq=head - keep, before_at=before or "9999")
        row = self.read_one("core/changelog_count") or {}
        return {"head": head, "entries": int(row.get("entries") or 0), "oldest": row.get("oldest")}

    def counts(self) -> dict:
        out = {}
        for label in schema.NODES:
            row = self.read_cypher(f"MATCH (n:{label}) RETURN count(n) AS n")
            out[label] = int(row[0]["n"])
        for rel, spec in schema.RELS.items():
            row = self.read_cypher(
                f"MATCH (:{spec['from']})-[r:`{rel}`]->(:{spec['to']}) RETURN count(r) AS n")
            out[rel] = int(row[0]["n"])
        return out

    def dump_nodes(self, label: str) -> Iterable[dict]:
        key = schema.key_of(label)
        props = ", ".join(f"n.{p} AS {p}" for p in schema.NODES[label]["props"])
        return self.read_cypher(f"MATCH (n:{label}) RETURN {props} ORDER BY n.{key}")

    def dump_rels(self, rel: str) -> Iterable[dict]:
        spec = schema.RELS[rel]
        fk, tk = schema.key_of(spec["from"]), schema.key_of(spec["to"])
        props = "".join(f", r.{p} AS {p}" for p in spec["props"])
        return self.read_cypher(
            f"MATCH (a:{spec['from']})-[r:`{rel}`]->(b:{spec['to']}) "
            f"RETURN a.{fk} AS `from`, b.{tk} AS `to`{props} ORDER BY `from`, `to`")
