"""SIGKILL halfway through a large import leaves the graph as it was (issue #19).

`graphsvc import supplies` runs in its own process on a file large enough to be read in
batches and written in several staged parts; it is killed with SIGKILL once its progress says
half the parts are written inside the open transaction. Opening the database afterwards finds
the counts and a figure exactly as before the import, and the graph still takes an import.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np

from bench.common import kill_halfway
from tests.conftest import ROOT, _copy_data, open_test_store

ROWS = 400_000   # about 23 MB: a few staged parts, a few seconds to import


def _graph_state(data_dir) -> tuple[dict, list]:
    from graphsvc.local_supply import ratios

    store = open_test_store(data_dir)
    try:
        return store.counts(), ratios.fetch_table(store, 2024)
    finally:
        store.close()


def _unordered(value):
    """`value` with every list sorted and every float rounded to 9 places: the engine hands
    back the same edges in another order once a killed writer's database has been reopened,
    so sums differ in their last bits and rows that tie come back in another order."""
    import json

    if isinstance(value, dict):
        return {k: _unordered(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_unordered(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if isinstance(value, float):
        return round(value, 9)
    return value


def _supplies_file(path, firms: list[str]) -> None:
    """ROWS edges between stored firms with distinct (supplier, buyer, year) keys; some of
    them are edges the graph already has, which the import replaces."""
    rng = np.random.default_rng(19)
    n = len(firms)
    pick = rng.choice(n * (n - 1), ROWS, replace=False)
    sup, off = pick // (n - 1), pick % (n - 1)
    buy = off + (off >= sup)             # any firm but the supplier
    year = 2015 + rng.integers(0, 10, ROWS)
    firm = np.array(firms)
    with open(path, "w", encoding="utf-8") as f:
        f.write("supplier_uscc,buyer_uscc,year,amount_wan\n")
        for s, b, y, a in zip(firm[sup], firm[buy], year, rng.integers(1, 5000, ROWS)):
            f.write(f"{s},{b},{y},{a}\n")


def test_sigkill_halfway_through_a_large_supplies_import_leaves_the_graph_as_before(demo_template, tmp_path):
    data_dir = _copy_data(demo_template, tmp_path / "data")
    store = open_test_store(data_dir)
    firms = sorted(r["uscc"] for r in store.read_cypher("MATCH (e:Enterprise) RETURN e.uscc AS uscc"))
    store.close()
    counts, figure = _graph_state(data_dir)
    assert counts["SUPPLIES"] > 0 and figure
    path = tmp_path / "supplies.csv"
    _supplies_file(path, firms)

    # A killed import cannot remove its staged part files: they land in the test's directory.
    env = {**os.environ, "GRAPHSVC_DATA_DIR": str(data_dir), "GRAPHSVC_SECRET_KEY": "test-secret",
           "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "graphsvc.cli", "import", "supplies", str(path),
                             "--progress-lines"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    seen = kill_halfway(proc)
    assert proc.returncode == -signal.SIGKILL, "\n".join(seen[-20:]) + (proc.stdout.read() or "")
    writes = [s for s in seen if s.startswith("progress supplies 写入")]
    assert len(writes) >= 2, seen[-20:]   # the kill came between parts, inside the transaction

    after_counts, after_figure = _graph_state(data_dir)
    assert after_counts == counts
    assert _unordered(after_figure) == _unordered(figure)

    # The killed import's staged parts stay behind it (named for its process) until the next import.
    left = list(tmp_path.glob(f"graphsvc-import-{proc.pid}-*"))
    assert left and any(left[0].iterdir()), sorted(p.name for p in tmp_path.iterdir())

    # The database still takes the same import after its recovery.
    r = subprocess.run([sys.executable, "-m", "graphsvc.cli", "import", "supplies", str(path), "--json"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert _graph_state(data_dir)[0]["SUPPLIES"] >= ROWS
    assert not list(tmp_path.glob("graphsvc-import-*")), sorted(p.name for p in tmp_path.iterdir())
