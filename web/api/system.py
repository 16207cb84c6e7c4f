"""Health, the OpenAPI document, who-am-I, imports, enterprises, chains, audit."""
from __future__ import annotations

import json

from flask import Blueprint, jsonify, request

from graphsvc import access, reference
from loaders.importer import UnknownKind, run_import
from loaders.kinds import KINDS
from loaders.read import FileError
from web.auth import client_ip, current_principal, require, settings, store
from web.errors import ApiError, bad_request, forbidden, not_found
from web.openapi import LIMIT, OFFSET, USCC, err, ok, p, q
from web.params import arg_int, page

bp = Blueprint("system", __name__)


@bp.get("/health")
def health():
    st = store()
    h = st.health()
    if not h["ok"]:
        return jsonify({"status": "fault", "engine": st.engine, "counts": None, "detail": h.get("detail")}), 503
    counts = st.counts()
    return jsonify({"status": "ok", "engine": st.engine, "counts": counts})


@bp.get("/openapi.json")
def openapi():
    from web.openapi import document

    return jsonify(document())


@bp.get("/me")
@require()
def me():
    return jsonify(current_principal().as_dict())


def _flag(name: str) -> bool:
    raw = request.args.get(name, request.form.get(name, "false")).lower()
    if raw not in ("true", "false", "1", "0", "yes", "no", ""):
        raise bad_request(f"参数 {name} 应为 true 或 false", name)
    return raw in ("true", "1", "yes")


@bp.post("/imports/<kind>")
@require("admin", "bureau", "supplier")
def import_file(kind):
    who = current_principal()
    if kind not in KINDS:
        raise ApiError(404, "unknown_kind", f"未知的导入类型“{kind}”：可选 {', '.join(KINDS)}")
    if who.role == "supplier" and kind != "deliveries":
        raise forbidden("供给方只能导入本企业的交付记录")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise bad_request("请以 multipart/form-data 上传文件，字段名为 file", "file")
    data = upload.read()
    limit = settings().max_upload_bytes
    if len(data) > limit:
        raise ApiError(413, "too_large", f"文件超过上限 {limit // (1024 * 1024)} MB")
    try:
        report = run_import(
            store(), kind, data, upload.filename, dry_run=_flag("dry_run"), partial=_flag("partial"),
            actor=who.username, ip=client_ip(),
            force_status="claimed" if who.role == "supplier" else None,
            scope=who.scope if who.role == "bureau" else None,
            own_uscc=who.uscc if who.role == "supplier" else None,
            max_rows=settings().import_max_rows, max_unpacked=settings().import_max_unpacked_bytes,
            max_errors=settings().import_max_errors)
    except UnknownKind as exc:
        raise ApiError(404, "unknown_kind", str(exc)) from None
    except FileError as exc:
        status = 415 if "文件类型" in str(exc) else 400
        raise ApiError(status, "bad_file", str(exc), field="file") from None
    body = report.as_dict()
    if report.status == "rejected":
        more = f"；报告只列出前 {len(report.errors)} 条错误，另有 {report.errors_omitted} 条未列出" if report.errors_omitted else ""
        return jsonify({"error": "import_rejected",
                        "detail": f"{report.rejected} 行未通过校验，未写入任何数据{more}", **body}), 422
    if report.status == "failed":
        return jsonify({"error": "import_failed", "detail": report.errors[-1]["reason"], **body}), 422
    return jsonify(body)


def _visible_or_404(uscc: str) -> dict:
    row = store().read_one("enterprise_get", uscc=uscc)
    who = current_principal()
    if not row or not access.sees_enterprise(who, uscc, row["enterprise"].get("region_code")):
        raise not_found("未找到该企业，或不在您的可见范围内")
    return row


@bp.get("/enterprises")
@require()
def enterprises():
    who = current_principal()
    base = access.visible_prefix(who)  # None: a manufacturer or supplier sees only itself
    own = who.uscc if base is None else None
    prefix = base or ""
    limit, offset = page()
    pt = arg_int("provider_type", None, minimum=1, maximum=6)
    region = request.args.get("region")
    if region:
        if not reference.is_known_region(region):
            raise bad_request("未知的行政区划代码", "region")
        if base is not None and not access.scope_within(who, region):
            raise forbidden("所请求的区域超出您的管辖范围")
        prefix = access.scope_prefix(region)
    rows = store().read("enterprises_list", prefix=prefix, uscc=own, q=(request.args.get("q") or None),
                        provider_type=pt, offset=offset, limit=limit)
    return jsonify({"items": rows, "limit": limit, "offset": offset})


@bp.get("/enterprises/<uscc>")
@require()
def enterprise(uscc):
    row = _visible_or_404(uscc.upper())
    ent = dict(row["enterprise"])
    ent["segment_ids"] = sorted(row["segment_ids"])
    ent["recognitions"] = sorted(row["recognitions"], key=lambda r: (r.get("year") or 0, r.get("kind") or ""))
    ent["region_name"] = reference.district_name(ent.get("region_code") or "")
    return jsonify(ent)


@bp.get("/chains")
def chains():
    out = [{"id": c["id"], "name": c["name"], "ecosystem": c.get("ecosystem"),
            "segments": [{"id": s["id"], "name": s["name"], "stage": s["stage"]} for s in c["segments"]]}
           for c in reference.chains()]
    return jsonify({"items": out, "source": reference.chains_source()})


@bp.get("/regions/<code>")
def region(code):
    r = reference.region(code)
    if not r:
        raise not_found("未知的行政区划代码")
    children = [c for c in reference.regions().values() if c.get("parent") == code and not c.get("successor")]
    return jsonify({**r, "current_code": reference.current_code(code), "children": children})


@bp.get("/audit")
@require("admin", "bureau")
def audit_log():
    who = current_principal()
    limit, offset = page()
    action = request.args.get("action") or None
    if who.is_admin:
        regions = None
    else:
        regions = [c for c in reference.regions() if access.sees_region(who, c)]
    rows = store().read("audit_list", regions=regions, action=action, skip=offset, limit=limit)
    items = []
    for r in rows:
        e = dict(r["event"])
        e["detail"] = json.loads(e.get("detail") or "{}")
        items.append(e)
    return jsonify({"items": items, "limit": limit, "offset": offset})


_ENTERPRISE = {"type": "object", "properties": {"uscc": {"type": "string"}, "name": {"type": "string"}},
               "required": ["uscc"], "additionalProperties": True}
_LIST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array"}},
         "additionalProperties": True}

OPENAPI = {
    "/health": {"get": {"summary": "Service health, engine and node/relationship counts", "security": [],
                        "responses": {**ok({"type": "object", "required": ["status", "engine"],
                                            "properties": {"status": {"type": "string", "enum": ["ok"]},
                                                           "engine": {"type": "string"},
                                                           "counts": {"type": "object"}}}),
                                      **err(503)}}},
    "/openapi.json": {"get": {"summary": "This document", "security": [], "responses": ok({"type": "object"})}},
    "/me": {"get": {"summary": "The caller's account", "responses": {**ok({"type": "object"}), **err(401)}}},
    "/imports/{kind}": {"post": {
        "summary": "Import a CSV/xlsx file (all-or-nothing unless partial)",
        "parameters": [p("kind", {"type": "string", "enum": list(KINDS)}),
                       q("dry_run", {"type": "boolean"}), q("partial", {"type": "boolean"})],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}}}}}},
        "responses": {**ok({"type": "object", "required": ["status", "rows", "errors"]}),
                      **err(400, 401, 403, 404, 413, 415, 422)}}},
    "/enterprises": {"get": {"summary": "Enterprises visible to the caller",
                             "parameters": [q("q", {"type": "string"}), q("region", {"type": "string"}),
                                            q("provider_type", {"type": "integer", "minimum": 1, "maximum": 6}),
                                            LIMIT, OFFSET],
                             "responses": {**ok(_LIST), **err(400, 401, 403)}}},
    "/enterprises/{uscc}": {"get": {"summary": "One enterprise (404 when out of scope)",
                                    "parameters": [p("uscc", USCC)],
                                    "responses": {**ok(_ENTERPRISE), **err(401, 404)}}},
    "/chains": {"get": {"summary": "Reference industrial chains with their segments", "security": [],
                        "responses": ok(_LIST)}},
    "/regions/{code}": {"get": {"summary": "A GB/T 2260 region and its children", "security": [],
                                "parameters": [p("code")], "responses": {**ok({"type": "object"}), **err(404)}}},
    "/audit": {"get": {"summary": "Audit events (admin; bureau for its region)",
                       "parameters": [q("action", {"type": "string"}), LIMIT, OFFSET],
                       "responses": {**ok(_LIST), **err(400, 401, 403)}}},
}
