"""What the ratio table says about its own figures: each ratio's measure name, the definition
of 本地 in use, and the pooled city headline against B4's 2025 aim (issue #13 items 10, 13).

Kept apart from ``ratios`` so the pure ratio code stays unaware of pages and wording.

>>> items = [{"uscc": "L1", "region_code": "330108", "scope": "330108"}]
>>> label_items(items)[0]["measure_name"], [m["measure"] for m in measures_used(items)]
('区内配套比例（按金额）', ['district'])
"""
from __future__ import annotations

from graphsvc.core import regions
from graphsvc.local_supply.headline import city_headline, measure_label, measure_of
from graphsvc.programmes.targets import applicable

REFERENCE_ONLY = "仅供参考"


def label_items(items: list[dict]) -> list[dict]:
    """Each row gets ``measure`` / ``measure_name`` for the scope its ratio was computed in."""
    for i in items:
        key = measure_of(i.get("region_code"), i.get("scope"))
        i["measure"] = key
        i["measure_name"] = measure_label(key)["measure_name"] if key else "本地配套比例（按金额）"
    return items


def measures_used(items: list[dict]) -> list[dict]:
    """The measures the rows use, city first, each with its name and definition."""
    keys = {i.get("measure") or measure_of(i.get("region_code"), i.get("scope")) for i in items}
    return [measure_label(k) for k in ("city", "district") if k in keys]


def b4_city(region: str | None) -> str | None:
    """The city whose 2025 aim (B4) applies to a caller's region (None: administrator → 杭州),
    or None when B4 does not apply there.

    >>> b4_city(None), b4_city("330108"), b4_city("330600")
    ('330100', '330100', None)
    """
    for s in applicable(region or "330100"):
        if "B4" in s["rule_ids"]:
            return s["set_for"]
    return None


def headline(city_items: list[dict], city: str, year: int | None, region: str | None) -> dict:
    """The pooled city figure for *city* from the city's rows (each leader's same-city figure),
    saying whose view it is when the caller's region is a district of the city."""
    h = city_headline(city_items, city, year)
    h["reference_only"] = REFERENCE_ONLY
    if region and regions.current_code(region) != city:
        h["note"] += f"；全市合计含{regions.label(city)}全部链主工厂，不是{regions.label(region)}单独的达标判断"
    return h
