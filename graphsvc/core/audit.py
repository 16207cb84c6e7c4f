"""Audit events: who did what, when, from where. Written in the same transaction as the
change they describe, so a rolled-back change leaves no event and a committed one always has one."""
from __future__ import annotations

import datetime as dt
import json
import uuid

from graphsvc.core import access
from graphsvc.core import audit_labels, regions, vocabulary


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


# ---------------------------------------------------------------- reading the log
# `GET /api/v1/audit` and the /audit page list events through `list_events`, the one place
# that decides which events a caller sees: admin all, a bureau those of its region.

CHINA = dt.timezone(dt.timedelta(hours=8))
ACTIONS, KIND_NAMES = vocabulary.AUDIT_ACTIONS, vocabulary.IMPORT_KIND_NAMES

def visible_regions(p) -> list[str] | None:
    """Region codes whose events `p` may read; None = every event (admin).

    >>> from graphsvc.core.access import Principal
    >>> visible_regions(Principal("root", "admin")) is None
    True
    >>> "330108" in visible_regions(Principal("hz", "bureau", scope="330100"))
    True
    >>> visible_regions(Principal("m", "manufacturer", uscc="X"))
    []
    """
    if p.is_admin:
        return None
    return [c for c in regions.regions() if access.sees_region(p, c)]


def parse_detail(raw: str | None) -> dict:
    """An event's stored detail back as a dict; text that is not JSON is kept as `raw`.

    >>> parse_detail('{"rows": 3}'), parse_detail(None), parse_detail("oops")
    ({'rows': 3}, {}, {'raw': 'oops'})
    """
    try:
        return json.loads(raw or "{}")
    except ValueError:
        return {"raw": raw}


def list_events(store, p, *, action: str | None = None, fetch: int,
                after: list[str] | None = None) -> list[dict]:
    """Up to `fetch` events `p` may see, newest first, from the keyset cursor `after`
    ([at, id] of the last event seen), optionally only actions starting with `action`."""
    rows = store.read("core/audit_list", regions=visible_regions(p), action=action or None, limit=fetch,
                      after_at=after[0] if after else None, after_id=after[1] if after else None)
    return [{**r["event"], "detail": parse_detail(r["event"].get("detail"))} for r in rows]


def event_key(e: dict) -> list[str]:
    """The sort key a cursor continues from (the order of core/audit_list)."""
    return [e.get("at") or "", e["id"]]


def action_label(action: str) -> str:
    """Chinese name of an audit action.

    >>> action_label("import.supplies"), action_label("delivery.confirm"), action_label("x.y")
    ('数据导入（供应关系）', '确认交付', 'x.y')
    """
    if action.startswith("import."):
        kind = action.split(".", 1)[1]
        return f"数据导入（{KIND_NAMES.get(kind, kind)}）"
    return ACTIONS.get(action) or ACTIONS.get(action.split(".")[0]) or action


def local_time(at: str | None) -> str:
    """An event time in Beijing time, as people read it.

    >>> local_time("2024-05-01T00:00:00+00:00"), local_time(None)
    ('2024-05-01 08:00:00', '')
    """
    try:
        return dt.datetime.fromisoformat(at).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return at or ""


def for_display(events: list[dict], names: dict | None = None) -> list[dict]:
    """Copies of `events` with the columns the /audit table shows in Chinese; `names` (USCC ->
    name, for audit_labels.usccs_in) names the enterprises they mention."""
    names = names or {}
    return [{**e, "at_local": local_time(e.get("at")), "action_label": action_label(e.get("action") or ""),
             "region_name": (regions.district_name(e["region_code"]) or "") if e.get("region_code") else "",
             "target_name": names.get(e.get("target") or ""),
             "detail_text": audit_labels.detail_text(e["detail"], names)}
            for e in events]
