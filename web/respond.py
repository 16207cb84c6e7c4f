"""One view, several formats (as Datasette does): the same URL answers JSON or HTML.

A view builds its payload once through its feature's service and hands it here; API paths
and clients asking for JSON get the payload, browsers get the template rendered with it.
"""
from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, request

from graphsvc.core.cache import FIGURES, Figure, Parts

from web.errors import wants_json


def respond(payload: dict, template: str, status: int = 200, *, payload_as: str | None = None, **context):
    """JSON (`payload`) for /api/ paths and `Accept: application/json`, else `template`
    rendered with the payload's keys plus `context` (page-only values: form state, labels).

    `payload_as` hands the template the payload under that one name instead, for payloads
    whose keys would shadow template globals (a summary's `region_name` string would hide the
    `region_name()` that base.html calls)."""
    if wants_json():
        resp = jsonify(payload)
        resp.status_code = status
        return resp
    values = {payload_as: payload} if payload_as else payload
    return render_template(template, **values, **context), status


def figure_json(fig: Figure):
    """The JSON of a figure (`graphsvc.core.cache.Figure`), serialised once per key and kept
    (`graphsvc.core.cache.FIGURES`) so that the requests after the first answer with the kept
    bytes; tagged with an ETag, and 304 Not Modified to a client that holds them already.
    Serialising a province figure (up to about a megabyte) cost more than computing it."""
    if fig.key is None:
        return jsonify(fig.compute())
    # As jsonify writes it (compact separators, a final newline).
    from graphsvc.core import reqtiming

    def build():
        with reqtiming.section("compute"):
            value = fig.compute()
        dumps = _compact_dumps
        if isinstance(value, Parts):
            text = parts_json(value, dumps, sort_keys=bool(getattr(current_app.json, "sort_keys", False)))
        else:
            text = dumps(value)
        return (text + "\n").encode()

    with reqtiming.section("figure"):
        tag, body = FIGURES.get(fig.key, build)
    resp = current_app.response_class(body, mimetype="application/json")
    resp.set_etag(tag)
    if request.if_none_match.contains(tag):
        resp = current_app.response_class(status=304)
        resp.set_etag(tag)
    return resp


def _compact_dumps(value) -> str:
    return current_app.json.dumps(value, separators=(",", ":"))


def parts_json(value: Parts, dumps, sort_keys: bool = False) -> str:
    """dumps(value), the text of its long dict and list values taken from, or kept in,
    `value.texts` (the values are kept and never changed: graphsvc.core.cache.Parts); the
    keys are strings, in the serialiser's order (`sort_keys`)."""
    parts = []
    for k, v in sorted(value.items()) if sort_keys else value.items():
        hit = value.texts.get(k) if isinstance(v, (dict, list)) else None
        if hit is not None and hit[0] is v:
            text = hit[1]
        else:
            text = dumps(v)
            if isinstance(v, (dict, list)) and len(text) >= 4096:   # shorter: cheap to make again
                value.texts[k] = (v, text)
        parts.append(f"{dumps(k)}:{text}")
    return "{" + ",".join(parts) + "}"


def after_action(payload: dict, location: str, status: int = 200, message: str | None = None):
    """The answer to a form action that worked: JSON clients get `payload` with `status`; browsers
    are redirected to `location` (post/redirect/get) with `message` flashed."""
    if wants_json():
        resp = jsonify(payload)
        resp.status_code = status
        return resp
    if message:
        flash(message, "success")
    return redirect(location)


def raise_for_json(exc: Exception) -> Exception:
    """JSON clients get `exc` raised (web.errors answers it); browsers get it back, to show on
    the page (a form with its errors, a flash message)."""
    if wants_json():
        raise exc
    return exc
