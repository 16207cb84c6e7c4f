"""/imports: upload a CSV/xlsx of one kind, dry run or import, see the per-row error table.

The page posts to the existing `POST /api/v1/imports/<kind>` from the browser (session cookie +
X-CSRF-Token header, upload progress from XMLHttpRequest); this module only serves the page,
its JSON (the kinds and their columns) and a header-only CSV template per kind.
"""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, jsonify, render_template

from graphsvc.core.spreadsheet import csv_row
from loaders.kinds import KINDS
from web.auth import page, settings
from web.errors import ApiError, wants_json

bp = Blueprint("imports", __name__)


def kinds_payload() -> list[dict]:
    return [{"kind": k.name, "name": k.zh, "template": f"/imports/template/{k.name}.csv",
             "api": f"/api/v1/imports/{k.name}",
             "columns": [{"name": c.name, "header": c.zh[0], "aliases": list(c.zh[1:]), "required": c.required}
                         for c in k.columns]}
            for k in KINDS.values()]


@bp.get("/imports")
@page("admin", "bureau", nav="数据导入", nav_order=70)
def imports():
    kinds = kinds_payload()
    limit = settings().max_upload_bytes
    if wants_json():
        return jsonify({"kinds": kinds, "max_upload_bytes": limit})
    return render_template("imports/index.html", kinds=kinds, max_upload_mb=limit // (1024 * 1024),
                           max_upload_bytes=limit)


@bp.get("/imports/template/<kind>.csv")
@page("admin", "bureau")
def template(kind):
    k = KINDS.get(kind)
    if k is None:
        raise ApiError(404, "unknown_kind", f"未知的导入类型“{kind}”：可选 {', '.join(KINDS)}")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(csv_row([c.zh[0] for c in k.columns]))
    # UTF-8 with BOM: Excel in China opens it with the right encoding; the importer reads it back.
    body = "\ufeff" + buf.getvalue()
    return Response(body.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={kind}-template.csv"})
