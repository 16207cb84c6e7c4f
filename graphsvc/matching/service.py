"""Matching name-only rows to enterprises, as the API and (later) the imports call it.

Bureaus and admin may match: the candidates are the enterprises the caller may see (a bureau's
region), so a match never reveals an enterprise outside it. Manufacturers and suppliers may
not: matching would list other companies' USCCs.

Each row is checked on its own; a bad row gets `decision: "error"` with the field and the
reason, and the other rows are still answered.

>>> check_row({"name": "  "})
(None, {'field': 'name', 'reason': '名称为空'})
>>> check_row({"name": "示例", "region": "火星"})[1]["field"]
'region'
"""
from __future__ import annotations

from graphsvc.core import access, cache
from graphsvc.core.errors import BadParameter, Forbidden
from graphsvc.matching.index import NameIndex
from graphsvc.matching.match import match_parsed
from graphsvc.matching.normalise import parse, resolve_place

MAX_ROWS = 10_000
MAX_NAME = 200
MAX_INDUSTRY = 10


def index_for(store) -> NameIndex:
    """The index over the store's names, rebuilt after any write (the data version changes)."""
    return cache.cached_call(store, cache.data_version(store), "matching-index", {},
                             lambda: NameIndex(store.read("matching/names")))


def check_row(row) -> tuple[tuple | None, dict | None]:
    """((parsed name, places, industry), None) for a usable row, else (None, {field, reason})."""
    if not isinstance(row, dict):
        return None, {"field": "row", "reason": "每一行应为含 name 的对象"}
    name = row.get("name")
    if not isinstance(name, str) or not name.strip():
        return None, {"field": "name", "reason": "名称为空"}
    if len(name) > MAX_NAME:
        return None, {"field": "name", "reason": f"名称超过 {MAX_NAME} 个字符"}
    parsed = parse(name)
    if not parsed.text:
        return None, {"field": "name", "reason": "名称只有标点或空白，没有文字"}
    places = []
    region = row.get("region")
    if region not in (None, ""):
        codes = resolve_place(region) if isinstance(region, str) and len(region) <= 50 else ()
        if not codes:
            return None, {"field": "region", "reason": "未知的行政区划代码或地名"}
        places.append(codes)
    industry = row.get("industry")
    if industry not in (None, "") and (not isinstance(industry, str) or len(industry) > MAX_INDUSTRY):
        return None, {"field": "industry", "reason": "行业代码应为不超过 10 个字符的文本"}
    return (parsed, places, (industry or "").strip().upper() or None), None


def match_rows(store, p: access.Principal, body: dict) -> dict:
    """{"results": [...] in input order, "counts": {decision: n}} for body {"rows": [...]}."""
    prefix = access.visible_prefix(p)
    if p.role not in ("admin", "bureau") or prefix is None:
        raise Forbidden("只有主管部门和管理员可以进行名称匹配")
    rows = body.get("rows")
    if not isinstance(rows, list) or not rows:
        raise BadParameter("rows 应为非空数组，每项形如 {\"name\": \"企业名称\", \"region\": \"330108\"}", "rows")
    if len(rows) > MAX_ROWS:
        raise BadParameter(f"一次最多匹配 {MAX_ROWS} 行", "rows")
    index = index_for(store)
    results, counts = [], {"matched": 0, "review": 0, "none": 0, "error": 0}
    for i, row in enumerate(rows, start=1):
        checked, error = check_row(row)
        name = row.get("name") if isinstance(row, dict) and isinstance(row.get("name"), str) else None
        if error:
            results.append({"row": i, "name": name, "decision": "error", "error": error, "candidates": []})
        else:
            parsed, places, industry = checked
            results.append({"row": i, "name": name, **match_parsed(index, parsed, places, industry, prefix)})
        counts[results[-1]["decision"]] += 1
    return {"results": results, "counts": counts}
