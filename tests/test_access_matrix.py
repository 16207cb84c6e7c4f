"""Every API operation × every caller: the expected status, over real HTTP (issue #3).

The rows live in tests/access/*.yaml, one file per API module. An operation in the OpenAPI
document without a row fails `test_every_operation_has_rows`, so a new endpoint cannot land
without its access decisions written down.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import requests
import yaml

ACCESS_DIR = Path(__file__).parent / "access"
CALLERS = ("anonymous", "admin", "hz_bureau", "bj_bureau", "sx_bureau", "maker", "maker2", "provider", "provider2")


def load_rows() -> list[dict]:
    rows = []
    for f in sorted(ACCESS_DIR.glob("*.yaml")):
        for r in yaml.safe_load(f.read_text(encoding="utf-8")) or []:
            rows.append({**r, "_file": f.name})
    return rows


ROWS = load_rows()


def _expand(path: str, accounts: dict) -> str:
    for name in ("maker", "maker2", "provider", "provider2"):
        path = path.replace(f"{{{name}_uscc}}", accounts[name]["uscc"])
    return path


def _upload(kind: str, demo_files: Path) -> dict:
    data = (demo_files / f"{kind}.csv").read_bytes()
    return {"file": (f"{kind}.csv", data, "text/csv")}


def test_every_operation_has_rows(server):
    doc = requests.get(server.url + "/api/v1/openapi.json", timeout=30).json()
    ops = {f"{m.upper()} {p}" for p, item in doc["paths"].items() for m in item
           if m in ("get", "post", "put", "patch", "delete")}
    covered = {r["op"] for r in ROWS}
    missing = sorted(ops - covered)
    assert not missing, f"operations without a row in tests/access/*.yaml: {missing}"
    stale = sorted(covered - ops)
    assert not stale, f"rows for operations the API does not have: {stale}"
    for r in ROWS:
        assert set(r["expect"]) == set(CALLERS), f"{r['_file']} {r['op']}: expect must name every caller"


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['_file']}:{r['op']}:{r['path']}" for r in ROWS])
def test_access(row, server, accounts, demo_files):
    path = _expand(row["path"], accounts)
    method = row.get("method", row["op"].split()[0]).upper()
    failures = []
    for caller in CALLERS:
        headers = {}
        if caller != "anonymous":
            headers["Authorization"] = f"Bearer {accounts[caller]['token']}"
        kw = {"headers": headers, "timeout": 60}
        if "json" in row:
            kw["json"] = _expand_json(row["json"], accounts)
        if "upload" in row:
            kw["files"] = _upload(row["upload"], demo_files)
        r = requests.request(method, server.url + path, **kw)
        want = row["expect"][caller]
        if r.status_code != want:
            failures.append(f"{caller}: got {r.status_code}, want {want} ({r.text[:160]})")
        if r.status_code >= 400 and r.headers.get("content-type", "").startswith("application/json"):
            assert {"error", "detail"} <= set(r.json()), r.text
    assert not failures, "\n".join(failures)


def _expand_json(value, accounts):
    if isinstance(value, str):
        return _expand(value, accounts)
    if isinstance(value, dict):
        return {k: _expand_json(v, accounts) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_json(v, accounts) for v in value]
    return value
