"""The store interface both engines implement, and what they share.

Only the adapters talk to a database. Everything else calls `read`/`write` with the name of
a file in `queries/`, or uses a `transaction()` for multi-statement writes (imports,
ledger transitions) so that a failure leaves nothing half-written.
"""
from __future__ import annotations

import decimal
from abc import ABC, abstractmethod
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any
from collections.abc import Iterable, Iterator

import queries
from graphsvc.core import schema

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


def delete_by_end(rel: str, fl: str, tl: str, mode: str, key: str, value: str) -> str:
    """Cypher deleting every `rel` edge leaving (mode "from") or reaching (mode "to") the node
    whose key is the expression `value`, found by a key lookup (an IN-list filter scans)."""
    if mode == "from":
        return f"MATCH (a:{fl} {{{key}: {value}}}) MATCH (a)-[e:`{rel}`]->(:{tl}) DELETE e"
    return f"MATCH (b:{tl} {{{key}: {value}}}) MATCH (:{fl})-[e:`{rel}`]->(b) DELETE e"


# Accounts, sessions, throttling and the audit trail are not figures' inputs: their writes are
# not change-logged (the serving issue #12 excludes them).
UNLOGGED = frozenset({"Account", "LoginThrottle", "Token", "AuditEvent"})


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
        "upsert" (rows carry the key and the changed properties) or "delete" (rows carry the
        key; for a relationship "from"/"to")."""
        if entity not in UNLOGGED and rows:
            self.changes.append((entity, op, list(rows)))

    @abstractmethod
    def run_cypher(self, cypher: str, params: dict | None = None) -> list[dict]: ...

    def run(self, name: str, **params) -> list[dict]:
        return self.run_cypher(load_query(name), params)

    def upsert_nodes(self, label: str, rows: list[dict]) -> dict:
        """Create or update nodes by key; returns {"created": n, "updated": m}."""
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

    def read_one(self, name: str, **params) -> dict | None:
        rows = self.read(name, **params)
        return rows[0] if rows else None

    def write(self, name: str, **params) -> list[dict]:
        with self.transaction() as tx:
            return tx.run(name, **params)

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
