"""The dashboard's B4 block: the pooled same-city figure against the 2025 aim, and the targets a
region is compared with (issue #13 items 10, 13).

A district of 杭州 has no targets of its own (B2–B5 are city-wide), so its dashboard shows the
city's counts against the city's targets with the district's own count apart, never the
district's count against the city's target.

>>> rows = [{"uscc": "L", "region_code": "330108", "local_wan": 60.0, "total_wan": 100.0,
...          "ratio": 0.6, "meets_target": True}]
>>> h = leader_headline(rows, "330100", 2024, "330108")
>>> h["ratio_amount"], h["meets_aim"], h["measure_name"]
(0.6, True, '市内本地配套比例（按金额）')
"""
from __future__ import annotations

from graphsvc.local_supply import labels
from graphsvc.local_supply.labels import REFERENCE_ONLY, b4_city  # noqa: F401  (the dashboard's names)
from graphsvc.programmes.targets import applicable


def target_city(region: str) -> str | None:
    """The region whose recognitions the region's targets count (None: no targets apply)."""
    sets = applicable(region)
    return sets[0]["set_for"] if sets else None


def leader_headline(ratios: list[dict], city: str, year: int, region: str) -> dict:
    """The pooled figure from ``summary.leader_ratios`` rows of every 链主工厂 in *city*."""
    items = [{"uscc": r["uscc"], "region_code": r.get("region_code"), "scope": city,
              "local_amount": r["local_wan"], "total_amount": r["total_wan"],
              "suppliers": 1 if r["total_wan"] else 0, "meets_target": r.get("meets_target")} for r in ratios]
    return labels.headline(items, city, year, region)
