"""Supplier assessment: provable counts per provider type, C2 conditions, Item 14 reward.

Definitions (docs/figures.md §7, docs/domain-model.md §5, rule C1):

- only **confirmed** deliveries count; claimed (awaiting the client) and disputed ones are
  listed apart, withdrawn ones are only counted as such;
- a confirmed delivery that a later **confirmed** correction replaces is not counted again
  (listed as superseded): the correction counts in its place;
- a delivery belongs to the period when its acceptance date (else its signing date) lies in
  ``[start, end]`` (ISO dates, both inclusive, either may be open);
- type 1 (``engineering_project``): projects, distinct client enterprises, and units by the
  client's industry kind — discrete by 制造单元/生产线/车间/工厂 (cell/line/workshop/factory),
  process by 车间/工厂; a unit count is the sum of ``quantity`` (one project may transform two
  lines);
- type 2: client enterprises onboarded (``platform_onboarding``) and industrial APPs
  (``industrial_app``, sum of quantity); type 3: client enterprises under security contracts
  and the contracts; type 4: module transfers counted by kind × model (sum of quantity);
  type 5: projects and product kinds connected (quantity); type 6: projects and application
  systems integrated (quantity). Every count carries the delivery ids behind it.

The money and conditions come from the rules package: ``item14_reward`` (C3.5),
``item15_subsidy``/``item16_subsidy`` (C3.6/C3.7) and the ``bj-2023-provider`` scorecard (C2).

Worked example — a discrete client with two lines in one project, a process client's
workshop, and a claimed project that does not count yet:

>>> ds = [
...  {"id": "a", "provider_type": 1, "kind": "engineering_project", "unit": "line", "quantity": 2,
...   "status": "confirmed", "client_uscc": "C1", "client_kind": "discrete", "accepted_date": "2024-05-01"},
...  {"id": "b", "provider_type": 1, "kind": "engineering_project", "unit": "workshop", "quantity": 1,
...   "status": "confirmed", "client_uscc": "C2", "client_kind": "process", "accepted_date": "2024-06-01"},
...  {"id": "c", "provider_type": 1, "kind": "engineering_project", "unit": "cell", "quantity": 1,
...   "status": "claimed", "client_uscc": "C1", "client_kind": "discrete", "signed_date": "2024-07-01"}]
>>> c = count(ds)
>>> t1 = c["types"][0]
>>> [(m["key"], m["value"], m["delivery_ids"]) for m in t1["measures"] if m["value"]]
[('projects', 2, ['a', 'b']), ('clients', 2, ['a', 'b']), ('discrete.line', 2, ['a']), ('process.workshop', 1, ['b'])]
>>> [d["id"] for d in c["claimed"]]
['c']
"""
from __future__ import annotations

import datetime as dt

from graphsvc.deliveries import ledger
from graphsvc.programmes import eligibility, subsidies
from graphsvc.programmes.eligibility import UNKNOWN
from graphsvc.core.vocabulary import INDUSTRY_KIND_NAMES, PROCESS_UNITS, UNITS

UNIT_BUCKETS = ([("discrete", u) for u in UNITS] + [("process", u) for u in PROCESS_UNITS])

# provider type -> [(key, label, how, kinds or None)]; how: count | quantity | clients
MEASURES: dict[int, list[tuple]] = {
    1: [("projects", "工程项目数（个）", "count", None),
        ("clients", "服务企业数（家）", "clients", None)],
    2: [("clients", "平台服务企业数（家）", "clients", {"platform_onboarding"}),
        ("apps", "工业APP数（个）", "quantity", {"industrial_app"})],
    3: [("clients", "签约安全服务的工业企业数（家）", "clients", None),
        ("contracts", "安全服务合同数（份）", "count", None)],
    4: [("modules", "智能化模块转让数（种类×型号）", "quantity", None),
        ("transfers", "转让次数", "count", None),
        ("clients", "受让企业数（家）", "clients", None)],
    5: [("projects", "物联网工程项目数（个）", "count", None),
        ("product_kinds", "接入智能产品种类数", "quantity", None)],
    6: [("projects", "系统集成工程项目数（个）", "count", None),
        ("systems", "统一平台上的应用系统数（个）", "quantity", None)],
}
BASIS = "仅计已确认交付；以验收日期（无验收日期时以签约日期）落入考核期间为准"


def provider_type_of(d: dict) -> int | None:
    return d.get("provider_type") or ledger.KIND_TYPE.get(d.get("kind"))


def in_period(d: dict, start: str | None = None, end: str | None = None) -> bool:
    """Does the delivery's assessment date lie in [start, end]?

    >>> in_period({"signed_date": "2024-01-05"}, "2024-01-01", "2024-12-31")
    True
    """
    day = ledger.period_date(d)
    if day is None:
        return start is None and end is None
    return (start is None or day >= start) and (end is None or day <= end)


def superseded_ids(deliveries: list[dict]) -> set:
    """Confirmed deliveries replaced by a confirmed correction.

    >>> sorted(superseded_ids([{"id": "a", "status": "confirmed"},
    ...     {"id": "b", "status": "confirmed", "corrects": "a"}, {"id": "c", "status": "claimed", "corrects": "b"}]))
    ['a']
    """
    confirmed = {d["id"] for d in deliveries if d.get("status") == "confirmed"}
    return {d["corrects"] for d in deliveries
            if d.get("status") == "confirmed" and d.get("corrects") in confirmed}


def _measure(key, label, how, items: list[dict]) -> dict:
    ids = [d["id"] for d in items]
    out = {"key": key, "label": label, "delivery_ids": ids}
    if how == "count":
        out["value"] = len(items)
    elif how == "quantity":
        out["value"] = sum(int(d.get("quantity") or 1) for d in items)
    else:
        clients: dict = {}
        for d in items:
            c = clients.setdefault(d.get("client_uscc"), {"uscc": d.get("client_uscc"),
                                                          "name": d.get("client_name"), "delivery_ids": []})
            c["delivery_ids"].append(d["id"])
        out["value"] = len(clients)
        out["clients"] = sorted(clients.values(), key=lambda c: c["uscc"] or "")
    return out


def _brief(d: dict) -> dict:
    keys = ("id", "client_uscc", "client_name", "kind", "provider_type", "unit", "quantity",
            "contract_amount_wan", "signed_date", "accepted_date", "status", "rating", "corrects")
    out = {k: d.get(k) for k in keys}
    out["status_name"] = ledger.STATUS_NAMES.get(d.get("status"), d.get("status"))
    out["kind_name"] = ledger.KIND_NAMES.get(d.get("kind"), d.get("kind"))
    return out


def count(deliveries: list[dict], provider_types=None, start: str | None = None,
          end: str | None = None) -> dict:
    """The C1 counts of one provider's deliveries (see the module docstring).

    Each delivery is a dict with the Delivery properties plus ``client_name`` and
    ``client_kind`` (the client's ``industry_kind``). Returns ``{types, counted, claimed,
    disputed, withdrawn, superseded, clients}`` where ``types`` holds one entry per provider
    type (registered or delivered) with its ``measures``.
    """
    period, old = _in_period_sorted(deliveries, start, end), superseded_ids(deliveries)
    counted = [d for d in _in_status(period, "confirmed") if d["id"] not in old]
    out_types = [_type_entry(t, [d for d in counted if provider_type_of(d) == t])
                 for t in _types_shown(provider_types, period)]
    return {
        "types": out_types,
        "counted": [d["id"] for d in counted],
        "claimed": [_brief(d) for d in _in_status(period, "claimed")],
        "disputed": [_brief(d) for d in _in_status(period, "disputed")],
        "withdrawn": [d["id"] for d in _in_status(period, "withdrawn")],
        "superseded": [_brief(d) for d in period if d["id"] in old],
        "clients": _measure("clients", "服务企业总数（家）", "clients", counted),
    }


def _in_period_sorted(deliveries: list[dict], start: str | None, end: str | None) -> list[dict]:
    ordered = sorted(deliveries, key=lambda d: (ledger.period_date(d) or "", d["id"]))
    return [d for d in ordered if in_period(d, start, end)]


def _types_shown(provider_types, period: list[dict]) -> list[int]:
    """The registered provider types and those delivered in the period, in order."""
    return sorted({int(t) for t in (provider_types or [])} | {t for t in map(provider_type_of, period) if t})


def _in_status(deliveries: list[dict], status: str) -> list[dict]:
    return [d for d in deliveries if d.get("status") == status]


def _type_entry(provider_type: int, mine: list[dict]) -> dict:
    """One provider type's measures over its counted deliveries ``mine``."""
    measures = [_measure(key, label, how, [d for d in mine if kinds is None or d.get("kind") in kinds])
                for key, label, how, kinds in MEASURES.get(provider_type, [])]
    if provider_type == 1:
        measures += _unit_measures(mine)
    return {"provider_type": provider_type, "name": ledger.type_names().get(provider_type, str(provider_type)),
            "confirmed": len(mine), "measures": measures}


def industry_kind(d: dict) -> str:
    """The client's industry kind as the unit buckets read it.

    >>> industry_kind({"client_kind": "process"}), industry_kind({"client_kind": None})
    ('process', 'unclassified')
    """
    return d.get("client_kind") if d.get("client_kind") in ("discrete", "process") else "unclassified"


def _unit_measures(mine: list[dict]) -> list[dict]:
    """Type 1 units by the client's industry kind; the unclassified buckets only when used."""
    out = []
    for ik, unit in UNIT_BUCKETS + [("unclassified", u) for u in UNITS]:
        items = [d for d in mine if d.get("unit") == unit and industry_kind(d) == ik]
        if ik == "unclassified" and not items:
            continue
        m = _measure(f"{ik}.{unit}", f"{INDUSTRY_KIND_NAMES[ik]}·{ledger.UNIT_NAMES[unit]}（个）", "quantity", items)
        m["projects"] = len(items)
        out.append(m)
    return out


def _recognitions_by_client(deliveries: list[dict]) -> dict:
    out: dict = {}
    for d in deliveries:
        recs = out.setdefault(d.get("client_uscc"), [])
        for r in d.get("recognitions") or []:
            r = {**r, "region_code": r.get("region_code") or d.get("client_region")}
            if r not in recs:
                recs.append(r)
    return out


def item14(counted: list[dict], supplier: dict | None = None) -> dict:
    """C3.5 on the counted deliveries, through ``subsidies.item14_reward``; *supplier* (its
    name and region) decides whether the provider is a district enterprise."""
    uscc = (supplier or {}).get("uscc") or (counted[0].get("supplier_uscc") if counted else None)
    providers = {uscc: {"name": (supplier or {}).get("name"), "region_code": (supplier or {}).get("region_code")}}
    res = subsidies.item14_reward(counted, _recognitions_by_client(counted), providers=providers)
    names = {d["id"]: d.get("client_name") for d in counted}
    prov = res["providers"].get(uscc, {"reward_wan": 0, "total_wan": 0, "capped": False})
    from graphsvc.programmes import catalogue

    return {"rule_id": "C3.5", "total_wan": res["total_wan"], "reward_before_cap_wan": prov["reward_wan"],
            "cap_wan": catalogue.params("C3.5")["cap_per_provider_wan"], "capped": prov["capped"],
            "reason": res["reason"], "estimate": res["estimate"], "basis": res["basis"],
            "refused": [{"delivery_id": ln["delivery_id"], "reason": ln["reason"]}
                        for ln in res["lines"] if ln["outcome"] != "pass"],
            "lines": [{**ln, "client_name": names.get(ln["delivery_id"])}
                      for ln in res["lines"] if ln["outcome"] != "fail"],
            "not_qualifying": [ln["delivery_id"] for ln in res["lines"] if ln["outcome"] == "fail"]}


MODULE_FACTS = {"rd_spend_wan": "应用企业该项目研发投入实际支出额", "purchase_wan": "区内模块/芯片实际采购额",
                "year_number": "连续资助的第几年"}


def modules(facts: dict | None = None) -> list[dict]:
    """C3.6 / C3.7 when the facts are known; the graph holds none of them, so by default both
    are ``unknown`` and say what is missing."""
    facts = facts or {}
    out = []
    for fn, key in ((subsidies.item15_subsidy, "c3_6"), (subsidies.item16_subsidy, "c3_7")):
        f = facts.get(key) or {}
        r = fn(f.get("rd_spend_wan"), f.get("purchase_wan"), f.get("year_number"), f.get("paid_this_year_wan", 0))
        if r["outcome"] == UNKNOWN:
            missing = [k for k in MODULE_FACTS if f.get(k) is None]
            r["missing"] = [{"fact": k, "label": MODULE_FACTS[k]} for k in missing]
            r["reason"] = ("缺少" + "、".join(f"“{MODULE_FACTS[k]}”" for k in missing)
                           + "，无法计算：图谱中没有这些数据，须由应用企业申报时提供")
        out.append(r)
    return out


def c2(supplier: dict) -> dict:
    """The bj-2023-provider recognition conditions (C2.1–C2.5, C1) from the enterprise record."""
    return eligibility.check("bj-2023-provider", {"enterprise": supplier})


def build(supplier: dict, deliveries: list[dict], start: str | None = None, end: str | None = None) -> dict:
    """The whole assessment of one provider from plain data (no store)."""
    c = count(deliveries, supplier.get("provider_types"), start, end)
    by_id = {d["id"]: d for d in deliveries}
    counted = [by_id[i] for i in c["counted"]]
    return {
        "supplier": {k: supplier.get(k) for k in ("uscc", "name", "region_code", "provider_types",
                                                  "high_tech", "revenue_wan", "rd_spend_wan", "rd_staff")},
        "period": {"from": start, "to": end, "basis": BASIS},
        "totals": {"confirmed": len(c["counted"]), "claimed": len(c["claimed"]), "disputed": len(c["disputed"]),
                   "withdrawn": len(c["withdrawn"]), "superseded": len(c["superseded"]),
                   "clients": c["clients"]["value"]},
        **c,
        "c2": c2(supplier),
        "item14": item14(counted, supplier),
        "modules": modules(),
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }


def fetch_assessment(store, uscc: str, start: str | None = None, end: str | None = None) -> dict | None:
    """The assessment of provider ``uscc`` from the graph; None when the enterprise is unknown.
    The provider's record is a point read; its deliveries and their clients' recognitions come
    from the projection (the deliveries part and the dashboard's recognitions)."""
    from graphsvc.deliveries import projection as part

    row = store.read_one("deliveries/assessment_supplier", uscc=uscc)
    if not row:
        return None
    deliveries = part.rows_of(part.current(store), uscc)
    return build(row["enterprise"], with_recognitions(deliveries, uscc, part.client_recognitions(
        store, {d["client_uscc"] for d in deliveries})), start, end)


def with_recognitions(deliveries: list[dict], uscc: str, recognitions: dict) -> list[dict]:
    """The deliveries (changed in place) with their provider and their client's recognitions."""
    for d in deliveries:
        d["supplier_uscc"] = d.get("supplier_uscc") or uscc
        d["recognitions"] = recognitions.get(d["client_uscc"], [])
    return deliveries


def read_deliveries(store, uscc: str) -> list[dict]:
    """What `fetch_assessment` builds from, read from the database (two queries): the reference
    the deliveries part is tested against."""
    recognitions: dict = {}
    for r in store.read("deliveries/assessment_client_recognitions", uscc=uscc):
        recognitions.setdefault(r.pop("client_uscc"), []).append(r)
    return with_recognitions(store.read("deliveries/assessment_deliveries", uscc=uscc), uscc, recognitions)


def find_measure(report: dict, provider_type: int, key: str) -> dict | None:
    """One measure of a report by provider type and key.

    >>> find_measure({"types": [{"provider_type": 3, "measures": [{"key": "clients", "value": 1}]}]},
    ...              3, "clients")
    {'key': 'clients', 'value': 1}
    """
    for t in report["types"]:
        if t["provider_type"] == provider_type:
            return next((m for m in t["measures"] if m["key"] == key), None)
    return None
