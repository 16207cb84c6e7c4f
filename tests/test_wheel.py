"""The package as an operator installs it (issue #14): a wheel built from the sources carries the
queries, reference data and rules, templates and built static assets; installed into a fresh
virtual environment outside the repository, it initialises, loads the demo and serves, run from
a directory that is not the repository — and leaves nothing in the temp directory.

The fresh environment gets the wheel with pip; its dependencies are those of the project's
environment, reached by a plain path line (no network, no second download of pandas). That path
is appended after the environment's own site-packages and its .pth files are not processed, so
the repository's editable install is invisible: every graphsvc module must come from the wheel.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest
import requests

from tests.conftest import NEO4J, ROOT, free_port

SOURCES = ("graphsvc", "loaders", "web", "queries", "pyproject.toml", "README.md")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules", "assets", "*.egg-info")


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kw)
    assert p.returncode == 0, f"{cmd}: {p.stdout[-2000:]}\n{p.stderr[-3000:]}"
    return p


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the sources (as from an unpacked sdist: no build products)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, src / name, **(
            {"ignore": IGNORE} if (ROOT / name).is_dir() else {}))
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(src)])
    (whl,) = dist.glob("graphsvc-*.whl")
    return whl


def test_wheel_carries_what_the_service_reads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, pattern in (("queries", ".cypher"), ("graphsvc/refdata/rules", ".yaml"),
                            ("web/templates", ".html"), ("web/static/js", ".js"), ("web/static/css", ".css")):
        shipped = {n for n in names if n.startswith(folder + "/") and n.endswith(pattern)}
        expected = {str(p.relative_to(ROOT)) for p in (ROOT / folder).rglob("*" + pattern)}
        assert expected and shipped == expected, f"{folder}: missing {sorted(expected - shipped)[:5]}"
    # The built assets (make install) ship when present, as they are here.
    assert "web/static/vendor/echarts.min.js" in names
    assert {"web/static/geo/330100.json", "web/static/geo/330600.json"} <= names
    for data in ("graphsvc/refdata/regions.csv", "graphsvc/refdata/chains.yaml", "graphsvc/refdata/manifest.yaml"):
        assert data in names
    assert not [n for n in names if "node_modules" in n or n.startswith("tests/") or "secret_key" in n]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    py = venv / "bin" / "python"
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    # Dependencies from the project's environment, after the fresh environment's own packages.
    (site / "zz_project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", "-q", str(wheel)])
    return venv


def test_installed_package_runs_outside_the_repository(installed, tmp_path):
    if NEO4J:
        pytest.skip("the embedded single-directory install is what this checks")
    work, tmpdir = tmp_path / "operator", tmp_path / "tmp"
    work.mkdir(), tmpdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPHSVC_", "PYTHON"))}
    env.update(TMPDIR=str(tmpdir), PATH=f"{installed / 'bin'}:{env.get('PATH', '')}")
    gs = str(installed / "bin" / "graphsvc")

    where = _run([str(installed / "bin" / "python"), "-c",
                  "import graphsvc, queries, web, loaders; print(graphsvc.__file__, queries.__file__, web.__file__, "
                  "loaders.__file__)"], cwd=work, env=env).stdout.split()
    assert all(str(installed) in w for w in where), where
    assert _run([gs, "--version"], cwd=work, env=env).stdout.strip() == "graphsvc, version 0.1.0"

    counts = json.loads(_run([gs, "init"], cwd=work, env=env).stdout)
    assert counts["Region"] > 0
    # The data directory is ./data where the command runs, not inside the installed package.
    assert (work / "data" / "graph.lbdb").exists()
    _run([gs, "demo", "--scale", "small"], cwd=work, env=env)
    accounts = json.loads(_run([gs, "demo-accounts", "--tokens", "--json"], cwd=work, env=env).stdout)
    token = next(a["token"] for a in accounts if a["username"] == "admin")
    # Generated demo files are only the importers' input: the temp directory keeps nothing.
    assert not list(tmpdir.iterdir()), list(tmpdir.iterdir())

    port = free_port()
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 — closed below
    proc = subprocess.Popen([gs, "serve", "--port", str(port)], cwd=work, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base, proc, tmp_path / "serve.log")
        auth = {"Authorization": f"Bearer {token}"}
        assert requests.get(base + "/api/v1/health", timeout=30).json()["status"] == "ok"
        doc = requests.get(base + "/api/v1/openapi.json", timeout=30).json()
        assert "/api/v1/users" in doc["paths"]
        r = requests.get(base + "/api/v1/local-supply?year=2024", headers=auth, timeout=120)
        assert r.status_code == 200 and r.json()["items"], r.text[:300]
        users = requests.get(base + "/api/v1/users", headers=auth, timeout=30).json()
        assert {"admin", "hz_bureau", "maker"} <= {u["username"] for u in users["items"]}
        assert "登录" in requests.get(base + "/login", timeout=30).text
        for asset in ("/static/vendor/echarts.min.js", "/static/geo/330100.json", "/static/css/app.css"):
            assert requests.get(base + asset, timeout=30).status_code == 200, asset
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()
    assert not list(tmpdir.iterdir()), list(tmpdir.iterdir())


def _wait(base: str, proc, log: Path) -> None:
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError("graphsvc serve exited: " + log.read_text()[-3000:])
        try:
            if requests.get(base + "/api/v1/health", timeout=30).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.3)
    raise AssertionError("graphsvc serve did not answer in 120 s: " + log.read_text()[-3000:])
