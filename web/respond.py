"""One view, several formats (as Datasette does): the same URL answers JSON or HTML.

A view builds its payload once through its feature's service and hands it here; API paths
and clients asking for JSON get the payload, browsers get the template rendered with it.
"""
from __future__ import annotations

from flask import jsonify, render_template

from web.errors import wants_json


def respond(payload: dict, template: str, status: int = 200, **context):
    """JSON (`payload`) for /api/ paths and `Accept: application/json`, else `template`
    rendered with the payload's keys plus `context` (page-only values: form state, labels)."""
    if wants_json():
        resp = jsonify(payload)
        resp.status_code = status
        return resp
    return render_template(template, **payload, **context), status
