"""Graph store: one interface, two engines (LadybugDB embedded by default, Neo4j 5)."""
from __future__ import annotations

from graphsvc.core.store.base import QueryNotFound, Store, StoreError, StoreUnavailable, Tx

__all__ = ["Store", "Tx", "StoreError", "StoreUnavailable", "QueryNotFound", "open_store"]


def open_store(settings) -> Store:
    """Build the adapter the settings ask for. Nothing is opened until first use (after fork)."""
    if settings.neo4j_uri:
        from graphsvc.core.store.neo4j_store import Neo4jStore

        store = Neo4jStore(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password)
    else:
        from graphsvc.core.store.ladybug_store import LadybugStore

        store = LadybugStore(settings.db_path, read_only=settings.read_only,
                             buffer_pool_mb=settings.buffer_pool_mb, copy_threshold=settings.copy_threshold,
                             checkpoint_mb=settings.checkpoint_mb)
    store.bulk_rows = settings.changelog_bulk_rows
    return store
