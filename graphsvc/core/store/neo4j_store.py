"""Neo4j 5 adapter through the official `neo4j` driver (py2neo is end-of-life).

Schema on Neo4j is constraints and indexes rather than tables; bulk loads are UNWIND batches
inside one explicit transaction, so an import stays all-or-nothing here too.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager, suppress
from collections.abc import Iterator

from graphsvc.core import projection, schema
from graphsvc.core.store.base import (Store, StoreError, StoreUnavailable, Tx, delete_by_end, load_query, plain,
                                      same_identity)

log = logging.getLogger(__name__)
BATCH = 5000

# Properties that queries filter on besides the keys.
INDEXES = [("Enterprise", "region_code"), ("Enterprise", "industry_code"), ("Recognition", "kind"),
           ("Delivery", "supplier_uscc"), ("Delivery", "client_uscc"), ("Delivery", "status"),
           ("AuditEvent", "at"), ("Token", "username")]


def _value(v):
    try:
        from neo4j.graph import Node, Relationship
    except ImportError:  # pragma: no cover
        return plain(v)
    if isinstance(v, (Node, Relationship)):
        return plain(dict(v))
    if isinstance(v, list):
        return [_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _value(x) for k, x in v.items()}
    return plain(v)


def _records(result) -> list[dict]:
    return [{k: _value(v) for k, v in rec.items()} for rec in result]


# Reads the driver retries this long across a lost connection before the request gets its 503
# (the driver's default, 30 s, would hold every in-flight request through a server restart).
RETRY_SECONDS = 5.0


def _lost(exc: Exception) -> bool:
    """Whether `exc` means the server went away (stopped, restarted, network), not a bad query."""
    from neo4j.exceptions import DatabaseUnavailable, ServiceUnavailable, SessionExpired

    return isinstance(exc, (ServiceUnavailable, SessionExpired, DatabaseUnavailable))


def _unavailable(uri: str, exc: Exception, *, committing: bool = False) -> StoreUnavailable:
    from neo4j.exceptions import IncompleteCommit

    # Lost during COMMIT, the server may have stored the write before the connection went,
    # whatever the driver's exception says (IncompleteCommit is only the case it recognises).
    what = ("the connection was lost while committing: the write may or may not have been stored"
            if committing or isinstance(exc, IncompleteCommit) else "nothing was written")
    return StoreUnavailable(f"Neo4j at {uri} is unreachable ({type(exc).__name__}: {exc}); {what}. "
                            f"The service reconnects by itself once the server answers again")


class Neo4jTx(Tx):
    def __init__(self, tx):
        self.tx = tx

    def run_cypher(self, cypher: str, params: dict | None = None) -> list[dict]:
        self.note_cypher(cypher)
        return _records(self.tx.run(cypher, params or {}))

    def _upsert_nodes(self, label: str, rows: list[dict]) -> dict:
        if not rows:
            return {"created": 0, "updated": 0}
        spec = schema.NODES[label]
        key = spec["key"]
        cols = [p for p in spec["props"] if p in rows[0]]
        keys = [r[key] for r in rows]
        existing = set()
        # Restores and first imports write into an empty label: no lookup needed there.
        if self.run_cypher(f"MATCH (n:{label}) RETURN 1 AS x LIMIT 1"):
            for i in range(0, len(keys), BATCH):
                found = self.run_cypher(f"UNWIND $keys AS k MATCH (n:{label} {{{key}: k}}) RETURN n.{key} AS k",
                                        {"keys": keys[i:i + BATCH]})
                existing.update(f["k"] for f in found)
        sets = ", ".join(f"n.{p} = r.{p}" for p in cols if p != key)
        sets = f"SET {sets}" if sets else ""
        for i in range(0, len(rows), BATCH):
            self.run_cypher(f"UNWIND $rows AS r MERGE (n:{label} {{{key}: r.{key}}}) {sets}",
                            {"rows": [{c: r.get(c) for c in cols} for r in rows[i:i + BATCH]]})
        return {"created": len(set(keys) - existing), "updated": len(existing)}

    def _replace_rels(self, rel: str, rows: list[dict], mode: str = "pair") -> int:
        if not rows:
            return 0
        spec = schema.RELS[rel]
        fl, tl = spec["from"], spec["to"]
        fk, tk = schema.key_of(fl), schema.key_of(tl)
        if mode in ("from", "to"):
            k = fk if mode == "from" else tk
            keys = sorted({r[mode] for r in rows})
            self.run_cypher("UNWIND $keys AS x " + delete_by_end(rel, fl, tl, mode, k, "x"),
                            {"keys": keys})
        elif self.run_cypher(f"MATCH (:{fl})-[e:`{rel}`]->(:{tl}) RETURN 1 AS x LIMIT 1"):
            # (Skipped when no such edge exists: deleting by pattern costs as much as creating.)
            for i in range(0, len(rows), BATCH):
                self.run_cypher(
                    f"UNWIND $rows AS r MATCH (a:{fl} {{{fk}: r.`from`}})-[e:`{rel}`]->"
                    f"(b:{tl} {{{tk}: r.`to`}}){same_identity(rel)} DELETE e", {"rows": rows[i:i + BATCH]})
        pmap = ", ".join(f"{p}: r.{p}" for p in spec["props"])
        pmap = f" {{{pmap}}}" if pmap else ""
        for i in range(0, len(rows), BATCH):
            self.run_cypher(
                f"UNWIND $rows AS r MATCH (a:{fl} {{{fk}: r.`from`}}) MATCH (b:{tl} {{{tk}: r.`to`}}) "
                f"CREATE (a)-[:`{rel}`{pmap}]->(b)", {"rows": rows[i:i + BATCH]})
        return len(rows)


class Neo4jStore(Store):
    engine = "neo4j"
    shared_log = True  # several workers (serve --workers N) write one database

    def __init__(self, uri: str, user: str, password: str):
        self.uri, self.user, self.password = uri, user, password
        self._driver = None
        self._schema_done = False

    def _drv(self):
        if self._driver is None:
            import neo4j

            # A label or type that no node has yet is normal (an empty graph, no CORRECTS edge):
            # without this the driver logs a warning for each such read.
            self._driver = neo4j.GraphDatabase.driver(self.uri, auth=(self.user, self.password),
                                                      notifications_disabled_classifications=["UNRECOGNIZED"],
                                                      max_transaction_retry_time=RETRY_SECONDS)
        if not self._schema_done:
            try:
                self._driver.verify_connectivity()
            except Exception as exc:
                raise StoreUnavailable(
                    f"Neo4j at {self.uri} is unreachable ({exc}); check GRAPHSVC_NEO4J_URI, "
                    f"GRAPHSVC_NEO4J_USER/PASSWORD and that the server is running") from exc
            self._schema_done = True
            self.ensure_schema()
        return self._driver

    def ensure_schema(self) -> None:
        drv = self._drv()
        with drv.session() as s:
            for label, spec in {**schema.NODES, **schema.LOG}.items():
                s.run(f"CREATE CONSTRAINT {label.lower()}_key IF NOT EXISTS "
                      f"FOR (n:{label}) REQUIRE n.{spec['key']} IS UNIQUE")
            for label, prop in INDEXES:
                s.run(f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})")
            for table, prop, query in schema.MIGRATIONS:
                if table in schema.RELS:
                    probe = f"MATCH ()-[e:`{table}`]->() WHERE e.{prop} IS NULL RETURN 1 LIMIT 1"
                else:
                    probe = f"MATCH (e:{table}) WHERE e.{prop} IS NULL RETURN 1 LIMIT 1"
                if s.run(probe).single() is not None:
                    s.run(load_query(query))

    def read_cypher(self, cypher: str, params: dict | None = None) -> list[dict]:
        try:
            with self._drv().session() as s:
                return s.execute_read(lambda tx: _records(tx.run(cypher, params or {})))
        except StoreError:
            raise
        except Exception as exc:
            if _lost(exc):
                raise _unavailable(self.uri, exc) from exc
            raise StoreError(str(exc)) from exc

    @contextmanager
    def transaction(self) -> Iterator[Neo4jTx]:
        # A lost server becomes StoreUnavailable (HTTP 503). The transaction is one Neo4j
        # transaction: whatever broke it, the server rolls it back whole, change log included.
        logged = None
        committing = False
        try:
            with self._drv().session() as s:
                tx = s.begin_transaction()
                ntx = Neo4jTx(tx)
                try:
                    yield ntx
                except BaseException:
                    with suppress(Exception):   # the connection may be gone already
                        tx.rollback()
                    raise
                changes = ntx.write_log(self.bulk_rows)
                committing = True
                tx.commit()
                logged = changes
        except Exception as exc:
            # Once COMMIT has answered the write is stored: a connection lost while the session
            # closes must not be reported as a write that failed.
            if logged is None:
                if _lost(exc):
                    raise _unavailable(self.uri, exc, committing=committing) from exc
                raise
        self.committed_accounts(ntx)
        projection.committed(self, logged)
        if logged:
            projection.catch_up(self)

    def health(self) -> dict:
        try:
            self.read_cypher("RETURN 1 AS ok")
            return {"ok": True, "engine": self.engine, "uri": self.uri}
        except StoreError as exc:
            return {"ok": False, "engine": self.engine, "uri": self.uri, "detail": str(exc)}

    def close(self) -> None:
        if self._driver is not None:
            self._driver.close()
            self._driver = None
            self._schema_done = False

    def drop_all(self) -> None:
        """Delete the graph (not its change log, which records this as one bulk change)."""
        with self.transaction() as tx:
            tx.log_change("*", "bulk", [])
            tx.run_cypher("MATCH (n) WHERE NOT n:Change AND NOT n:ChangeHead DETACH DELETE n")
