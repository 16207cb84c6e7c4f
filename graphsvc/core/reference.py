"""Reference data: regions (GB/T 2260), industries (GB/T 4754) and Hangzhou's chains.

The files live in ``graphsvc/refdata/`` (see its manifest.yaml for versions and sources)
and are read once per process; every loader returns the same cached object, so callers
must treat the results as read-only.

>>> region("330108")["name"]
'滨江区'
>>> current_code("330103"), in_scope("330103", "330105"), in_scope("330108", "330100")
('330105', True, True)
>>> city_of("330621"), industry_kind("C27"), chain("HZ02")["name"]
('330600', 'process', '集成电路')
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import yaml

REFDATA = Path(__file__).resolve().parents[1] / "refdata"


def _read_csv(name: str) -> list[dict[str, str]]:
    with (REFDATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------- regions

@lru_cache(maxsize=1)
def regions() -> dict[str, dict]:
    """code -> {code, name, level, parent, successor}; parent/successor '' when none."""
    return {r["code"]: r for r in _read_csv("regions.csv")}


def region(code: str) -> dict | None:
    return regions().get(str(code).strip()) if code is not None else None


def is_known_region(code: str) -> bool:
    return region(code) is not None


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


# ---------------------------------------------------------------- industries

@lru_cache(maxsize=1)
def industries() -> dict[str, dict]:
    """GB/T 4754 division code (C13–C43) -> {code, name, kind}."""
    return {r["code"]: r for r in _read_csv("industries.csv")}


def industry_kind(code: str) -> str | None:
    """'discrete' or 'process' for a division code (a class code like C3911 uses C39)."""
    if not code:
        return None
    r = industries().get(str(code).strip()[:3].upper())
    return r["kind"] if r else None


# ---------------------------------------------------------------- chains

@lru_cache(maxsize=1)
def _chains_doc() -> dict:
    with (REFDATA / "chains.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def chains() -> list[dict]:
    """The chains in file order, each with its `segments` list."""
    return _chains_doc()["chains"]


def chains_source() -> dict:
    return _chains_doc()["source"]


@lru_cache(maxsize=1)
def _chains_by_id() -> dict[str, dict]:
    return {c["id"]: c for c in chains()}


def chain(chain_id: str) -> dict | None:
    return _chains_by_id().get(chain_id)


@lru_cache(maxsize=1)
def segments() -> dict[str, dict]:
    """segment id -> {id, name, stage, chain_id}."""
    return {s["id"]: {**s, "chain_id": c["id"]} for c in chains() for s in c["segments"]}
