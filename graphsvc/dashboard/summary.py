"""The bureau's dashboard and the district map: figures per region, as pure functions.

Definitions (docs/figures.md §6 and §2 where they have one; the rest are stated here and on the pages):

- *recognised factories*: distinct enterprises holding a 认定 recognition of one of
  Hangzhou's 未来工厂 kinds (``FUTURE_FACTORY_KINDS``) with ``year <= Y``; the dashboard
  also counts 培育 per kind.
- *local suppliers* (map): enterprises located in the district with at least one outgoing
  ``SUPPLIES`` edge in year Y.
- *providers*: enterprises whose ``provider_types`` is not empty.
- *leader ratio*: a 链主工厂 (any 链主工厂 recognition, 培育 or 认定, as on /local-supply) and
  its local-supply ratio in Y, local meaning the supplier lies in the leader's own city (docs/figures.md §2,
  default scope); a leader without supplies in Y has no ratio. A district's *ratio* on the
  map is the plain mean of its leaders' ratios.

Visibility on the map: a city bureau and admin see every district of the city; a district
bureau sees its city's outline with only its own district's value (``visible_districts``).

The ``fetch_…(store, …)`` functions run the ``queries/dashboard_*.cypher`` files and call
the pure functions; nothing else here touches the store.
"""
from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict

import numpy as np

from graphsvc.core import access
from graphsvc.core import regions
from graphsvc.core.vocabulary import FUTURE_FACTORY_KINDS, LEADER_KIND, RECOGNITION_KINDS
from graphsvc.programmes.targets import Recognitions, b4_meets_target, b4_target, progress

MAP_CITIES = {"330100": "杭州市", "330600": "绍兴市"}

MEASURES = {
    "local_suppliers": {"label": "本地供应企业数", "unit": "家",
                        "description": "区县内当年有供货记录的企业数"},
    "recognised": {"label": "已认定未来工厂类企业数", "unit": "家",
                   "description": "区县内截至当年获“认定”的未来工厂、聚能工厂、链主工厂、智能工厂、数字化车间、云端工厂企业数"},
    "providers": {"label": "智造供给服务商数", "unit": "家",
                  "description": "区县内具有智造供给类型（1–6 类）的企业数"},
    "ratio": {"label": "链主工厂平均本地配套比例", "unit": "%",
              "description": "区县内链主工厂当年本市配套金额比例的平均值（目标 60%）"},
}


# ---------------------------------------------------------------- regions and scope

def districts_of(city: str) -> list[dict]:
    """Today's districts of a city, in code order: [{code, name}].

    >>> [d["name"] for d in districts_of("330600")]
    ['越城区', '柯桥区', '上虞区', '新昌县', '诸暨市', '嵊州市']
    """
    return sorted(({"code": r["code"], "name": r["name"]} for r in regions.regions().values()
                   if r["parent"] == city and not r["successor"]), key=lambda d: d["code"])


def region_label(code: str) -> str:
    r = regions.region(code)
    return r["name"] if r else code


def default_region(p: access.Principal) -> str:
    """The region a dashboard opens on: a bureau's own scope, else 杭州."""
    if p.role == "bureau" and p.scope:
        return regions.current_code(p.scope)
    return "330100"


def region_options(p: access.Principal) -> list[dict]:
    """Regions offered in the dashboard's chooser: admin the province and both map cities
    with their districts; a city bureau its city and districts; a district bureau itself.

    >>> [o["code"] for o in region_options(access.Principal("bj", "bureau", scope="330108"))]
    ['330108']
    >>> len(region_options(access.Principal("hz", "bureau", scope="330100")))
    14
    """
    if p.role == "bureau":
        scope = regions.current_code(p.scope or "")
        r = regions.region(scope)
        out = [{"code": scope, "name": region_label(scope), "level": r["level"] if r else "district"}]
        if r and r["level"] == "city":
            out += [{**d, "level": "district"} for d in districts_of(scope)]
        return out
    if not p.is_admin:
        return []
    out = [{"code": "330000", "name": "浙江省", "level": "province"}]
    for city, name in MAP_CITIES.items():
        out.append({"code": city, "name": name, "level": "city"})
        out += [{**d, "level": "district"} for d in districts_of(city)]
    return out


def map_cities(p: access.Principal) -> list[str]:
    """The city maps a principal may open: admin both, a bureau the city it lies in.

    >>> map_cities(access.Principal("bj", "bureau", scope="330108"))
    ['330100']
    >>> map_cities(access.Principal("m", "manufacturer", uscc="X"))
    []
    """
    if p.is_admin:
        return list(MAP_CITIES)
    if p.role == "bureau" and p.scope:
        city = regions.city_of(p.scope)
        return [city] if city in MAP_CITIES else []
    return []


def visible_districts(p: access.Principal, city: str) -> set[str]:
    """Districts of `city` whose values `p` may see (aggregates only inside its region).

    >>> sorted(visible_districts(access.Principal("bj", "bureau", scope="330108"), "330100"))
    ['330108']
    >>> len(visible_districts(access.Principal("hz", "bureau", scope="330100"), "330100"))
    13
    >>> visible_districts(access.Principal("sx", "bureau", scope="330600"), "330100")
    set()
    """
    return {d["code"] for d in districts_of(city) if access.sees_region(p, d["code"])}


def default_year(years: list[int], today: dt.date | None = None) -> int:
    """The latest data year not in the future; this year when there is no data.

    >>> default_year([2022, 2025, 2023], dt.date(2026, 3, 1)), default_year([], dt.date(2026, 3, 1))
    (2025, 2026)
    >>> default_year([2024, 2027], dt.date(2026, 3, 1))
    2024
    """
    this = (today or dt.date.today()).year
    past = [y for y in years if y <= this]
    return max(past) if past else this


# ---------------------------------------------------------------- pure figures

def recognition_counts(recognitions: list[dict], year: int) -> list[dict]:
    """Distinct enterprises per recognition kind, 认定 and 培育 apart, records up to `year`.

    A firm counts under 认定 once recognised, and under 培育 while (or once) cultivated.

    >>> recs = [{"uscc": "A", "kind": "智能工厂", "status": "培育", "year": 2022},
    ...         {"uscc": "A", "kind": "智能工厂", "status": "认定", "year": 2023},
    ...         {"uscc": "B", "kind": "智能工厂", "status": "认定", "year": 2025}]
    >>> [r for r in recognition_counts(recs, 2024) if r["kind"] == "智能工厂"]
    [{'kind': '智能工厂', 'recognised': 1, 'cultivated': 1, 'future_factory_kind': True}]
    """
    if isinstance(recognitions, Recognitions):
        seen = _holders_by_kind_status(recognitions, year)
    else:
        seen = defaultdict(set)
        for r in recognitions:
            if r.get("year") is None or int(r["year"]) > year:
                continue
            seen[(r.get("kind"), r.get("status"))].add(r.get("uscc"))
    kinds = list(RECOGNITION_KINDS) + sorted({k for k, _ in seen} - set(RECOGNITION_KINDS) - {None})
    return [{"kind": k, "recognised": len(seen.get((k, "认定"), ())), "cultivated": len(seen.get((k, "培育"), ())),
             "future_factory_kind": k in FUTURE_FACTORY_KINDS} for k in kinds]


def _holders_by_kind_status(recs: Recognitions, year: int) -> dict[tuple, range]:
    """recognition_counts' {(kind, status): holders} from the columns, the holders as a range
    of their number (only the counts are read)."""
    c = recs.cols
    ok = (recs.year >= 0) & (recs.year <= year)
    n_uscc, n_status = len(recs.tables["uscc"]), len(recs.tables["status"])
    group = np.unique((c["kind"][ok] * n_status + c["status"][ok]) * n_uscc + c["uscc"][ok]) // n_uscc
    kinds, statuses = recs.decode("kind"), recs.decode("status")
    found, n = np.unique(group, return_counts=True)
    return {(kinds[g // n_status], statuses[g % n_status]): range(k) for g, k in zip(found.tolist(), n.tolist())}


def recognised_enterprises(recognitions: list[dict], year: int) -> dict[str, str]:
    """uscc -> region_code of enterprises with a 认定 未来工厂-kind recognition up to `year`.

    >>> recognised_enterprises([{"uscc": "A", "region_code": "330108", "kind": "链主工厂",
    ...                          "status": "认定", "year": 2023},
    ...                         {"uscc": "B", "region_code": "330108", "kind": "数字工厂",
    ...                          "status": "认定", "year": 2023}], 2024)
    {'A': '330108'}
    """
    if isinstance(recognitions, Recognitions):
        first, c = _recognised_rows(recognitions, year), recognitions.cols
        usccs, codes = recognitions.decode("uscc"), recognitions.decode("region_code")
        return {usccs[u]: codes[g] for u, g in zip(c["uscc"][first].tolist(), c["region_code"][first].tolist())}
    out = {}
    for r in recognitions:
        if (r.get("kind") in FUTURE_FACTORY_KINDS and r.get("status") == "认定"
                and r.get("year") is not None and int(r["year"]) <= year):
            out[r["uscc"]] = r.get("region_code")
    return out


def _recognised_rows(recs: Recognitions, year: int) -> np.ndarray:
    """The first record of each enterprise recognised_enterprises counts, in record order."""
    c = recs.cols
    sel = (np.isin(c["kind"], recs.codes("kind", FUTURE_FACTORY_KINDS)) & np.isin(c["status"], recs.codes("status", ["认定"]))
           & (recs.year >= 0) & (recs.year <= year))
    rows = np.flatnonzero(sel)
    return rows[np.sort(np.unique(c["uscc"][rows], return_index=True)[1])]


def recognised_per_region(recognitions, year: int) -> dict:
    """How many enterprises recognised_enterprises finds per region code.

    >>> recognised_per_region([{"uscc": "A", "region_code": "330108", "kind": "链主工厂", "status": "认定",
    ...                         "year": 2023}], 2024)
    {'330108': 1}
    """
    if isinstance(recognitions, Recognitions):
        found = recognitions.cols["region_code"][_recognised_rows(recognitions, year)]
        regs, n = np.unique(found, return_counts=True)
        codes = recognitions.decode("region_code")
        return {codes[g]: k for g, k in zip(regs.tolist(), n.tolist())}
    out: dict = defaultdict(int)
    for code in recognised_enterprises(recognitions, year).values():
        out[code] += 1
    return dict(out)


def leader_ratios(rows: list[dict]) -> list[dict]:
    """Per leader, its local-supply ratio from rows ``{uscc, name, region_code,
    supplier_region, amount, edges}`` (one per leader and supplier region; a leader with no
    supplies has one row with supplier_region None). Local = supplier in the leader's city.

    >>> rows = [{"uscc": "L", "name": "甲", "region_code": "330108", "supplier_region": "330110", "amount": 60.0},
    ...         {"uscc": "L", "name": "甲", "region_code": "330108", "supplier_region": "320505", "amount": 40.0},
    ...         {"uscc": "M", "name": "乙", "region_code": "330106", "supplier_region": None, "amount": None}]
    >>> [(r["uscc"], r["local_wan"], r["total_wan"], r["ratio"], r["meets_target"]) for r in leader_ratios(rows)]
    [('L', 60.0, 100.0, 0.6, True), ('M', 0.0, 0.0, None, None)]
    """
    acc: dict[str, dict] = {}
    # A few hundred region codes recur over thousands of rows: each is placed once.
    city_of: dict = {}
    local: dict = {}
    for r in rows:
        a = acc.get(r["uscc"])
        if a is None:
            a = acc[r["uscc"]] = {"uscc": r["uscc"], "name": r.get("name"), "region_code": r.get("region_code"),
                                  "local_wan": 0.0, "total_wan": 0.0}
        amount = float(r.get("amount") or 0.0)
        if r.get("supplier_region") is None or amount <= 0:
            continue
        a["total_wan"] += amount
        code = a["region_code"] or ""
        city = city_of.get(code)
        if city is None:
            city = city_of[code] = regions.city_of(code) or ""
        pair = (r["supplier_region"], city)
        is_local = local.get(pair)
        if is_local is None:
            is_local = local[pair] = bool(city) and regions.in_scope(r["supplier_region"], city)
        if is_local:
            a["local_wan"] += amount
    return ratios_of(acc.values())


def ratios_of(sums) -> list[dict]:
    """leader_ratios' rows from per-leader sums ``{uscc, name, region_code, local_wan,
    total_wan}`` (unrounded), in USCC order.

    >>> [(r["uscc"], r["ratio"]) for r in ratios_of([{"uscc": "L", "name": "甲", "region_code": "330108",
    ...                                                 "local_wan": 59.996, "total_wan": 100.0}])]
    [('L', 0.6)]
    """
    out = []
    for a in sorted(sums, key=lambda x: x["uscc"]):
        a["local_wan"], a["total_wan"] = round(a["local_wan"], 2), round(a["total_wan"], 2)
        a["ratio"] = round(a["local_wan"] / a["total_wan"], 4) if a["total_wan"] > 0 else None
        a["meets_target"] = None if a["ratio"] is None else b4_meets_target(a["ratio"])
        a["district"] = region_label(a["region_code"]) if a["region_code"] else None
        out.append(a)
    return out


_leader_ratios = leader_ratios      # district_values names its argument after it


def leader_summary(ratios: list[dict]) -> dict:
    """Counts over leader_ratios(): how many leaders, with data, below and at/above 60%.

    >>> leader_summary([{"ratio": 0.5}, {"ratio": 0.6}, {"ratio": None}])
    {'leaders': 3, 'with_supplies': 2, 'below_target': 1, 'meeting_target': 1, 'no_supplies': 1, 'target_ratio': 0.6}
    """
    with_data = [r for r in ratios if r.get("ratio") is not None]
    below = sum(1 for r in with_data if not b4_meets_target(r["ratio"]))
    return {"leaders": len(ratios), "with_supplies": len(with_data), "below_target": below,
            "meeting_target": len(with_data) - below, "no_supplies": len(ratios) - len(with_data),
            "target_ratio": b4_target()}


def district_values(measure: str, city: str, visible: set[str], *, enterprise_rows=(), supplier_rows=(),
                    recognitions=(), leader_rows=(), leader_ratios=None, year: int) -> list[dict]:
    """One row per district of `city`: ``{code, name, value, visible, detail}``; value None
    where the principal may not see it (or, for ratio, where the district has no leader
    with supplies).

    >>> rows = district_values("providers", "330600", {"330602"}, year=2024,
    ...                        enterprise_rows=[{"region_code": "330602", "providers": 3},
    ...                                         {"region_code": "330603", "providers": 5}])
    >>> [(r["name"], r["value"], r["visible"]) for r in rows][:2]
    [('越城区', 3, True), ('柯桥区', None, False)]
    """
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    values: dict[str, float | int | None] = defaultdict(int)
    detail: dict[str, dict] = defaultdict(dict)
    if measure == "providers":
        for r in enterprise_rows:
            values[r["region_code"]] += int(r.get("providers") or 0)
    elif measure == "local_suppliers":
        for r in supplier_rows:
            values[r["region_code"]] += int(r.get("suppliers") or 0)
    elif measure == "recognised":
        for code, n in recognised_per_region(recognitions, year).items():
            if code:
                values[code] += n
    else:  # ratio: plain mean of the district's leaders' ratios
        per: dict[str, list[float]] = defaultdict(list)
        counted: dict[str, int] = defaultdict(int)
        for lr in leader_ratios if leader_ratios is not None else _leader_ratios(list(leader_rows)):
            counted[lr["region_code"]] += 1
            if lr["ratio"] is not None:
                per[lr["region_code"]].append(lr["ratio"])
        values = {}
        for code, n in counted.items():
            rs = per.get(code, [])
            values[code] = round(100 * sum(rs) / len(rs), 1) if rs else None
            detail[code] = {"leaders": n, "leaders_with_supplies": len(rs),
                            "below_target": sum(1 for x in rs if not b4_meets_target(x))}
    out = []
    for d in districts_of(city):
        seen = d["code"] in visible
        v = values.get(d["code"], None if measure == "ratio" else 0) if seen else None
        out.append({"code": d["code"], "name": d["name"], "value": v, "visible": seen,
                    "detail": detail.get(d["code"], {}) if seen else {}})
    return out


# ---------------------------------------------------------------- fetch (store)
# Each fetch takes `read` (name, **params) -> rows: by default the dashboard's projection part,
# which answers the Cypher files' names with their rows from memory; `store.read` runs the
# Cypher files themselves (the reference the projection is tested and measured against).

class _Direct:
    """A plain `read` (store.read: the Cypher files) with nothing kept between calls."""

    def __init__(self, read):
        self.read = read

    def __call__(self, name: str, **params) -> list[dict]:
        return self.read(name, **params)

    shared = __call__

    def memo(self, key, deps, fn):
        return fn()


def _rows(store, read):
    if read is not None:
        return read if hasattr(read, "memo") else _Direct(read)
    from graphsvc.dashboard import projection

    return projection.reader(store)


def _recognition_figures(read, region: str, prefix: str, year: int) -> dict:
    """The summary's recognition counts and target progress, kept until recognitions change."""
    def compute():
        recs = _recognition_table(read, prefix)
        return {"recognitions": recognition_counts(recs, year),
                "recognised_future_factories": sum(recognised_per_region(recs, year).values()),
                "targets": progress(region, year, recs)}

    return copy.deepcopy(read.memo(("recognition figures", region, year), ("Enterprise", "Recognition"), compute))


def _recognition_table(read, prefix: str) -> Recognitions:
    """The recognitions under `prefix` as columns: the projection keeps them so."""
    if hasattr(read, "recognition_table"):
        return read.recognition_table(prefix)
    return Recognitions(read.shared("dashboard/recognitions", prefix=prefix))


def fetch_targets(store, region: str, year: int, prefix: str, read=None) -> list[dict]:
    """progress() of `region` over the recognitions under `prefix`, kept until a recognition or
    an enterprise changes."""
    read = _rows(store, read)
    return copy.deepcopy(read.memo(("targets", region, year, prefix), ("Enterprise", "Recognition"),
                                   lambda: progress(region, year, _recognition_table(read, prefix))))


def years(store, read=None) -> list[int]:
    return sorted({int(r["year"]) for r in _rows(store, read)("dashboard/years") if r.get("year") is not None})


def fetch_recognitions(store, prefix: str, read=None) -> list[dict]:
    return _rows(store, read)("dashboard/recognitions", prefix=prefix)


def fetch_leader_supply(store, prefix: str, year: int, read=None) -> list[dict]:
    return _rows(store, read)("dashboard/leader_supply", prefix=prefix, year=year, kind=LEADER_KIND)


def fetch_leader_ratios(store, prefix: str, year: int, read=None) -> list[dict]:
    """leader_ratios of the leaders under `prefix`, kept until their supplies or recognitions change."""
    read = _rows(store, read)

    def compute():
        if hasattr(read, "leader_sums"):      # the projection: summed per leader from its arrays
            return ratios_of(read.leader_sums(prefix, year, LEADER_KIND))
        return leader_ratios(read.shared("dashboard/leader_supply", prefix=prefix, year=year, kind=LEADER_KIND))

    return copy.deepcopy(read.memo(("leader ratios", prefix, year), ("Enterprise", "Recognition", "SUPPLIES"),
                                   compute))


def fetch_summary(store, region: str, year: int, read=None) -> dict:
    """Everything the /bureau dashboard shows for `region` (a code the caller may see)."""
    read = _rows(store, read)
    prefix = regions.scope_prefix(region)
    ent = read.shared("dashboard/enterprise_counts", prefix=prefix)
    counts = {"enterprises": sum(int(r["enterprises"]) for r in ent),
              "manufacturers": sum(int(r["manufacturers"] or 0) for r in ent),
              "providers": sum(int(r["providers"] or 0) for r in ent)}
    deliveries = {"by_providers": {}, "to_clients": {}}
    for r in read.shared("dashboard/deliveries", prefix=prefix):
        deliveries["by_providers"][r["status"]] = int(r["by_providers"] or 0)
        deliveries["to_clients"][r["status"]] = int(r["to_clients"] or 0)
    for side in deliveries.values():
        side["total"] = sum(side.values())
    ratios = fetch_leader_ratios(store, prefix, year, read)
    below = sorted((r for r in ratios if r["meets_target"] is False), key=lambda r: r["ratio"])
    return {
        "region": region, "region_name": region_label(region), "year": year,
        "counts": counts, "deliveries": deliveries,
        **_recognition_figures(read, region, prefix, year),
        "leaders": leader_summary(ratios),
        "leaders_below_target": below,
    }


# What each district measure counts from (the changes that make it be counted again).
MEASURE_DEPENDS = {"providers": ("Enterprise",), "local_suppliers": ("Enterprise", "SUPPLIES"),
                   "recognised": ("Enterprise", "Recognition"), "ratio": ("Enterprise", "Recognition", "SUPPLIES")}


def fetch_districts(store, city: str, measure: str, year: int, visible: set[str], read=None) -> list[dict]:
    read = _rows(store, read)
    prefix = regions.scope_prefix(city)

    def compute():
        kw: dict = {}
        if measure == "providers":
            kw["enterprise_rows"] = read.shared("dashboard/enterprise_counts", prefix=prefix)
        elif measure == "local_suppliers":
            kw["supplier_rows"] = read.shared("dashboard/suppliers", prefix=prefix, year=year)
        elif measure == "recognised":
            kw["recognitions"] = _recognition_table(read, prefix)
        elif measure == "ratio":
            kw["leader_ratios"] = fetch_leader_ratios(store, prefix, year, read)
        return district_values(measure, city, visible, year=year, **kw)

    key = ("districts", city, measure, year, tuple(sorted(visible)))
    return copy.deepcopy(read.memo(key, MEASURE_DEPENDS.get(measure, ()), compute))
