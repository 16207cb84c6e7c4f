"""Name matching (issue #24): POST /api/v1/match resolves company names to enterprises; the
review queue of import rows that named a company the matcher could not decide; the /matching page.

Each row gets `matched` (with the USCC), `review` or `none`, with up to three candidates and
the reasons for their scores; a bad row gets `error` naming the field. Who may match and
against which enterprises, and who reviews which queued rows: graphsvc/matching/service.py.
"""
from __future__ import annotations

import io

from flask import Blueprint, Response, jsonify, request
from openpyxl import Workbook

from graphsvc.core import regions, spreadsheet
from graphsvc.core.vocabulary import MATCH_DECISIONS
from graphsvc.matching import service
from loaders import service as imports
from web.auth import client_ip, current_principal, page, require, store
from web.openapi import PREFIX as API
from web.openapi import USCC, err, ok, p, q
from web.params import arg_int, json_body
from web.respond import respond

bp = Blueprint("matching", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.post(API + "/match")
@require("admin", "bureau")
def match():
    return jsonify(service.match_rows(store(), current_principal(), json_body()))


@bp.post(API + "/match/unmatched.xlsx")
@require("admin", "bureau")
def unmatched_xlsx():
    """The rows of a list that did not match, with their candidates, as a workbook to work on."""
    result = service.match_rows(store(), current_principal(), json_body())
    wb = Workbook()
    ws = wb.active
    ws.title = "未匹配"
    spreadsheet.append(ws, ["行号", "名称", "结果", "原因", "候选1", "候选1代码", "候选2", "候选2代码", "候选3", "候选3代码"])
    labels = MATCH_DECISIONS
    for r in result["results"]:
        if r["decision"] == "matched":
            continue
        cands = [x for c in r["candidates"] for x in (c["name"], c["uscc"])]
        spreadsheet.append(ws, [r["row"], r["name"] or "", labels[r["decision"]],
                                (r.get("error") or {}).get("reason", ""), *cands])
    buf = io.BytesIO()
    wb.save(buf)
    return Response(buf.getvalue(), mimetype=XLSX,
                    headers={"Content-Disposition": "attachment; filename=unmatched.xlsx"})


@bp.get(API + "/match/reviews")
@require("admin", "bureau")
def reviews():
    return jsonify(service.reviews(store(), current_principal(), request.args.get("status", "pending"),
                                   request.args.get("after", ""), arg_int("limit", service.PAGE, minimum=1, maximum=500)))


@bp.get(API + "/match/reviews/<review_id>")
@require("admin", "bureau")
def review(review_id):
    return jsonify(service.review(store(), current_principal(), review_id))


def _apply_row(who, ip):
    def apply(item, uscc, also):
        data = imports.row_with_uscc(item["kind"], item["data"], item["field"], item["name_field"], uscc)
        return imports.import_for(store(), who, item["kind"], data, f"review-{item['id']}.csv", ip=ip,
                                  also=also).as_dict()
    return apply


@bp.post(API + "/match/reviews/<review_id>/accept")
@require("admin", "bureau")
def accept(review_id):
    who = current_principal()
    return jsonify(service.accept(store(), who, review_id, json_body(), _apply_row(who, client_ip()), client_ip()))


@bp.post(API + "/match/reviews/<review_id>/reject")
@require("admin", "bureau")
def reject(review_id):
    return jsonify(service.reject(store(), current_principal(), review_id, client_ip()))


@bp.get("/matching")
@page("admin", "bureau", nav="名称匹配", nav_order=72)
def matching_page():
    queue = service.reviews(store(), current_principal(), "pending", "", service.PAGE)
    return respond(queue, "matching/index.html", kind_names={k["kind"]: k["name"] for k in imports.kinds()},
                   region_names={it["region_code"]: regions.label(it["region_code"])
                                 for it in queue["items"] if it.get("region_code")})


_ROW = {"type": "object", "required": ["name"],
        "properties": {"name": {"type": "string", "maxLength": service.MAX_NAME},
                       "region": {"type": "string", "description": "A 6-digit region code or a Chinese place name"},
                       "industry": {"type": "string", "maxLength": service.MAX_INDUSTRY}}}
REQUEST = {"type": "object", "required": ["rows"],
           "properties": {"rows": {"type": "array", "minItems": 1, "maxItems": service.MAX_ROWS, "items": _ROW}}}
_CANDIDATE = {"type": "object", "required": ["uscc", "name", "score", "why"],
              "properties": {"uscc": USCC, "name": {"type": "string"}, "region_code": {"type": "string"},
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
_REVIEW = {"type": "object", "required": ["id", "kind", "field", "name", "status", "candidates", "row"],
           "properties": {"id": {"type": "string"}, "kind": {"type": "string"}, "field": {"type": "string"},
                          "name_field": {"type": "string"}, "name": {"type": "string"},
                          "decision": {"type": "string", "enum": ["review", "none"]},
                          "status": {"type": "string", "enum": list(service.STATUSES)},
                          "candidates": {"type": "array", "items": _CANDIDATE},
                          "data": {"type": "object", "additionalProperties": {"type": "string"}},
                          "row": {"type": "integer"}, "file": {"type": "string"},
                          "region_code": {"type": "string"}, "created_at": {"type": "string"},
                          "created_by": {"type": "string"}, "decided_at": {"type": "string", "nullable": True},
                          "decided_by": {"type": "string", "nullable": True},
                          "uscc": {"type": "string", "nullable": True}}}
_REVIEWS = {"type": "object", "required": ["items", "next", "status"],
            "properties": {"items": {"type": "array", "items": _REVIEW},
                           "next": {"type": "string", "nullable": True}, "status": {"type": "string"}}}
_ID = p("review_id", {"type": "string", "maxLength": 64})
OPENAPI = {
    "/match": {"post": {
        "summary": "Match company names (optionally with a region code or place name) to enterprises the caller "
                   "may see: matched / review / none per row, in input order, with up to 3 candidates and why",
        "requestBody": {"required": True, "content": {"application/json": {"schema": REQUEST}}},
        "responses": {**ok(RESPONSE), **err(400, 401, 403)},
    }},
    "/match/unmatched.xlsx": {"post": {
        "summary": "The rows of a list that are not matched (review, none, error) with their candidates, as .xlsx",
        "requestBody": {"required": True, "content": {"application/json": {"schema": REQUEST}}},
        "responses": {"200": {"description": "workbook", "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}},
                      **err(400, 401, 403)},
    }},
    "/match/reviews": {"get": {
        "summary": "Import rows waiting for a person to choose the enterprise a name means (a bureau: its region's)",
        "parameters": [q("status", {"type": "string", "enum": list(service.STATUSES)}),
                       q("after", {"type": "string", "maxLength": 64}), q("limit", {"type": "integer", "minimum": 1, "maximum": 500})],
        "responses": {**ok(_REVIEWS), **err(400, 401, 403)},
    }},
    "/match/reviews/{review_id}": {"get": {
        "summary": "One queued import row", "parameters": [_ID],
        "responses": {**ok(_REVIEW), **err(401, 403, 404)},
    }},
    "/match/reviews/{review_id}/accept": {"post": {
        "summary": "Accept a queued row with the chosen USCC: the row is imported with it, audited",
        "parameters": [_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["uscc"], "properties": {"uscc": {"type": "string"}}}}}},
        "responses": {**ok(_REVIEW), **err(400, 401, 403, 404, 409, 422)},
    }},
    "/match/reviews/{review_id}/reject": {"post": {
        "summary": "Reject a queued row: it is not imported; audited", "parameters": [_ID],
        "responses": {**ok(_REVIEW), **err(401, 403, 404, 409)},
    }},
}
