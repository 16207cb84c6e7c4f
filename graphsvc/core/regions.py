"""Regions (GB/T 2260): codes, names, scopes and what lies inside what — every region helper once.

A bureau's scope is a region code: a province covers its 2-digit prefix, a city its 4-digit
prefix, a district itself. Retired codes (330103 下城 …) are read as today's.

>>> region("330108")["name"]
'滨江区'
>>> current_code("330103"), in_scope("330103", "330105"), in_scope("330108", "330100")
('330105', True, True)
>>> city_of("330621"), label("330108")
('330600', '杭州市滨江区')
"""
from __future__ import annotations

from functools import lru_cache

from graphsvc.core.reference import read_csv


@lru_cache(maxsize=1)
def regions() -> dict[str, dict]:
    """code -> {code, name, level, parent, successor}; parent/successor '' when none."""
    return {r["code"]: r for r in read_csv("regions.csv")}


def region(code: str) -> dict | None:
    return regions().get(str(code).strip()) if code is not None else None


def is_known_region(code: str) -> bool:
    return region(code) is not None


# The reference data is read once per process, so the answer for a code never changes: the
# helpers the figures call per row (current_code, in_scope, city_of) are cached.
@lru_cache(maxsize=1 << 16)
def current_code(code: str) -> str:
    """Today's code for a (possibly retired) code; unknown codes come back unchanged.

    >>> current_code("330183"), current_code("330111"), current_code("999999")
    ('330111', '330111', '999999')
    """
    code = str(code).strip()
    seen = set()
    # Successor chains are one step today, but follow them in case a successor retires.
    while (r := regions().get(code)) and r["successor"] and code not in seen:
        seen.add(code)
        code = r["successor"]
    return code


def _prefix(code: str) -> str:
    """The code prefix a scope covers: 33 for a province, 3301 for a city, all six else."""
    r = regions().get(code)
    level = r["level"] if r else None
    if level == "province":
        return code[:2]
    if level == "city":
        return code[:4]
    return code


@lru_cache(maxsize=1 << 16)
def in_scope(region_code: str, scope_code: str) -> bool:
    """True when region_code lies in scope_code (both normalised through current_code).

    A province covers its 2-digit prefix, a city its 4-digit prefix, a district itself.
    County-level units directly under a province (e.g. 429004 仙桃市) fall under the
    province only.

    >>> in_scope("330103", "330105"), in_scope("330682", "330600"), in_scope("320505", "330000")
    (True, True, False)
    """
    if not region_code or not scope_code:
        return False
    reg = current_code(region_code)
    scope = current_code(scope_code)
    return reg.startswith(_prefix(scope))


@lru_cache(maxsize=1 << 16)
def city_of(code: str) -> str | None:
    """The city-level code enclosing code (itself for a city); None for a province/unknown.

    A county-level unit directly under a province counts as its own city.
    """
    r = region(current_code(code))
    if r is None or r["level"] == "province":
        return None
    if r["level"] == "city":
        return r["code"]
    parent = regions().get(r["parent"])
    return parent["code"] if parent and parent["level"] == "city" else r["code"]


def province_of(code: str) -> str | None:
    r = region(current_code(code))
    return r["code"][:2] + "0000" if r else None


def district_name(code: str) -> str | None:
    """The name recorded for code (the retired name for a retired code)."""
    r = region(code)
    return r["name"] if r else None


def scope_prefix(scope_code: str) -> str:
    """The region-code prefix a scope covers, for `STARTS WITH` filters in queries.

    >>> scope_prefix("330100"), scope_prefix("330108"), scope_prefix("330000")
    ('3301', '330108', '33')
    """
    return _prefix(current_code(scope_code))


def default_scope(region_code: str | None) -> str | None:
    """The leader's city (docs/figures.md §2 default scope).

    >>> default_scope("330108"), default_scope("330621")
    ('330100', '330600')
    """
    if not region_code:
        return None
    return city_of(region_code) or current_code(region_code)


def prefix_of(scope_code: str | None) -> str:
    """Region-code prefix of a scope; a prefix no code has when the scope is unknown."""
    return scope_prefix(scope_code) if scope_code else "#"


def is_local(region_code: str | None, scope_code: str | None) -> bool:
    """Is a supplier registered in `region_code` local to `scope_code`?

    >>> is_local("330103", "330105"), is_local("330108", "330100"), is_local("310101", "330000")
    (True, True, False)
    """
    return bool(region_code and scope_code and in_scope(region_code, scope_code))


def label(code: str | None) -> str | None:
    """A readable name: 滨江区 → '杭州市滨江区'; a city or province by itself."""
    return _label(code) if code else None


@lru_cache(maxsize=1 << 14)
def _label(code: str) -> str | None:
    r = region(code)
    if r is None:
        return code
    if r["level"] == "district":
        parent = region(r.get("parent") or "")
        if parent and parent["level"] == "city":
            return parent["name"] + r["name"]
    return r["name"]
