"""Enterprises the caller may see, and the public reference data (chains, regions), as JSON.
Scoping rules: graphsvc.enterprises.service."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from graphsvc.enterprises import service as enterprises
from web.auth import current_principal, require, store
from web.openapi import AFTER, LIMIT, LIST, OFFSET, USCC, err, ok, p, q
from web.openapi import PREFIX as API
from web.paging import list_page
from web.params import arg_int

bp = Blueprint("enterprises", __name__)


@bp.get(API + "/enterprises")
@require()
def enterprise_list():
    pg = list_page(1)
    pt = arg_int("provider_type", None, minimum=1, maximum=6)
    rows = enterprises.list_enterprises(store(), current_principal(), region=request.args.get("region"),
                                        q=request.args.get("q"), provider_type=pt, fetch=pg.fetch, after=pg.after)
    return jsonify(pg.cut(rows, enterprises.enterprise_key))


@bp.get(API + "/enterprises/<uscc>")
@require()
def enterprise(uscc):
    return jsonify(enterprises.enterprise(store(), current_principal(), uscc))


@bp.get(API + "/chains")
def chains():
    return jsonify(enterprises.chains())


@bp.get(API + "/regions/<code>")
def region(code):
    return jsonify(enterprises.region(code))


_ENTERPRISE = {"type": "object", "properties": {"uscc": {"type": "string"}, "name": {"type": "string"}},
               "required": ["uscc"], "additionalProperties": True}
_LIST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array"}},
         "additionalProperties": True}

OPENAPI = {
    "/enterprises": {"get": {"summary": "Enterprises visible to the caller",
                             "parameters": [q("q", {"type": "string"}), q("region", {"type": "string"}),
                                            q("provider_type", {"type": "integer", "minimum": 1, "maximum": 6}),
                                            LIMIT, OFFSET, AFTER],
                             "responses": {**ok(LIST), **err(400, 401, 403)}}},
    "/enterprises/{uscc}": {"get": {"summary": "One enterprise (404 when out of scope)",
                                    "parameters": [p("uscc", USCC)],
                                    "responses": {**ok(_ENTERPRISE), **err(401, 404)}}},
    "/chains": {"get": {"summary": "Reference industrial chains with their segments", "security": [],
                        "responses": ok(_LIST)}},
    "/regions/{code}": {"get": {"summary": "A GB/T 2260 region and its children", "security": [],
                                "parameters": [p("code")], "responses": {**ok({"type": "object"}), **err(404)}}},
}
