"""Backup and restore of the whole graph as CSV files plus a manifest.

One file per node label and per relationship type (accounts, tokens and audit included),
with counts and SHA-256 checksums in `manifest.json`. The files are engine-neutral, so the
same pair of commands moves a deployment from LadybugDB to Neo4j.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

from graphsvc.core import schema

FORMAT = "graphsvc-backup/1"


class BackupError(Exception):
    pass


def _encode(value, typ: str) -> str:
    if value is None:
        return ""
    if typ.endswith("[]") or typ == "BOOLEAN":
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _decode(text: str, typ: str):
    if text == "":
        return None
    if typ.endswith("[]") or typ == "BOOLEAN":
        return json.loads(text)
    if typ == "INT64":
        return int(text)
    if typ == "DOUBLE":
        return float(text)
    return text


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write(path: Path, columns: dict, rows) -> int:
    n = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(list(columns))
        for r in rows:
            w.writerow([_encode(r.get(c), t) for c, t in columns.items()])
            n += 1
    return n


def backup(store, out_dir: Path) -> dict:
    from graphsvc.core.files import private_dir, private_umask

    private_umask()
    out_dir = private_dir(Path(out_dir))
    files = {}
    for label, spec in schema.NODES.items():
        path = out_dir / f"node_{label}.csv"
        n = _write(path, spec["props"], store.dump_nodes(label))
        files[path.name] = {"kind": "node", "name": label, "count": n, "sha256": _sha256(path)}
    for rel, spec in schema.RELS.items():
        path = out_dir / f"rel_{rel}.csv"
        cols = {"from": "STRING", "to": "STRING", **spec["props"]}
        n = _write(path, cols, store.dump_rels(rel))
        files[path.name] = {"kind": "rel", "name": rel, "count": n, "sha256": _sha256(path)}
    manifest = {"format": FORMAT, "engine": store.engine,
                "created_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
                "files": files}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def _read(path: Path, columns: dict) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if list(reader.fieldnames or []) != list(columns):
            raise BackupError(f"{path.name}: columns {reader.fieldnames} do not match the schema {list(columns)}")
        return [{c: _decode(r[c], t) for c, t in columns.items()} for r in reader]


def restore(store, in_dir: Path) -> dict:
    """Restore into a store that holds no data besides reference nodes; all or nothing."""
    in_dir = Path(in_dir)
    try:
        manifest = json.loads((in_dir / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{in_dir} has no manifest.json") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unsupported backup format {manifest.get('format')!r}")
    for name, meta in manifest["files"].items():
        if _sha256(in_dir / name) != meta["sha256"]:
            raise BackupError(f"{name}: checksum mismatch — the backup is damaged")
    reference_labels = {"Region", "Chain", "Segment"}
    counts = store.counts()
    busy = [k for k in schema.NODES if k not in reference_labels and counts.get(k)]
    if busy:
        raise BackupError(f"restore needs an empty store; it holds {', '.join(f'{k}={counts[k]}' for k in busy)}")
    with store.transaction() as tx:
        for label, spec in schema.NODES.items():
            rows = _read(in_dir / f"node_{label}.csv", spec["props"])
            tx.upsert_nodes(label, rows)
        for rel, spec in schema.RELS.items():
            rows = _read(in_dir / f"rel_{rel}.csv", {"from": "STRING", "to": "STRING", **spec["props"]})
            # Backups hold every edge, so parallel edges (several SUPPLIES years) are kept as is.
            if rel == "OF_CHAIN" and counts.get("OF_CHAIN"):
                continue
            tx.replace_rels(rel, rows, mode="from" if rel == "OF_CHAIN" else "pair")
    return {name: meta["count"] for name, meta in manifest["files"].items()}
