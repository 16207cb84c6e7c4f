"""Local supply for a caller: what the API, the pages and the CLI ask for, as payloads.

Every function takes the store, the caller (`graphsvc.core.access.Principal`) and plain
parameters, checks what the caller may see and returns plain dicts (amounts in 万元 rounded to
the cent, ratios unrounded). Bad parameters raise `graphsvc.core.errors` naming the field:

- a scope that is no known region code is `BadParameter`, one outside the caller's region
  `Forbidden`; an unknown chain filter is `BadParameter`, an unknown chain asked for by id
  `NotFound`;
- a leader the caller may not see is `NotFound` (unknown and invisible are not told apart), an
  enterprise that is no 链主工厂 `Invalid`.

>>> from graphsvc.core.access import Principal
>>> hz = Principal("hz", "bureau", scope="330100")
>>> check_scope(hz, "330108"), check_scope(hz, ""), check_chain(" hz01 ")
('330108', None, 'HZ01')
>>> check_scope(hz, "330600")
Traceback (most recent call last):
...
graphsvc.core.errors.Forbidden: 所请求的范围“绍兴市”超出您的管辖范围
>>> round_money({"local_amount": 1.005001, "ratio_amount": 0.123456, "rows": [{"gap_amount": 2.499}]})
{'local_amount': 1.01, 'ratio_amount': 0.123456, 'rows': [{'gap_amount': 2.5}]}
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.cn import uscc as stdnum_uscc

from graphsvc.core import access, reference, regions
from graphsvc.core.access import Principal
from graphsvc.core.cache import Figure
from graphsvc.core.errors import BadParameter, Forbidden, Invalid, NotFound
from graphsvc.local_supply import coverage, exports, labels, ratios, whatif

YEAR_MIN, YEAR_MAX = 2000, 2100
ROLES = ("admin", "bureau")
# The command line acts with administrator reach.
CLI = Principal("cli", "admin")


@dataclass(frozen=True)
class Download:
    """A file for the caller to save: its name and bytes."""

    filename: str
    data: bytes
    mime: str = exports.XLSX_MIME


# ---------------------------------------------------------------- parameters

def check_role(who: Principal) -> None:
    """Local supply is for bureaus and administrators (the web guards say so first)."""
    if who is None or who.role not in ROLES:
        raise Forbidden("当前角色无权执行此操作")


def check_year(year: int | None) -> int | None:
    """A year of the supplies, or None for the latest with data."""
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        raise BadParameter(f"参数 year 应在 {YEAR_MIN}–{YEAR_MAX} 之间", field="year")
    return year


def check_scope(who: Principal, raw: str | None) -> str | None:
    """A region code the caller may see (district / city / province), normalised; None if absent."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"\d{6}", raw) or not regions.is_known_region(raw):
        raise BadParameter("参数 scope 应为已知的6位行政区划代码（区县、城市或省）", field="scope")
    code = regions.current_code(raw)
    if not access.scope_within(who, code):
        raise Forbidden(f"所请求的范围“{regions.label(code)}”超出您的管辖范围")
    return code


def check_chain(raw: str | None) -> str | None:
    """A chain id to filter on, upper-cased; None if absent."""
    raw = (raw or "").strip().upper()
    if not raw:
        return None
    if reference.chain(raw) is None:
        known = "、".join(c["id"] for c in reference.chains())
        raise BadParameter(f"未知的产业链编号“{raw}”，可选：{known}", field="chain")
    return raw


def caller_region(who: Principal) -> str | None:
    """None for an administrator (everything), the bureau's region code otherwise."""
    return None if who.is_admin else regions.current_code(who.scope)


def round_money(obj):
    """Amounts (keys ending in 'amount' or '_wan', not the ratios) to the cent; all else untouched."""
    if isinstance(obj, dict):
        return {k: (round(v, 2) if isinstance(v, float) and k.endswith(("amount", "_wan")) and not k.startswith("ratio")
                    else round_money(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [round_money(v) for v in obj]
    return obj


# ---------------------------------------------------------------- the ratio table

def ratio_table(store, who: Principal, year: int | None = None, scope: str | None = None,
                chain: str | None = None) -> dict:
    """Every 链主工厂 in the caller's region (and in `scope`), of `chain`, with its B4 figures."""
    return ratio_table_figure(store, who, year, scope, chain).compute()


def ratio_table_figure(store, who: Principal, year: int | None = None, scope: str | None = None,
                       chain: str | None = None) -> Figure:
    """`ratio_table` checked now and computed on demand, under a key that is the same for every
    caller of the same region and moves only when a change touches its city's leaders
    (ratios.table_stamp)."""
    check_role(who)
    year, scope, chain = check_year(year), check_scope(who, scope), check_chain(chain)
    region = caller_region(who)
    return Figure(("ratio_table", region, year, scope, chain, *ratios.table_stamp(store, region)),
                  lambda: _ratio_table(store, region, year, scope, chain))


def _ratio_table(store, region: str | None, year: int | None, scope: str | None, chain: str | None) -> dict:
    out = ratios.fetch_table(store, year, region=region, scope=scope, chain=chain)
    if year is not None:
        out["year"] = year
    out["region"] = {"code": region, "name": regions.label(region) if region else "全部"}
    out["scope"] = {"code": scope, "name": regions.label(scope) if scope else "各链主工厂所在城市",
                    "default": scope is None}
    out["chain"] = chain
    labels.label_items(out["items"])
    out["measures"] = labels.measures_used(out["items"])
    out["headline"] = _headline(store, out, region, scope, chain)
    return round_money(out)


def _headline(store, table: dict, region: str | None, scope: str | None, chain: str | None) -> dict | None:
    """The pooled same-city figure against B4's aim, over every 链主工厂 of the city whatever the
    filters (a filtered or district view is not the city figure); None where B4 does not apply."""
    city = labels.b4_city(region)
    if city is None or table.get("year") is None:
        return None
    if region == city and scope is None and chain is None:
        items = table["items"]
    else:
        items = ratios.fetch_table(store, table["year"], region=city)["items"]
    return labels.headline(items, city, table["year"], region)


def empty_ratio_table(note: str) -> dict:
    """The table's shape with no rows, for a page whose filters could not be applied."""
    return {"year": None, "items": [], "years": [], "pooled": {"chains": [], "districts": [], "overall": None},
            "note": note, "target": ratios.target_ratio(), "scope": {"code": None}, "region": {"code": None},
            "chain": None, "measures": [], "headline": None}


def ratio_xlsx(table: dict) -> Download:
    """The ratio table (as `ratio_table` returns it) as a workbook."""
    region = table["region"]["name"] if table["region"]["code"] else ""
    return Download(f"链主工厂本地配套比例_{table.get('year') or ''}.xlsx", exports.ratio_workbook(table, region))


# ---------------------------------------------------------------- one leader

def visible_leader(store, who: Principal, uscc: str) -> dict:
    """The 链主工厂 `uscc` (as ratios.fetch_leaders gives it) if the caller may see it."""
    check_role(who)
    uscc = (uscc or "").strip().upper()
    if not stdnum_uscc.is_valid(uscc):
        raise BadParameter("leader_uscc 不是有效的统一社会信用代码", field="leader_uscc")
    leader = ratios.leader_of(store, uscc)
    if leader is not None:
        if not access.sees_enterprise(who, uscc, leader.get("region_code")):
            raise NotFound("未找到该企业，或不在您的可见范围内")
        return leader
    # No 链主工厂: the database tells an unknown enterprise from one that holds no recognition.
    row = store.read_one("local_supply/enterprise", uscc=uscc)
    if not row or not access.sees_enterprise(who, uscc, row.get("region_code")):
        raise NotFound("未找到该企业，或不在您的可见范围内")
    if not row.get("chain_ids"):
        raise Invalid(f"{row.get('name') or uscc}不是链主工厂（没有“链主工厂”认定或培育记录），"
                      f"本地配套比例只对链主工厂计算", field="leader_uscc")
    return ratios.fetch_leaders(store, uscc)[0]


def leader_detail(store, who: Principal, uscc: str, year: int | None = None, scope: str | None = None) -> dict:
    """One leader: breakdown by supplier and segment, tier-2 share, trend and the what-if.

    The leader is checked first, so an invisible one is 404 whatever the other parameters."""
    return leader_detail_figure(store, who, uscc, year, scope).compute()


def leader_detail_figure(store, who: Principal, uscc: str, year: int | None = None,
                         scope: str | None = None) -> Figure:
    """`leader_detail` checked now and computed on demand, under a key that moves only when a
    change touches the leader's supplies or its tier-2 sums (whatif.detail_stamp): the same for
    every caller allowed to see it."""
    from graphsvc.core import reqtiming

    with reqtiming.section("leader_check"):
        leader = visible_leader(store, who, uscc)
    year, scope = check_year(year), check_scope(who, scope)
    with reqtiming.section("stamp"):
        stamp = whatif.detail_stamp(store, leader, year, scope)
    return Figure(("leader_detail", leader["uscc"], year, scope, *stamp),
                  lambda: whatif.fetch_detail(store, leader, year, scope, finish=round_money))  # rounded once, then kept


# ---------------------------------------------------------------- chains and coverage

def chain_coverage(store, who: Principal, chain_id: str, year: int | None = None, scope: str | None = None) -> dict:
    """Coverage of one chain with "local" = `scope`, else the caller's region (杭州 for an admin)."""
    return chain_coverage_figure(store, who, chain_id, year, scope).compute()


def chain_coverage_figure(store, who: Principal, chain_id: str, year: int | None = None,
                          scope: str | None = None) -> Figure:
    """`chain_coverage` checked now and computed on demand, under a key that is the same for
    every caller with the same "local" and moves only when a change touches what the coverage
    under it reads (coverage.coverage_stamp)."""
    check_role(who)
    chain = reference.chain((chain_id or "").upper())
    if chain is None:
        raise NotFound(f"未知的产业链“{chain_id}”")
    year, scope = check_year(year), check_scope(who, scope)
    code, basis = coverage.local_basis(who.role, who.scope, scope)
    return Figure(("coverage", chain["id"], year, code, basis, *coverage.coverage_stamp(store, code, chain["id"])),
                  lambda: coverage.fetch_coverage(store, chain["id"], year, code, basis, finish=round_money))


def coverage_xlsx(cov: dict) -> Download:
    """Coverage (as `chain_coverage` returns it) as a workbook."""
    return Download(f"{cov['chain']['name']}_本地配套覆盖_{cov.get('year') or ''}.xlsx", exports.coverage_workbook(cov))


def chains_overview(store, who: Principal, scope: str | None = None) -> dict:
    """Every reference chain with its segments and the number of 链主工厂 the caller sees in it."""
    check_role(who)
    scope = check_scope(who, scope)
    code, basis = coverage.local_basis(who.role, who.scope, scope)
    leaders = ratios.visible_leaders(ratios.fetch_leaders(store), caller_region(who))
    per_chain: dict = {}
    for x in leaders:
        per_chain[x.get("chain")] = per_chain.get(x.get("chain"), 0) + 1
    items = [{"id": c["id"], "name": c["name"], "ecosystem": c.get("ecosystem"), "signature": bool(c.get("signature")),
              "segments": [{"id": s["id"], "name": s["name"], "stage": s["stage"]} for s in c["segments"]],
              "leaders": per_chain.get(c["id"], 0)} for c in reference.chains()]
    return {"items": items, "local": {"code": code, "name": regions.label(code), "basis": basis,
                                      "text": coverage.BASIS_TEXT[basis]}}


def _children(code: str) -> list[dict]:
    return sorted((r for r in regions.regions().values() if r.get("parent") == code and not r.get("successor")),
                  key=lambda r: r["code"])


def scope_options(who: Principal) -> list[dict]:
    """The scopes the caller may choose: its region and what lies below it (admin: the province,
    its cities, and the districts of 杭州 and 绍兴).

    >>> [o["code"] for o in scope_options(Principal("bj", "bureau", scope="330108"))]
    ['330108']
    """
    if who.is_admin:
        out = [{"code": "330000", "name": "浙江省", "level": "province"}]
        for city in _children("330000"):
            out.append({"code": city["code"], "name": city["name"], "level": "city"})
            if city["code"] in ("330100", "330600"):
                out += [{"code": d["code"], "name": d["name"], "level": "district"} for d in _children(city["code"])]
        return out
    code = regions.current_code(who.scope)
    r = regions.region(code) or {"name": code, "level": "district"}
    out = [{"code": code, "name": r["name"], "level": r["level"]}]
    if r["level"] in ("city", "province"):
        out += [{"code": d["code"], "name": d["name"], "level": "district"} for d in _children(code)]
    return out
