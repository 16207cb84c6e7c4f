"""A projection part kept by the change log alone, and the real app serving it (change-log tests).

`MIRROR` copies a few node labels and relationship types as plain sets and dicts, and folds
changes in by the meaning of each op (docs/projection.md) — never by reading the database. If a
write path forgot to log a change, or logged it wrong, the mirror drifts from a fresh build:
the tests compare the two after writes, across processes, after compaction and after SIGKILL.

`create_app()` is the real app (web.create_app) plus one route, GET /api/v1/test-projection,
answering this worker's mirror (and, with ?fresh=1, a fresh build): gunicorn serves it in
tests/test_changelog.py and tests/test_neo4j_changelog.py.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from graphsvc.core import projection, schema
from graphsvc.core.projection import Part

ROOT = Path(__file__).resolve().parents[1]
LABELS = ("Delivery", "Recognition", "Project")
RELS = ("SUPPLIES", "IN_SEGMENT", "SERVES", "LEADS", "DELIVERED", "FOR", "CORRECTS", "HAS", "LOCATED_IN")


def _norm(value, typ: str):
    if value is None:
        return None
    if typ == "DOUBLE":
        return float(value)
    if typ.endswith("[]"):
        return tuple(value)
    return value


def _node(label: str, row: dict) -> dict:
    props = schema.NODES[label]["props"]
    return {p: _norm(row.get(p), t) for p, t in props.items() if p in row}


def _edge(rel: str, row: dict) -> tuple:
    props = schema.RELS[rel]["props"]
    return (row["from"], row["to"], *(_norm(row.get(p), t) for p, t in props.items()))


def build(store) -> dict:
    nodes = {label: {} for label in LABELS}
    for label in LABELS:
        key = schema.key_of(label)
        for row in store.dump_nodes(label):
            nodes[label][row[key]] = _node(label, row)
    rels = {rel: {_edge(rel, r) for r in store.dump_rels(rel)} for rel in RELS}
    return {"nodes": nodes, "rels": rels}


def apply(state: dict, changes: list) -> dict | None:
    nodes = {label: dict(v) for label, v in state["nodes"].items()}
    rels = {rel: set(v) for rel, v in state["rels"].items()}
    for c in changes:
        if c.entity in nodes and c.op == "upsert":
            key = schema.key_of(c.entity)
            blank = {p: None for p in schema.NODES[c.entity]["props"]}
            for r in c.rows:
                nodes[c.entity][r[key]] = {**blank, **nodes[c.entity].get(r[key], {}), **_node(c.entity, r)}
        elif c.entity in rels:
            names = list(schema.RELS[c.entity]["props"])
            ident = [2 + names.index(p) for p in schema.RELS[c.entity]["identity"]]
            edges = rels[c.entity]
            if c.op == "replace_pair":
                for r in c.rows:
                    e = _edge(c.entity, r)
                    edges -= {x for x in edges if x[:2] == e[:2] and all(x[i] == e[i] for i in ident)}
                    edges.add(e)
            elif c.op in ("replace_from", "replace_to"):
                end = 0 if c.op == "replace_from" else 1
                gone = {r["from" if end == 0 else "to"] for r in c.rows}
                edges -= {x for x in edges if x[end] in gone}
                edges |= {_edge(c.entity, r) for r in c.rows}
            elif c.op == "delete":
                for r in c.rows:
                    edges -= {x for x in edges if r.get("from", x[0]) == x[0] and r.get("to", x[1]) == x[1]}
            elif c.op == "update":
                for r in c.rows:
                    hit = {x for x in edges if r.get("from", x[0]) == x[0] and r.get("to", x[1]) == x[1]}
                    edges -= hit
                    edges |= {(*x[:2], *(_norm(r[p], schema.RELS[c.entity]["props"][p]) if p in r else x[2 + i]
                                         for i, p in enumerate(names))) for x in hit}
            else:
                return None
        elif c.entity in LABELS:
            return None  # an op on a node this mirror does not know: rebuild
    return {"nodes": nodes, "rels": rels}


MIRROR = projection.register(Part("test_mirror", build=build, apply=apply,
                                  entities=frozenset({*LABELS, *RELS})))


def plain_state(state: dict) -> dict:
    """JSON-able, order-free form of a mirror state (for HTTP and for comparing)."""
    return {"nodes": state["nodes"],
            "rels": {rel: sorted([list(e) for e in edges], key=repr) for rel, edges in state["rels"].items()}}


def create_app():
    from flask import jsonify, request

    from web import create_app as real_app

    app = real_app()

    @app.get("/api/v1/test-projection")
    def test_projection():
        store = app.extensions["graphsvc"]["store"]
        state = projection.current(store, MIRROR.name)
        one = request.args.get("delivery")
        if one is not None:
            found = state["nodes"]["Delivery"].get(one)
            out = {"pid": os.getpid(), "state": {"nodes": {"Delivery": {one: found} if found else {}}}}
        else:
            out = {"pid": os.getpid(), "state": plain_state(state), "status": projection.status(store)}
        if request.args.get("fresh"):
            out["fresh"] = plain_state(build(store))
        return jsonify(out)

    return app


class Gunicorn:
    """gunicorn serving `create_app()` with the real settings (web/gunicorn_conf.py)."""

    def __init__(self, port: int, env: dict, log_path: Path, workers: int = 1, threads: int = 4):
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(log_path, "a")  # noqa: SIM115 — written until stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:web.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--threads", str(threads), "tests.changelog_app:create_app()"],
            cwd=ROOT, env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 180
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {Path(log_path).read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/api/v1/health", timeout=30).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not answer in 180 s")

    def probe(self, fresh: bool = False, delivery: str | None = None) -> dict:
        """One read on a new connection (so that successive reads reach different workers). With
        `delivery`, the mirror is brought up to date all the same but the answer holds only that
        delivery's node: the whole state is ~20k edges to sort and encode."""
        params = {**({"fresh": "1"} if fresh else {}), **({"delivery": delivery} if delivery is not None else {})}
        r = requests.get(self.url + "/api/v1/test-projection", params=params,
                         headers={"Connection": "close"}, timeout=120)
        assert r.status_code == 200, r.text
        return r.json()

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.log.close()
