"""The explore projection (graphsvc/enterprises/projection.py) answers exactly what walking the
graph in Cypher answers (bench/explore_cypher.py, the reference), on the demo graph, for several
callers, and still after writes folded into it incrementally (no rebuild)."""
from __future__ import annotations

import math

from bench import explore_cypher as ref
from graphsvc.core import projection
from graphsvc.core.access import Principal
from graphsvc.enterprises import projection as proj
from graphsvc.enterprises import service

ADMIN = Principal("admin", "admin")
HZ = Principal("hz", "bureau", scope="330100")
BJ = Principal("bj", "bureau", scope="330108")
YEAR = 2024


def same(a, b, where="") -> None:
    """Equal, floats up to summation order."""
    if isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (where, a, b)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), (where, sorted(set(a) ^ set(b)))
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    else:
        assert a == b, (where, a, b)


def same_paths(got: dict, want: dict) -> None:
    """The same number of connections of the same lengths; every connection shorter than the
    longest shown is the same set (among equally long ones at the cut, either may be chosen)."""
    assert [p["hops"] for p in got["paths"]] == [p["hops"] for p in want["paths"]]
    if not got["paths"]:
        assert got["note"] == want["note"]
        return
    top = got["paths"][-1]["hops"]

    def key(p):
        return repr([(s["rel"], s["from"]["uscc"], s["to"]["uscc"], s.get("id"), s.get("delivery_id"),
                      s.get("year"), round(s.get("amount_wan") or 0.0, 6)) for s in p["steps"]])

    assert sorted(key(p) for p in got["paths"] if p["hops"] < top) == \
        sorted(key(p) for p in want["paths"] if p["hops"] < top)


def _picks(store) -> dict:
    """Enterprises worth asking about: the leaders with most suppliers, the suppliers with most
    buyers, in the year."""
    st = proj.current(store)
    y = st.year(YEAR)
    ins = (y["up"] > 0).sum(axis=1).A.ravel()
    outs = (y["down"] > 0).sum(axis=1).A.ravel()
    leaders = [st.usccs[i] for i in ins.argsort()[::-1] if st.leaders()[i]][:2]
    suppliers = [st.usccs[i] for i in outs.argsort()[::-1][:2]]
    return {"leaders": leaders, "suppliers": suppliers}


def compare_all(store, usccs: list[str], pairs: list[tuple[str, str]], who=(ADMIN, HZ)) -> None:
    for p in who:
        for u in usccs:
            for direction, depth in (("upstream", 3), ("downstream", 2)):
                for year in (YEAR, None):
                    args = (store, p, u, direction, year, depth, None)
                    same(proj_tiers(*args), ref.tiers_payload(*args), f"{p.username} {direction} {u} {year}")
            same(service.impact(store, p, u, year=YEAR), ref.impact_payload(store, p, u, YEAR), f"impact {u}")
        for a, b in pairs:
            for hops in (2, 4):
                same_paths(service.paths(store, p, a, b, max_hops=hops), ref.paths_payload(store, p, a, b, hops))


def proj_tiers(store, p, u, direction, year, depth, min_amount_wan):
    fn = service.upstream if direction == "upstream" else service.downstream
    return fn(store, p, u, year=year, tiers=depth, min_amount_wan=min_amount_wan)


def _visible_to(store, p, usccs):
    out = []
    for u in usccs:
        try:
            service.enterprise(store, p, u)
            out.append(u)
        except Exception:
            pass
    return out


def test_projection_equals_cypher_on_the_demo_graph(store, accounts):
    picks = _picks(store)
    maker, provider = accounts["maker"]["uscc"], accounts["provider"]["uscc"]
    usccs = [maker, provider, *picks["leaders"], *picks["suppliers"]]
    compare_all(store, _visible_to(store, HZ, usccs), [(maker, provider), (picks["leaders"][-1], picks["suppliers"][0])],
                who=(ADMIN,))
    hz = _visible_to(store, HZ, usccs)
    assert hz, "the Hangzhou bureau sees some of them"
    compare_all(store, hz, [(hz[0], hz[-1])], who=(HZ,))


def test_writes_are_folded_in_without_a_rebuild(fresh_store, accounts):
    s = fresh_store
    maker, provider, provider2 = (accounts[k]["uscc"] for k in ("maker", "provider", "provider2"))
    before = proj.current(s)
    service.upstream(s, ADMIN, maker, year=YEAR, tiers=2)          # derive the year's matrices
    other = _picks(s)["suppliers"][0]
    with s.transaction() as tx:
        # A new enterprise supplying the maker, a changed amount, a supplier's edges replaced.
        tx.upsert_nodes("Enterprise", [{"uscc": "91330106NEWSUP001X", "name": "新供应商", "region_code": "330106",
                                        "credit_ok": True, "revenue_wan": 5.0, "is_manufacturer": True}])
        tx.replace_rels("SUPPLIES", [{"from": "91330106NEWSUP001X", "to": maker, "year": YEAR, "amount_wan": 77.0,
                                      "segment_id": "HZ01-01", "supplier_region": "330106"},
                                     {"from": provider, "to": maker, "year": YEAR, "amount_wan": 123.0,
                                      "segment_id": "HZ01-01", "supplier_region": "330108"}], mode="pair")
        tx.replace_rels("SUPPLIES", [{"from": other, "to": provider2, "year": YEAR, "amount_wan": 9.0,
                                      "segment_id": "HZ01-02", "supplier_region": "330108"}], mode="from")
        # A confirmed delivery, an ecosystem link and a "1+N" group joining the maker and provider2.
        tx.upsert_nodes("Delivery", [{"id": "DX-PROJ-1", "supplier_uscc": provider2, "client_uscc": maker,
                                      "kind": "智能工厂", "status": "confirmed", "contract_amount_wan": 42.0,
                                      "signed_date": "2024-02-01", "accepted_date": "2024-06-01"}])
        tx.replace_rels("DELIVERED", [{"from": provider2, "to": "DX-PROJ-1"}], mode="pair")
        tx.replace_rels("FOR", [{"from": "DX-PROJ-1", "to": maker}], mode="pair")
        tx.replace_rels("ORGANIZES", [{"from": provider, "to": "91330106NEWSUP001X"}], mode="pair")
        tx.upsert_nodes("Project", [{"id": "P-PROJ-1", "owner_uscc": provider2, "group_id": "G-PROJ"},
                                    {"id": "P-PROJ-2", "owner_uscc": "91330106NEWSUP001X", "group_id": "G-PROJ"}])
        tx.replace_rels("OWNS", [{"from": provider2, "to": "P-PROJ-1"},
                                 {"from": "91330106NEWSUP001X", "to": "P-PROJ-2"}], mode="pair")
    after = proj.current(s)
    assert after is before, "folded into the same state, not rebuilt"
    assert projection.status(s)["parts"][proj.NAME]["lag"] == 0
    up = {i["uscc"]: i for i in service.upstream(s, ADMIN, maker, year=YEAR, tiers=1)["items"]}
    assert up["91330106NEWSUP001X"]["amount_wan"] == 77.0
    # The Cypher reference and a fresh build agree with the folded state.
    compare_all(s, [maker, provider, other, "91330106NEWSUP001X"],
                [(maker, provider2), ("91330106NEWSUP001X", provider2), (provider, "91330106NEWSUP001X")], who=(ADMIN,))
    fresh = proj.build(s)
    for y in fresh.years():
        a, b = fresh.year(y), after.year(y)
        ka = sorted(zip(*[fresh.usccs_of(a["up"].nonzero()[k]) for k in (0, 1)]))
        kb = sorted(zip(*[after.usccs_of(b["up"].nonzero()[k]) for k in (0, 1)]))
        assert ka == kb, y
        assert sorted(fresh.leaders_usccs()) == sorted(after.leaders_usccs())

    # A supplier's edges into the maker removed ("to" replacement) is folded in as well.
    with s.transaction() as tx:
        tx.replace_rels("SUPPLIES", [{"from": provider, "to": maker, "year": YEAR, "amount_wan": 1.0,
                                      "segment_id": "HZ01-03", "supplier_region": "330108"}], mode="to")
    assert proj.current(s) is before
    up = service.upstream(s, ADMIN, maker, year=YEAR, tiers=2)
    assert [(i["uscc"], i["amount_wan"]) for i in up["items"] if i["tier"] == 1] == [(provider, 1.0)]
    same(up, ref.tiers_payload(s, ADMIN, maker, "upstream", YEAR, 2, None))


def test_scoped_paths_never_name_the_unseen(store, accounts):
    provider, provider2 = accounts["provider"]["uscc"], accounts["provider2"]["uscc"]
    got = service.paths(store, BJ, provider, provider2, max_hops=3)
    same_paths(got, ref.paths_payload(store, BJ, provider, provider2, 3))
    named = {s[k]["uscc"] for p in got["paths"] for s in p["steps"] for k in ("from", "to")} - {None}
    assert named == set(_visible_to(store, BJ, sorted(named)))
