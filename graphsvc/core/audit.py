"""Audit events: who did what, when, from where. Written in the same transaction as the
change they describe, so a rolled-back change leaves no event and a committed one always has one."""
from __future__ import annotations

import datetime as dt
import json
import uuid


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def event(actor: str | None, action: str, target: str, *, region_code: str | None = None,
          detail: dict | None = None, ip: str | None = None) -> dict:
    """Build an audit record.

    >>> e = event("alice", "delivery.confirm", "D000001", region_code="330108")
    >>> (e["actor"], e["action"], e["target"])
    ('alice', 'delivery.confirm', 'D000001')
    """
    return {
        "id": uuid.uuid4().hex,
        "at": now_iso(),
        "actor": actor or "system",
        "action": action,
        "target": target,
        "region_code": region_code,
        "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
        "ip": ip,
    }


def record(tx, evt: dict) -> None:
    tx.upsert_nodes("AuditEvent", [evt])
