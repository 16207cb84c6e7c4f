"""Every query the code names resolves to a file in `queries/`, and every file there is used.

Queries are named `<feature>/<stem>` (graphsvc.core.store.base.query_names); the code passes
those names as string literals to store.read / read_one / write and tx.run.
"""
from __future__ import annotations

import re
from pathlib import Path

from graphsvc.core.store.base import QUERY_DIR, query_names

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [p for d in ("graphsvc", "loaders", "web", "bench") for p in (ROOT / d).rglob("*.py")]


def named_in_code() -> dict[str, list[str]]:
    folders = sorted(p.name for p in QUERY_DIR.iterdir() if p.is_dir() and not p.name.startswith("_"))
    alternatives = "|".join(map(re.escape, folders))
    pattern = re.compile(r"""["']((?:""" + alternatives + r""")/[a-z0-9_]+)["']""")
    used: dict[str, list[str]] = {}
    for path in SOURCES:
        for m in pattern.finditer(path.read_text(encoding="utf-8")):
            used.setdefault(m.group(1), []).append(str(path.relative_to(ROOT)))
    return used


def test_every_named_query_has_a_file():
    files = set(query_names())
    missing = {name: where for name, where in named_in_code().items() if name not in files}
    assert not missing, f"queries named in code without a file: {missing}"


def test_every_query_file_is_used():
    unused = sorted(set(query_names()) - set(named_in_code()))
    assert not unused, f"query files no code uses: {unused}"


def test_the_scan_finds_the_queries_it_should():
    # Guard against a scan that silently finds nothing (and so passes the tests above).
    used = named_in_code()
    assert "local_supply/leaders" in used and "deliveries/create" in used
    assert len(used) >= 50


def test_every_query_file_lives_in_a_feature_folder():
    stray = sorted(p.relative_to(QUERY_DIR).as_posix() for p in QUERY_DIR.rglob("*.cypher")
                   if p.parent.parent != QUERY_DIR)
    assert not stray, f"query files outside queries/<feature>/: {stray}"
