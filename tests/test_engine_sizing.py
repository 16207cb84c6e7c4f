"""The embedded engine's buffer pool and checkpoint threshold are sized from the database the
settings name (docs/domain-model.md, engine notes), and the environment overrides both."""
from __future__ import annotations

from graphsvc.core.config import load
from graphsvc.core.store import open_store


def _sized_db(data_dir, mb: int):
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "graph.lbdb", "wb") as f:   # sparse: the size is what the rule reads
        f.truncate(mb * 2**20)


def test_rules_read_the_overridden_data_dir_not_the_environments(tmp_path, monkeypatch):
    monkeypatch.delenv("GRAPHSVC_CHECKPOINT_MB", raising=False)
    monkeypatch.delenv("GRAPHSVC_BUFFER_POOL_MB", raising=False)
    monkeypatch.setenv("GRAPHSVC_DATA_DIR", str(tmp_path / "elsewhere"))
    _sized_db(tmp_path / "big", 1600)
    s = load(data_dir=tmp_path / "big")
    assert s.checkpoint_mb == 200
    assert s.buffer_pool_mb >= 2048
    assert load(data_dir=tmp_path / "empty").checkpoint_mb == 16


def test_environment_overrides_the_rules_and_the_engine_gets_the_threshold(tmp_path, monkeypatch):
    monkeypatch.delenv("GRAPHSVC_NEO4J_URI", raising=False)
    monkeypatch.setenv("GRAPHSVC_CHECKPOINT_MB", "40")
    monkeypatch.setenv("GRAPHSVC_BUFFER_POOL_MB", "256")
    s = load(data_dir=tmp_path)
    assert (s.checkpoint_mb, s.buffer_pool_mb) == (40, 256)
    store = open_store(s)
    try:
        got = store.read_cypher("CALL current_setting('checkpoint_threshold') RETURN *")
        assert [int(v) for v in got[0].values()] == [40 * 2**20]
    finally:
        store.close()
