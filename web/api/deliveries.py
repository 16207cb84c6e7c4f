"""The delivery ledger (claim, confirm, dispute, withdraw, list) and supplier assessments."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, jsonify, request

from graphsvc.core import access
from graphsvc.deliveries import assessment
from graphsvc.deliveries import reports as assessment_reports
from graphsvc.deliveries import ledger
from graphsvc.core.vocabulary import DELIVERY_STATUSES
from web.auth import client_ip, current_principal, require, store
from web.errors import ApiError, bad_request, not_found
from web.openapi import AFTER, LIMIT, LIST, OFFSET, USCC, err, ok, p, q
from web.paging import list_page
from web.params import json_body

bp = Blueprint("deliveries", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ledger_error(exc: ledger.LedgerError) -> ApiError:
    """The HTTP form of a ledger failure: 422 lists every field, 409 says the current status."""
    extra = {}
    if exc.field:
        extra["field"] = exc.field
    if isinstance(exc, ledger.Invalid):
        extra["errors"] = [{"field": f, "reason": r} for f, r in exc.errors]
    if isinstance(exc, ledger.Conflict) and exc.current:
        extra["current_status"] = exc.current
    return ApiError(exc.status, exc.error, exc.detail, **extra)


def _status_arg() -> str | None:
    status = request.args.get("status") or None
    if status is not None and status not in DELIVERY_STATUSES:
        raise bad_request(f"参数 status 应为 {'/'.join(DELIVERY_STATUSES)} 之一", "status")
    return status


def _uscc_arg(name: str) -> str | None:
    from stdnum.cn import uscc as stdnum_uscc

    raw = (request.args.get(name) or "").strip().upper()
    if not raw:
        return None
    if not stdnum_uscc.is_valid(raw):
        raise bad_request(f"参数 {name} 不是有效的统一社会信用代码", name)
    return raw


@bp.post("/deliveries")
@require("admin", "bureau", "supplier")
def create():
    try:
        d = ledger.claim(store(), current_principal(), json_body(), ip=client_ip())
    except ledger.LedgerError as exc:
        raise ledger_error(exc) from None
    return jsonify(d), 201


@bp.get("/deliveries")
@require()
def index():
    who = current_principal()
    pg = list_page(2)
    side = request.args.get("side") or "client"
    if side not in ("client", "supplier"):
        raise bad_request("参数 side 应为 client 或 supplier", "side")
    items = ledger.listing(store(), who, status=_status_arg(), side=side, supplier=_uscc_arg("supplier"),
                          client=_uscc_arg("client"), limit=pg.fetch, after=pg.after)
    return jsonify(pg.cut(items, ledger.sort_key))


@bp.get("/deliveries/<delivery_id>")
@require()
def show(delivery_id):
    try:
        return jsonify(ledger.get(store(), current_principal(), delivery_id))
    except ledger.LedgerError as exc:
        raise ledger_error(exc) from None


def _reason() -> str | None:
    if not request.data:
        return None
    body = json_body()
    return body.get("reason")


def _transition(delivery_id: str, action: str):
    try:
        d = ledger.transition(store(), current_principal(), delivery_id, action, reason=_reason(), ip=client_ip())
    except ledger.LedgerError as exc:
        raise ledger_error(exc) from None
    return jsonify(d)


@bp.post("/deliveries/<delivery_id>/confirm")
@require("admin", "bureau", "manufacturer")
def confirm(delivery_id):
    return _transition(delivery_id, "confirm")


@bp.post("/deliveries/<delivery_id>/dispute")
@require("admin", "bureau", "manufacturer")
def dispute(delivery_id):
    return _transition(delivery_id, "dispute")


@bp.post("/deliveries/<delivery_id>/withdraw")
@require("supplier")
def withdraw(delivery_id):
    return _transition(delivery_id, "withdraw")


# -- assessment ------------------------------------------------------------------------------
def _date_arg(name: str) -> str | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw).isoformat()
    except ValueError:
        raise bad_request(f"参数 {name} 应为日期 YYYY-MM-DD", name) from None


def assessment_for(uscc: str, start: str | None, end: str | None) -> dict:
    """The assessment of ``uscc`` if the caller may see it (404 otherwise, no existence leak)."""
    who = current_principal()
    report = None
    if len(uscc) == 18:
        report = assessment.fetch_assessment(store(), uscc, start, end)
    region = report["supplier"].get("region_code") if report else None
    if report is None or not (who.is_admin or (who.role == "bureau" and access.sees_region(who, region))
                              or (who.role == "supplier" and who.uscc == uscc)):
        raise not_found("未找到该服务商，或不在您的可见范围内")
    return report


def period_args() -> tuple[str | None, str | None]:
    start, end = _date_arg("from"), _date_arg("to")
    if start and end and start > end:
        raise bad_request("参数 from 不能晚于 to", "from")
    return start, end


@bp.get("/suppliers/<uscc>/assessment")
@require("admin", "bureau", "supplier")
def supplier_assessment(uscc):
    fmt = request.args.get("format") or "json"
    if fmt not in ("json", "xlsx", "pdf"):
        raise bad_request("参数 format 应为 json、xlsx 或 pdf", "format")
    start, end = period_args()
    report = assessment_for(uscc.strip().upper(), start, end)
    if fmt == "json":
        return jsonify(report)
    if fmt == "xlsx":
        data, mime = assessment_reports.to_xlsx(report), XLSX
    else:
        try:
            data, mime = assessment_reports.to_pdf(report), "application/pdf"
        except assessment_reports.FontMissing as exc:
            raise ApiError(503, "font_missing", str(exc)) from None
    name = assessment_reports.filename(report, fmt)
    return Response(data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# -- OpenAPI ---------------------------------------------------------------------------------
_DELIVERY = {"type": "object", "required": ["id", "status", "supplier_uscc", "client_uscc"],
             "properties": {"id": {"type": "string"},
                            "status": {"type": "string", "enum": list(DELIVERY_STATUSES)},
                            "supplier_uscc": {"type": "string"}, "client_uscc": {"type": "string"},
                            "kind": {"type": "string"}, "provider_type": {"type": "integer"},
                            "unit": {"type": "string", "nullable": True},
                            "quantity": {"type": "integer", "nullable": True},
                            "contract_amount_wan": {"type": "number", "nullable": True},
                            "corrects": {"type": "string", "nullable": True}},
             "additionalProperties": True}
_CLAIM = {"type": "object", "required": ["client_uscc", "kind", "contract_amount_wan", "signed_date"],
          "properties": {"client_uscc": USCC, "supplier_uscc": USCC,
                         "kind": {"type": "string", "enum": sorted(ledger.KIND_TYPE)},
                         "provider_type": {"type": "integer", "minimum": 1, "maximum": 6},
                         "unit": {"type": "string", "enum": ["cell", "line", "workshop", "factory"]},
                         "quantity": {"type": "integer", "minimum": 1},
                         "contract_amount_wan": {"type": "number", "minimum": 0},
                         "signed_date": {"type": "string", "format": "date"},
                         "accepted_date": {"type": "string", "format": "date"},
                         "rating": {"type": "string", "enum": ["excellent", "good", "qualified"]},
                         "corrects": {"type": "string"}, "id": {"type": "string"}}}
_REASON = {"required": False, "content": {"application/json": {"schema": {
    "type": "object", "properties": {"reason": {"type": "string", "maxLength": ledger.MAX_REASON}}}}}}
_LIST = {**LIST, "properties": {**LIST["properties"], "items": {"type": "array", "items": _DELIVERY}}}
_ASSESSMENT = {"type": "object", "required": ["supplier", "period", "totals", "types", "c2", "item14"],
               "additionalProperties": True}
_ID = p("id")


def _transition_op(summary: str, codes=(400, 401, 403, 404, 409, 422)) -> dict:
    return {"post": {"summary": summary, "parameters": [_ID], "requestBody": _REASON,
                     "responses": {**ok(_DELIVERY), **err(*codes)}}}


OPENAPI = {
    "/deliveries": {
        "post": {"summary": "Claim a delivery (supplier for itself; admin/bureau for a supplier) — lands as claimed",
                 "requestBody": {"required": True, "content": {"application/json": {"schema": _CLAIM}}},
                 "responses": {"201": {"description": "Created",
                                       "content": {"application/json": {"schema": _DELIVERY}}},
                               **err(400, 401, 403, 409, 422)}},
        "get": {"summary": "Deliveries visible to the caller (supplier: own; manufacturer: addressed to it; "
                           "bureau: clients — or with side=supplier suppliers — in its region; admin: all)",
                "parameters": [q("status", {"type": "string", "enum": list(DELIVERY_STATUSES)}),
                               q("side", {"type": "string", "enum": ["client", "supplier"]}),
                               q("supplier", USCC), q("client", USCC), LIMIT, OFFSET, AFTER],
                "responses": {**ok(_LIST), **err(400, 401)}},
    },
    "/deliveries/{id}": {"get": {"summary": "One delivery with its ledger history (404 when not visible)",
                                 "parameters": [_ID], "responses": {**ok(_DELIVERY), **err(401, 404)}}},
    "/deliveries/{id}/confirm": _transition_op("Confirm a claimed delivery (client, client's bureau, admin)"),
    "/deliveries/{id}/dispute": _transition_op("Dispute a claimed delivery (client, client's bureau, admin)"),
    "/deliveries/{id}/withdraw": _transition_op("Withdraw one's own claimed delivery (supplier)"),
    "/suppliers/{uscc}/assessment": {"get": {
        "summary": "Assessment counts (C1), C2 conditions, Item 14 reward (C3.5), C3.6/C3.7 of one provider",
        "parameters": [p("uscc", USCC), q("from", {"type": "string", "format": "date"}),
                       q("to", {"type": "string", "format": "date"}),
                       q("format", {"type": "string", "enum": ["json", "xlsx", "pdf"]})],
        "responses": {**ok(_ASSESSMENT, extra_types=(XLSX, "application/pdf")), **err(400, 401, 403, 404, 503)}}},
}
