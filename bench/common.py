"""Shared benchmark helpers: the province dataset (built once, cached), timing, results.

Each `bench/bench_*.py` module defines `run(ctx) -> list[dict]` with rows
`{name, dataset, n, median, p95, unit ("ms", "s", "rows/s", "MB"), target (text, e.g. "<= 50 ms")}`; `python -m bench.run` runs them all,
prints a table and writes `bench/results/*.json`.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("GRAPHSVC_BENCH_DIR", ROOT / "bench" / ".data"))
RESULTS = ROOT / "bench" / "results"


def timed(fn, repeat: int = 20, warmup: int = 2) -> dict:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return ms_summary(samples)


def ms_summary(samples: list[float]) -> dict:
    """{n, median, p95, unit} of millisecond samples (with under 20 samples, p95 is the slowest).

    >>> ms_summary([3.0, 1.0, 2.0])
    {'n': 3, 'median': 2.0, 'p95': 3.0, 'unit': 'ms'}
    """
    s = sorted(samples)
    return {"n": len(s), "median": round(statistics.median(s), 2),
            "p95": round(s[min(len(s) - 1, int(0.95 * len(s)))], 2), "unit": "ms"}


class Context:
    """What benchmarks share: the generated files of one scale (province unless told) and the
    database loaded from them."""

    def __init__(self, scale: str = "province"):
        self.scale = scale
        self._store = None
        self.load_seconds = None

    @property
    def files(self) -> dict:
        from graphsvc.demo import generate as demo

        out = CACHE / f"{self.scale}-files"
        marker = out / ".done"
        # A cache from before the capacities kind lacks its file: regenerate.
        if not marker.exists() or not (out / "capacities.csv").exists():
            shutil.rmtree(out, ignore_errors=True)
            demo.generate(self.scale, out)
            marker.touch()
        return {k: out / f"{k}.csv" for k in ("enterprises", "supplies", "deliveries", "recognitions",
                                              "projects", "memberships", "capacities")}

    def data_dir(self) -> Path:
        return CACHE / f"{self.scale}-db"

    def store(self):
        """The graph of this scale, loaded through the real importers once and kept on disk."""
        if self._store is not None:
            return self._store
        from graphsvc.cli import load_demo_files
        from graphsvc.core.config import load
        from graphsvc.core.reference_graph import ensure_reference
        from graphsvc.core.store import open_store

        import fcntl

        d = self.data_dir()
        marker = d / ".loaded"
        CACHE.mkdir(parents=True, exist_ok=True)
        # One builder at a time: a second benchmark process waits here for the first to finish.
        with open(CACHE / f"{self.scale}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not marker.exists():
                shutil.rmtree(d, ignore_errors=True)
                s = open_store(load(data_dir=d))
                ensure_reference(s)
                t = time.perf_counter()
                load_demo_files(s, self.files, progress=False)
                self.load_seconds = time.perf_counter() - t
                (d / "load_seconds").write_text(f"{self.load_seconds:.1f}")
                marker.touch()
                self._store = s
            else:
                # Read-only: several benchmark processes may share the cached graph at once.
                self._store = open_store(load(data_dir=d, read_only=True))
                self.load_seconds = float((d / "load_seconds").read_text())
        return self._store

    def writable_copy(self, dest: Path):
        """A private read-write copy of the graph, for benchmarks that write."""
        from graphsvc.core.config import load
        from graphsvc.core.store import open_store

        self.store()
        dest.mkdir(parents=True, exist_ok=True)
        for p in self.data_dir().glob("graph.lbdb*"):
            shutil.copy2(p, dest / p.name)
        return open_store(load(data_dir=dest))

    def close(self):
        if self._store is not None:
            self._store.close()
            self._store = None


def kill_halfway(proc, kind: str = "supplies") -> list[str]:
    """Read the stderr lines of `proc` (`graphsvc import KIND … --progress-lines`) and SIGKILL it
    once its progress says half the staged parts are written inside the open transaction;
    wait for it to end (killing it if it outlives 600 s). The lines read, in order."""
    import os
    import signal

    seen = []
    try:
        for line in proc.stderr:
            seen.append(line.strip())
            parts = line.split()
            if parts[:3] == ["progress", kind, "写入"]:
                done, total = map(int, parts[3].split("/"))
                if 0 < done < total and done * 2 >= total:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
        proc.wait(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return seen


def write_results(name: str, rows: list[dict]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    return path


def handler(store, principal, data_dir: Path | None = None):
    """get(path) -> response: the API views dispatched in a request context as `principal`
    (an access.Principal), without writing an account or token into the shared graph.
    `data_dir`: the app's data directory when the store has none (Neo4j)."""
    from flask import g

    from graphsvc.core.config import load
    from web import create_app

    app = create_app(load(data_dir=data_dir or store.path), store=store)
    app.extensions["graphsvc"]["reference_checked"] = True

    def get(path):
        with app.test_request_context(path):
            g.principal, g.via = principal, "token"
            resp = app.full_dispatch_request()
            assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
            return resp

    return get


def start_server(data_dir: Path, port: int, env: dict, extra: list[str], timeout: float):
    """`graphsvc serve` on 127.0.0.1:`port` in its own session, logging to data_dir/server.log;
    returns (process, log file) once /api/v1/health answers 200 (RuntimeError with the log's
    tail if it dies or `timeout` passes). The caller stops the process and closes the log."""
    import subprocess
    import sys

    import requests

    log = open(data_dir / "server.log", "w")  # noqa: SIM115 — the caller closes it
    proc = subprocess.Popen([sys.executable, "-m", "graphsvc.cli", "serve", "--host", "127.0.0.1",
                             "--port", str(port), *extra], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + timeout
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=30).status_code == 200:
                return proc, log
        except requests.ConnectionError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError("bench server did not start: " + (data_dir / "server.log").read_text()[-2000:])
        time.sleep(0.3)


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux)."""
    from graphsvc.core.projection import resident_mb

    return resident_mb() or 0.0
