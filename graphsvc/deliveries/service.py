"""Deliveries as the API, the pages and the CLI ask for them: each function takes the store, the
caller (a ``Principal``) and plain parameters, checks what the caller may see and do, and returns
the payload; failures are ``graphsvc.core.errors`` (the ledger's own are subclasses of them).

Parameters arrive as text from a query string or a command line and are checked here, each
failure naming its field:

>>> check_status("claimed"), check_status(None)
('claimed', None)
>>> period("2024-01-01", "")
('2024-01-01', None)
>>> period("2024-12-31", "2024-01-01")
Traceback (most recent call last):
...
graphsvc.core.errors.BadParameter: 参数 from 不能晚于 to
"""
from __future__ import annotations

import datetime as dt

from graphsvc.core import access, audit
from graphsvc.core.access import Principal
from graphsvc.core.errors import BadParameter, NotFound
from graphsvc.core.paging import encode_cursor, fetch_size, window
from graphsvc.core.vocabulary import DELIVERY_KINDS, DELIVERY_STATUSES
from graphsvc.deliveries import assessment as _assessment
from graphsvc.deliveries import ledger
from graphsvc.deliveries import reports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"json": "application/json", "xlsx": XLSX, "pdf": "application/pdf"}
SIDES = ("client", "supplier")


# -- parameters ------------------------------------------------------------------------------
def check_status(status: str | None) -> str | None:
    """A delivery status filter (None or empty: every status)."""
    if not status:
        return None
    if status not in DELIVERY_STATUSES:
        raise BadParameter(f"参数 status 应为 {'/'.join(DELIVERY_STATUSES)} 之一", field="status")
    return status


def check_side(side: str | None) -> str:
    """Which party of a delivery a bureau's list is about (default: the client)."""
    side = side or "client"
    if side not in SIDES:
        raise BadParameter("参数 side 应为 client 或 supplier", field="side")
    return side


def check_format(fmt: str | None) -> str:
    fmt = fmt or "json"
    if fmt not in FORMATS:
        raise BadParameter("参数 format 应为 json、xlsx 或 pdf", field="format")
    return fmt


def _date(raw: str | None, name: str) -> str | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw).isoformat()
    except ValueError:
        raise BadParameter(f"参数 {name} 应为日期 YYYY-MM-DD", field=name) from None


def period(start: str | None, end: str | None) -> tuple[str | None, str | None]:
    """The assessment period ``[from, to]`` as ISO dates, either open."""
    start, end = _date(start, "from"), _date(end, "to")
    if start and end and start > end:
        raise BadParameter("参数 from 不能晚于 to", field="from")
    return start, end


# -- the ledger ------------------------------------------------------------------------------
def claim(store, who: Principal, body: dict, *, ip: str | None = None) -> dict:
    """Record a claimed delivery (see ``ledger.claim``); the new delivery."""
    return ledger.claim(store, who, body, ip=ip)


def delivery(store, who: Principal, delivery_id: str) -> dict:
    """One delivery with its history, if ``who`` may see it (NotVisible otherwise)."""
    return ledger.get(store, who, delivery_id)


# Audit detail keys the delivery page shows among the fields above its history.
SHOWN_ABOVE = ("supplier_uscc", "client_uscc", "kind", "provider_type", "contract_amount_wan", "status")


def delivery_display(who: Principal, d: dict) -> dict:
    """What the /deliveries/<id> page adds to a delivery (``delivery``'s answer): its history in
    Beijing time with Chinese action names and the details the fields do not already show, and
    which of its two enterprises ``who`` may open (the others are named without a link)."""
    events = [{**e, "detail": {k: v for k, v in (e.get("detail") or {}).items() if k not in SHOWN_ABOVE}}
              for e in d.get("history") or []]
    return {"history": audit.for_display(events),
            "opens": {side: access.sees_enterprise(who, d.get(f"{side}_uscc") or "", d.get(f"{side}_region"))
                      for side in ("supplier", "client")}}


def transition(store, who: Principal, delivery_id: str, action: str, *, reason=None,
               ip: str | None = None) -> dict:
    """Confirm, dispute or withdraw one delivery; the delivery in its new status."""
    return ledger.transition(store, who, delivery_id, action, reason=reason, ip=ip)


def deliveries(store, who: Principal, *, status: str | None = None, side: str | None = None,
               supplier: str | None = None, client: str | None = None, limit: int = 100,
               offset: int = 0, after: list[str] | None = None) -> dict:
    """One page of the deliveries ``who`` may list: ``{items, limit, offset, next}``, ``next``
    the cursor to pass as ``after`` for the following page (None on the last)."""
    rows = ledger.listing(store, who, status=check_status(status), side=check_side(side), supplier=supplier,
                          client=client, limit=fetch_size(offset, limit), after=after)
    items, more = window(rows, offset=offset, limit=limit)
    return {"items": items, "limit": limit, "offset": offset,
            "next": encode_cursor(ledger.sort_key(items[-1])) if more and items else None}


def supplier_ledger(store, who: Principal, status: str | None = None) -> dict:
    """The /ledger page's list: ``{items, status}`` (the caller's own deliveries when a supplier)."""
    status = check_status(status)
    return {"items": ledger.listing(store, who, status=status, limit=500), "status": status}


def inbox(store, who: Principal) -> dict:
    """Deliveries awaiting ``who``'s decision and the 20 latest already decided or withdrawn."""
    awaiting = ledger.listing(store, who, status="claimed", limit=200)
    recent = [d for d in ledger.listing(store, who, limit=60) if d["status"] != "claimed"][:20]
    return {"awaiting": awaiting, "recent": recent}


def claim_choices(store, who: Principal) -> dict:
    """What the claim form offers ``who``: the delivery kinds of its registered provider types
    (all kinds when it has none) and its enterprise name."""
    ent = store.read("enterprises/existing", usccs=[who.uscc])
    name_row = store.read_one("deliveries/assessment_supplier", uscc=who.uscc)
    return {"kinds": kind_options((ent[0] if ent else {}).get("provider_types")),
            "supplier_name": (name_row or {}).get("enterprise", {}).get("name")}


def kind_options(provider_types) -> list[dict]:
    """The delivery kinds of ``provider_types`` (every type when empty), labelled by type.

    >>> [o["kind"] for o in kind_options([3])]
    ['security_contract']
    """
    types = sorted(provider_types or DELIVERY_KINDS)
    names = ledger.type_names()
    return [{"kind": k, "label": f"第{t}类 · {ledger.KIND_NAMES[k]}", "type": t, "type_name": names.get(t)}
            for t in types for k in sorted(DELIVERY_KINDS.get(t, ()))]


def correction_values(store, who: Principal, delivery_id: str, fields) -> dict | None:
    """The claim form's ``fields`` filled from delivery ``delivery_id``, to correct it with a new
    record; None when ``who`` cannot see it."""
    try:
        old = ledger.get(store, who, delivery_id, history=False)
    except ledger.NotVisible:
        return None
    values = {k: "" if old.get(k) is None else str(old.get(k)) for k in fields}
    values["corrects"] = old["id"]
    amount = old.get("contract_amount_wan")
    if isinstance(amount, float) and amount.is_integer():
        values["contract_amount_wan"] = str(int(amount))
    return values


# -- assessment ------------------------------------------------------------------------------
def may_see_assessment(who: Principal, uscc: str, region: str | None) -> bool:
    """Admin; a bureau of the provider's region; the provider itself.

    >>> may_see_assessment(Principal("hz", "bureau", scope="330100"), "S", "330108")
    True
    >>> may_see_assessment(Principal("p2", "supplier", uscc="T"), "S", "330108")
    False
    """
    return (who.is_admin or (who.role == "bureau" and access.sees_region(who, region))
            or (who.role == "supplier" and who.uscc == uscc))


def assessment(store, who: Principal, uscc: str, start: str | None = None, end: str | None = None) -> dict:
    """The assessment of provider ``uscc`` for ``[start, end]`` if ``who`` may see it; NotFound
    otherwise (unknown and out of sight are not told apart)."""
    uscc = (uscc or "").strip().upper()
    report = _assessment.fetch_assessment(store, uscc, start, end) if len(uscc) == 18 else None
    region = report["supplier"].get("region_code") if report else None
    if report is None or not may_see_assessment(who, uscc, region):
        raise NotFound("未找到该服务商，或不在您的可见范围内")
    return report


def assessment_file(report: dict, fmt: str) -> tuple[bytes, str, str]:
    """The assessment as a download: (bytes, media type, file name); ``fmt`` is xlsx or pdf.
    The PDF raises ``reports.FontMissing`` when no CJK font can be embedded."""
    data = reports.to_xlsx(report) if fmt == "xlsx" else reports.to_pdf(report)
    return data, FORMATS[fmt], reports.filename(report, fmt)
