"""One view, several formats (as Datasette does): the same URL answers JSON or HTML.

A view builds its payload once through its feature's service and hands it here; API paths
and clients asking for JSON get the payload, browsers get the template rendered with it.
"""
from __future__ import annotations

from flask import jsonify, render_template

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
