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

import json

from graphsvc.core import access, audit, columns, projection
from graphsvc.core.errors import BadParameter, Conflict, Forbidden, Invalid, NotFound
from graphsvc.matching.index import NameIndex
from graphsvc.matching.match import match_parsed
from graphsvc.matching.normalise import parse, resolve_place

MAX_ROWS = 10_000
MAX_NAME = 200
MAX_INDUSTRY = 10


def _build(store) -> NameIndex:
    # Arrow columns, strings shared with the other parts (columns.rows): the index keeps each row.
    return NameIndex(columns.rows(store.read_columns("matching/names")))


def _apply(index: NameIndex, changes: list[projection.Change]) -> NameIndex | None:
    """Fold committed Enterprise upserts into the index in place; None (rebuild) for anything else."""
    for c in changes:
        if c.op != "upsert" or not index.upsert(c.rows):
            return None
    return index


# The name index follows writes through the projection's change log (issue #12): an enterprise
# imported, renamed or moved is matched against its new name at once, without a rebuild.
PART = projection.register(projection.Part("matching", build=_build, apply=_apply,
                                           entities=frozenset({"Enterprise"})))


def index_for(store) -> NameIndex:
    """The index over every current and former enterprise name, up to date with every commit."""
    return projection.current(store, PART.name)


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


# -- imports by name ------------------------------------------------------------------------
def resolver(store, p: access.Principal):
    """The name matcher an import by `p` uses (loaders.importer.Resolver): each
    {"name", "region"} → {"decision", "uscc"?, "candidates", "error"?, "region_code"?}, matched
    only against enterprises `p` may see; None for a caller who may not match (then names are
    refused row by row)."""
    prefix = access.visible_prefix(p)
    if p.role not in ("admin", "bureau") or prefix is None:
        return None

    def resolve(rows: list[dict]) -> list[dict]:
        index = index_for(store)
        out = []
        for row in rows:
            checked, error = check_row(row)
            if error:
                out.append({"decision": "error", "error": error, "candidates": []})
                continue
            parsed, places, industry = checked
            answer = match_parsed(index, parsed, places, industry, prefix)
            if places:
                answer["region_code"] = places[0][0]
            out.append(answer)
        return out

    return resolve


# -- the review queue -------------------------------------------------------------------------
STATUSES = ("pending", "accepted", "rejected")
PAGE = 50


def _review(row: dict) -> dict:
    r = dict(row)
    for k in ("candidates", "data"):
        try:
            r[k] = json.loads(r.get(k) or ("[]" if k == "candidates" else "{}"))
        except ValueError:
            r[k] = [] if k == "candidates" else {}
    return r


def reviews(store, p: access.Principal, status: str = "pending", after: str = "", limit: int = PAGE) -> dict:
    """Queued rows of `status` the caller may review (a bureau: those of its region), by id."""
    prefix = _reviewer_prefix(p)
    if status not in STATUSES:
        raise BadParameter(f"status 应为 {'/'.join(STATUSES)} 之一", "status")
    limit = max(1, min(int(limit), 500))
    rows = store.read("matching/reviews_list", status=status, prefix=prefix, after=after or "", limit=limit + 1)
    items = [_review(r["review"]) for r in rows[:limit]]
    return {"items": items, "next": items[-1]["id"] if len(rows) > limit else None, "status": status}


def _reviewer_prefix(p: access.Principal) -> str:
    prefix = access.visible_prefix(p)
    if p.role not in ("admin", "bureau") or prefix is None:
        raise Forbidden("只有主管部门和管理员可以处理名称匹配复核")
    return prefix


def review(store, p: access.Principal, review_id: str) -> dict:
    """One queued row; NotFound when unknown or outside the caller's region (never told apart)."""
    prefix = _reviewer_prefix(p)
    row = store.read_one("matching/review_get", id=review_id) if isinstance(review_id, str) else None
    if not row or not (row["review"].get("region_code") or "").startswith(prefix) or \
            (prefix and not row["review"].get("region_code")):
        raise NotFound("未找到该复核记录，或不在您的管辖范围内", "id")
    return _review(row["review"])


def pending_review(store, p: access.Principal, review_id: str) -> dict:
    item = review(store, p, review_id)
    if item["status"] != "pending":
        raise Conflict(f"该记录已{'接受' if item['status'] == 'accepted' else '驳回'}，不能再次处理", "id")
    return item


def mark_decided(tx, p: access.Principal, item: dict, status: str, uscc: str | None = None,
                 ip: str | None = None) -> None:
    """Record the decision on a pending row, audited, inside the caller's transaction."""
    done = tx.run("matching/review_decide", id=item["id"], status=status, now=audit.now_iso(),
                  username=p.username, uscc=uscc)
    if not done:
        raise Conflict("该记录已被他人处理", "id")
    tx.log_change("MatchReview", "upsert", [{"id": item["id"], "status": status, "uscc": uscc}])
    audit.record(tx, audit.event(p.username, f"match.{'accept' if status == 'accepted' else 'reject'}", item["id"],
                                 region_code=item.get("region_code") or None, ip=ip,
                                 detail={"kind": item["kind"], "name": item["name"], "row": item["row"],
                                         "file": item["file"], **({"uscc": uscc} if uscc else {})}))


def reject(store, p: access.Principal, review_id: str, ip: str | None = None) -> dict:
    """Reject a queued row: it is not imported; the decision is audited."""
    item = pending_review(store, p, review_id)
    with store.transaction() as tx:
        mark_decided(tx, p, item, "rejected", ip=ip)
    return review(store, p, review_id)


def chosen_uscc(store, p: access.Principal, item: dict, body) -> str:
    """The USCC a reviewer accepts a row with: a well-formed USCC of an enterprise they may see."""
    from graphsvc.core import coercion

    raw = body.get("uscc") if isinstance(body, dict) else None
    if not isinstance(raw, str) or not raw.strip():
        raise BadParameter("请选择或填写统一社会信用代码（uscc）", "uscc")
    try:
        uscc = coercion.uscc(raw)
    except coercion.FieldError as exc:
        raise BadParameter(str(exc), "uscc") from None
    row = store.read_one("enterprises/existing", usccs=[uscc])
    if not row or not access.sees_enterprise(p, uscc, row.get("region_code")):
        raise Invalid("该企业不在图谱中，或不在您的可见范围内", "uscc")
    return uscc


def accept(store, p: access.Principal, review_id: str, body, apply_row, ip: str | None = None) -> dict:
    """Accept a queued row with the chosen enterprise: the row is imported with its USCC and the
    decision recorded in the same transaction, or nothing happens (Invalid with the import's reason).

    apply_row(item, uscc, also) imports the one row (the web layer passes the import pipeline's)
    and returns its report as a dict; `also(tx)` marks the row decided inside that import."""
    item = pending_review(store, p, review_id)
    uscc = chosen_uscc(store, p, item, body)
    report = apply_row(item, uscc, lambda tx: mark_decided(tx, p, item, "accepted", uscc, ip))
    if report.get("status") != "ok":
        problems = report.get("errors") or [{"field": "uscc", "reason": "导入失败"}]
        raise Invalid("按所选企业导入该行失败：" + "；".join(e["reason"] for e in problems[:3]),
                      problems[0].get("field") or "uscc", errors=problems)
    return {**review(store, p, review_id), "import": {k: report.get(k) for k in ("created", "updated", "relationships")}}
