"""Ledger pages: the supplier's /ledger (claim, withdraw) and /assessment, the manufacturer's
/inbox (confirm, dispute). Plain HTML forms with CSRF tokens; every page is also JSON
(Accept: application/json) and links the matching /api/v1 endpoint."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for

from graphsvc.deliveries import ledger
from graphsvc.core.vocabulary import DELIVERY_KINDS, DELIVERY_RATINGS, DELIVERY_STATUSES, UNITS
from web.api.deliveries import assessment_for, ledger_error, period_args
from web.auth import client_ip, current_principal, page, store
from web.errors import ApiError, bad_request, wants_json

bp = Blueprint("ledger", __name__)

FORM_FIELDS = ("client_uscc", "kind", "unit", "quantity", "contract_amount_wan", "signed_date",
               "accepted_date", "rating", "corrects")
# errors on fields the form does not show appear next to the field that decides them
SHOWN_AT = {"provider_type": "kind", "supplier_uscc": "_", "id": "_", "status": "_"}


def _kinds_for(provider_types) -> list[dict]:
    types = sorted(provider_types or DELIVERY_KINDS)
    names = ledger.type_names()
    return [{"kind": k, "label": f"第{t}类 · {ledger.KIND_NAMES[k]}", "type": t, "type_name": names.get(t)}
            for t in types for k in sorted(DELIVERY_KINDS.get(t, ()))]


def _status_arg() -> str | None:
    status = request.args.get("status") or None
    if status is not None and status not in DELIVERY_STATUSES:
        raise bad_request(f"参数 status 应为 {'/'.join(DELIVERY_STATUSES)} 之一", "status")
    return status


@bp.route("/ledger", methods=["GET", "POST"])
@page("supplier", nav="交付台账", nav_order=110)
def ledger_page():
    who = current_principal()
    st = store()
    values: dict = {"quantity": "1"}
    errors: dict = {}
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in FORM_FIELDS}
        body = {k: v for k, v in values.items() if v != ""}
        try:
            d = ledger.claim(st, who, body, ip=client_ip())
        except ledger.Invalid as exc:
            if wants_json():
                raise ledger_error(exc) from None
            for fld, reason in exc.errors:
                errors.setdefault(SHOWN_AT.get(fld, fld), f"{ledger.FIELD_LABELS.get(fld, fld)}：{reason}"
                                  if SHOWN_AT.get(fld) == "_" else reason)
        except ledger.LedgerError as exc:
            if wants_json():
                raise ledger_error(exc) from None
            errors["_"] = exc.detail
        else:
            if wants_json():
                return jsonify(d), 201
            flash(f"已登记交付 {d['id']}，等待客户确认后计入考核", "success")
            return redirect(url_for("pages.ledger.ledger_page", created=d["id"]))
    elif request.args.get("corrects"):
        try:
            old = ledger.get(st, who, request.args["corrects"], history=False)
        except ledger.LedgerError:
            old = None
        if old:
            values = {k: "" if old.get(k) is None else str(old.get(k)) for k in FORM_FIELDS}
            values["corrects"] = old["id"]
            if isinstance(old.get("contract_amount_wan"), float) and old["contract_amount_wan"].is_integer():
                values["contract_amount_wan"] = str(int(old["contract_amount_wan"]))
    status = _status_arg()
    items = ledger.listing(st, who, status=status, limit=500)
    if wants_json():
        return jsonify({"items": items, "status": status})
    ent = store().read("enterprises/existing", usccs=[who.uscc])
    supplier = ent[0] if ent else {}
    name_row = st.read_one("deliveries/assessment_supplier", uscc=who.uscc)
    return render_template(
        "ledger/ledger.html", items=items, status=status, values=values, errors=errors,
        kinds=_kinds_for(supplier.get("provider_types")), units=ledger.UNIT_NAMES, ratings=ledger.RATING_NAMES,
        rating_keys=DELIVERY_RATINGS, unit_keys=UNITS, statuses=ledger.STATUS_NAMES,
        supplier_name=(name_row or {}).get("enterprise", {}).get("name"), created=request.args.get("created"),
    )  # a form shown again with its errors is a normal page (200); the JSON form answers 422


def _act(delivery_id: str, action: str, back: str, reason: str | None = None):
    who = current_principal()
    try:
        d = ledger.transition(store(), who, delivery_id, action, reason=reason, ip=client_ip())
    except ledger.LedgerError as exc:
        if wants_json():
            raise ledger_error(exc) from None
        flash(exc.detail, "error")
        return redirect(url_for(back))
    if wants_json():
        return jsonify(d)
    flash(f"交付 {d['id']} 已{ledger.STATUS_NAMES[d['status']].removeprefix('已')}"
          if d["status"] != "disputed" else f"已对交付 {d['id']} 提出异议", "success")
    return redirect(url_for(back))


@bp.post("/ledger/<delivery_id>/withdraw")
@page("supplier")
def withdraw(delivery_id):
    return _act(delivery_id, "withdraw", "pages.ledger.ledger_page")


@bp.get("/inbox")
@page("manufacturer", "admin", "bureau", nav="待确认交付", nav_order=100)
def inbox():
    who = current_principal()
    st = store()
    awaiting = ledger.listing(st, who, status="claimed", limit=200)
    recent = [d for d in ledger.listing(st, who, limit=60) if d["status"] != "claimed"][:20]
    if wants_json():
        return jsonify({"awaiting": awaiting, "recent": recent})
    return render_template("ledger/inbox.html", awaiting=awaiting, recent=recent)


@bp.post("/inbox/<delivery_id>/confirm")
@page("manufacturer", "admin", "bureau")
def inbox_confirm(delivery_id):
    return _act(delivery_id, "confirm", "pages.ledger.inbox")


@bp.post("/inbox/<delivery_id>/dispute")
@page("manufacturer", "admin", "bureau")
def inbox_dispute(delivery_id):
    return _act(delivery_id, "dispute", "pages.ledger.inbox", reason=request.form.get("reason"))


@bp.get("/assessment")
@page("supplier", "admin", "bureau", nav="考核统计", nav_order=120, nav_for=("supplier",))
def assessment_page():
    who = current_principal()
    uscc = who.uscc if who.role == "supplier" else (request.args.get("uscc") or "").strip().upper() or None
    filters = {"from": request.args.get("from") or "", "to": request.args.get("to") or "", "uscc": uscc or ""}
    error, report = None, None
    try:
        start, end = period_args()
    except ApiError as exc:
        if wants_json():
            raise
        start = end = None
        error = exc.detail
    if uscc and error is None:
        report = assessment_for(uscc, start, end)
    if wants_json():
        if report is None:
            raise bad_request("缺少参数 uscc（服务商统一社会信用代码）", "uscc")
        return jsonify(report)
    api = f"/api/v1/suppliers/{uscc}/assessment" if uscc else None
    query = "&".join(f"{k}={filters[k]}" for k in ("from", "to") if filters[k])
    return render_template("ledger/assessment.html", report=report, filters=filters, error=error, api=api,
                           query=query, is_supplier=who.role == "supplier",
                           outcomes={"pass": "符合", "fail": "不符合", "unknown": "无法判断",
                                     "not_applicable": "不适用"})
