"""The service itself: health and the OpenAPI document (both public, JSON only: no page
shows them, so they answer with jsonify rather than web.respond)."""
from __future__ import annotations

import sys

from flask import Blueprint, current_app, jsonify

from graphsvc.core import health as health_of
from web.auth import current_principal, store
from web.errors import ApiError
from web.openapi import PREFIX as API
from web.openapi import ok

bp = Blueprint("system", __name__)


@bp.get(API + "/health")
def health():
    body, fault = health_of.status(store())
    if fault:
        # The path and lock holder stay in the log: anonymous callers learn only "fault".
        current_app.logger.error("health: %s", fault)
        return jsonify(body), 503
    try:
        who = current_principal()
    except ApiError:  # a bad token does not hide the health of the service
        who = None
    details = health_of.details(store(), who)
    if details:   # an admin: also how this worker shares its interpreter lock (web/slots.py)
        details["worker"] = {"switch_interval_ms": round(sys.getswitchinterval() * 1000, 3),
                             "compute_slots": current_app.extensions["graphsvc"]["settings"].compute_slots}
    return jsonify({**body, **details})


@bp.get(API + "/openapi.json")
def openapi():
    from web.openapi import document

    return jsonify(document())


_INT = {"type": "integer"}
PROJECTION = {
    "type": "object", "required": ["seq", "head", "lag", "parts"],
    "description": "In-memory projection (docs/projection.md): the newest change-log sequence this worker "
                   "holds, the log's head, the lag between them, and per built part its sequence, lag and "
                   "build time in seconds",
    "properties": {"seq": _INT, "head": _INT, "lag": _INT, "parts": {"type": "object", "additionalProperties": {
        "type": "object", "required": ["seq", "lag", "build_seconds"],
        "properties": {"seq": _INT, "lag": _INT, "build_seconds": {"type": "number"},
                       "built_at": {"type": "number", "description": "Unix time of the last build"}}}},
        "building": {"type": "array", "items": {"type": "string"}, "description": "Parts being built now"},
        "unbuilt": {"type": "array", "items": {"type": "string"},
                    "description": "Parts neither built nor building: each builds on the first request that needs it"},
        "warm": {"type": "object", "nullable": True, "description": "The build of the parts at worker start "
                 "(GRAPHSVC_PROJECTION_WARM); null when none was started",
                 "properties": {"state": {"type": "string", "enum": ["running", "done", "failed"]},
                                "building": {"type": "string", "nullable": True},
                                "waiting": {"type": "array", "items": {"type": "string"}},
                                "failed": {"type": "object", "additionalProperties": {"type": "string"}},
                                "seconds": {"type": "number"}}}}}

OPENAPI = {
    "/health": {"get": {"summary": "Service health: ok or fault (for an admin: engine, counts, the projection's sequence and lag)",
                        "security": [],
                        "responses": {**ok({"type": "object", "required": ["status"],
                                            "properties": {"status": {"type": "string", "enum": ["ok"]},
                                                           "projection": PROJECTION,
                                                           "engine": {"type": "string"},
                                                           "counts": {"type": "object"}}}),
                                      "503": {"description": "The store is unavailable (details in the log)", "content": {
                                          "application/json": {"schema": {"type": "object", "required": ["status"],
                                                                          "properties": {"status": {"enum": ["fault"]}}}}}}}}},
    "/openapi.json": {"get": {"summary": "This document", "security": [], "responses": ok({"type": "object"})}},
}
