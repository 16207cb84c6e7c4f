"""Name matching (issue #24): POST /api/v1/match resolves company names to enterprises.

Each row gets `matched` (with the USCC), `review` or `none`, with up to three candidates and
the reasons for their scores; a bad row gets `error` naming the field. Who may match and
against which enterprises: graphsvc/matching/service.py.
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from graphsvc.matching import service
from web.auth import current_principal, require, store
from web.openapi import PREFIX as API
from web.openapi import USCC, err, ok
from web.params import json_body

bp = Blueprint("matching", __name__)


@bp.post(API + "/match")
@require("admin", "bureau")
def match():
    return jsonify(service.match_rows(store(), current_principal(), json_body()))


_ROW = {"type": "object", "required": ["name"],
        "properties": {"name": {"type": "string", "maxLength": service.MAX_NAME},
                       "region": {"type": "string", "description": "A 6-digit region code or a Chinese place name"},
                       "industry": {"type": "string", "maxLength": service.MAX_INDUSTRY}}}
REQUEST = {"type": "object", "required": ["rows"],
           "properties": {"rows": {"type": "array", "minItems": 1, "maxItems": service.MAX_ROWS, "items": _ROW}}}
_CANDIDATE = {"type": "object", "required": ["uscc", "name", "score", "why"],
              "properties": {"uscc": USCC, "name": {"type": "string"},
                             "score": {"type": "number", "minimum": 0, "maximum": 1},
                             "why": {"type": "array", "items": {"type": "string"}}}}
_RESULT = {"type": "object", "required": ["row", "name", "decision", "candidates"],
           "properties": {"row": {"type": "integer", "minimum": 1},
                          "name": {"type": "string", "nullable": True},
                          "decision": {"type": "string", "enum": ["matched", "review", "none", "error"]},
                          "uscc": USCC,
                          "candidates": {"type": "array", "maxItems": 3, "items": _CANDIDATE},
                          "error": {"type": "object", "required": ["field", "reason"],
                                    "properties": {"field": {"type": "string"}, "reason": {"type": "string"}}}}}
RESPONSE = {"type": "object", "required": ["results", "counts"],
            "properties": {"results": {"type": "array", "items": _RESULT},
                           "counts": {"type": "object", "additionalProperties": {"type": "integer"}}}}
OPENAPI = {
    "/match": {"post": {
        "summary": "Match company names (optionally with a region code or place name) to enterprises the caller "
                   "may see: matched / review / none per row, in input order, with up to 3 candidates and why",
        "requestBody": {"required": True, "content": {"application/json": {"schema": REQUEST}}},
        "responses": {**ok(RESPONSE), **err(400, 401, 403)},
    }},
}
