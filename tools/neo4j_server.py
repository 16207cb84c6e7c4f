"""A local Neo4j 5.26 server for tests and development, without Docker.

The server is the Maven project in tools/neo4j-server/ (the real Neo4j kernel and Bolt connector
from Maven Central, started by a small launcher). This module builds it, starts it on a data
directory, waits until the official Python driver gets an answer to `RETURN 1`, and stops it.
`make neo4j` / `make neo4j-stop` and the pytest fixture (tests/engines.py) both use it:

    python tools/neo4j_server.py start [--dir .neo4j] [--port 0]   # writes .neo4j/env
    python tools/neo4j_server.py stop  [--dir .neo4j]

Every failure raises ServerError with the reason and the log to read, never a silent fallback.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "tools" / "neo4j-server"
JAR = PROJECT / "target" / "neo4j-server.jar"
M2 = ROOT / ".cache" / "m2"
# Sized for a 2-core, 24 GB machine shared with the test suite.
HEAP = "1g"
PAGECACHE_MB = 512
START_TIMEOUT = 240


class ServerError(RuntimeError):
    pass


@dataclass
class Running:
    """A started server: what a client needs, and what stop() needs."""
    uri: str
    user: str
    password: str
    pid: int
    home: Path

    def env(self) -> dict:
        return {"GRAPHSVC_NEO4J_URI": self.uri, "GRAPHSVC_NEO4J_USER": self.user,
                "GRAPHSVC_NEO4J_PASSWORD": self.password}


def _sources() -> list[Path]:
    return [PROJECT / "pom.xml", *sorted((PROJECT / "src").rglob("*.java"))]


def build(quiet: bool = True) -> Path:
    """Build the launcher jar unless it is newer than its sources. Maven's downloads go to
    .cache/m2 in the checkout, so the second build needs no network."""
    if JAR.exists() and (PROJECT / "target" / "lib").is_dir() and \
            JAR.stat().st_mtime >= max(p.stat().st_mtime for p in _sources()):
        return JAR
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ServerError("Maven (mvn) is not installed: `make neo4j` installs it with apt "
                          "(packages maven, openjdk-17-jdk-headless)")
    cmd = [mvn, "-B", "-Dmaven.repo.local=" + str(M2), "package"]
    if quiet:
        cmd.insert(1, "-q")
    r = subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=1800)
    if r.returncode != 0 or not JAR.exists():
        out = (r.stdout + r.stderr)[-4000:]
        hint = ""
        if "Could not transfer" in out or "Could not resolve" in out or "UnknownHost" in out:
            hint = " (Maven Central could not be reached and .cache/m2 lacks the artifacts)"
        raise ServerError(f"building the Neo4j launcher failed{hint}: `{' '.join(cmd)}` in {PROJECT} "
                          f"exited {r.returncode}:\n{out}")
    return JAR


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        raise ServerError("no Java runtime found (Neo4j 5.26 needs Java 17 or 21): "
                          "install openjdk-17-jdk-headless or set JAVA_HOME")
    return java


def read_env(path: Path) -> dict:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def wait_bolt(uri: str, user: str, password: str, timeout: float = 60.0, proc=None, log: Path | None = None):
    """Until `RETURN 1` answers over Bolt with these credentials (ServerError after `timeout`)."""
    import neo4j

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ServerError(f"Neo4j exited with code {proc.returncode} while starting; see {log}:\n"
                              + _tail(log))
        try:
            # One auto-commit query per attempt: the driver's managed transactions (execute_query)
            # retry a refused connection themselves with a growing back-off (up to tens of seconds
            # between attempts), which would make this loop notice a started server late.
            with neo4j.GraphDatabase.driver(uri, auth=(user, password), connection_timeout=5) as drv, \
                    drv.session() as session:
                record = session.run("RETURN 1 AS ok").single()
                if record and record["ok"] == 1:
                    return
        except Exception as exc:  # not up yet, or refusing: try again until the deadline
            last = exc
        time.sleep(0.1)
    raise ServerError(f"Neo4j at {uri} did not answer RETURN 1 within {timeout:.0f} s ({last}); see {log}")


def _tail(path: Path | None, n: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-n:] if path else ""
    except OSError:
        return ""


def start(home: Path, *, port: int = 0, wipe: bool = True, password: str | None = None,
          timeout: float = START_TIMEOUT) -> Running:
    """Start a server with its data in `home/` (wiped first unless `wipe=False`), Bolt on
    127.0.0.1:`port` (0: a free one), user neo4j with `password` (generated if None)."""
    jar = build()
    home = Path(home).resolve()
    if wipe and home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    ready = home / "dbms" / "ready"
    # Left by the previous run on this home (a restart): the launcher writes it again once Bolt
    # listens, and a stale one would send the wait below to a server that is not up yet.
    ready.unlink(missing_ok=True)
    password = password or secrets.token_urlsafe(18)
    log = home / "server.log"
    cmd = [_java(), f"-Xms{HEAP}", f"-Xmx{HEAP}", "-XX:+UseG1GC", "-jar", str(jar),
           "--home", str(home / "dbms"), "--port", str(port), "--pagecache-mb", str(PAGECACHE_MB)]
    with log.open("ab") as fh:
        # Own session: Ctrl-C in a terminal running `make` must not take the server down with it.
        proc = subprocess.Popen(cmd, cwd=home, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, "NEO4J_SERVER_PASSWORD": password}, start_new_session=True)
    (home / "pid").write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + timeout
    while not ready.exists():
        if proc.poll() is not None:
            raise ServerError(f"Neo4j exited with code {proc.returncode} while starting; see {log}:\n"
                              + _tail(log))
        if time.monotonic() > deadline:
            _terminate(proc.pid)
            raise ServerError(f"Neo4j did not open Bolt within {timeout:.0f} s; see {log}:\n" + _tail(log))
        time.sleep(0.1)
    info = read_env(ready)
    run = Running(info["GRAPHSVC_NEO4J_URI"], info["GRAPHSVC_NEO4J_USER"], info["GRAPHSVC_NEO4J_PASSWORD"],
                  proc.pid, home)
    wait_bolt(run.uri, run.user, run.password, timeout=max(10.0, deadline - time.monotonic()), proc=proc, log=log)
    return run


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (our own child not yet reaped) is as good as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _terminate(pid: int, timeout: float = 90.0) -> None:
    """SIGTERM (the launcher shuts the DBMS down cleanly), SIGKILL only if that hangs."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):   # reap it if it is our child
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)


def stop(home: Path) -> bool:
    """Stop the server whose data is in `home/`; False if none was running."""
    pidfile = Path(home) / "pid"
    if not pidfile.exists():
        return False
    pid = int(pidfile.read_text().strip())
    was = _alive(pid) and _is_ours(pid, Path(home))
    if was:
        _terminate(pid)
    pidfile.unlink(missing_ok=True)
    return was


def _is_ours(pid: int, home: Path) -> bool:
    # A stale pid file must not make us signal whatever process now has that number.
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return str(Path(home).resolve() / "dbms").encode() in cmdline


def write_env(run: Running, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(f"{k}={v}\n" for k, v in run.env().items()), encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("action", choices=["build", "start", "stop"])
    ap.add_argument("--dir", type=Path, default=ROOT / ".neo4j", help="data, logs and env file (default .neo4j)")
    ap.add_argument("--port", type=int, default=0, help="Bolt port on 127.0.0.1 (default: a free one)")
    a = ap.parse_args(argv)
    try:
        if a.action == "build":
            print(build(quiet=False))
        elif a.action == "start":
            stop(a.dir)
            (a.dir / "env").unlink(missing_ok=True)
            t0 = time.monotonic()
            run = start(a.dir, port=a.port)
            write_env(run, a.dir / "env")
            print(f"Neo4j 5.26 ready at {run.uri} in {time.monotonic() - t0:.0f} s (pid {run.pid}); "
                  f"variables in {a.dir / 'env'}, log in {a.dir / 'server.log'}")
        else:
            print("stopped" if stop(a.dir) else "no Neo4j server was running")
            (a.dir / "env").unlink(missing_ok=True)
    except ServerError as exc:
        print(f"neo4j_server: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
