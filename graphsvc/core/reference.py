"""Reference data: industries (GB/T 4754) and Hangzhou's chains; regions are in `regions`.

The files live in ``graphsvc/refdata/`` (see its manifest.yaml for versions and sources)
and are read once per process; every loader returns the same cached object, so callers
must treat the results as read-only.

>>> industry_kind("C27"), chain("HZ02")["name"]
('process', '集成电路')
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import yaml

REFDATA = Path(__file__).resolve().parents[1] / "refdata"


def read_csv(name: str) -> list[dict[str, str]]:
    with (REFDATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------- industries

@lru_cache(maxsize=1)
def industries() -> dict[str, dict]:
    """GB/T 4754 division code (C13–C43) -> {code, name, kind}."""
    return {r["code"]: r for r in read_csv("industries.csv")}


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


# ---------------------------------------------------------------- processes

@lru_cache(maxsize=1)
def processes() -> dict[str, dict]:
    """Process id -> {id, name, aliases}, in file order (processes.yaml).

    >>> processes()["smt"]["name"]
    'SMT贴片'
    """
    with (REFDATA / "processes.yaml").open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    return {p["id"]: {"id": p["id"], "name": p["name"], "aliases": list(p.get("aliases") or [])}
            for p in doc["processes"]}


@lru_cache(maxsize=1)
def process_words() -> dict[str, str]:
    """Every accepted spelling (id, Chinese name, alias) -> process id."""
    words = {}
    for pid, p in processes().items():
        for w in (pid, p["name"], *p["aliases"]):
            words[w] = pid
    return words
