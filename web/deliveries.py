"""Deliveries on the web: the ledger API (claim, confirm, dispute, withdraw, list) and supplier
assessments under /api/v1, and the pages — the supplier's /ledger (claim, withdraw) and
/assessment, the manufacturer's /inbox (confirm, dispute). Plain HTML forms with CSRF tokens;
every page is also JSON (Accept: application/json) and links the matching /api/v1 endpoint.
Views parse, call graphsvc.deliveries.service, and answer; web.errors maps its errors."""
from __future__ import annotations

from flask import Blueprint, Response, flash, jsonify, redirect, request, url_for

from graphsvc.core.errors import BadParameter, DomainError
from graphsvc.core.vocabulary import CONDITION_OUTCOMES, DELIVERY_RATINGS, DELIVERY_STATUSES, UNITS
from graphsvc.deliveries import ledger, reports, service
from web.auth import client_ip, current_principal, page, require, store
from web.errors import ApiError
from web.openapi import AFTER, LIMIT, LIST, OFFSET, USCC, err, ok, p, q
from web.openapi import PREFIX as API
from web.paging import list_page
from web.params import arg_uscc, json_body
from web.respond import after_action, raise_for_json, respond

bp = Blueprint("deliveries", __name__)


# -- API -------------------------------------------------------------------------------------
@bp.post(API + "/deliveries")
@require("admin", "bureau", "supplier")
def create():
    return jsonify(service.claim(store(), current_principal(), json_body(), ip=client_ip())), 201


@bp.get(API + "/deliveries")
@require()
def index():
    pg = list_page(2)
    return jsonify(service.deliveries(
        store(), current_principal(), status=request.args.get("status"), side=request.args.get("side"),
        supplier=arg_uscc("supplier", required=False), client=arg_uscc("client", required=False),
        limit=pg.limit, offset=pg.offset, after=pg.after))


@bp.get(API + "/deliveries/<delivery_id>")
@require()
def show(delivery_id):
    return jsonify(service.delivery(store(), current_principal(), delivery_id))


def _reason() -> str | None:
    return json_body().get("reason") if request.data else None


def _transition(delivery_id: str, action: str):
    return jsonify(service.transition(store(), current_principal(), delivery_id, action, reason=_reason(),
                                      ip=client_ip()))


@bp.post(API + "/deliveries/<delivery_id>/confirm")
@require("admin", "bureau", "manufacturer")
def confirm(delivery_id):
    return _transition(delivery_id, "confirm")


@bp.post(API + "/deliveries/<delivery_id>/dispute")
@require("admin", "bureau", "manufacturer")
def dispute(delivery_id):
    return _transition(delivery_id, "dispute")


@bp.post(API + "/deliveries/<delivery_id>/withdraw")
@require("supplier")
def withdraw(delivery_id):
    return _transition(delivery_id, "withdraw")


@bp.get(API + "/suppliers/<uscc>/assessment")
@require("admin", "bureau", "supplier")
def supplier_assessment(uscc):
    fmt = service.check_format(request.args.get("format"))
    start, end = service.period(request.args.get("from"), request.args.get("to"))
    report = service.assessment(store(), current_principal(), uscc, start, end)
    if fmt == "json":
        return jsonify(report)
    try:
        data, mime, name = service.assessment_file(report, fmt)
    except reports.FontMissing as exc:  # the server lacks a font: not the caller's fault
        raise ApiError(503, "font_missing", str(exc)) from None
    return Response(data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# -- pages -----------------------------------------------------------------------------------
FORM_FIELDS = ("client_uscc", "kind", "unit", "quantity", "contract_amount_wan", "signed_date",
               "accepted_date", "rating", "corrects")
# errors on fields the form does not show appear next to the field that decides them
SHOWN_AT = {"provider_type": "kind", "supplier_uscc": "_", "id": "_", "status": "_"}
LEDGER_LABELS = {"units": ledger.UNIT_NAMES, "ratings": ledger.RATING_NAMES, "rating_keys": DELIVERY_RATINGS,
                 "unit_keys": UNITS, "statuses": ledger.STATUS_NAMES}
OUTCOMES = CONDITION_OUTCOMES


def form_errors(exc: DomainError) -> dict:
    """A refused claim as the form shows it: field -> reason, "_" for the form as a whole."""
    if not isinstance(exc, ledger.Invalid):
        return {"_": exc.message}
    errors: dict = {}
    for fld, reason in exc.errors:
        shown = SHOWN_AT.get(fld, fld)
        errors.setdefault(shown, f"{ledger.FIELD_LABELS.get(fld, fld)}：{reason}" if shown == "_" else reason)
    return errors


@bp.route("/ledger", methods=["GET", "POST"])
@page("supplier", nav="交付台账", nav_order=110)
def ledger_page():
    who, st = current_principal(), store()
    form = {"values": {"quantity": "1"}, "errors": {}}
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in FORM_FIELDS}
        try:
            d = service.claim(st, who, {k: v for k, v in values.items() if v != ""}, ip=client_ip())
        except DomainError as exc:
            form = {"values": values, "errors": form_errors(raise_for_json(exc))}
        else:
            return after_action(d, url_for("deliveries.ledger_page", created=d["id"]), 201,
                                f"已登记交付 {d['id']}，等待客户确认后计入考核")
    elif request.args.get("corrects"):
        form["values"] = service.correction_values(st, who, request.args["corrects"], FORM_FIELDS) or form["values"]
    # a form shown again with its errors is a normal page (200); the JSON form answers 422
    return respond(service.supplier_ledger(st, who, request.args.get("status")), "deliveries/ledger.html",
                   **form, **service.claim_choices(st, who), **LEDGER_LABELS, created=request.args.get("created"))


def _act(delivery_id: str, action: str, back: str, reason: str | None = None):
    try:
        d = service.transition(store(), current_principal(), delivery_id, action, reason=reason, ip=client_ip())
    except DomainError as exc:
        flash(raise_for_json(exc).message, "error")
        return redirect(url_for(back))
    done = (f"交付 {d['id']} 已{ledger.STATUS_NAMES[d['status']].removeprefix('已')}"
            if d["status"] != "disputed" else f"已对交付 {d['id']} 提出异议")
    return after_action(d, url_for(back), message=done)


@bp.post("/ledger/<delivery_id>/withdraw")
@page("supplier")
def ledger_withdraw(delivery_id):
    return _act(delivery_id, "withdraw", "deliveries.ledger_page")


@bp.get("/inbox")
@page("manufacturer", "admin", "bureau", nav="待确认交付", nav_order=100)
def inbox():
    return respond(service.inbox(store(), current_principal()), "deliveries/inbox.html")


@bp.post("/inbox/<delivery_id>/confirm")
@page("manufacturer", "admin", "bureau")
def inbox_confirm(delivery_id):
    return _act(delivery_id, "confirm", "deliveries.inbox")


@bp.post("/inbox/<delivery_id>/dispute")
@page("manufacturer", "admin", "bureau")
def inbox_dispute(delivery_id):
    return _act(delivery_id, "dispute", "deliveries.inbox", reason=request.form.get("reason"))


@bp.get("/deliveries/<delivery_id>")
@page()
def delivery_page(delivery_id):
    """One delivery as GET /api/v1/deliveries/<id> answers it (visible to the same callers)."""
    who = current_principal()
    d = service.delivery(store(), who, delivery_id)
    return respond(d, "deliveries/detail.html", payload_as="d", **service.delivery_display(who, d),
                   type_names=ledger.type_names())


@bp.get("/assessment")
@page("supplier", "admin", "bureau", nav="考核统计", nav_order=120, nav_for=("supplier",))
def assessment_page():
    who = current_principal()
    uscc = who.uscc if who.role == "supplier" else (request.args.get("uscc") or "").strip().upper() or None
    filters = {"from": request.args.get("from") or "", "to": request.args.get("to") or "", "uscc": uscc or ""}
    error, report, start, end = None, None, None, None
    try:
        start, end = service.period(filters["from"], filters["to"])
    except BadParameter as exc:
        error = raise_for_json(exc).message
    if uscc and error is None:
        report = service.assessment(store(), who, uscc, start, end)
    elif error is None:  # browsers get the form to pick a provider; JSON clients must name one
        raise_for_json(BadParameter("缺少参数 uscc（服务商统一社会信用代码）", field="uscc"))
    api = f"{API}/suppliers/{uscc}/assessment" if uscc else None
    query = "&".join(f"{k}={filters[k]}" for k in ("from", "to") if filters[k])
    return respond(report or {}, "deliveries/assessment.html", report=report, filters=filters, error=error,
                   api=api, query=query, is_supplier=who.role == "supplier", outcomes=OUTCOMES)


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
                               q("side", {"type": "string", "enum": list(service.SIDES)}),
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
                       q("format", {"type": "string", "enum": list(service.FORMATS)})],
        "responses": {**ok(_ASSESSMENT, extra_types=(service.XLSX, "application/pdf")),
                      **err(400, 401, 403, 404, 503)}}},
}
