"""Navigation per role, built from the pages' own declarations (`web.auth.page(nav=...)`)."""
from __future__ import annotations

from flask import current_app

from graphsvc.core import audit, regions, vocabulary

ROLE_NAMES = vocabulary.ROLE_NAMES


def nav_items(principal) -> list[dict]:
    """The menu for `principal`: every GET page declared with `page(..., nav=...)` whose
    declared roles include the principal's, in the declared order."""
    entries = current_app.extensions.get("graphsvc_nav")
    if entries is None:
        entries = current_app.extensions["graphsvc_nav"] = _entries(current_app)
    return [{"url": e["url"], "label": e["label"]} for e in entries if principal.role in e["roles"]]


def _entries(app) -> list[dict]:
    out = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        spec = getattr(view, "nav", None)
        if spec and "GET" in (rule.methods or ()) and not rule.arguments:
            out.append({"url": rule.rule, **spec})
    return sorted(out, key=lambda e: (e["order"], e["url"]))


def page_exists(path: str) -> bool:
    """Is there a GET route at `path`? (Links to pages of other features are shown once they exist.)"""
    from werkzeug.exceptions import HTTPException

    try:
        current_app.url_map.bind("").match(path, method="GET")
        return True
    except HTTPException:  # NotFound / MethodNotAllowed / RequestRedirect
        return False


def region_name(code: str | None) -> str:
    return regions.district_name(code) or (code or "")


def register(app) -> None:
    app.jinja_env.globals.update(nav_items=nav_items, role_names=ROLE_NAMES, region_name=region_name, vocab={
        "stages": vocabulary.STAGE_NAMES, "token_states": vocabulary.TOKEN_STATES,
        "delivery_fields": vocabulary.DELIVERY_FIELD_LABELS})
    # Stored times are UTC; pages show Beijing time, the zone named once in the column head.
    app.jinja_env.filters["beijing"] = audit.local_time
