"""Backup and restore across engines: the embedded → Neo4j move, and back.

(The move with figure equality after it is tests/test_neo4j_equality.py; the Neo4j → LadybugDB
direction is test_store's round trip, run on Neo4j by tests/test_neo4j_store.py.)
"""
from __future__ import annotations

import pytest

from graphsvc.core.backup import BackupError, backup, restore

LABELS = ("Enterprise", "Delivery", "Account", "Token", "Project", "Recognition", "AuditEvent", "Region")
RELS = ("SUPPLIES", "ORGANIZES", "LEADS", "FOR", "HAS", "IN_SEGMENT", "DELIVERED", "SERVES")


def _key(r):
    return tuple(str(v) for v in r.values())


def test_moving_from_ladybug_to_neo4j_keeps_every_record(store, neo4j_empty, tmp_path):
    backup(store, tmp_path / "bk")
    neo4j_empty.drop_all()                     # the move goes into a new, empty Neo4j
    restore(neo4j_empty, tmp_path / "bk")
    assert neo4j_empty.counts() == store.counts()
    for label in LABELS:
        assert neo4j_empty.dump_nodes(label) == store.dump_nodes(label), label
    for rel in RELS:
        assert sorted(neo4j_empty.dump_rels(rel), key=_key) == sorted(store.dump_rels(rel), key=_key), rel
    # The demo accounts log in with the same passwords and tokens after the move.
    from graphsvc.accounts import users as acc

    assert acc.authenticate_password(neo4j_empty, "maker", "graphsvc-demo").username == "maker"
    with pytest.raises(BackupError, match="empty store"):
        restore(neo4j_empty, tmp_path / "bk")


def test_neo4j_refuses_a_damaged_backup_and_writes_nothing(store, neo4j_empty, tmp_path):
    backup(store, tmp_path / "bk")
    with (tmp_path / "bk" / "node_Enterprise.csv").open("a") as fh:
        fh.write("tampered\n")
    before = neo4j_empty.counts()
    with pytest.raises(BackupError, match="checksum"):
        restore(neo4j_empty, tmp_path / "bk")
    assert neo4j_empty.counts() == before


def test_a_restore_that_fails_midway_leaves_neo4j_empty(store, neo4j_empty, tmp_path, monkeypatch):
    """All or nothing: the write fails after the nodes went into the transaction."""
    import graphsvc.core.store.neo4j_store as n4s

    backup(store, tmp_path / "bk")
    neo4j_empty.drop_all()
    real = n4s.Neo4jTx.replace_rels

    def fail_on_supplies(self, rel, rows, mode="pair"):
        if rel == "SUPPLIES":
            self.run_cypher("RETURN 1/0 AS boom")   # a real database error inside the transaction
        return real(self, rel, rows, mode)

    monkeypatch.setattr(n4s.Neo4jTx, "replace_rels", fail_on_supplies)
    with pytest.raises(Exception, match="/ by zero|[Dd]ivision"):
        restore(neo4j_empty, tmp_path / "bk")
    assert all(n == 0 for n in neo4j_empty.counts().values())
