"""Contractor recommendations for a caller: the one place the API, the page and the CLI ask.

A manufacturer asks only for itself (403 otherwise); a bureau for manufacturers in its region
(404 outside it, as for unknown ones); admin for any.  An enterprise that is not a
manufacturer cannot be given contractors (422).

>>> from graphsvc.core.access import Principal
>>> manufacturer_for(Principal("m", "manufacturer", None, "91330102MA2B00000X"), None)
'91330102MA2B00000X'
>>> manufacturer_for(Principal("b", "bureau", "330100", None), None)
Traceback (most recent call last):
...
graphsvc.core.errors.BadParameter: 缺少参数 manufacturer（制造企业统一社会信用代码）
"""
from __future__ import annotations

from graphsvc.contractors import recommend as R
from graphsvc.core import access, regions
from graphsvc.enterprises import directory
from graphsvc.core.errors import BadParameter, Forbidden, Invalid, NotFound

# Manufacturers a name search offers at most.
SEARCH_LIMIT = 20


def manufacturer_for(who, uscc: str | None) -> str:
    """The manufacturer asked about: a manufacturer account defaults to itself and may ask for
    nobody else."""
    if uscc is None:
        if who.role == "manufacturer" and who.uscc:
            return who.uscc
        raise BadParameter("缺少参数 manufacturer（制造企业统一社会信用代码）", "manufacturer")
    if who.role == "manufacturer" and uscc != who.uscc:
        raise Forbidden("制造企业只能查询本企业的服务商推荐")
    return uscc


def manufacturer(store, who, uscc: str | None) -> R.Manufacturer:
    """The manufacturer's record, if the caller may ask for it."""
    uscc = manufacturer_for(who, uscc)
    m = R.manufacturer_record(store, uscc)
    if not access.acts_for(who, uscc, m.region_code):
        raise NotFound("未找到该制造企业，或不在您的可见范围内")
    if not m.is_manufacturer:
        raise Invalid("该企业不是制造企业，无法推荐数字化改造服务商", "manufacturer")
    return m


def recommendation(store, who, uscc: str | None, query: R.Query) -> dict:
    """Providers of ``query.provider_type`` ranked for the manufacturer, with reasons and evidence
    (the body of GET /api/v1/contractors/recommend)."""
    m = manufacturer(store, who, uscc)
    return R.fetch_recommendation(store, m.uscc, query, manufacturer=m)


def search_manufacturers(store, who, text: str) -> list[dict]:
    """Manufacturers whose name contains ``text``, within what the caller may see (at most
    SEARCH_LIMIT)."""
    prefix = access.visible_prefix(who)
    if prefix is None:
        return []
    rows = directory.search(directory.current(store), prefix=prefix, q=text, limit=200)
    out = [{"uscc": r["uscc"], "name": r["name"], "region_code": r["region_code"],
            "region_name": regions.district_name(r["region_code"] or "") or ""}
           for r in rows if r.get("is_manufacturer")]
    return out[:SEARCH_LIMIT]
