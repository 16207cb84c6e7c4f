"""The B4 headline: the pooled city-wide local-supply figure against the 2025 aim, and the
names of the two locality measures, so no page or export shows a bare “本地配套比例”.

Seed 002 sets “到2025年，力争全市……供应链本地化配套比例达60%左右” as a city-wide aim: the
headline pools the city's 链主工厂 (sum of local supply ÷ sum of all supply, by amount, 本地 =
the same 设区市); a leader's own ratio is compared with the aim for reference only.  A district
view (本地 = the same 区县) is another measure with another name, never compared with the aim.

>>> items = [{"uscc": "L1", "region_code": "330106", "scope": "330100", "local_amount": 90.0,
...           "total_amount": 100.0, "local_suppliers": 3, "suppliers": 4, "meets_target": True},
...          {"uscc": "L2", "region_code": "330108", "scope": "330100", "local_amount": 10.0,
...           "total_amount": 100.0, "local_suppliers": 1, "suppliers": 4, "meets_target": False}]
>>> h = city_headline(items, "330100", 2024)
>>> h["ratio_amount"], h["aim"], h["meets_aim"], h["leaders_with_data"], h["leaders_meeting"]
(0.5, 0.6, False, 2, 1)
>>> h["measure_name"]
'市内本地配套比例（按金额）'
"""
from __future__ import annotations

import math

from graphsvc.core import regions
from graphsvc.programmes import catalogue as _cat
from graphsvc.programmes.targets import b4_meets_target

# measure key -> (name, definition); the key is the locality scope relative to the leader.
MEASURES = {
    "city": ("市内本地配套比例（按金额）",
             "本地 = 供应商注册地与链主工厂在同一设区市；比例 = 当年本地供应商供货金额 ÷ 供货总金额"),
    "district": ("区内配套比例（按金额）",
                 "区内 = 供应商注册地与链主工厂在同一区、县（市）；比例 = 当年区内供应商供货金额 ÷ 供货总金额；"
                 "口径窄于市内本地配套比例，不与B4全市目标比较"),
}


def measure_of(leader_region: str | None, scope: str | None) -> str | None:
    """Which measure a ratio computed for *scope* is: 'city' when the scope is the leader's
    city, 'district' when it is a district, None otherwise.

    >>> measure_of("330106", "330100"), measure_of("330106", "330106"), measure_of("330106", "330000")
    ('city', 'district', None)
    """
    if not scope:
        return None
    r = regions.region(regions.current_code(scope))
    if r is None:
        return None
    if r["level"] == "city":
        return "city"
    if r["level"] == "district" or (leader_region and regions.current_code(scope) == regions.current_code(leader_region)):
        return "district"
    return None


def measure_label(key: str) -> dict:
    """``{measure, measure_name, definition}`` for a measure key ('city' or 'district')."""
    name, definition = MEASURES[key]
    return {"measure": key, "measure_name": name, "definition": definition}


def city_headline(items: list[dict], city: str, year: int, catalogue: dict | None = None) -> dict:
    """The pooled same-city figure of the 链主工厂 registered in *city* against B4's aim.

    *items*: per-leader rows as ``ratio_table`` gives them (``region_code``, ``scope``,
    ``local_amount``, ``total_amount``, ``local_suppliers``, ``suppliers``, ``meets_target``).
    Rows computed for another scope than the leader's city are left out (their 本地 differs)
    and counted in ``other_scope``.
    """
    p = _cat.params("B4", catalogue)
    city = regions.current_code(city)
    mine = [i for i in items if i.get("region_code") and regions.in_scope(str(i["region_code"]), city)]
    same = [i for i in mine if regions.current_code(str(i.get("scope") or city)) == city]
    with_data = [i for i in same if i.get("suppliers")]
    local = math.fsum(i.get("local_amount") or 0.0 for i in with_data)
    total = math.fsum(i.get("total_amount") or 0.0 for i in with_data)
    ratio = local / total if total else None
    out = {**measure_label(p.get("local_scope", "city")), "rule_id": "B4", "city": city,
           "city_name": regions.district_name(city), "year": year, "aim": float(p["local_supply_ratio"]),
           "aim_year": p["target_year"], "aim_scope": p.get("aim_scope", "city"),
           "local_amount": local, "total_amount": total, "ratio_amount": ratio,
           "meets_aim": None if ratio is None else b4_meets_target(ratio, catalogue),
           "leaders": len(same), "leaders_with_data": len(with_data),
           "leaders_meeting": sum(1 for i in with_data if i.get("meets_target")),
           "other_scope": len(mine) - len(same)}
    aim = f"{p['target_year']}年全市目标“{p['local_supply_ratio'] * 100:g}%左右”"
    out["note"] = (f"全市链主工厂合计（{len(with_data)}家有供货记录）与{aim}比较；"
                   "各链主工厂的比例仅供参考，不单独作为是否达标的依据"
                   if ratio is not None else f"{year}年全市链主工厂没有供货记录，无法计算")
    return out
