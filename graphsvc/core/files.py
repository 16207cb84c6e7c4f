"""Private files (issue #25 finding 21): the database and backups hold password and token hashes,
so they are created 0600 in 0700 directories, whatever the caller's umask."""
from __future__ import annotations

import os
from pathlib import Path


def private_umask() -> None:
    """Every file and directory this process creates from now on is for its owner only."""
    os.umask(0o077)


def private_dir(path: Path) -> Path:
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def tighten(data_dir: Path) -> None:
    """Owner-only permissions on an existing data directory and the database files in it
    (databases made before this rule, or by another tool, were world-readable)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return
    try:
        data_dir.chmod(0o700)
        for p in data_dir.iterdir():
            if p.name.startswith(("graph.lbdb", "secret_key")):
                for q in [p, *(p.rglob("*") if p.is_dir() else [])]:
                    q.chmod(0o700 if q.is_dir() else 0o600)
    except OSError:
        pass  # not the owner: the store reports what it cannot open
