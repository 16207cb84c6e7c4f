"""An engine's refusal during an import, turned into a report entry a person can act on.

The importers validate every row before writing, so the engine refusing a write is a gap in
that validation; the person still gets the row when the engine's message quotes a value that
one row holds, and otherwise the file and the engine's own words. The engine has already
rolled the transaction back: nothing was written.

>>> engine_error(RuntimeError('Copy exception: Found duplicated primary key value "T1"'),
...              "d.csv", [{"_row": 2, "id": "T0"}, {"_row": 3, "id": "T1"}])["row"]
3
>>> engine_error(RuntimeError("Buffer manager exception: out of memory"), "d.csv", [])["row"] is None
True
"""
from __future__ import annotations

import re

# Values engine messages quote: "…", '…', or what follows "value" / "key".
_QUOTED = re.compile(r'"([^"\n]{1,200})"|\'([^\'\n]{1,200})\'|\b(?:value|key)\s+([^\s,.;"\']{1,200})')


def _quoted(message: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(message)]


def _text(v) -> list[str]:
    if isinstance(v, list):
        return [str(x) for x in v] + ["[" + ",".join(str(x) for x in v) + "]"]
    if isinstance(v, bool):
        return ["true" if v else "false", str(v)]
    return [str(v)] if v is not None else []


def _locate(records, values: list[str]) -> tuple[int, str] | None:
    wanted = {v for v in values if v.strip()}
    if not wanted:
        return None
    for rec in records:
        for field, v in rec.items():
            if field.startswith("_"):
                continue
            if wanted.intersection(_text(v)):
                return rec["_row"], field
    return None


def engine_error(exc: BaseException, filename: str, records) -> dict:
    """`{row, field, reason}` for `exc`; row and field are None when no row can be named."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    hit = _locate(records, _quoted(message))
    if hit is not None:
        return {"row": hit[0], "field": hit[1], "reason": f"数据库拒绝写入此行，未写入任何数据：{message}"}
    return {"row": None, "field": None, "file": filename,
            "reason": f"数据库拒绝写入文件“{filename}”，未写入任何数据：{message}"}
