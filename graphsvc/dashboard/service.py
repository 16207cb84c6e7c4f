"""The dashboard for a caller: /bureau's summary and /map's district measures, scoped.

The one place the API (`GET /api/v1/dashboard/...`) and the pages (/bureau, /map) get their
data. Scoping: admin sees any region; a bureau sees its own region and the regions inside it
(Forbidden outside). On the district map a district bureau gets its city's districts with only
its own value filled in (the others `None`, `visible: False`).

>>> from graphsvc.core.access import Principal
>>> choose_region(Principal("bj", "bureau", scope="330108"), "")
'330108'
>>> choose_region(Principal("bj", "bureau", scope="330108"), "330100")
Traceback (most recent call last):
...
graphsvc.core.errors.Forbidden: 所请求的区域超出您的管辖范围
>>> choose_city(Principal("admin", "admin"), "330600")
'330600'
>>> [c["name"] for c in city_options(Principal("sx", "bureau", scope="330600"))]
['绍兴市']
"""
from __future__ import annotations

from graphsvc.core import access
from graphsvc.core import regions
from graphsvc.core.errors import BadParameter, Forbidden
from graphsvc.dashboard import headline
from graphsvc.local_supply.headline import measure_label
from graphsvc.dashboard import summary as figures
from graphsvc.programmes.targets import applicable

DEFAULT_MEASURE = "local_suppliers"


def choose_region(p: access.Principal, raw: str | None) -> str:
    """The region asked for (today's code), the caller's default when none; checked against scope."""
    raw = (raw or "").strip()
    if not raw:
        return figures.default_region(p)
    if not regions.is_known_region(raw):
        raise BadParameter("未知的行政区划代码", field="region")
    region = regions.current_code(raw)
    if not access.scope_within(p, region):
        raise Forbidden("所请求的区域超出您的管辖范围")
    return region


def choose_city(p: access.Principal, raw: str | None) -> str:
    """The map city asked for, the caller's first city when none."""
    cities = figures.map_cities(p)
    raw = (raw or "").strip()
    if not raw:
        if not cities:
            raise Forbidden("您的管辖区域没有区县地图")
        return cities[0]
    if raw not in figures.MAP_CITIES:
        raise BadParameter(f"city 应为 {' 或 '.join(figures.MAP_CITIES)}（已有区县地图的城市）", field="city")
    if raw not in cities:
        raise Forbidden("所请求的城市超出您的管辖范围")
    return raw


def choose_measure(raw: str | None) -> str:
    measure = raw or DEFAULT_MEASURE
    if measure not in figures.MEASURES:
        raise BadParameter(f"measure 应为 {'/'.join(figures.MEASURES)} 之一", field="measure")
    return measure


def _year(store, year: int | None) -> tuple[int, list[int]]:
    years = figures.years(store)
    return (figures.default_year(years) if year is None else year), years


def summary(store, p: access.Principal, *, region: str | None = None, year: int | None = None) -> dict:
    """A region's dashboard for `p`: counts, deliveries, recognitions vs targets, leaders below
    the local-supply target, plus the years with data and the regions `p` may choose."""
    code = choose_region(p, region)
    year, years = _year(store, year)
    body = figures.fetch_summary(store, code, year)
    body["years"] = years
    body["regions"] = figures.region_options(p)
    _targets_and_headline(store, body, code, year)
    return body


def _targets_and_headline(store, body: dict, code: str, year: int) -> None:
    """A region is compared only with targets set for it: a 杭州 district's targets are the
    city's, counted over the city (its own count apart); and the B4 headline is the city's
    pooled figure, whatever district is shown."""
    body["target_sets"] = applicable(code)
    where = headline.target_city(code)
    if where is not None and where != code:
        body["targets"] = figures.fetch_targets(store, code, year, regions.scope_prefix(where))
    city = headline.b4_city(code)
    body["local_headline"] = None
    if city is not None:
        ratios = figures.fetch_leader_ratios(store, regions.scope_prefix(city), year)
        body["local_headline"] = headline.leader_headline(ratios, city, year, code)
    body["leader_measure"] = {**measure_label("city"), "reference_only": headline.REFERENCE_ONLY}


def districts(store, p: access.Principal, *, city: str | None = None, measure: str | None = None,
              year: int | None = None) -> dict:
    """One measure per district of a map city, values outside `p`'s region left empty."""
    city = choose_city(p, city)
    measure = choose_measure(measure)
    year, years = _year(store, year)
    visible = figures.visible_districts(p, city)
    rows = figures.fetch_districts(store, city, measure, year, visible)
    values = [r["value"] for r in rows if r["value"] is not None]
    m = figures.MEASURES[measure]
    return {"city": city, "city_name": figures.MAP_CITIES[city], "measure": measure,
            "measure_label": m["label"], "unit": m["unit"], "description": m["description"], "year": year,
            "years": years, "districts": rows, "min": min(values) if values else None,
            "max": max(values) if values else None,
            "scope_note": None if len(visible) == len(rows) else
            f"仅显示{figures.region_label(p.scope)}的数值；其他区县不在您的管辖范围内"}


def city_options(p: access.Principal) -> list[dict]:
    """The map cities `p` may open, for the page's chooser: [{code, name}]."""
    return [{"code": c, "name": figures.MAP_CITIES[c]} for c in figures.map_cities(p)]


MEASURES = figures.MEASURES
MAP_CITIES = figures.MAP_CITIES
