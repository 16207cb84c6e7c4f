"""The audit log: `GET /api/v1/audit` and the /audit page (a paged table), one listing
(graphsvc.core.audit.list_events): admin sees everything, a bureau the events of its region.
The page reads one row more than it shows to know whether there is a next page."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, jsonify, request

from graphsvc.core import audit, audit_labels
from graphsvc.enterprises import service as enterprises
from graphsvc.core.paging import MAX_OFFSET
from web.auth import current_principal, page, require, store
from web.openapi import AFTER, LIMIT, LIST, OFFSET, err, ok, q
from web.openapi import PREFIX as API
from web.paging import Page, list_page
from web.respond import respond

bp = Blueprint("audit", __name__)

PAGE_SIZES = (20, 50, 100)


def _listing(pg: Page, action: str | None) -> dict:
    events = audit.list_events(store(), current_principal(), action=action, fetch=pg.fetch, after=pg.after)
    return pg.cut(events, audit.event_key)


@bp.get(API + "/audit")
@require("admin", "bureau")
def audit_log():
    return jsonify(_listing(list_page(2), request.args.get("action") or None))


def _link(action: str | None, limit: int, off: int, after: str | None = None) -> str:
    # Offsets past MAX_OFFSET are refused: deeper pages continue from the last row's key.
    q = {"after": after, "limit": limit} if after or off > MAX_OFFSET else {"offset": off, "limit": limit}
    if action:
        q["action"] = action
    return "/audit?" + urlencode(q)


def _pager(pg: Page, action: str | None, body: dict) -> dict:
    """Previous/next links and the matching API link of the /audit page."""
    limit, offset = pg.limit, pg.offset
    deep = pg.after or offset + limit > MAX_OFFSET
    api_q = {"limit": limit, "offset": offset, **({"after": request.args["after"]} if pg.after else {}),
             **({"action": action} if action else {})}
    return {"prev_url": _link(action, limit, max(0, offset - limit)) if offset or pg.after else None,
            "next_url": _link(action, limit, offset + limit, body["next"] if deep else None)
            if body["next"] is not None else None,
            "api_url": API + "/audit?" + urlencode(api_q)}


@bp.get("/audit")
@page("admin", "bureau", nav="审计日志", nav_order=130)
def audit_page():
    pg = list_page(2, default_limit=50, max_limit=200)
    action = (request.args.get("action") or "").strip() or None
    body = _listing(pg, action)
    listing = {**body, "has_more": body["next"] is not None}
    names = enterprises.names_of(store(), audit_labels.usccs_in(body["items"]))
    return respond(listing, "audit/index.html", payload_as="listing", items=audit.for_display(body["items"], names),
                   limit=pg.limit, offset=pg.offset, action=action or "", page_sizes=PAGE_SIZES,
                   cursor=pg.after is not None, **_pager(pg, action, body))


OPENAPI = {
    "/audit": {"get": {"summary": "Audit events (admin; bureau for its region)",
                       "parameters": [q("action", {"type": "string"}), LIMIT, OFFSET, AFTER],
                       "responses": {**ok(LIST), **err(400, 401, 403)}}},
}
