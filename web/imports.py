"""Imports: `POST /api/v1/imports/<kind>` (CSV/xlsx, all-or-nothing unless partial) and the
/imports page, which posts there from the browser (session cookie + X-CSRF-Token header,
upload progress from XMLHttpRequest), plus a header-only CSV template per kind.
The pipeline and the caller's limits: loaders (loaders.service)."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from graphsvc.matching import service as matching
from loaders import service as imports
from loaders.importer import UnknownKind
from loaders.kinds import KINDS
from loaders.read import FileError
from web.auth import client_ip, current_principal, page, require, settings, store
from web.errors import ApiError, bad_request
from web.openapi import PREFIX as API
from web.openapi import err, ok, p, q
from web.respond import respond

bp = Blueprint("imports", __name__)


def _flag(name: str) -> bool:
    raw = request.args.get(name, request.form.get(name, "false")).lower()
    if raw not in ("true", "false", "1", "0", "yes", "no", ""):
        raise bad_request(f"参数 {name} 应为 true 或 false", name)
    return raw in ("true", "1", "yes")


def _upload() -> tuple[bytes, str]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise bad_request("请以 multipart/form-data 上传文件，字段名为 file", "file")
    data = upload.read()
    limit = settings().max_upload_bytes
    if len(data) > limit:
        raise ApiError(413, "too_large", f"文件超过上限 {limit // (1024 * 1024)} MB")
    return data, upload.filename


def _file_fault(exc: Exception) -> ApiError:
    # The pipeline's file-level faults keep their own codes: an unknown kind, and a file that
    # cannot be read at all (415 when it is not a CSV/xlsx, 400 otherwise), naming the field.
    if isinstance(exc, UnknownKind):
        return ApiError(404, "unknown_kind", str(exc))
    status = 415 if "文件类型" in str(exc) else 400
    return ApiError(status, "bad_file", str(exc), field="file")


@bp.post(API + "/imports/<kind>")
@require("admin", "bureau", "supplier")
def import_file(kind):
    who = current_principal()
    if kind not in KINDS:
        raise _file_fault(imports.unknown_kind(kind))
    imports.caller_limits(who, kind)  # a role's refusal comes before any complaint about the file
    data, filename = _upload()
    try:
        report = imports.import_for(store(), who, kind, data, filename, dry_run=_flag("dry_run"),
                                    partial=_flag("partial"), ip=client_ip(), historical=_flag("historical"),
                                    resolve=matching.resolver(store(), who),
                                    caps={"max_rows": settings().import_max_rows,
                                          "max_unpacked": settings().import_max_unpacked_bytes,
                                          "max_errors": settings().import_max_errors})
    except (UnknownKind, FileError) as exc:
        raise _file_fault(exc) from None
    body = report.as_dict()
    if report.status == "rejected":
        more = f"；报告只列出前 {len(report.errors)} 条错误，另有 {report.errors_omitted} 条未列出" if report.errors_omitted else ""
        return jsonify({"error": "import_rejected",
                        "detail": f"{report.rejected} 行未通过校验，未写入任何数据{more}", **body}), 422
    if report.status == "failed":
        return jsonify({"error": "import_failed", "detail": report.errors[-1]["reason"], **body}), 422
    return jsonify(body)


@bp.get("/imports")
@page("admin", "bureau", nav="数据导入", nav_order=70)
def imports_page():
    limit = settings().max_upload_bytes
    return respond({"kinds": imports.kinds(), "max_upload_bytes": limit}, "imports/index.html",
                   max_upload_mb=limit // (1024 * 1024))


@bp.get("/imports/template/<kind>.csv")
@page("admin", "bureau")
def template(kind):
    try:
        body = imports.template_csv(kind)
    except UnknownKind as exc:
        raise _file_fault(exc) from None
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={kind}-template.csv"})


OPENAPI = {
    "/imports/{kind}": {"post": {
        "summary": "Import a CSV/xlsx file (all-or-nothing unless partial)",
        "parameters": [p("kind", {"type": "string", "enum": list(KINDS)}),
                       q("dry_run", {"type": "boolean"}), q("partial", {"type": "boolean"}),
                       q("historical", {"type": "boolean"},
                         description="deliveries that predate the ledger, with their status, vouched for by the caller (admin or bureau)")],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}}}}}},
        "responses": {**ok({"type": "object", "required": ["status", "rows", "errors"]}),
                      **err(400, 401, 403, 404, 413, 415, 422)}}},
}
