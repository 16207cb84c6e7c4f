"""Contractor recommendation with the evidence behind every rank (docs/figures.md §10, issue 4).

For a manufacturer M and a Binjiang provider type T (rule C1), rank the providers that could
take M's project:

- hard filters: offers T; ``credit_ok`` (失信 enterprises never appear); not M itself;
  optionally only providers on the 智造供给 cultivation list (``recognised_only``) or only
  those meeting the graph-checkable part of rule C2 (``c2_only``);
- evidence terms, each returned as a reason ``{code, text, weight, count, evidence}`` where
  ``weight`` is what the term added to the score and ``evidence`` the delivery ids behind it.
  Only confirmed deliveries are evidence; disputed ones count against; claimed and withdrawn
  ones are ignored. The weights are data (``graphsvc/refdata/ranking_weights.yaml``).

The computation is pure: ``build_index(...)`` turns plain rows into an :class:`Index`, and
``rank(index, manufacturer, query, weights)`` scores. ``fetch_recommendation(store, ...)``
runs the queries; the index is an in-memory projection built once per process and store and
then updated by the committed changes that concern it (``index_updates``); a live check
re-reads the hard-filter facts of the providers about to be returned.

Worked example. With every count term worth 1.0 from its first delivery (saturation 1),
P1 (same district as M, one confirmed line project for an electronics maker, one disputed)
scores 1 + 1 + 1 + 1 − ½ = 3.5; P2 is 失信 and never appears::

>>> w = load_weights()
>>> w = {**w, "terms": {c: {"weight": 1.0, "saturation": 1} for c in TERMS}}
>>> rows = [
...     {"id": "D1", "provider": "P1", "client": "C1", "provider_type": 1, "unit": "line",
...      "status": "confirmed", "signed_date": "2023-01-05", "industry_code": "C39",
...      "industry_kind": "discrete"},
...     {"id": "D2", "provider": "P1", "client": "C2", "provider_type": 1, "unit": "cell",
...      "status": "disputed", "signed_date": "2023-02-01", "industry_code": "C26",
...      "industry_kind": "process"},
...     {"id": "D3", "provider": "P2", "client": "C1", "provider_type": 1, "unit": "line",
...      "status": "confirmed", "signed_date": "2023-03-01", "industry_code": "C39",
...      "industry_kind": "discrete"},
... ]
>>> providers = [
...     {"uscc": "P1", "name": "甲", "region_code": "330108", "provider_types": [1], "credit_ok": True},
...     {"uscc": "P2", "name": "乙", "region_code": "330108", "provider_types": [1], "credit_ok": False},
... ]
>>> ix = build_index(rows, providers, [], [], w)
>>> m = Manufacturer("M", "某制造企业", "330108", "C39", "discrete")
>>> out = rank(ix, m, Query(provider_type=1, unit="line"), w)
>>> [(i["uscc"], i["score"]) for i in out["items"]]
[('P1', 3.5)]
>>> [(r["code"], r["weight"], r["evidence"]) for r in out["items"][0]["reasons"]]
[('same_industry', 1.0, ['D1']), ('unit_experience', 1.0, ['D1']), ('type_experience', 1.0, ['D1']), ('same_district', 1.0, []), ('disputes', -0.5, ['D2'])]
"""
from __future__ import annotations

import heapq
import logging
import math
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import yaml

from graphsvc.core import reference
from graphsvc.core import columns, errors, regions
from graphsvc.core.cowmap import CowMap, having
from graphsvc.core.vocabulary import INDUSTRY_KIND_NAMES, UNIT_NAMES, UNITS
from graphsvc.programmes import catalogue

log = logging.getLogger(__name__)

WEIGHTS_FILE = reference.REFDATA / "ranking_weights.yaml"

UNIT_RANK = {u: i for i, u in enumerate(UNITS)}
KIND_NAMES = {k: INDUSTRY_KIND_NAMES[k] for k in ("discrete", "process")}

# Every term the ranking knows, in the order reasons are listed when their weights tie.
TERMS = ("served_me", "served_my_leader", "served_chain_leader", "served_chain_peers", "same_industry",
         "same_kind", "unit_experience", "recognised_clients", "type_experience", "scenario_projects",
         "same_district", "same_city", "disputes")
FLAG_TERMS = ("same_district", "same_city")
ALL_TERMS = TERMS + ("specialisation", "provider_size", "same_province")
# Terms that do not depend on the manufacturer (precomputed per provider type / unit / scenario).
BASE_TERMS = ("type_experience", "unit_experience", "recognised_clients", "scenario_projects", "disputes")
# Terms of a fitted model (issue 17), optional in a weights file: the provider's smoothed
# specialisation in the client's industry (negative for a provider whose deliveries lie
# elsewhere), its size (revenue) and the same province as a locality fallback.
MODEL_TERMS = ("specialisation", "provider_size", "same_province")


@lru_cache(maxsize=1)
def provider_type_names() -> dict[int, str]:
    """Rule C1's six provider types: {1: '“数字化制造”工程总包商', …} (treat as read-only)."""
    return {int(k): v for k, v in catalogue.params("C1")["provider_types"].items()}


@lru_cache(maxsize=1)
def _scenarios() -> tuple[str, ...]:
    return tuple(catalogue.params("B1")["scenarios"])


def scenarios() -> list[str]:
    """Rule B1's six new scenarios (数字化设计 … 服务化延伸)."""
    return list(_scenarios())


# ---------------------------------------------------------------- weights

class WeightsError(errors.Invalid, ValueError):
    """ranking_weights.yaml is malformed."""


@lru_cache(maxsize=8)
def _load_weights_file(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as fh:
        return validate_weights(yaml.safe_load(fh))


def load_weights(path: str | Path | None = None) -> dict:
    """The ranking weights (re-read when the file changes).

    >>> w = load_weights()
    >>> w["terms"]["same_district"]["weight"] > 0, "version" in w
    (True, True)
    """
    p = Path(path) if path else WEIGHTS_FILE
    return _load_weights_file(str(p), p.stat().st_mtime)


def validate_weights(doc: dict) -> dict:
    """Check a weights document; returns it (raises WeightsError naming the problem)."""
    if not isinstance(doc, dict) or not doc.get("version"):
        raise WeightsError("ranking weights need a version")
    terms = doc.get("terms")
    if not isinstance(terms, dict):
        raise WeightsError("ranking weights need a terms mapping")
    unknown = sorted(set(terms) - set(TERMS) - set(MODEL_TERMS))
    missing = sorted(set(TERMS) - set(terms))
    if unknown or missing:
        raise WeightsError(f"ranking weights: unknown terms {unknown}, missing terms {missing}")
    for code, t in terms.items():
        if not isinstance(t.get("weight"), (int, float)) or t["weight"] < 0:
            raise WeightsError(f"ranking weights: {code}.weight must be a number >= 0")
        counted = code not in FLAG_TERMS and code != "disputes" and code not in MODEL_TERMS
        if counted and (not isinstance(t.get("saturation"), (int, float)) or t["saturation"] <= 0):
            raise WeightsError(f"ranking weights: {code}.saturation must be a number > 0")
    for key in ("recognised_client_kinds", "recognised_client_status", "provider_list_kinds"):
        if not isinstance(doc.get(key), list):
            raise WeightsError(f"ranking weights need a {key} list")
    if not doc.get("leader_kind"):
        raise WeightsError("ranking weights need a leader_kind")
    doc.setdefault("evidence_limit", 20)
    return doc


def weights_summary(weights: dict) -> dict:
    """What a response says about the weights it was ranked with."""
    return {"version": str(weights["version"]),
            "terms": {c: {k: v for k, v in t.items() if k in ("weight", "saturation", "label")}
                      for c, t in weights["terms"].items()}}


# ---------------------------------------------------------------- pure scoring pieces

def saturate(n: int, saturation: float) -> float:
    """Diminishing returns: 0 for none, 1 from `saturation` on.

    >>> saturate(0, 5), saturate(5, 5), saturate(50, 5), round(saturate(1, 5), 3)
    (0.0, 1.0, 1.0, 0.387)
    """
    if n <= 0:
        return 0.0
    return min(1.0, math.log1p(n) / math.log1p(saturation))


def contribution(code: str, n: int, weights: dict, total: int = 0) -> float:
    """What term `code` with count `n` adds to a score.

    Count terms saturate; flag terms (n is 0 or 1) add their weight; ``disputes`` subtracts
    its weight times the disputed share of the provider's confirmed + disputed deliveries
    (`total`).

    >>> w = {"terms": {"same_industry": {"weight": 2.0, "saturation": 3},
    ...                "same_district": {"weight": 1.5}, "disputes": {"weight": 1.5}}}
    >>> contribution("same_industry", 3, w), contribution("same_district", 1, w)
    (2.0, 1.5)
    >>> contribution("disputes", 1, w, total=4)
    -0.375
    """
    t = weights["terms"].get(code) if code in MODEL_TERMS else weights["terms"][code]
    if n <= 0 or t is None:
        return 0.0
    if code in FLAG_TERMS or code == "same_province":
        return float(t["weight"])
    if code == "disputes":
        return -float(t["weight"]) * n / max(total, n)
    return float(t["weight"]) * saturate(n, t["saturation"])


def specialisation_prior(weights: dict) -> float:
    """Pseudo-deliveries at the industry's overall share that smooth a provider's share."""
    return float(weights["terms"].get("specialisation", {}).get("prior", 2.0))


def size_reference(weights: dict) -> float:
    """Revenue (万元) at which provider_size is 0: the providers' median when the weights were fitted."""
    return float(weights["terms"].get("provider_size", {}).get("reference_wan", 8000.0))


def division_share(n_division: float, n_total: float) -> float:
    """The industry's share of all confirmed deliveries (add-one smoothed, never 0)."""
    return (n_division + 1.0) / (n_total + 1.0)


def specialisation_x(n_div, n_all, share: float, prior: float):
    """ln(smoothed share of the provider's confirmed deliveries in the client's industry ÷ the
    industry's overall share): 0 for a provider with no deliveries (the prior), positive for a
    specialist, negative for a provider whose many deliveries are all elsewhere.

    >>> round(float(specialisation_x(0, 0, 0.05, 2.0)), 3), round(float(specialisation_x(5, 10, 0.05, 2.0)), 3)
    (0.0, 2.14)
    >>> round(float(specialisation_x(0, 20, 0.05, 2.0)), 3)
    -2.398
    """
    return np.log((np.asarray(n_div, dtype=float) + prior * share) / (np.asarray(n_all, dtype=float) + prior) / share)


def size_x(revenue_wan, reference_wan: float):
    """log10(revenue ÷ reference), clipped to ±2; 0 when the revenue is unknown.

    >>> [round(float(x), 3) for x in size_x(np.array([8000.0, 80000.0, 0.0, 1e12]), 8000.0)]
    [0.0, 1.0, 0.0, 2.0]
    """
    r = np.asarray(revenue_wan, dtype=float)
    ok = r > 0
    return np.where(ok, np.clip(np.log10(np.where(ok, r, 1.0) / reference_wan), -2.0, 2.0), 0.0)


# One provider's model values, remembered: a NumPy call on one number costs tens of µs, and
# the same providers come back in request after request (the same function, the same floats).
@lru_cache(maxsize=1 << 16)
def _specialisation_of_one(n_div: int, n_all: int, share: float, prior: float) -> float:
    return float(specialisation_x(n_div, n_all, share, prior))


@lru_cache(maxsize=1 << 16)
def _size_of_one(revenue_wan: float, reference_wan: float) -> float:
    return float(size_x(revenue_wan, reference_wan))


def model_contribution(code: str, x: float, weights: dict) -> float:
    """What a continuous model term (specialisation, provider_size) with value `x` adds."""
    t = weights["terms"].get(code)
    return float(t["weight"]) * float(x) if t else 0.0


def division(industry_code: str | None) -> str | None:
    """The GB/T 4754 division (大类) an industry code falls in.

    >>> division("C3911"), division("c39"), division(None)
    ('C39', 'C39', None)
    """
    if not industry_code:
        return None
    return str(industry_code).strip()[:3].upper() or None


def meets_c2(p: dict, cat: dict | None = None) -> bool:
    """The part of rule C2 the graph can check: C2.1 (one of the six types), the high-tech
    half of C2.2, and C2.3 (R&D spend and staff, 不低于 = at least).

    >>> meets_c2({"provider_types": [1], "high_tech": True, "rd_spend_wan": 500, "rd_staff": 30})
    True
    >>> meets_c2({"provider_types": [1], "high_tech": True, "rd_spend_wan": 499.9, "rd_staff": 30})
    False
    """
    allowed = set(catalogue.params("C2.1", cat)["provider_types"])
    c23 = catalogue.params("C2.3", cat)
    return (bool(set(p.get("provider_types") or []) & allowed) and p.get("high_tech") is True
            and (p.get("rd_spend_wan") or 0) >= c23["min_rd_spend_wan"]
            and (p.get("rd_staff") or 0) >= c23["min_rd_staff"])


# ---------------------------------------------------------------- the index

class Dlv(NamedTuple):
    id: str
    provider: str
    client: str
    ptype: int
    unit: str | None
    status: str
    signed: str
    division: str | None
    kind: str | None


@dataclass
class Provider:
    uscc: str
    name: str
    region_code: str
    district: str
    city: str
    types: frozenset
    credit_ok: bool
    listed: bool = False   # on the 智造供给 cultivation list (recognised_only)
    c2: bool = False       # meets the graph-checkable part of C2 (c2_only)
    revenue_wan: float | None = None
    province: str = ""


@dataclass
class Manufacturer:
    uscc: str
    name: str
    region_code: str | None
    industry_code: str | None
    industry_kind: str | None
    chain_ids: frozenset = frozenset()
    buyers: frozenset = frozenset()
    suppliers: frozenset = frozenset()
    peers: frozenset = frozenset()
    is_manufacturer: bool = True
    linked: bool = False     # chain_ids/buyers/suppliers/peers have been read

    @property
    def district(self) -> str | None:
        return regions.current_code(self.region_code) if self.region_code else None

    @property
    def city(self) -> str | None:
        return regions.city_of(self.region_code) if self.region_code else None

    @property
    def province(self) -> str | None:
        return regions.province_of(self.region_code) if self.region_code else None


@dataclass(frozen=True)
class Query:
    provider_type: int
    unit: str | None = None
    scenario: str | None = None
    limit: int = 10
    recognised_only: bool = False
    c2_only: bool = False


def _newest_first(ds: list[Dlv]) -> list[Dlv]:
    return sorted(ds, key=lambda d: (d.signed or "", d.id), reverse=True)


@dataclass
class Index:
    """Everything the ranking reads, grouped for sparse lookups. Built by build_index()."""

    providers: dict[str, Provider]
    of_type: dict[int, list[str]]
    confirmed: dict[str, list[Dlv]]                 # provider -> confirmed, newest first
    disputed: dict[str, list[Dlv]]                  # provider -> disputed, newest first
    by_client: dict[str, dict[str, list[Dlv]]]      # client -> provider -> confirmed
    by_division: dict[str, dict[str, list[Dlv]]]    # client division -> provider -> confirmed
    by_kind: dict[str, dict[str, list[Dlv]]]        # client kind -> provider -> confirmed
    by_id: dict[str, Dlv]
    recognised_after: frozenset                     # confirmed delivery ids whose client was recognised later
    client_recognitions: dict[str, list[str]]       # client -> ['智能工厂（2024年认定）', …]
    leaders: dict[str, frozenset]                   # chain-leader uscc -> chain ids
    leader_names: dict[str, str]
    projects: dict[str, list[tuple[str, str]]]      # provider -> [(project id, name)]
    by_district: dict[str, list[str]]
    by_city: dict[str, list[str]]
    kind_division_count: dict[tuple, dict[str, int]]   # (kind, division) -> provider -> n
    leader_suppliers: dict = field(default_factory=dict)  # leader -> its suppliers that are clients (lazy)
    tables: dict = field(default_factory=dict)            # provider type -> TypeTable
    division_total: dict = field(default_factory=dict)    # client division -> confirmed deliveries
    n_confirmed: int = 0
    specialisation_prior: float = 2.0                     # the model terms' constants, from the weights
    size_reference: float = 8000.0
    links: dict = field(default_factory=dict)             # manufacturer -> (version, its links), bounded
    # The version of the index (0 when built, +1 per patch) and, shared by every version, when
    # the enterprises and chains the kept links read last changed (linked_with_ties).
    gen: int = 0
    link_stamps: LinkStamps = field(default_factory=lambda: LinkStamps())
    # The rows the index was built from, kept so that a change is folded in per provider
    # (graphsvc.contractors.index_updates) instead of rebuilding everything.
    delivery_rows: dict = field(default_factory=dict)     # delivery id -> row (every status)
    provider_rows: dict = field(default_factory=dict)     # provider uscc -> row
    provider_deliveries: dict = field(default_factory=dict)  # provider -> frozenset of delivery ids
    client_deliveries: dict = field(default_factory=dict)    # client -> frozenset of delivery ids
    listed: frozenset = frozenset()
    last_recognised: dict = field(default_factory=dict)   # client -> last recognition year
    weights: dict | None = None                           # the weights the index was built with
    store_ref: object = None                              # weakref to the store (point reads on change)
    # Bumped whenever leader_suppliers entries are dropped or extended (the dict is shared by
    # every version of the index), so that a read started before a change is not stored after it.
    supplier_generation: list = field(default_factory=lambda: [0])
    # This version's shortlists by request (fetch_recommendation), bounded: every patch starts
    # the new version with none (index_updates.patched), so an entry is never older than its index.
    shortlists: dict = field(default_factory=dict)

    @property
    def clients(self) -> int:
        return len(self.by_client)


def _recognition_facts(recognitions: Iterable[dict], weights: dict) -> tuple:
    """From the recognitions: providers on the cultivation list, chain leaders (with their
    chains and names), each client's last recognition year and its recognitions as text."""
    list_kinds = set(weights["provider_list_kinds"])
    rec_kinds, rec_status = set(weights["recognised_client_kinds"]), set(weights["recognised_client_status"])
    leader_kind = weights["leader_kind"]
    listed: set[str] = set()
    leaders: dict[str, set] = {}
    leader_names: dict[str, str] = {}
    last_recognised: dict[str, int] = {}
    client_recs: dict[str, list[str]] = {}
    for r in recognitions:
        if r["kind"] in list_kinds:
            listed.add(r["uscc"])
        if r["kind"] == leader_kind:
            leaders.setdefault(r["uscc"], set())
            if r.get("chain_id"):
                leaders[r["uscc"]].add(r["chain_id"])
            leader_names[r["uscc"]] = r.get("name") or r["uscc"]
        if r["kind"] in rec_kinds and r.get("status") in rec_status and r.get("year"):
            y = int(r["year"])
            last_recognised[r["uscc"]] = max(last_recognised.get(r["uscc"], 0), y)
            client_recs.setdefault(r["uscc"], []).append(f"{r['kind']}（{y}年{r['status']}）")
    return listed, leaders, leader_names, last_recognised, client_recs


def _provider(p: dict, listed: set[str]) -> Provider | None:
    """A provider row as a Provider (None if it offers no type)."""
    types = frozenset(int(t) for t in (p.get("provider_types") or []))
    if not types:
        return None
    rc = p.get("region_code") or ""
    district = regions.current_code(rc) if rc else ""
    city = (regions.city_of(rc) or "") if rc else ""
    return Provider(p["uscc"], p.get("name") or p["uscc"], rc, district, city, types,
                    p.get("credit_ok") is True, p["uscc"] in listed, meets_c2(p), p.get("revenue_wan"),
                    (regions.province_of(rc) or "") if rc else "")


def _provider_tables(providers: Iterable[dict], listed: set[str]) -> tuple:
    """Providers by USCC, and their USCCs per type (sorted), per district and per city."""
    provs: dict[str, Provider] = {}
    of_type: dict[int, list[str]] = {t: [] for t in range(1, 7)}
    by_district: dict[str, list[str]] = {}
    by_city: dict[str, list[str]] = {}
    for p in providers:
        prov = _provider(p, listed)
        if prov is None:
            continue
        provs[prov.uscc] = prov
        for t in prov.types:
            of_type.setdefault(t, []).append(prov.uscc)
        if prov.district:
            by_district.setdefault(prov.district, []).append(prov.uscc)
        if prov.city:
            by_city.setdefault(prov.city, []).append(prov.uscc)
    for t in of_type:
        of_type[t].sort()
    return provs, of_type, by_district, by_city


def dlv(r: dict) -> Dlv:
    """A contractors/deliveries row as a Dlv."""
    return Dlv(r["id"], r["provider"], r["client"], int(r["provider_type"] or 0), r.get("unit") or None,
               r["status"], r.get("signed_date") or "", division(r.get("industry_code")),
               r.get("industry_kind") or None)


def _delivery_lists(deliveries: Iterable[dict]) -> tuple:
    """Confirmed and disputed deliveries per provider, newest first, and all of them by id."""
    confirmed: dict[str, list[Dlv]] = {}
    disputed: dict[str, list[Dlv]] = {}
    by_id: dict[str, Dlv] = {}
    for r in deliveries:
        d = dlv(r)
        if d.status not in ("confirmed", "disputed"):
            continue   # claimed and withdrawn deliveries are no evidence either way
        by_id[d.id] = d
        (confirmed if d.status == "confirmed" else disputed).setdefault(d.provider, []).append(d)
    for ds in (*confirmed.values(), *disputed.values()):
        ds[:] = _newest_first(ds)
    return confirmed, disputed, by_id


def _confirmed_groups(confirmed: dict[str, list[Dlv]], last_recognised: dict[str, int]) -> tuple:
    """Confirmed deliveries grouped by client, client division and client kind, the count per
    (kind, division), and the ids of those whose client was recognised later."""
    by_client: dict[str, dict[str, list[Dlv]]] = {}
    by_division: dict[str, dict[str, list[Dlv]]] = {}
    by_kind: dict[str, dict[str, list[Dlv]]] = {}
    kind_div: dict[tuple, dict[str, int]] = {}
    after = set()
    for p, ds in confirmed.items():
        for d in ds:
            by_client.setdefault(d.client, {}).setdefault(p, []).append(d)
            if d.division:
                by_division.setdefault(d.division, {}).setdefault(p, []).append(d)
            if d.kind:
                by_kind.setdefault(d.kind, {}).setdefault(p, []).append(d)
                kd = kind_div.setdefault((d.kind, d.division), {})
                kd[p] = kd.get(p, 0) + 1
            y = last_recognised.get(d.client)
            if y and d.signed and int(d.signed[:4]) <= y:
                after.add(d.id)
    return by_client, by_division, by_kind, kind_div, frozenset(after)


def build_index(deliveries: Iterable[dict], providers: Iterable[dict], recognitions: Iterable[dict],
                projects: Iterable[dict], weights: dict) -> Index:
    """Group the graph facts for ranking (rows as the recommend_* queries return them)."""
    deliveries, providers = list(deliveries), list(providers)
    listed, leaders, leader_names, last_recognised, client_recs = _recognition_facts(recognitions, weights)
    provs, of_type, by_district, by_city = _provider_tables(providers, listed)
    confirmed, disputed, by_id = _delivery_lists(deliveries)
    by_client, by_division, by_kind, kind_div, after = _confirmed_groups(confirmed, last_recognised)
    projs: dict[str, list[tuple[str, str]]] = {}
    for r in sorted(projects, key=lambda r: (r.get("start_date") or "", r["id"]), reverse=True):
        projs.setdefault(r["provider"], []).append((r["id"], r.get("name") or ""))

    ix = Index(provs, of_type, confirmed, disputed, by_client, by_division, by_kind, by_id, after,
               client_recs, {k: frozenset(v) for k, v in leaders.items()}, leader_names, projs,
               by_district, by_city, kind_div)
    for p, ds in by_division.items():
        ix.division_total[p] = sum(len(x) for x in ds.values())
    ix.n_confirmed = sum(len(ds) for ds in confirmed.values())
    ix.specialisation_prior, ix.size_reference = specialisation_prior(weights), size_reference(weights)
    ix.tables = {t: TypeTable.build(ix, t) for t in sorted(of_type)}
    ix.delivery_rows = {r["id"]: r for r in deliveries}
    per_provider: dict[str, set] = {}
    per_client: dict[str, set] = {}
    for r in deliveries:
        per_provider.setdefault(r["provider"], set()).add(r["id"])
        per_client.setdefault(r["client"], set()).add(r["id"])
    ix.provider_deliveries = {k: frozenset(v) for k, v in per_provider.items()}
    ix.client_deliveries = {k: frozenset(v) for k, v in per_client.items()}
    ix.provider_rows = {p["uscc"]: p for p in providers if p["uscc"] in provs}
    ix.listed, ix.last_recognised, ix.weights = frozenset(listed), last_recognised, weights
    return ix


class TypeTable:
    """The providers offering one type as numpy columns, so that one request scores all of
    them with a few vector operations (the same formulas as contribution())."""

    def __init__(self, usccs: list[str]):
        n = len(usccs)
        self.usccs = usccs
        self.pos = {u: i for i, u in enumerate(usccs)}
        self.credit = np.zeros(n, dtype=bool)
        self.listed = np.zeros(n, dtype=bool)
        self.c2 = np.zeros(n, dtype=bool)
        self.n_type = np.zeros(n)               # confirmed deliveries of this type
        self.unit_ge = np.zeros((n, len(UNITS)))  # … of which at unit rank >= r
        self.recognised = np.zeros(n)           # … whose client was recognised later
        self.total = np.zeros(n)                # confirmed deliveries of any type
        self.disputed = np.zeros(n)
        self.by_division: dict[str, np.ndarray] = {}
        self.by_kind: dict[str, np.ndarray] = {}
        self.by_kind_division: dict[tuple, np.ndarray] = {}
        self.scenario: dict[str, np.ndarray] = {}
        self.district = np.empty(n, dtype=object)
        self.city = np.empty(n, dtype=object)
        self.province = np.empty(n, dtype=object)
        self.revenue = np.zeros(n)
        # Each provider's place in USCC order, for ordering ties in C (best_of); a table's
        # providers never change (new ones make a new table).
        self.uscc_rank = np.empty(n, dtype=np.int64)
        self.uscc_rank[np.argsort(np.array(usccs, dtype=str), kind="stable")] = np.arange(n)

    def _col(self, table: dict, key) -> np.ndarray:
        col = table.get(key)
        if col is None:
            col = table[key] = np.zeros(len(self.usccs))
        return col

    @classmethod
    def build(cls, ix: Index, t: int) -> TypeTable:
        tt = cls(list(ix.of_type.get(t, ())))
        for i, p in enumerate(tt.usccs):
            tt.fill(ix, t, i, p)
        return tt

    def shallow(self) -> TypeTable:
        """A table sharing this one's columns, for refill(): readers of this one see no change."""
        out = TypeTable.__new__(TypeTable)
        out.__dict__.update(self.__dict__)
        return out

    def row(self, ix: Index, t: int, p: str) -> tuple[dict, dict]:
        """Provider `p`'s row from the index: ({column: value}, {column table: {key: count}}),
        the tables' keys with a count of 0 left out."""
        prov = ix.providers[p]
        conf = ix.confirmed.get(p, ())
        # Counted in Python, then written once per column (numpy scalar writes are slow).
        by_div: dict = {}
        by_kind: dict = {}
        by_kd: dict = {}
        scenario: dict = {}
        n_type = recognised = 0
        unit_ge = [0] * len(UNITS)
        for d in conf:
            if d.division:
                by_div[d.division] = by_div.get(d.division, 0) + 1
            if d.kind:
                by_kind[d.kind] = by_kind.get(d.kind, 0) + 1
                by_kd[(d.kind, d.division)] = by_kd.get((d.kind, d.division), 0) + 1
            if d.ptype != t:
                continue
            n_type += 1
            if d.id in ix.recognised_after:
                recognised += 1
            if d.unit in UNIT_RANK:
                for r in range(UNIT_RANK[d.unit] + 1):
                    unit_ge[r] += 1
        for _pid, name in ix.projects.get(p, ()):
            for sc in _scenarios():
                if sc in name:
                    scenario[sc] = scenario.get(sc, 0) + 1
        cols = {"credit": prov.credit_ok, "listed": prov.listed, "c2": prov.c2, "district": prov.district,
                "city": prov.city, "province": prov.province, "revenue": prov.revenue_wan or 0.0,
                "total": len(conf), "disputed": len(ix.disputed.get(p, ())), "n_type": n_type,
                "recognised": recognised, "unit_ge": unit_ge}
        return cols, {"by_division": by_div, "by_kind": by_kind, "by_kind_division": by_kd, "scenario": scenario}

    def fill(self, ix: Index, t: int, i: int, p: str) -> None:
        """(Re)compute row `i`, provider `p`, from the index (every column of the row)."""
        cols, tables = self.row(ix, t, p)
        for name, v in cols.items():
            getattr(self, name)[i] = v
        for name, counts in tables.items():
            table = getattr(self, name)
            for col in table.values():
                col[i] = 0
            for key, n in counts.items():
                self._col(table, key)[i] = n

    def refill(self, ix: Index, t: int, i: int, p: str, mine: set) -> None:
        """fill() on a table made by shallow(), copying only the columns row `i` changes in
        (once each; `mine` records them): a delivery confirmed changes a few of the table's
        ~60 columns, and copying them all was most of a confirmation's patch."""
        cols, tables = self.row(ix, t, p)
        for name, v in cols.items():
            col = getattr(self, name)
            if np.array_equal(col[i], v):
                continue
            if name not in mine:
                col = col.copy()
                setattr(self, name, col)
                mine.add(name)
            col[i] = v
        for name, counts in tables.items():
            table = getattr(self, name)
            keys = [k for k, col in table.items() if col[i]] + [k for k in counts if k not in table or not table[k][i]]
            for key in keys:
                n = counts.get(key, 0)
                col = table.get(key)
                if col is not None and col[i] == n:
                    continue
                if name not in mine:            # the dict of columns itself
                    table = dict(table)
                    setattr(self, name, table)
                    mine.add(name)
                if (name, key) not in mine:
                    col = table[key] = col.copy() if col is not None else np.zeros(len(self.usccs))
                    mine.add((name, key))
                col[i] = n


def _sat_vec(n: np.ndarray, saturation: float) -> np.ndarray:
    return np.minimum(1.0, np.log1p(np.maximum(n, 0)) / math.log1p(saturation))


# ---------------------------------------------------------------- evidence per provider

def _keep(ds, exclude: frozenset):
    return [d for d in ds if d.id not in exclude] if exclude else ds


def related_clients(ix: Index, m: Manufacturer) -> dict[str, set[str]]:
    """The clients whose deliveries tie a provider to M: M itself, the chain leaders M
    supplies, the other leaders of M's chains, and M's chain peers (direct suppliers and
    customers, and the co-suppliers of its leaders)."""
    my_leaders = {b for b in m.buyers if b in ix.leaders and b != m.uscc}
    chain_leaders = {u for u, chains in ix.leaders.items() if chains & m.chain_ids} - my_leaders - {m.uscc}
    peers = (set(m.peers) | set(m.suppliers) | set(m.buyers)) - my_leaders - chain_leaders - {m.uscc}
    return {"served_me": {m.uscc}, "served_my_leader": my_leaders, "served_chain_leader": chain_leaders,
            "served_chain_peers": set(having(ix.by_client, peers))}


def tie_evidence(ix: Index, m: Manufacturer, exclude: frozenset = frozenset()) -> dict[str, dict[str, list[Dlv]]]:
    """{tie term: {provider: confirmed deliveries to the related clients}}, in one pass over
    the related clients (computed once per request, shared by scores() and evidence())."""
    out = {}
    of_client = ix.by_client.get
    for code, clients in related_clients(ix, m).items():
        per: dict[str, list[Dlv]] = {}
        for c in clients:
            served = of_client(c)
            if not served:
                continue
            for p, ds in served.items():
                if exclude:
                    ds = _keep(ds, exclude)
                if ds:
                    # The index's own list while one client gives it (a patch replaces lists,
                    # never changes one: index_updates), joined into a new one for a second.
                    have = per.get(p)
                    per[p] = ds if have is None else have + ds
        out[code] = per
    return out


def base_evidence(ix: Index, p: str, q: Query, exclude: frozenset = frozenset()) -> dict:
    """The manufacturer-independent terms of provider `p`: {code: list of Dlv (or projects)}."""
    conf = _keep(ix.confirmed.get(p, ()), exclude)
    of_t = [d for d in conf if d.ptype == q.provider_type]
    out = {"type_experience": of_t,
           "recognised_clients": [d for d in of_t if d.id in ix.recognised_after],
           "disputes": _keep(ix.disputed.get(p, ()), exclude),
           "_total": len(conf)}
    if q.unit:
        need = UNIT_RANK[q.unit]
        out["unit_experience"] = [d for d in of_t if d.unit in UNIT_RANK and UNIT_RANK[d.unit] >= need]
    if q.scenario:
        out["scenario_projects"] = [pr for pr in ix.projects.get(p, ()) if q.scenario in pr[1]]
    return out


def evidence(ix: Index, p: str, m: Manufacturer, q: Query, ties: dict | None = None,
             exclude: frozenset = frozenset()) -> dict:
    """Every term of provider `p` for manufacturer `m`: {code: evidence list}, plus the
    flags for locality and `_total` (confirmed deliveries of any type)."""
    ev = base_evidence(ix, p, q, exclude)
    ties = ties if ties is not None else tie_evidence(ix, m, exclude)
    for code, per in ties.items():
        ev[code] = _newest_first(per.get(p, []))
    div, kind = division(m.industry_code), m.industry_kind
    same_div = _keep(ix.by_division.get(div, {}).get(p, ()), exclude) if div else []
    ev["same_industry"] = same_div
    if kind:
        ev["same_kind"] = [d for d in _keep(ix.by_kind.get(kind, {}).get(p, ()), exclude) if d.division != div]
    prov = ix.providers[p]
    md, mc = m.district, m.city
    ev["same_district"] = bool(md and prov.district == md)
    ev["same_city"] = bool(mc and prov.city == mc and not ev["same_district"])
    ev["same_province"] = bool(m.province and prov.province == m.province and not ev["same_district"]
                               and not (mc and prov.city == mc))
    ev["specialisation"], ev["provider_size"], ev["_uscc"] = same_div, [], p
    ev["_x"] = {"specialisation": _specialisation_of_one(
                    len(same_div), ev["_total"], division_share(ix.division_total.get(div, 0) if div else 0,
                                                                ix.n_confirmed), ix.specialisation_prior),
                "provider_size": _size_of_one(prov.revenue_wan or 0.0, ix.size_reference)}
    return ev


def _n(value) -> int:
    if isinstance(value, bool):
        return int(value)
    return len(value)


def score_of(ev: dict, weights: dict) -> float:
    """Sum of the term contributions for one provider's evidence."""
    total = ev.get("_total", 0) + len(ev.get("disputes", ()))
    xs = ev.get("_x", {})
    return (sum(contribution(c, _n(v), weights, total) for c, v in ev.items() if not c.startswith("_") and c not in xs)
            + sum(model_contribution(c, x, weights) for c, x in xs.items()))


# ---------------------------------------------------------------- ranking

def passes(prov: Provider, m: Manufacturer, q: Query) -> bool:
    """The hard filters: offers the type, credit_ok, not M itself, and the optional lists."""
    return (q.provider_type in prov.types and prov.credit_ok and prov.uscc != m.uscc
            and (prov.listed or not q.recognised_only) and (prov.c2 or not q.c2_only))


def candidates(ix: Index, m: Manufacturer, q: Query) -> list[str]:
    """Providers passing the hard filters."""
    return [p for p in ix.of_type.get(q.provider_type, ()) if passes(ix.providers[p], m, q)]


def score_vector(ix: Index, m: Manufacturer, q: Query, weights: dict, exclude: frozenset = frozenset(),
                 ties: dict | None = None) -> tuple[TypeTable, np.ndarray, np.ndarray, np.ndarray]:
    """(table, score, type-T experience, candidate mask) over every provider of type T.

    Equal to ``score_of(evidence(...))`` provider by provider (tests hold the two to each
    other), computed with one vector operation per term.
    """
    tt = ix.tables.get(q.provider_type) or TypeTable([])
    terms = weights["terms"]

    def counted(code: str, col) -> np.ndarray:
        return terms[code]["weight"] * _sat_vec(col, terms[code]["saturation"])

    sc = counted("type_experience", tt.n_type) + counted("recognised_clients", tt.recognised)
    if q.unit:
        sc += counted("unit_experience", tt.unit_ge[:, UNIT_RANK[q.unit]])
    if q.scenario and q.scenario in tt.scenario:
        sc += counted("scenario_projects", tt.scenario[q.scenario])
    d = tt.disputed
    sc -= terms["disputes"]["weight"] * np.where(d > 0, d / np.maximum(tt.total + d, 1), 0.0)
    div, kind = division(m.industry_code), m.industry_kind
    if div and div in tt.by_division:
        sc += counted("same_industry", tt.by_division[div])
    if kind and kind in tt.by_kind:
        sc += counted("same_kind", tt.by_kind[kind] - tt.by_kind_division.get((kind, div), 0))
    md, mc = m.district, m.city
    same_d = _equal(tt.district, md) if md else np.zeros(len(sc), dtype=bool)
    if md:
        sc += terms["same_district"]["weight"] * same_d
    if mc:
        sc += terms["same_city"]["weight"] * (_equal(tt.city, mc) & ~same_d)
    sc += _model_terms(ix, tt, m, div, same_d, terms)
    ties = ties if ties is not None else tie_evidence(ix, m, exclude)
    pos = tt.pos
    for code, per in ties.items():
        # One addition per provider and term, as one at a time would do; contribution() once
        # per count.
        at, of_n = [], {}
        for p, ds in per.items():
            i = pos.get(p)
            if i is not None:
                n = len(ds)
                v = of_n.get(n)
                if v is None:
                    v = of_n[n] = contribution(code, n, weights)
                at.append((i, v))
        if at:
            idx, add = zip(*at)
            sc[list(idx)] += add
    valid = tt.credit.copy()
    if q.recognised_only:
        valid &= tt.listed
    if q.c2_only:
        valid &= tt.c2
    me = tt.pos.get(m.uscc)
    if me is not None:
        valid[me] = False
    n_type = tt.n_type
    # Providers owning an excluded delivery (the offline evaluation) are scored one by one.
    for x in exclude:
        d = ix.by_id.get(x)
        i = tt.pos.get(d.provider) if d else None
        if i is not None:
            ev = evidence(ix, d.provider, m, q, ties, exclude)
            sc[i] = score_of(ev, weights)
            n_type = n_type.copy() if n_type is tt.n_type else n_type
            n_type[i] = len(ev["type_experience"])
    return tt, sc, n_type, valid


# Per type-table column, what requests compute from it alone again and again (its places
# compared with the manufacturer's, the providers' size values): a published table's columns
# are never written (a patch copies the columns it changes, TypeTable.refill), so a result
# holds while its column lives. Keyed by id() and checked through a weak reference.
_COLUMN_MEMO: dict = {}


def _of_column(col: np.ndarray, key, make) -> np.ndarray:
    """make(), remembered with the column `col` under `key` (callers do not write into it)."""
    hit = _COLUMN_MEMO.get(id(col))
    if hit is None or hit[0]() is not col:
        if len(_COLUMN_MEMO) >= 512:
            _COLUMN_MEMO.clear()
        hit = _COLUMN_MEMO[id(col)] = (weakref.ref(col), {})
    memo = hit[1]
    out = memo.get(key)
    if out is None:
        if len(memo) >= 1024:
            memo.clear()
        out = memo[key] = make()
    return out


def _equal(col: np.ndarray, value) -> np.ndarray:
    return _of_column(col, ("==", value), lambda: col == value)


def _model_terms(ix: Index, tt: TypeTable, m: Manufacturer, div: str | None, same_d: np.ndarray,
                 terms: dict) -> np.ndarray:
    """The fitted model's terms over a type table (the same formulas as evidence())."""
    out = np.zeros(len(tt.usccs))
    if "specialisation" in terms:
        n_div = tt.by_division.get(div) if div else None
        share = division_share(ix.division_total.get(div, 0) if div else 0, ix.n_confirmed)
        out += terms["specialisation"]["weight"] * specialisation_x(
            n_div if n_div is not None else 0.0, tt.total, share, ix.specialisation_prior)
    if "provider_size" in terms:
        ref = ix.size_reference
        out += terms["provider_size"]["weight"] * _of_column(tt.revenue, ("size", ref),
                                                                  lambda: size_x(tt.revenue, ref))
    mp, mc = m.province, m.city
    if "same_province" in terms and mp:
        other_city = ~_equal(tt.city, mc) if mc else np.ones(len(out), dtype=bool)
        out += terms["same_province"]["weight"] * (_equal(tt.province, mp) & ~same_d & other_city)
    return out


def scores(ix: Index, m: Manufacturer, q: Query, weights: dict, exclude: frozenset = frozenset(),
           ties: dict | None = None) -> dict[str, tuple[float, int]]:
    """{candidate: (score, type-T experience)} for every provider passing the hard filters."""
    tt, sc, n_type, valid = score_vector(ix, m, q, weights, exclude, ties)
    return {tt.usccs[i]: (float(sc[i]), int(n_type[i])) for i in np.flatnonzero(valid)}


def top(ix: Index, m: Manufacturer, q: Query, weights: dict, limit: int, exclude: frozenset = frozenset(),
        ties: dict | None = None) -> tuple[list[tuple[str, float]], int, int]:
    """(the best `limit` candidates with a positive score as [(uscc, score)], number of
    candidates, number with a positive score), ordered as order() orders."""
    tt, sc, n_type, valid = score_vector(ix, m, q, weights, exclude, ties)
    best = best_of(sc, n_type, valid, tt.usccs, limit, weights, tt.uscc_rank)
    return [(tt.usccs[i], float(sc[i])) for i in best], int(valid.sum()), int((valid & (sc > 1e-9)).sum())


def best_of(sc: np.ndarray, n_type: np.ndarray, valid: np.ndarray, usccs: list[str], limit: int,
            weights: dict, uscc_rank: np.ndarray | None = None) -> list[int]:
    """Positions of the best `limit` candidates by score, then type-T experience, then USCC.

    A fitted model (``rank_all``) ranks every candidate, since its scores are log-odds that
    may be negative; hand-set weights rank only those with a positive score (some evidence).
    The ``exposure`` rule keeps the last of the slots for the best provider that is new to
    the type (1 to ``max_deliveries`` confirmed deliveries of it) when none made the list.
    `uscc_rank` (TypeTable.uscc_rank) orders `usccs` if given.
    """
    pos = np.flatnonzero(valid if weights.get("rank_all") else valid & (sc > 1e-9))
    k = min(limit, len(pos))
    if k <= 0:
        return []
    cut = pos
    if len(pos) > k:
        kth = np.partition(sc[pos], len(pos) - k)[len(pos) - k]
        cut = pos[sc[pos] >= kth - 1e-12]      # the k best and everything tied with the k-th
    best = _ordered(cut, sc, n_type, usccs, uscc_rank)[:k]
    ex = weights.get("exposure") or {}
    slots, most = int(ex.get("slots", 0)), int(ex.get("max_deliveries", 4))
    if slots and k >= 2 * slots:
        new = (n_type[pos] >= 1) & (n_type[pos] <= most)
        have = sum(1 for i in best if 1 <= n_type[i] <= most)
        if have < slots and new.any():
            cand = pos[new]
            cand = cand[~np.isin(cand, best)]
            add = _ordered(cand, sc, n_type, usccs, uscc_rank)[: slots - have]
            best = best[: k - len(add)] + add
    return best


def _ordered(idx: np.ndarray, sc: np.ndarray, n_type: np.ndarray, usccs: list[str],
             uscc_rank: np.ndarray | None) -> list[int]:
    """`idx` by score, then type-T experience (both descending), then USCC: one lexsort, as
    thousands of candidates can tie at the cut (every score 0 for a new type).

    >>> _ordered(np.array([0, 1, 2, 3]), np.array([1.0, 2.0, 1.0, 1.0]), np.array([0, 0, 5, 0]), ["d", "c", "b", "a"], None)
    [1, 2, 3, 0]
    """
    if len(idx) == 0:
        return []
    third = uscc_rank[idx] if uscc_rank is not None else np.array([usccs[i] for i in idx.tolist()], dtype=str)
    return idx[np.lexsort((third, -n_type[idx], -sc[idx]))].tolist()


def choice_probabilities(sc: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The model's probability that each candidate is the one chosen (softmax over the candidates).

    >>> [round(float(x), 3) for x in choice_probabilities(np.array([0.0, np.log(3), 5.0]), np.array([True, True, False]))]
    [0.25, 0.75, 0.0]
    """
    out = np.zeros(len(sc))
    if valid.any():
        z = sc[valid] - sc[valid].max()
        e = np.exp(z)
        out[valid] = e / e.sum()
    return out


def _order_key(x):
    return (-x[1][0], -x[1][1], x[0])


def order(sc: dict[str, tuple[float, int]], limit: int | None = None) -> list[tuple[str, float]]:
    """Providers by score, then type-T experience, then USCC; only positive scores.

    >>> order({"B": (1.0, 3), "A": (1.0, 3), "C": (2.0, 0), "D": (0.0, 9)})
    [('C', 2.0), ('A', 1.0), ('B', 1.0)]
    """
    pos = [x for x in sc.items() if x[1][0] > 1e-9]
    ranked = heapq.nsmallest(limit, pos, key=_order_key) if limit is not None else sorted(pos, key=_order_key)
    return [(p, v[0]) for p, v in ranked]


def is_cold_start(ix: Index, m: Manufacturer, exclude: frozenset = frozenset()) -> bool:
    """No delivery to M on record and no supply-chain link: only industry and place can speak."""
    served = any(_keep(ds, exclude) for ds in ix.by_client.get(m.uscc, {}).values())
    return not served and not m.buyers and not m.suppliers


COLD_START_NOTE = ("本企业在图谱中尚无已确认的服务商交付记录，也没有供应链关系，"
                   "推荐仅依据行业、生产方式和属地匹配以及服务商自身的已确认交付，"
                   "不含与本企业及其产业链的关联。")


@dataclass(frozen=True)
class Shortlist:
    """What a ranking is before the live check: the best candidates, best first, as (uscc,
    score, choice probability); how many candidates and how many with a positive score; whether
    M is a cold start; and the tie evidence of the listed providers only (their reasons)."""

    best: tuple
    candidates: int
    matched: int
    cold: bool
    ties: dict


def shortlist(ix: Index, m: Manufacturer, q: Query, weights: dict, exclude: frozenset = frozenset(),
              ties: dict | None = None, spare: int = 0) -> Shortlist:
    """The `q.limit` + `spare` best candidates for `m` (rank() keeps five spare for the vetoes of
    the live check)."""
    ties = ties if ties is not None else tie_evidence(ix, m, exclude)
    tt, sc, n_type, valid = score_vector(ix, m, q, weights, exclude, ties)
    prob = choice_probabilities(sc, valid)
    best = tuple((tt.usccs[i], float(sc[i]), float(prob[i]))
                 for i in best_of(sc, n_type, valid, tt.usccs, q.limit + spare, weights, tt.uscc_rank))
    listed = [p for p, _, _ in best]
    return Shortlist(best, int(valid.sum()), int((valid & (sc > 1e-9)).sum()), is_cold_start(ix, m, exclude),
                     {code: {p: per[p] for p in listed if p in per} for code, per in ties.items()})


def present(ix: Index, m: Manufacturer, q: Query, weights: dict, sl: Shortlist, check=None,
            exclude: frozenset = frozenset()) -> dict:
    """The recommendation's body from its shortlist: the providers `check` keeps, `q.limit` of
    them, each with its reasons."""
    best = list(sl.best)
    names: dict[str, str] = {}
    if check is not None and best:
        names = check([p for p, _, _ in best])
        best = [b for b in best if b[0] in names]
    best = best[: q.limit]
    items = [item(ix, p, s, i + 1, m, q, weights, sl.ties, exclude) for i, (p, s, _) in enumerate(best)]
    for it, (_, _, prob) in zip(items, best):
        it["name"] = names.get(it["uscc"]) or it["name"]
        it["probability"] = round(prob, 4)
    out = {"provider_type": q.provider_type, "provider_type_name": provider_type_names()[q.provider_type],
           "unit": q.unit, "scenario": q.scenario,
           "filters": {"recognised_only": q.recognised_only, "c2_only": q.c2_only},
           "cold_start": sl.cold, "weights": weights_summary(weights),
           "candidates": sl.candidates, "matched": sl.matched, "items": items}
    if sl.cold:
        out["note"] = COLD_START_NOTE
    return out


def rank(ix: Index, m: Manufacturer, q: Query, weights: dict, exclude: frozenset = frozenset(),
         check=None, ties: dict | None = None) -> dict:
    """The recommendation for `m`: {provider_type, unit, scenario, cold_start, note?, weights,
    candidates, matched, items: [{rank, uscc, name, region_code, region_name, score, listed,
    c2, reasons}]} (the `manufacturer` fields are added by the caller).

    `check(usccs) -> {uscc: live name}` may veto providers before the reasons are built (the
    live hard-filter check); five more than `limit` are ranked so that a veto does not
    shorten the list.
    """
    sl = shortlist(ix, m, q, weights, exclude, ties, spare=5 if check else 0)
    return present(ix, m, q, weights, sl, check, exclude)


def item(ix: Index, p: str, score: float, rank_no: int, m: Manufacturer, q: Query, weights: dict,
         ties: dict | None = None, exclude: frozenset = frozenset()) -> dict:
    prov = ix.providers[p]
    ev = evidence(ix, p, m, q, ties, exclude)
    return {"rank": rank_no, "uscc": p, "name": prov.name, "region_code": prov.region_code,
            "region_name": regions.district_name(prov.region_code) or "", "score": round(score, 3),
            "provider_types": sorted(prov.types), "listed": prov.listed, "c2": prov.c2,
            "reasons": reasons(ix, ev, m, q, weights)}


def reasons(ix: Index, ev: dict, m: Manufacturer, q: Query, weights: dict) -> list[dict]:
    """The non-zero terms as {code, text, weight, count, evidence}, biggest effect first."""
    limit = int(weights.get("evidence_limit", 20))
    total = ev.get("_total", 0) + len(ev.get("disputes", ()))
    xs = ev.get("_x", {})
    out = []
    for code in ALL_TERMS:
        if code not in ev:
            continue
        v = ev[code]
        n = _n(v)
        w = model_contribution(code, xs[code], weights) if code in xs else contribution(code, n, weights, total)
        if (n <= 0 and code not in xs) or abs(w) < 1e-9:
            continue
        r = {"code": code, "label": weights["terms"][code].get("label", code),
             "text": reason_text(ix, code, v, m, q, total, ev), "weight": round(w, 3), "count": n, "evidence": []}
        if code == "scenario_projects":
            r["projects"] = [pid for pid, _ in v[:limit]]
        elif not isinstance(v, bool):
            r["evidence"] = [d.id for d in v[:limit]]
        out.append(r)
    out.sort(key=lambda r: (r["weight"] <= 0, -r["weight"], ALL_TERMS.index(r["code"])))
    return out


def _model_reason_text(ix: Index, code: str, n: int, m: Manufacturer, ev: dict) -> str:
    if code == "specialisation":
        div = division(m.industry_code)
        share = division_share(ix.division_total.get(div, 0) if div else 0, ix.n_confirmed)
        return (f"已确认交付 {ev.get('_total', 0)} 项中同行业（{div}）{n} 项；"
                f"全部交付中该行业约占 {100 * share:.0f}%，据此估计其行业专长")
    if code == "provider_size":
        prov = ix.providers.get(ev.get("_uscc", ""))
        rev = prov.revenue_wan if prov else None
        return f"企业规模：营业收入约 {rev:,.0f} 万元" if rev else "企业规模"
    return f"与本企业同在{regions.district_name(m.province or '') or m.province}（不同城市）"


def _names(ix: Index, usccs, k: int = 3) -> str:
    names = [ix.leader_names.get(u, u) for u in sorted(set(usccs))]
    return "、".join(names[:k]) + (f"等 {len(names)} 家" if len(names) > k else "")


def reason_text(ix: Index, code: str, v, m: Manufacturer, q: Query, total: int = 0, ev: dict | None = None) -> str:
    """One Chinese sentence per reason."""
    n = _n(v)
    if code in MODEL_TERMS:
        return _model_reason_text(ix, code, n, m, ev or {})
    if code == "type_experience":
        return f"作为{provider_type_names()[q.provider_type]}已完成 {n} 项交付并经客户确认"
    if code == "same_industry":
        div = division(m.industry_code)
        name = (reference.industries().get(div) or {}).get("name", "")
        return f"为同行业（{div} {name}）企业完成已确认交付 {n} 项"
    if code == "same_kind":
        return f"为其他{KIND_NAMES.get(m.industry_kind, m.industry_kind)}制造企业完成已确认交付 {n} 项"
    if code == "unit_experience":
        return f"有 {n} 项{UNIT_NAMES[q.unit]}及以上规模的改造交付经客户确认"
    if code == "recognised_clients":
        return f"{n} 项已确认交付的客户此后获评数字化车间、智能工厂或未来工厂"
    if code == "served_me":
        return f"曾为本企业完成已确认交付 {n} 项"
    if code == "served_my_leader":
        return f"为本企业所配套的链主工厂 {_names(ix, [d.client for d in v])} 完成已确认交付 {n} 项"
    if code == "served_chain_leader":
        chains = sorted({c for d in v for c in ix.leaders.get(d.client, ()) if c in m.chain_ids})
        cn = "、".join((reference.chain(c) or {}).get("name", c) for c in chains)
        return f"为本产业链（{cn}）链主工厂 {_names(ix, [d.client for d in v])} 完成已确认交付 {n} 项"
    if code == "served_chain_peers":
        k = len({d.client for d in v})
        return f"为本企业供应链上的 {k} 家企业（上下游或同一链主的配套企业）完成已确认交付 {n} 项"
    if code == "scenario_projects":
        return f"作为数字工程服务机构承担过“{q.scenario}”类攻关项目 {n} 个"
    if code == "same_district":
        return f"与本企业同在{regions.district_name(m.district) or m.district}"
    if code == "same_city":
        return (f"与本企业同在{regions.district_name(m.city) or m.city}"
                f"（本企业在{regions.district_name(m.district) or m.district}）")
    if code == "disputes":
        pct = f"{100 * n / max(total, n):.0f}%"
        return f"有 {n} 项交付被客户提出异议（占其已确认与争议交付的 {pct}），扣分"
    return code


# ---------------------------------------------------------------- store access

class ManufacturerNotFound(errors.NotFound, LookupError):
    """No enterprise with this USCC (told apart from one the caller may not see by nobody)."""

    def __init__(self, uscc: str):
        super().__init__("未找到该制造企业，或不在您的可见范围内")
        self.uscc = uscc


def load_index(store, weights: dict | None = None) -> Index:
    """Read the graph facts the ranking needs and build an Index (no caching)."""
    weights = weights or load_weights()
    kinds = sorted({weights["leader_kind"], *weights["recognised_client_kinds"], *weights["provider_list_kinds"]})

    def read(name, **kw):
        return columns.shared_rows(store.read(name, **kw))

    return build_index(read("contractors/deliveries"), read("contractors/providers"),
                       read("contractors/recognitions", kinds=kinds), read("contractors/projects"), weights)


def index_for(store, weights: dict | None = None) -> Index:
    """The process's index for `store`: an in-memory projection (graphsvc.core.projection)
    built once in bulk and then kept current by the committed changes that concern it
    (deliveries and their status, enterprises, recognitions, projects, supply links); other
    writes leave it alone. `weights` is accepted for the callers' convenience: the index is
    built with the weights file's recognition kinds."""
    from graphsvc.contractors import index_updates
    from graphsvc.core import projection

    return projection.current(store, index_updates.PART.name)


def _prefetch_leader_suppliers(store, ix: Index, weights: dict) -> None:
    """Every leader's supplier set in one query, for the database path (fetch_links) over many
    manufacturers (bench/bench_recommend.py); requests take them from the supply edges."""
    try:
        gen = ix.supplier_generation[0]
        per: dict[str, set] = {}
        for r in store.read("contractors/all_leader_suppliers", leader_kind=weights["leader_kind"]):
            per.setdefault(r["leader"], set()).add(r["supplier"])
        if ix.supplier_generation[0] != gen:
            return   # a change came in meanwhile: requests read per leader instead
        for leader in ix.leaders:
            ix.leader_suppliers.setdefault(leader, frozenset(per.get(leader, ())))
    except Exception:   # an optimisation only: requests then read per leader instead
        log.warning("recommend: background read of the leaders' suppliers failed", exc_info=True)


def _manufacturer(row: dict, uscc: str) -> Manufacturer:
    return Manufacturer(row["uscc"], row.get("name") or uscc, row.get("region_code"), row.get("industry_code"),
                        row.get("industry_kind"), is_manufacturer=row.get("is_manufacturer") is not False)


def fetch_manufacturer(store, uscc: str) -> Manufacturer:
    """The manufacturer's own record read from the database (raises ManufacturerNotFound); see
    fetch_links(). Requests take it from the directory instead (manufacturer_record)."""
    row = store.read_one("contractors/manufacturer", uscc=uscc)
    if not row:
        raise ManufacturerNotFound(uscc)
    return _manufacturer(row, uscc)


def manufacturer_record(store, uscc: str) -> Manufacturer:
    """fetch_manufacturer() from the enterprise directory, a projection the change log keeps
    current (no database read); an enterprise the directory does not hold is read by its key."""
    from graphsvc.enterprises import directory

    row = directory.record(directory.current(store), uscc)
    return _manufacturer(row, uscc) if row is not None else fetch_manufacturer(store, uscc)


def _leader_suppliers(store, ix: Index, leader: str) -> frozenset:
    """A leader's direct suppliers that are delivery clients (with a confirmed delivery), read
    once per index."""
    hit = ix.leader_suppliers.get(leader)
    if hit is None:
        gen = ix.supplier_generation[0]
        rows = store.read("contractors/leader_suppliers", uscc=leader)
        hit = frozenset(r["uscc"] for r in rows if r["uscc"] in ix.by_client)
        if ix.supplier_generation[0] == gen:   # no supply change came in meanwhile
            ix.leader_suppliers[leader] = hit
    return hit


def fetch_links(store, m: Manufacturer, ix: Index) -> Manufacturer:
    """`m` with its chains, buyers, suppliers and chain peers (the other direct suppliers of
    the chain leaders it supplies)."""
    if m.linked:
        return m
    rel: dict[str, set] = {"chain": set(), "buyer": set(), "supplier": set()}
    for r in store.read("contractors/links", uscc=m.uscc):
        if r["other"]:
            rel[r["rel"]].add(r["other"])
    peers: set[str] = set()
    for leader in sorted(rel["buyer"]):
        if leader in ix.leaders:
            peers |= _leader_suppliers(store, ix, leader)
    peers.discard(m.uscc)
    return replace(m, chain_ids=frozenset(rel["chain"]), buyers=frozenset(rel["buyer"]),
                   suppliers=frozenset(rel["supplier"]), peers=frozenset(peers), linked=True)


class ClientRows:
    """Which rows of the shared supply edges `sh` are delivery clients (keys of `by_client`),
    as a mask. `follow` gives the mask of a later `by_client` and `sh` from this one's: a patch
    copies only the CowMap shards it writes (graphsvc.contractors.index_updates), so only their
    keys are looked up again, and rows added to `sh` since; anything else is computed afresh.

    >>> from graphsvc.core.cowmap import CowMap
    >>> class Sh: pass
    >>> sh = Sh(); sh.uscc = ["A", "B", "C"]; sh.index = {"A": 0, "B": 1, "C": 2}
    >>> a = CowMap({"B": 1}); ca = ClientRows.of(a, sh)
    >>> b = a.copy(); b["C"] = 1; del b["B"]; sh.uscc.append("D"); sh.index["D"] = 3; b["D"] = 1
    >>> ca.mask.tolist(), ClientRows.follow(ca, b, sh).mask.tolist()
    ([False, True, False], [False, False, True, True])
    """

    __slots__ = ("clients", "sh", "n", "mask")

    def __init__(self, clients, sh, n: int, mask: np.ndarray):
        self.clients, self.sh, self.n, self.mask = clients, weakref.ref(sh), n, mask

    @classmethod
    def of(cls, clients, sh) -> ClientRows:
        n = len(sh.uscc)
        mask = np.zeros(n, dtype=bool)
        mask[[i for i in map(sh.index.get, clients) if i is not None and i < n]] = True
        return cls(clients, sh, n, mask)

    def follow(self, clients, sh) -> ClientRows:
        if self.clients is clients and self.sh() is sh and self.n == len(sh.uscc):
            return self
        old = self.clients
        if self.sh() is not sh or not isinstance(clients, CowMap) or not isinstance(old, CowMap):
            return ClientRows.of(clients, sh)
        n = len(sh.uscc)
        mask = np.zeros(n, dtype=bool)
        mask[:self.n] = self.mask[:n]
        index = sh.index
        for a, b in zip(old._shards, clients._shards):
            if a is not b:
                mask[[i for i in map(index.get, a) if i is not None and i < n]] = False
                mask[[i for i in map(index.get, b) if i is not None and i < n]] = True
        if n > self.n:
            mask[[index[u] for u in having(clients, sh.uscc[self.n:n])]] = True
        return ClientRows(clients, sh, n, mask)


_CLIENT_ROWS: list = [None]     # the newest ClientRows (swapped whole: readers run in threads)


def client_rows(ix: Index, sh) -> ClientRows:
    """The ClientRows of `ix.by_client` over `sh`, followed from the last one made."""
    last = _CLIENT_ROWS[0]
    now = last.follow(ix.by_client, sh) if last is not None else ClientRows.of(ix.by_client, sh)
    _CLIENT_ROWS[0] = now
    return now


def projected_links(store, m: Manufacturer, ix: Index) -> Manufacturer:
    """fetch_links() from the projections the change log keeps current, without a database
    read: the chains from the explore part's segment memberships, the buyers, the suppliers
    and the chain leaders' other suppliers from the shared supply edges (peers, as in
    fetch_links, are those with a confirmed delivery: clients in the index)."""
    if m.linked:
        return m
    from graphsvc.enterprises import projection as explore

    ex = explore.current(store)
    sh = ex.shared
    i = sh.index.get(m.uscc)
    buyers = suppliers = peers = frozenset()
    if i is not None:
        names = sh.uscc
        buyer, seller = sh.buyer, sh.seller
        buyers = frozenset(names[b] for b in np.unique(buyer[sh.edges_from(i)]).tolist())
        suppliers = frozenset(names[x] for x in np.unique(seller[sh.edges_into(np.array([i]))]).tolist())
        leaders = sorted(sh.index[b] for b in buyers if b in ix.leaders)
        if leaders:
            near = np.unique(seller[sh.edges_into(np.array(leaders))])
            known = client_rows(ix, sh)
            inside = near < known.n
            near_clients = [names[x] for x in near[inside][known.mask[near[inside]]].tolist()]
            near_clients += having(ix.by_client, [names[x] for x in near[~inside].tolist()])
            peers = frozenset(near_clients) - {m.uscc}
    return replace(m, chain_ids=ex.chains_of(m.uscc), buyers=buyers, suppliers=suppliers, peers=peers,
                   linked=True)


LINKS_CACHED = 20_000
# Shortlists one version of the index keeps (a few dozen small objects each; a write starts a
# new version with none).
SHORTLISTS_KEPT = 512


class LinkStamps:
    """Which index version last changed each enterprise or chain, for the kept links: a patch
    stamps what it touched (graphsvc.contractors.index_updates) and a kept entry is used only
    while nothing it reads was stamped after the version it was computed on. The patch costs
    what it touched, not the number of entries kept; a lookup checks the entry's own names.

    >>> s = LinkStamps()
    >>> s.stamp(1, {"X"}, ())
    >>> s.fresh(0, "M", ({"B"}, {"P"}), {"C1"})
    True
    >>> s.stamp(2, {"P"}, ())
    >>> s.fresh(0, "M", ({"B"}, {"P"}), {"C1"}), s.fresh(2, "M", ({"B"}, {"P"}), {"C1"})
    (False, True)
    >>> s.stamp(3, (), {"C1"})
    >>> s.fresh(2, "M", ({"B"}, {"P"}), {"C1"})
    False
    """

    def __init__(self):
        self.newest = 0                 # the newest version that stamped anything
        self.of: dict = {}              # uscc, or ("chain", id) -> version

    def stamp(self, gen: int, usccs, chains) -> None:
        of = self.of
        for u in usccs:
            of[u] = gen
        for c in chains:
            of[("chain", c)] = gen
        self.newest = gen

    def fresh(self, gen: int, m: str, related, chains) -> bool:
        """Nothing `m`, the enterprises in each set of `related` or the `chains` stand for was
        stamped after version `gen`."""
        if self.newest <= gen:
            return True
        of = self.of
        if of.get(m, 0) > gen or any(of.get(("chain", c), 0) > gen for c in chains):
            return False
        return not any(of.get(x, 0) > gen for group in related for x in group)


def kept_links(ix: Index, uscc: str) -> tuple | None:
    """The kept (version, links) of manufacturer `uscc` if `ix` may use them."""
    hit = ix.links.get(uscc)
    if hit is None:
        return None
    gen, (chain_ids, buyers, suppliers, peers) = hit
    if gen > ix.gen or not ix.link_stamps.fresh(gen, uscc, (buyers, suppliers, peers), chain_ids):
        return None
    return hit


def linked_with_ties(store, m: Manufacturer, ix: Index) -> tuple[Manufacturer, dict]:
    """projected_links(), kept per manufacturer and shared by the versions of the index (an
    entry is used by versions at least as new as the one it was computed on, while no change to
    the manufacturer's links or to the deliveries of its related clients came since:
    LinkStamps), and tie_evidence() computed afresh.

    The ties are not kept: they cost 0.26 ms a request (median, province), while keeping them
    for 20,000 manufacturers held 4M lists that the cyclic collector walked in every full pass,
    each pass stopping all threads for up to 1.5 s after 4 minutes of serving (issue #12). A
    kept shortlist holds those of its 15 providers only (fetch_recommendation)."""
    hit = kept_links(ix, m.uscc)
    if hit is None:
        linked = projected_links(store, m, ix)
        hit = (ix.gen, (linked.chain_ids, linked.buyers, linked.suppliers, linked.peers))
        if len(ix.links) >= LINKS_CACHED:
            ix.links.clear()
        kept = ix.links.get(m.uscc)
        if kept is None or kept[0] <= ix.gen:
            ix.links[m.uscc] = hit
    _, (chain_ids, buyers, suppliers, peers) = hit
    linked = replace(m, chain_ids=chain_ids, buyers=buyers, suppliers=suppliers, peers=peers, linked=True)
    return linked, tie_evidence(ix, linked)


def manufacturer_info(m: Manufacturer, ix: Index | None = None) -> dict:
    div = division(m.industry_code)
    return {"uscc": m.uscc, "name": m.name, "region_code": m.region_code,
            "region_name": regions.district_name(m.region_code or "") or "",
            "industry_code": m.industry_code, "industry_name": (reference.industries().get(div) or {}).get("name"),
            "industry_kind": m.industry_kind, "chain_ids": sorted(m.chain_ids),
            "chain_leaders": sorted(b for b in m.buyers if ix is not None and b in ix.leaders)}


def live_check(store, usccs: list[str], q: Query) -> dict[str, str]:
    """Re-read the hard-filter facts of the providers about to be returned (the index may be
    a moment old): {uscc: current name} of those still credit-worthy and offering the type."""
    if not usccs:
        return {}
    out = {}
    for r in store.read("contractors/verify", usccs=list(usccs)):
        if r.get("credit_ok") is True and q.provider_type in (r.get("provider_types") or []):
            out[r["uscc"]] = r.get("name") or r["uscc"]
    return out


def fetch_recommendation(store, uscc: str, q: Query, weights: dict | None = None,
                         manufacturer: Manufacturer | None = None) -> dict:
    """Recommend providers of type q.provider_type for manufacturer `uscc` (raises
    ManufacturerNotFound). The response shape of GET /api/v1/contractors/recommend."""
    from graphsvc.core import reqtiming

    weights = weights or load_weights()
    with reqtiming.section("index"):
        ix = index_for(store, weights)
    m = manufacturer or manufacturer_record(store, uscc)
    # A repeated request (a page reloaded, the same list exported) on the same version of the
    # index takes the shortlist it computed; the live check and the reasons run every time.
    key = (m.uscc, m.name, m.region_code, m.industry_code, m.industry_kind, q, id(weights))
    hit = ix.shortlists.get(key)
    if hit is not None and hit[0] is weights:
        _, m, sl = hit
    else:
        with reqtiming.section("links"):
            m, ties = linked_with_ties(store, m, ix)
        with reqtiming.section("rank"):
            sl = shortlist(ix, m, q, weights, ties=ties, spare=5)
        if len(ix.shortlists) >= SHORTLISTS_KEPT:
            ix.shortlists.clear()
        ix.shortlists[key] = (weights, m, sl)
    with reqtiming.section("present"):
        body = present(ix, m, q, weights, sl, check=lambda usccs: live_check(store, usccs, q))
    return {"manufacturer": m.uscc, "manufacturer_info": manufacturer_info(m, ix), **body, "limit": q.limit}
