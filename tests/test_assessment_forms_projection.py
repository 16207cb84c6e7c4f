"""The supplier assessment and forms 附件1 / 附件2 served from the projection (issue #12: the
deliveries part, the projects part, the dashboard part's recognitions with their chains) equal
the same figures computed from database reads, on the demo graph and after writes: delivery
claims and transitions, and imports of deliveries, recognitions, projects and enterprises."""
from __future__ import annotations

import pytest

from graphsvc.core import projection
from graphsvc.core.access import Principal
from graphsvc.deliveries import assessment, ledger
from graphsvc.enterprises import projection as explore
from graphsvc.programmes import catalogue, reports
from loaders.importer import run_import

REGIONS = ("330100", "330108", "330600")


def _providers(store, n: int = 12) -> list[str]:
    rows = store.read_cypher("MATCH (p:Enterprise)-[:DELIVERED]->(d:Delivery) "
                             "RETURN p.uscc AS uscc, count(d) AS n ORDER BY n DESC, uscc")
    usccs = [r["uscc"] for r in rows]
    return usccs[:n] + usccs[-3:]


def assessment_from_db(store, uscc: str, start=None, end=None) -> dict:
    row = store.read_one("deliveries/assessment_supplier", uscc=uscc)
    return assessment.build(row["enterprise"], assessment.read_deliveries(store, uscc), start, end)


def same_assessment(store, uscc: str, start=None, end=None) -> None:
    got = assessment.fetch_assessment(store, uscc, start, end)
    want = assessment_from_db(store, uscc, start, end)
    got.pop("generated_at"), want.pop("generated_at")
    assert got == want, uscc


def forms_from_db(store, region: str, year: int) -> tuple[list, tuple]:
    prefix = reports.region_prefix(region)
    recs = store.read("programmes/recognitions", prefix=prefix, kinds=list(catalogue.params("A1.1")["categories"]),
                      year=None)
    ex = explore.current(store)
    chains = {u: sorted(ex.chains_of(u)) for u in {r["uscc"] for r in recs if r.get("year") == year}}
    return reports.future_factory_rows(recs, chains, region, year), reports.read_project_rows(store, region, year)


def same_forms(store, region: str, year: int) -> None:
    a1, (a2, undated) = forms_from_db(store, region, year)
    got1 = reports.form_data(store, "future-factory-summary", region, year)
    got2 = reports.form_data(store, "digital-project-summary", region, year)
    assert got1["rows"] == a1, (region, year)
    assert got2["rows"] == a2, (region, year)
    assert (f"另有{undated}个项目缺少开工日期" in got2["note"]) == bool(undated)


def test_assessments_from_the_projection_equal_the_database(store):
    for uscc in _providers(store):
        same_assessment(store, uscc)
        same_assessment(store, uscc, "2023-01-01", "2024-12-31")


@pytest.mark.parametrize("year", [2022, 2023])
def test_forms_from_the_projection_equal_the_database(store, year):
    for region in REGIONS:
        same_forms(store, region, year)


def _csv(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _import(store, kind: str, body: bytes) -> None:
    rep = run_import(store, kind, body, f"{kind}.csv", actor="test")
    assert rep.status == "ok", (rep.as_dict(), getattr(rep, "errors", None))


def test_after_writes_the_projection_equals_the_database(fresh_store, accounts):
    st = fresh_store
    maker, provider = accounts["maker"]["uscc"], accounts["provider"]["uscc"]
    # Build every part first: the writes below are then folded in, not read afresh.
    same_assessment(st, provider)
    for region in REGIONS:
        same_forms(st, region, 2023)
    built = {n: projection.built(st, n) for n in ("deliveries", "programmes.projects", "dashboard")}
    assert all(v is not None for v in built.values())

    # Claims and transitions through the ledger.
    p_prov, p_maker = Principal("provider", "supplier", uscc=provider), Principal("maker", "manufacturer", uscc=maker)
    body = {"client_uscc": maker, "kind": "engineering_project", "unit": "line", "quantity": 2,
            "contract_amount_wan": 300, "signed_date": "2024-02-01", "accepted_date": "2024-09-01"}
    one, two = ledger.claim(st, p_prov, body), ledger.claim(st, p_prov, {**body, "unit": "workshop"})
    ledger.transition(st, p_maker, one["id"], "confirm")
    ledger.transition(st, p_maker, two["id"], "dispute", reason="数量不符")
    # A deliveries import: a new claim to another client.
    other = next(u for u in (r["uscc"] for r in st.read_cypher(
        "MATCH (e:Enterprise) WHERE e.is_manufacturer RETURN e.uscc AS uscc ORDER BY uscc LIMIT 5")) if u != maker)
    _import(st, "deliveries", _csv(
        "id,supplier_uscc,client_uscc,kind,provider_type,unit,quantity,contract_amount_wan,signed_date,accepted_date,"
        "status,rating", [f"DT-1,{provider},{other},engineering_project,1,workshop,3,88.5,2023-05-01,2023-11-01,"
                          "claimed,excellent"]))
    # The client's facts and recognitions change: its industry kind and name, a 智能工厂.
    _import(st, "enterprises", _csv("uscc,name,industry_kind", [f"{other},测试改名智造有限公司,process"]))
    _import(st, "recognitions", _csv("uscc,kind,level,status,year,chain_id,rating",
                                     [f"{other},智能工厂,省,认定,2023,HZ01,", f"{maker},未来工厂,省,培育,2023,,"]))
    # A project and a renamed owner.
    owner = st.read_cypher("MATCH (o:Enterprise)-[:OWNS]->(p:Project) WHERE o.region_code STARTS WITH '3301' "
                           "RETURN o.uscc AS uscc ORDER BY uscc LIMIT 1")[0]["uscc"]
    _import(st, "projects", _csv(
        "id,owner_uscc,name,industry_code,investment_wan,start_date,one_plus_n,group_id,service_org_uscc,"
        "prior_city_subsidy", [f"PT-1,{owner},测试攻关项目,C34,500,2023-03-01,,,{provider},false"]))
    _import(st, "enterprises", _csv("uscc,name", [f"{owner},测试业主有限公司", f"{provider},测试服务商有限公司"]))

    assert projection.built(st, "deliveries") is built["deliveries"]      # folded in, not rebuilt
    for uscc in (provider, accounts["provider2"]["uscc"]):
        same_assessment(st, uscc)
        same_assessment(st, uscc, "2024-01-01", "2024-12-31")
    for region in REGIONS:
        for year in (2022, 2023):
            same_forms(st, region, year)
    rows = reports.form_data(st, "digital-project-summary", "330100", 2023)["rows"]
    assert any(r["project_id"] == "PT-1" and r["service_org"] == "测试服务商有限公司" for r in rows)
    # The owner moves to 绍兴: its projects leave 杭州's form for 绍兴's.
    _import(st, "enterprises", _csv("uscc,name,region_code", [f"{owner},测试业主有限公司,330602"]))
    for region in ("330100", "330600"):
        same_forms(st, region, 2023)
    rows = reports.form_data(st, "digital-project-summary", "330600", 2023)["rows"]
    assert any(r["project_id"] == "PT-1" and r["region_code"] == "330602" for r in rows)
    # And a projection built afresh holds the same.
    projection.reset(st)
    same_assessment(st, provider)
    same_forms(st, "330100", 2023)
