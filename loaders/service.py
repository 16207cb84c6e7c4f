"""The import pipeline for a caller: the kinds with their columns, a header-only template per
kind, and an import run with the caller's limits (the one place `POST /api/v1/imports/<kind>`
and the /imports page ask).

Limits: admin imports anything; a bureau anything, rows outside its region refused; a
supplier only deliveries, of its own enterprise, entered as `claimed` for the client to confirm.

>>> from graphsvc.core.access import Principal
>>> caller_limits(Principal("p", "supplier", uscc="91330108000000000X"), "deliveries")
{'force_status': 'claimed', 'scope': None, 'own_uscc': '91330108000000000X'}
>>> caller_limits(Principal("bj", "bureau", scope="330108"), "supplies")
{'force_status': None, 'scope': '330108', 'own_uscc': None}
>>> caller_limits(Principal("p", "supplier", uscc="91330108000000000X"), "supplies")
Traceback (most recent call last):
...
graphsvc.core.errors.Forbidden: 供给方只能导入本企业的交付记录
>>> template_csv("enterprises").decode("utf-8-sig").splitlines()[0].split(",")[0]
'统一社会信用代码'
"""
from __future__ import annotations

import csv
import io

from graphsvc.core.access import Principal
from graphsvc.core.errors import Forbidden
from graphsvc.core.spreadsheet import csv_row
from loaders.importer import Report, UnknownKind, run_import
from loaders.kinds import KINDS, header_map


def unknown_kind(kind: str) -> UnknownKind:
    return UnknownKind(f"未知的导入类型“{kind}”：可选 {', '.join(KINDS)}")


def kinds() -> list[dict]:
    """Every importable kind with its columns (Chinese header first, then its aliases)."""
    return [{"kind": k.name, "name": k.zh, "template": f"/imports/template/{k.name}.csv",
             "api": f"/api/v1/imports/{k.name}",
             "columns": [{"name": c.name, "header": c.zh[0], "aliases": list(c.zh[1:]), "required": c.required}
                         for c in k.columns]}
            for k in KINDS.values()]


def template_csv(kind: str) -> bytes:
    """A header-only CSV of `kind`, UTF-8 with BOM: Excel in China opens it with the right
    encoding, and the importer reads it back."""
    k = KINDS.get(kind)
    if k is None:
        raise unknown_kind(kind)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(csv_row([c.zh[0] for c in k.columns]))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def caller_limits(p: Principal, kind: str) -> dict:
    """run_import's limits for `p` importing `kind`; Forbidden for a kind the role may not import."""
    if p.role == "supplier" and kind != "deliveries":
        raise Forbidden("供给方只能导入本企业的交付记录")
    return {"force_status": "claimed" if p.role == "supplier" else None,
            "scope": p.scope if p.role == "bureau" else None,
            "own_uscc": p.uscc if p.role == "supplier" else None}


def import_for(store, p: Principal, kind: str, data: bytes, filename: str, *, dry_run: bool = False,
               partial: bool = False, ip: str | None = None, caps: dict | None = None,
               historical: bool = False, resolve=None, also=None) -> Report:
    """Import one file as `p`. Raises UnknownKind / FileError for file-level faults, Forbidden.

    `caps` bounds an uploaded file (max_rows, max_unpacked, max_errors): a small .xlsx can
    unpack to a million rows."""
    if kind not in KINDS:
        raise unknown_kind(kind)
    limits = caller_limits(p, kind)
    if historical and (kind != "deliveries" or p.role not in ("admin", "bureau")):
        raise Forbidden("只有管理员或经信部门可以担保导入历史交付记录", field="historical")
    return run_import(store, kind, data, filename, dry_run=dry_run, partial=partial, actor=p.username, ip=ip,
                      historical=historical, resolve=resolve, also=also, **limits, **(caps or {}))


def row_with_uscc(kind: str, cells: dict, field: str, name_field: str, uscc: str) -> bytes:
    """A one-row CSV of a queued import row (`cells`: header → text) with the company the
    reviewer chose: the USCC in `field`'s column, that party's name column left out.

    >>> row_with_uscc("recognitions", {"企业名称": "示例", "类别": "数字工厂", "统一社会信用代码": ""},
    ...               "uscc", "name", "91330108MA2XXXXXX1").decode("utf-8-sig").splitlines()
    ['类别,统一社会信用代码', '数字工厂,91330108MA2XXXXXX1']
    """
    k = KINDS[kind]
    mapping, _ = header_map(k, list(cells))
    header, values = [], []
    for i, (h, v) in enumerate(cells.items()):
        col = mapping.get(i)
        if col is not None and col.name in (field, name_field):
            continue
        header.append(h)
        values.append(v)
    header.append(k.column(field).zh[0])
    values.append(uscc)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")   # read back by the importer, not a spreadsheet: cells as they were
    w.writerow(header)
    w.writerow(values)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
