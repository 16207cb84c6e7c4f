"""Regional reports of the programmes: targets against the recognitions in the graph, and the
government summary tables 附件1–3 (rows from the graph, written by ``forms``)."""
from __future__ import annotations

import copy
import datetime as dt
import math
import tempfile
from pathlib import Path

import numpy as np

from graphsvc.core import projection, reference, regions
from graphsvc.programmes import catalogue as _cat
from graphsvc.programmes import eligibility, forms, targets
from graphsvc.programmes.facts import NotFound

FORM_NAMES = {
    "future-factory-summary": "附件1 “未来工厂”培育企业汇总表",
    "digital-project-summary": "附件2 制造业数字化改造攻关项目征集汇总表",
    "digital-factory-ranking": "附件3 数字工厂汇总排序表",
}


def region_prefix(code: str) -> str:
    """The region-code prefix whose enterprises can count for *code*: the whole city for a
    district (retired district codes keep their city's prefix), '33' for the province."""
    from graphsvc.core.regions import scope_prefix

    return scope_prefix(regions.city_of(code) or code)


def target_progress(store, region_code: str, year: int) -> dict:
    # A region is compared only with the targets set for it; a 杭州 district's are the city's,
    # so the count runs over the city (the district's own count apart, ``district_actual``).
    # The recognitions come from the dashboard's projection part (the rows the Cypher file
    # programmes/recognitions gives, held in memory and kept current by the change log), and
    # the counts are kept there until an enterprise or a recognition changes.
    from graphsvc.dashboard import projection as dproj

    sets = targets.applicable(region_code)
    counted = sets[0]["set_for"] if sets else region_code
    read = dproj.reader(store)
    prefix = region_prefix(counted)
    out = copy.deepcopy(read.memo(("target progress", region_code, int(year), prefix), ("Enterprise", "Recognition"),
                                  lambda: targets.progress(region_code, year, read.recognition_table(prefix))))
    note = "" if out else "该地区没有适用的目标（杭州B2–B5、绍兴E1、绍兴各区县E2、浙江省D10）"
    return {"region": region_code, "region_name": regions.district_name(region_code), "year": year,
            "rows": out, "note": note, "applicable": sets}


def form_ids() -> list[str]:
    return list(forms.FORMS)


def default_year(form_id: str) -> int:
    """The year of the call the form belongs to (2023 for 附件1/2, 2022 for 附件3)."""
    doc_id = _cat.rule(forms.FORMS[form_id]["rule_id"])["document_id"]
    return _cat.default()["documents"][doc_id]["date"].year


def _in(code, scope: str) -> bool:
    return bool(code) and regions.in_scope(regions.current_code(str(code)), scope)


def _chain_names(ids) -> str:
    names = []
    for cid in ids:
        c = reference.chain(cid)
        if c and c["name"] not in names:
            names.append(c["name"])
    return "、".join(names)


def future_factory_rows(recognitions: list[dict], chains_by_uscc: dict, scope: str, year: int) -> list[dict]:
    """附件1: one row per enterprise and 未来工厂 category recognised or cultivated in *year*.

    2021-2022 rating: the enterprise's 认定 records of those years (A1.4 parameters);
    建设状态: 培育 (in cultivation) or 已认定; 所属产业链: the recognition's chain, else
    the chains of the enterprise's segments.
    """
    cats = _cat.params("A1.1")["categories"]
    p = _cat.params("A1.4")
    y0, y1 = p["rated_from_year"], p["rated_to_year"]
    by_uscc: dict = {}
    for r in recognitions:
        by_uscc.setdefault(r["uscc"], []).append(r)
    rows = []
    for uscc, recs in by_uscc.items():
        if not _in(recs[0].get("region_code"), scope):
            continue
        for kind in cats:
            now = [r for r in recs if r.get("kind") == kind and r.get("year") == year]
            if not now:
                continue
            best = max(now, key=lambda r: r.get("status") == "认定")
            rated = [f"{r['year']}年{r['level'] or ''}级{r['kind']}"
                     for r in recs if r.get("status") == "认定" and r.get("kind") in cats
                     and r.get("year") is not None and y0 <= r["year"] <= y1]
            chain_ids = [r["chain_id"] for r in now if r.get("chain_id")] or chains_by_uscc.get(uscc, [])
            rows.append({"uscc": uscc, "enterprise_name": best.get("name"), "category": kind,
                         "chain": _chain_names(chain_ids), "rating_2021_2022": "；".join(rated) or "无",
                         "build_status": "已认定" if best.get("status") == "认定" else "培育",
                         "region_code": best.get("region_code"), "level": best.get("level"),
                         "contact": None, "phone": None})
    return _in_form_order(rows, cats)


def future_factories(store, prefix: str, scope: str, year: int) -> list[dict]:
    """附件1 (`future_factory_rows` over the query programmes/recognitions) from the projection
    parts: the recognitions of the dashboard's part (holder, kind, level, status, year, chain)
    selected and grouped with array operations, the chains of the enterprises' segments from
    graph exploration's."""
    from graphsvc.dashboard import projection as dashboard

    st = projection.current(store, dashboard.NAME)
    e, facts, codes = st.edges, st.rec_facts, st.fact_codes
    cats = list(_cat.params("A1.1")["categories"])
    p = _cat.params("A1.4")
    owner = st.rec_owner[:len(facts)]
    kind = st.rec_kind[:len(facts)]
    idx = np.flatnonzero((owner >= 0) & np.isin(kind, [codes.get(k, -2) for k in cats]))
    inside = np.array([c is not None and c.startswith(prefix) and _in(c, scope) for c in e.regs], dtype=bool)
    idx = idx[inside[e.region[owner[idx]]]]
    yr = st.rec_year[idx]
    now = idx[yr == year]
    if not len(now):
        return []
    recognised = st.rec_status == codes.get("认定", -2)
    # One row per (holder, kind): its first 认定 recognition of the year, else its first.
    key = owner[now] * len(codes) + kind[now]
    order = np.lexsort((now, ~recognised[now], key))
    first = order[np.r_[True, key[order][1:] != key[order][:-1]]]
    best, holder = now[first], owner[now[first]]
    rated = idx[recognised[idx] & (yr >= p["rated_from_year"]) & (yr <= p["rated_to_year"])
                & np.isin(owner[idx], holder)]
    rating: dict = {}
    for i in sorted(rated.tolist(), key=lambda i: (facts[i][3], facts[i][0], i)):
        rating.setdefault(int(owner[i]), []).append(f"{facts[i][3]}年{facts[i][1] or ''}级{facts[i][0]}")
    named = {}          # (holder, kind) -> the chains its recognitions of the year name
    for i in [i for i in now.tolist() if i in st.rec_chain]:
        named.setdefault((int(owner[i]), facts[i][0]), []).append(st.rec_chain[i])
    chains = _segment_chains(store)
    rows = []
    for b, o in zip(best.tolist(), holder.tolist()):
        k, level, status, _ = facts[b]
        uscc = e.uscc[o]
        ids = named.get((o, k))
        rows.append({"uscc": uscc, "enterprise_name": st.names.get(uscc), "category": k,
                     "chain": _chain_names(ids) if ids else chains(uscc),
                     "rating_2021_2022": "；".join(rating.get(o, ())) or "无",
                     "build_status": "已认定" if status == "认定" else "培育", "region_code": e.regs[e.region[o]],
                     "level": level, "contact": None, "phone": None})
    return _in_form_order(rows, cats)


# The names of the chains of each enterprise's segments, kept while graph exploration's part
# holds the same memberships and segment chains (a recognition or delivery write moves neither).
_CHAIN_TEXT: dict = {}


def _segment_chains(store):
    """uscc -> `_chain_names` of the chains of its segments, memoised per segment state."""
    from graphsvc.enterprises import projection as explore

    ex = explore.current(store)
    # The segments' chains are a small dict changed in place: compared by value.
    members, segments = ex.segments_of(), frozenset(ex.tags["Segment"].items())
    if _CHAIN_TEXT.get("members") is not members or _CHAIN_TEXT.get("segments") != segments:
        _CHAIN_TEXT.clear()
        _CHAIN_TEXT.update(members=members, segments=segments, text={})
    text = _CHAIN_TEXT["text"]

    def chains(uscc: str) -> str:
        found = text.get(uscc)
        if found is None:
            found = text[uscc] = _chain_names(sorted(ex.chains_of(uscc)))
        return found
    return chains


def _in_form_order(rows: list[dict], cats: list) -> list[dict]:
    return sorted(rows, key=lambda r: (cats.index(r["category"]), r["region_code"] or "", r["enterprise_name"] or "",
                                       r["uscc"]))


def project_window(year: int) -> tuple[dt.date, dt.date]:
    """Start dates a call of *year* collects: from 1 January of the year A2.4 names for the
    2023 call, shifted with the call year, to the end of *year*.

    >>> project_window(2023)
    (datetime.date(2022, 1, 1), datetime.date(2023, 12, 31))
    """
    call_year = default_year("digital-project-summary")
    first = _cat.params("A2.4")["min_start_date"]
    return dt.date(first.year + (year - call_year), first.month, first.day), dt.date(year, 12, 31)


def project_row(r: dict) -> dict:
    """附件2's row for one row of queries/programmes/region_projects.cypher."""
    p = r["project"]
    code = p.get("industry_code") or ""
    ind = reference.industries().get(code[:3].upper()) if code else None
    return {"project_id": p["id"], "uscc": r.get("owner_uscc"), "enterprise_name": r.get("owner_name"),
            "project_name": p.get("name"), "industry": ind["name"] if ind else code,
            "service_org": r.get("service_org_name") or "", "investment_wan": p.get("investment_wan"),
            "one_plus_n": p.get("one_plus_n"), "group_id": p.get("group_id"),
            "start_date": p.get("start_date"), "region_code": r.get("region_code"),
            "contact": None, "phone": None}


def project_order(row: dict) -> tuple:
    """附件2's order: groups together, the “1” first."""
    return row["group_id"] is None, row["group_id"] or "", row["one_plus_n"] != "1", row["project_id"]


def project_rows(projects: list[dict], scope: str, year: int) -> tuple[list[dict], int]:
    """附件2: projects of enterprises in *scope* started within the call's window; groups
    together, the “1” first.  Also returns how many in scope had no start date. (The form
    is served from the projects part, `projects.rows_in`; this is the same from rows read.)"""
    lo, hi = project_window(year)
    rows, undated = [], 0
    for r in projects:
        if not _in(r.get("region_code"), scope):
            continue
        try:
            start = eligibility.as_date(r["project"].get("start_date"))
        except ValueError:
            start = None
        if start is None:
            undated += 1
            continue
        if lo <= start <= hi:
            rows.append(project_row(r))
    rows.sort(key=project_order)
    return rows, undated


def read_project_rows(store, region_code: str, year: int) -> tuple[list[dict], int]:
    """附件2's rows and undated count read from the database (programmes/region_projects): the
    reference the projects part is tested against."""
    return project_rows(store.read("programmes/region_projects", prefix=region_prefix(region_code)), region_code, year)


def ranking_rows(recognitions: list[dict], scope: str, year: int | None) -> list[dict]:
    """附件3: enterprises recognised as 数字工厂 (in *year*), ranked by revenue."""
    rows, seen = [], set()
    for r in recognitions:
        if r.get("kind") != "数字工厂" or r.get("status") != "认定" or not _in(r.get("region_code"), scope):
            continue
        if year is not None and r.get("year") != year or r["uscc"] in seen:
            continue
        seen.add(r["uscc"])
        code = r.get("industry_code") or ""
        ind = reference.industries().get(code[:3].upper()) if code else None
        rc = str(r.get("region_code"))
        rows.append({"uscc": r["uscc"], "region": regions.district_name(regions.current_code(rc)) or rc,
                     "enterprise_name": r.get("name"), "main_business": ind["name"] if ind else "",
                     "revenue_wan": r.get("revenue_wan"), "profit_wan": None, "region_code": rc,
                     "year": r.get("year"), "contact": None, "phone": None})
    return sorted(rows, key=lambda x: (-(x["revenue_wan"] or 0), x["enterprise_name"] or ""))


def digital_factories(store, prefix: str, year: int) -> list[dict]:
    """The 数字工厂 recognitions of `year` held by enterprises under `prefix`, as the query
    programmes/recognitions gives them (附件3 reads uscc, name, region, industry, revenue, kind,
    status and year), from the projection parts: the dashboard's recognitions, the enterprise
    directory (name, industry) and local supply (revenue)."""
    from graphsvc.dashboard import projection as dashboard
    from graphsvc.enterprises import directory
    from graphsvc.local_supply import projection as local_supply

    held, ls = directory.current(store), local_supply.current(store)
    rows = []
    for uscc, status in dashboard.of_kind(projection.current(store, dashboard.NAME), prefix, "数字工厂", year):
        e = directory.record(held, uscc) or {}
        i = ls.index.get(uscc)
        revenue = float(ls.revenue[i]) if i is not None and i < len(ls.revenue) else math.nan
        rows.append({"uscc": uscc, "name": e.get("name"), "region_code": e.get("region_code"),
                     "industry_code": e.get("industry_code"), "revenue_wan": None if math.isnan(revenue) else revenue,
                     "kind": "数字工厂", "status": status, "year": year})
    return rows


def form_data(store, form_id: str, region_code: str, year: int) -> dict:
    """Rows and layout of form *form_id* for enterprises in *region_code* (``NotFound`` if
    the form is unknown)."""
    if form_id not in forms.FORMS:
        raise NotFound("form", f"未知的表单“{form_id}”：可选 {'、'.join(forms.FORMS)}")
    spec = forms.FORMS[form_id]
    prefix = region_prefix(region_code)
    notes = ["联系人、联系方式：图谱中无此数据，留空由填报单位填写"]
    if form_id == "future-factory-summary":
        rows = future_factories(store, prefix, region_code, year)
        notes.insert(0, f"{year}年“未来工厂”五类（聚能、链主、智能、数字化车间、云端）培育或认定记录；"
                        "建设状态取记录状态（培育/已认定）")
    elif form_id == "digital-project-summary":
        # From the projects part: the owner's region STARTS WITH the prefix (as the query
        # programmes/region_projects selects) and lies in the region.
        from graphsvc.programmes import projects

        rows, undated = projects.rows_in(projects.current(store), lambda c: bool(c) and c.startswith(prefix)
                                         and _in(c, region_code), year)
        lo, hi = project_window(year)
        notes.insert(0, f"开工日期在{lo.isoformat()}至{hi.isoformat()}之间的攻关项目"
                        + (f"；另有{undated}个项目缺少开工日期，未列入" if undated else ""))
    else:
        rows = ranking_rows(digital_factories(store, prefix, year), region_code, year)
        notes.insert(0, f"{year}年认定的数字工厂，按营业收入从高到低排序；销售收入取企业登记的营业收入"
                        "（图谱不分年度），利润总额图谱中无数据，留空")
    columns = [{"header": (c.get("group") + " " if c.get("group") else "") + c["header"], "field": c["field"]}
               for c in spec["columns"]]
    return {"form": form_id, "name": FORM_NAMES[form_id], "attachment": spec["attachment"],
            "title": spec["title"], "region": region_code, "region_name": regions.district_name(region_code),
            "year": year, "columns": columns, "rows": rows, "count": len(rows), "note": "；".join(notes)}


def write_export(data: dict, out_path, filled_on=None) -> Path:
    """Write ``form_data`` output as the .xlsx form."""
    return forms.write_form(data["form"], data["rows"], out_path, data["region_name"] or data["region"],
                            filled_on=filled_on)


def export_bytes(data: dict, filled_on=None) -> bytes:
    with tempfile.TemporaryDirectory(prefix="graphsvc-export-") as d:
        path = write_export(data, Path(d) / "form.xlsx", filled_on=filled_on)
        return path.read_bytes()


def export_filename(data: dict) -> str:
    return f"{data['attachment']}-{data['form']}-{data['region']}-{data['year']}.xlsx"
