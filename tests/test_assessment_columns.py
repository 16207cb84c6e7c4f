"""The assessment computed over columns (issue #12) equals its row-by-row definition on random
deliveries: the C1 counts written as plain filters over dicts, C3.5 as
``subsidies.item14_reward`` decides it line by line. Edge cases drawn on purpose: no deliveries,
every one disputed, several years with and without a period, corrections, missing dates,
amounts, clients' kinds and recognition years, providers in and out of the district."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from graphsvc.deliveries import assessment, ledger
from graphsvc.programmes import subsidies

STATUSES = ("confirmed", "claimed", "disputed", "withdrawn")
KINDS = sorted(ledger.KIND_TYPE)
YEARS = ("2022", "2023", "2024", "2025")
RECOGNITIONS = [{"kind": k, "level": lv, "status": s, "year": y} for k, lv, s, y in (
    ("智能工厂", "省", "认定", 2023), ("数字化车间", "市", "培育", 2024), ("未来工厂", "省", "认定", 2025),
    ("数字工厂", "市", "认定", None), ("智能工厂", "市", "认定", 2022))]


def _day(draw):
    return draw(st.one_of(st.none(), st.builds(lambda y, m: f"{y}-{m:02d}-01", st.sampled_from(YEARS),
                                               st.integers(1, 12))))


@st.composite
def deliveries(draw, all_disputed=False):
    n = draw(st.integers(0, 14))
    out = []
    for i in range(n):
        client = draw(st.sampled_from(["C1", "C2", "C3", None]))
        kind = draw(st.sampled_from(KINDS))
        recs = draw(st.lists(st.sampled_from(RECOGNITIONS), max_size=3))
        out.append({
            "id": f"d{i:02d}", "supplier_uscc": draw(st.sampled_from(["S", None])),
            "provider_type": draw(st.sampled_from([None, ledger.KIND_TYPE[kind]])), "kind": kind,
            "status": "disputed" if all_disputed else draw(st.sampled_from(STATUSES)),
            "client_uscc": client, "client_name": None if client is None else f"客户{client}",
            "client_kind": draw(st.sampled_from(["discrete", "process", None])),
            "client_region": draw(st.sampled_from(["330102", "110101", None])),
            "unit": draw(st.sampled_from([None, "cell", "line", "workshop", "factory"])),
            "quantity": draw(st.sampled_from([None, 1, 2, 5])),
            "contract_amount_wan": draw(st.sampled_from([None, 100, 250.5, 900])),
            "signed_date": _day(draw), "accepted_date": _day(draw),
            "rating": draw(st.sampled_from([None, "excellent", "good"])),
            "corrects": draw(st.sampled_from([None] + [f"d{j:02d}" for j in range(i)])),
            "recognitions": recs})
    return out


SUPPLIERS = [{"uscc": "S", "name": "滨江服务商", "region_code": "330108", "provider_types": [1, 3]},
             {"uscc": "S", "name": "外区服务商", "region_code": "330106", "provider_types": []},
             {"uscc": "S", "region_code": None, "provider_types": None}]
PERIODS = [(None, None), ("2023-01-01", "2024-12-31"), ("2024-01-01", None), (None, "2022-12-31")]


def rows_count(ds: list[dict], provider_types, start, end) -> dict:
    """The C1 counts as plain filters over the dicts (the definition in the module docstring)."""
    period = sorted((d for d in ds if assessment.in_period(d, start, end)),
                    key=lambda d: (ledger.period_date(d) or "", d["id"]))
    confirmed = {d["id"] for d in ds if d["status"] == "confirmed"}
    old = {d["corrects"] for d in ds if d["status"] == "confirmed" and d["corrects"] in confirmed}
    counted = [d for d in period if d["status"] == "confirmed" and d["id"] not in old]

    def measure(items, how):
        clients: dict = {}
        for d in items:
            clients.setdefault(d["client_uscc"], {"uscc": d["client_uscc"], "name": d["client_name"],
                                                  "delivery_ids": []})["delivery_ids"].append(d["id"])
        value = {"count": len(items), "quantity": sum(int(d["quantity"] or 1) for d in items)}.get(how, len(clients))
        listed = sorted(clients.values(), key=lambda c: c["uscc"] or "") if how == "clients" else None
        return [d["id"] for d in items], value, listed

    types = {}
    for t in sorted({int(x) for x in provider_types or []} | {assessment.provider_type_of(d) for d in period} - {None}):
        mine = [d for d in counted if assessment.provider_type_of(d) == t]
        got = {key: measure([d for d in mine if kinds is None or d["kind"] in kinds], how)
               for key, _label, how, kinds in assessment.MEASURES.get(t, [])}
        if t == 1:
            for ik, unit in assessment.UNIT_BUCKETS + [("unclassified", u) for u in ("cell", "line", "workshop", "factory")]:
                items = [d for d in mine if d["unit"] == unit and assessment.industry_kind(d) == ik]
                if items or ik != "unclassified":
                    got[f"{ik}.{unit}"] = measure(items, "quantity")
        types[t] = (len(mine), got)
    lists = {s: [d["id"] for d in period if d["status"] == s] for s in ("claimed", "disputed", "withdrawn")}
    return {"types": types, "counted": [d["id"] for d in counted], **lists,
            "superseded": [d["id"] for d in period if d["id"] in old], "clients": measure(counted, "clients")}


def columns_count(report: dict) -> dict:
    def measure(m):
        return m["delivery_ids"], m["value"], m.get("clients")

    return {"types": {t["provider_type"]: (t["confirmed"], {m["key"]: measure(m) for m in t["measures"]})
                      for t in report["types"]},
            "counted": report["counted"], "withdrawn": report["withdrawn"],
            **{k: [d["id"] for d in report[k]] for k in ("claimed", "disputed", "superseded")},
            "clients": measure(report["clients"])}


def rows_item14(ds: list[dict], counted: list[str], supplier: dict) -> dict:
    by_id = {d["id"]: d for d in ds}
    mine = [by_id[i] for i in counted]
    recs: dict = {}
    for d in mine:
        held = recs.setdefault(d["client_uscc"], [])
        held += [r for r in ({**r, "region_code": r.get("region_code") or d["client_region"]}
                             for r in d["recognitions"]) if r not in held]
    uscc = supplier["uscc"]
    res = subsidies.item14_reward(mine, recs, providers={uscc: {"name": supplier.get("name"),
                                                               "region_code": supplier.get("region_code")}})
    prov = res["providers"].get(uscc, {"reward_wan": 0, "total_wan": 0, "capped": False})
    names = {d["id"]: d["client_name"] for d in mine}
    return {"total_wan": res["total_wan"], "reward_before_cap_wan": prov["reward_wan"], "capped": prov["capped"],
            "reason": res["reason"],
            "refused": [{"delivery_id": ln["delivery_id"], "reason": ln["reason"]}
                        for ln in res["lines"] if ln["outcome"] != "pass"],
            "lines": [{**ln, "client_name": names[ln["delivery_id"]]} for ln in res["lines"] if ln["outcome"] != "fail"],
            "not_qualifying": [ln["delivery_id"] for ln in res["lines"] if ln["outcome"] == "fail"]}


def _same(ds, supplier, period) -> None:
    start, end = period
    got = assessment.build(supplier, ds, start, end)
    assert columns_count(got) == rows_count(ds, supplier["provider_types"], start, end)
    want = rows_item14(ds, got["counted"], supplier)
    assert {k: got["item14"][k] for k in want} == want


@settings(max_examples=150, deadline=None)
@given(deliveries(), st.sampled_from(SUPPLIERS), st.sampled_from(PERIODS))
def test_columns_equal_the_row_by_row_definition(ds, supplier, period):
    _same(ds, supplier, period)


@settings(max_examples=25, deadline=None)
@given(deliveries(all_disputed=True), st.sampled_from(SUPPLIERS), st.sampled_from(PERIODS))
def test_all_disputed(ds, supplier, period):
    _same(ds, supplier, period)
    r = assessment.build(supplier, ds, *period)
    assert r["counted"] == [] and r["item14"]["lines"] == [] and r["totals"]["confirmed"] == 0


def test_no_deliveries():
    r = assessment.build(SUPPLIERS[0], [])
    assert [t["provider_type"] for t in r["types"]] == [1, 3]
    assert r["totals"] == {"confirmed": 0, "claimed": 0, "disputed": 0, "withdrawn": 0, "superseded": 0, "clients": 0}
    assert r["item14"]["lines"] == [] and r["item14"]["total_wan"] == 0
