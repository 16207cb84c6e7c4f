"""Supplier assessment (issue 6) on the province graph, LadybugDB.

Targets: one provider's JSON assessment median <= 50 ms; its .xlsx <= 1 s. Timed on the
provider with the most deliveries (the worst case) and on a typical one (the median count),
as the library call and as the HTTP handler (Flask test client, serialisation included), and
the library call on the busiest provider of the C3.5 district (its reward lines get past the
provider check and read the clients' recognitions). The PDF is timed too, without a target.
"""
from __future__ import annotations

from bench.common import handler, timed


def _dataset(store) -> str:
    n_ent = store.read_cypher("MATCH (e:Enterprise) RETURN count(e) AS n")[0]["n"]
    n_del = store.read_cypher("MATCH (d:Delivery) RETURN count(d) AS n")[0]["n"]
    return f"province {n_ent / 1000:.0f}k ent, {n_del / 1000:.0f}k deliveries"


def _handler(store):
    """The API views as admin, in-process."""
    from graphsvc.core.access import Principal

    return handler(store, Principal("bench", "admin"))


def run(ctx) -> list[dict]:
    from graphsvc.deliveries import assessment
    from graphsvc.deliveries import reports as assessment_reports
    from graphsvc.programmes import catalogue

    store = ctx.store()
    dataset = _dataset(store)
    per = store.read_cypher("MATCH (p:Enterprise)-[:DELIVERED]->(d:Delivery) "
                            "RETURN p.uscc AS uscc, count(d) AS n ORDER BY n DESC, uscc")
    busiest, typical = per[0], per[len(per) // 2]
    # The busiest district provider: the one whose C3.5 lines get past the provider check.
    district = store.read_cypher("MATCH (p:Enterprise)-[:DELIVERED]->(d:Delivery) "
                                 "WHERE p.region_code STARTS WITH $d RETURN p.uscc AS uscc, count(d) AS n "
                                 "ORDER BY n DESC, uscc LIMIT 1", {"d": catalogue.params("C3.5")["provider_scope"]})
    get = _handler(store)
    rows = []

    def row(name, res, target, who):
        rows.append({"name": name, "dataset": f"{dataset}, provider with {who['n']} deliveries", **res,
                     "target": target})

    for label, who in (("busiest", busiest), ("typical", typical)):
        u = who["uscc"]
        row(f"assessment json {label} (lib)", timed(lambda u=u: assessment.fetch_assessment(store, u)),
            "<= 50 ms", who)
        row(f"GET assessment?format=json {label} (handler)",
            timed(lambda u=u: get(f"/api/v1/suppliers/{u}/assessment")), "<= 50 ms", who)
        row(f"GET assessment?format=xlsx {label} (handler)",
            timed(lambda u=u: get(f"/api/v1/suppliers/{u}/assessment?format=xlsx"), repeat=10), "<= 1 s", who)
    for who in district:
        row("assessment json busiest district provider (lib)",
            timed(lambda u=who["uscc"]: assessment.fetch_assessment(store, u)), "<= 50 ms", who)
    u = busiest["uscc"]
    report = assessment.fetch_assessment(store, u)
    row("assessment pdf busiest (lib, no target)", timed(lambda: assessment_reports.to_pdf(report), repeat=5),
        "-", busiest)
    return rows
