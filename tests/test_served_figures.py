"""Figures served as kept JSON (issue #12): a write touching a leader makes the next read of that
leader, of its city's table and of its chains' coverage current; a read of an untouched leader
stays the kept answer; the kept answers equal a fresh computation; ETag / 304."""
from __future__ import annotations

import json

import pytest

from graphsvc.core import cache, projection
from graphsvc.core.access import Principal
from graphsvc.local_supply import ratios, service
from loaders.importer import run_import
from tests.conftest import make_settings
from tests.test_local_supply_projection import same

BUREAU = Principal("hz_bureau", "bureau", "330100")


@pytest.fixture
def client(fresh_store, tmp_path, accounts):
    from web import create_app

    app = create_app(make_settings(tmp_path), store=fresh_store)
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {accounts['hz_bureau']['token']}"
    return c


def fresh_json(store, fig_of) -> dict:
    """The figure computed from a projection built afresh, with no kept result."""
    projection.reset(store)
    cache.clear_cache()
    return json.loads(json.dumps(fig_of().compute(), ensure_ascii=False))


def test_a_write_moves_only_what_it_touches(fresh_store, client):
    leaders = [x["uscc"] for x in ratios.visible_leaders(ratios.fetch_leaders(fresh_store), "330100")]
    touched, untouched = leaders[0], leaders[-1]
    paths = {"touched": f"/api/v1/local-supply/{touched}?year=2024",
             "untouched": f"/api/v1/local-supply/{untouched}?year=2024",
             "table": "/api/v1/local-supply?year=2024", "coverage": "/api/v1/chains/HZ01/coverage?year=2024"}
    first = {k: client.get(p) for k, p in paths.items()}
    assert all(r.status_code == 200 for r in first.values())
    keys = {"touched": service.leader_detail_figure(fresh_store, BUREAU, touched, 2024).key,
            "untouched": service.leader_detail_figure(fresh_store, BUREAU, untouched, 2024).key}
    assert all(k in cache.FIGURES for k in keys.values())
    # A client holding the answer gets 304 without a body.
    r = client.get(paths["untouched"], headers={"If-None-Match": first["untouched"].headers["ETag"]})
    assert r.status_code == 304 and not r.data

    supplier = next(u for u in fresh_store.read_cypher(
        "MATCH (e:Enterprise) WHERE e.region_code STARTS WITH '3301' RETURN e.uscc AS u ORDER BY u LIMIT 50")
        if u["u"] not in (touched, untouched))["u"]
    body = f"supplier_uscc,buyer_uscc,year,amount_wan,segment_id\n{supplier},{touched},2024,4321.5,\n"
    rep = run_import(fresh_store, "supplies", body.encode(), "supplies.csv", actor="test")
    assert rep.status == "ok", rep.as_dict()

    after = {k: client.get(p) for k, p in paths.items()}
    # The touched leader: a new key, an answer showing the write, as a fresh computation has it.
    assert service.leader_detail_figure(fresh_store, BUREAU, touched, 2024).key != keys["touched"]
    d = after["touched"].get_json()
    assert any(s["uscc"] == supplier and s["amount"] == pytest.approx(4321.5) for s in d["by_supplier"])
    assert after["touched"].headers["ETag"] != first["touched"].headers["ETag"]
    # The untouched leader: the same key, the kept bytes.
    assert service.leader_detail_figure(fresh_store, BUREAU, untouched, 2024).key == keys["untouched"]
    assert after["untouched"].data == first["untouched"].data
    assert after["untouched"].headers["ETag"] == first["untouched"].headers["ETag"]
    # The table of the leader's city moved with it.
    row = lambda t: next(i for i in t["items"] if i["uscc"] == touched)
    assert row(after["table"].get_json())["total_amount"] == pytest.approx(
        row(first["table"].get_json())["total_amount"] + 4321.5, abs=0.02)

    served = {k: r.get_json() for k, r in after.items()}
    want = {"touched": fresh_json(fresh_store, lambda: service.leader_detail_figure(fresh_store, BUREAU, touched, 2024)),
            "untouched": fresh_json(fresh_store,
                                    lambda: service.leader_detail_figure(fresh_store, BUREAU, untouched, 2024)),
            "table": fresh_json(fresh_store, lambda: service.ratio_table_figure(fresh_store, BUREAU, 2024)),
            "coverage": fresh_json(fresh_store, lambda: service.chain_coverage_figure(fresh_store, BUREAU, "HZ01", 2024))}
    for k in paths:
        assert same(served[k], want[k], k) is None


def test_the_kept_answer_is_checked_per_caller(fresh_store, client, accounts, tmp_path):
    """A kept leader detail is shared by callers who may see it, never handed to one who may not."""
    from web import create_app

    uscc = next(x["uscc"] for x in ratios.fetch_leaders(fresh_store) if (x["region_code"] or "").startswith("3301")
                and not x["region_code"].startswith("330108"))
    assert client.get(f"/api/v1/local-supply/{uscc}").status_code == 200
    other = create_app(make_settings(tmp_path / "other"), store=fresh_store).test_client()
    r = other.get(f"/api/v1/local-supply/{uscc}",
                  headers={"Authorization": f"Bearer {accounts['bj_bureau']['token']}"})
    assert r.status_code == 404


def test_serialised_figures_are_bounded_and_computed_once():
    kept = cache.Serialised(max_bytes=10)
    calls = []

    def build(b):
        calls.append(b)
        return b

    assert kept.get("a", lambda: build(b"12345"))[1] == b"12345"
    assert kept.get("a", lambda: build(b"other"))[1] == b"12345" and calls == [b"12345"]
    kept.get("b", lambda: build(b"67890"))
    kept.get("c", lambda: build(b"xyz"))          # over 10 bytes: the least recently used goes
    assert "a" not in kept and "b" in kept and "c" in kept and kept.size == 8
    assert kept.get("b", lambda: b"")[0] == kept.get("b", lambda: b"")[0] != kept.get("c", lambda: b"")[0]


def test_coverage_moves_only_with_supplies_in_its_chain(fresh_store, client):
    from graphsvc.core import reference

    leader = ratios.visible_leaders(ratios.fetch_leaders(fresh_store), "330100")[0]["uscc"]
    chains = [c["id"] for c in reference.chains()][:3]
    key = {c: service.chain_coverage_figure(fresh_store, BUREAU, c, 2024).key for c in chains}
    served = {c: client.get(f"/api/v1/chains/{c}/coverage?year=2024").data for c in chains}
    supplier = fresh_store.read_cypher("MATCH (e:Enterprise) WHERE e.uscc <> $l RETURN e.uscc AS u ORDER BY u LIMIT 1",
                                       {"l": leader})[0]["u"]

    def supply(segment: str) -> None:
        body = f"supplier_uscc,buyer_uscc,year,amount_wan,segment_id\n{supplier},{leader},2024,777.5,{segment}\n"
        rep = run_import(fresh_store, "supplies", body.encode(), "supplies.csv", actor="test")
        assert rep.status == "ok", rep.as_dict()

    supply("")               # in no segment: no chain's coverage reads it
    assert {c: service.chain_coverage_figure(fresh_store, BUREAU, c, 2024).key for c in chains} == key
    assert {c: client.get(f"/api/v1/chains/{c}/coverage?year=2024").data for c in chains} == served
    seg = reference.chain(chains[0])["segments"][0]["id"]
    supply(seg)              # in the first chain's segment: that one moves, the others stay
    after = {c: service.chain_coverage_figure(fresh_store, BUREAU, c, 2024).key for c in chains}
    assert after[chains[0]] != key[chains[0]] and all(after[c] == key[c] for c in chains[1:])
    got = client.get(f"/api/v1/chains/{chains[0]}/coverage?year=2024").get_json()
    want = fresh_json(fresh_store, lambda: service.chain_coverage_figure(fresh_store, BUREAU, chains[0], 2024))
    assert same(got, want, "coverage") is None


def _leader_tier1_other(store) -> tuple[str, str, str]:
    """The first 杭州 leader, one of its 2024 tier-1 suppliers and an enterprise that is neither."""
    leader = ratios.visible_leaders(ratios.fetch_leaders(store), "330100")[0]["uscc"]
    tier1 = store.read_cypher(
        "MATCH (s:Enterprise)-[r:SUPPLIES]->(l:Enterprise {uscc: $l}) WHERE r.year = 2024 "
        "RETURN DISTINCT s.uscc AS u ORDER BY u LIMIT 1", {"l": leader})[0]["u"]
    other = next(r["u"] for r in store.read_cypher(
        "MATCH (e:Enterprise) RETURN e.uscc AS u ORDER BY u LIMIT 50") if r["u"] not in (leader, tier1))
    return leader, tier1, other


def test_a_leader_detail_moves_with_its_tier2_sums_not_with_every_tier1_write(fresh_store, client):
    """A supply into a tier-1 supplier in another year leaves the leader's detail kept (its tier-2
    sums for the year shown are unchanged); one in the year shown moves it, to a fresh answer."""
    leader, tier1, other = _leader_tier1_other(fresh_store)
    path = f"/api/v1/local-supply/{leader}?year=2024"
    key = lambda: service.leader_detail_figure(fresh_store, BUREAU, leader, 2024).key
    first, before = client.get(path), key()

    def supply(year: int) -> None:
        body = f"supplier_uscc,buyer_uscc,year,amount_wan,segment_id\n{other},{tier1},{year},777.25,\n"
        rep = run_import(fresh_store, "supplies", body.encode(), "supplies.csv", actor="test")
        assert rep.status == "ok", rep.as_dict()

    supply(2021)
    assert key() == before and client.get(path).data == first.data
    supply(2024)
    assert key() != before
    served = client.get(path).get_json()
    assert served["tier2"] != first.get_json()["tier2"]
    want = fresh_json(fresh_store, lambda: service.leader_detail_figure(fresh_store, BUREAU, leader, 2024))
    assert same(served, want, "detail") is None


def test_a_write_returns_with_the_details_of_the_leaders_it_wrote_into_recomputed(fresh_store, client, monkeypatch):
    """The writing thread recomputes the kept details of the leaders whose own supplies it
    changed (whatif.refresh_details), so the first read after the write does not; the answer
    equals a fresh computation. A leader it did not write into is not recomputed."""
    leaders = [x["uscc"] for x in ratios.visible_leaders(ratios.fetch_leaders(fresh_store), "330100")]
    touched, untouched = leaders[0], leaders[-1]
    for u in (touched, untouched):
        assert client.get(f"/api/v1/local-supply/{u}?year=2024").status_code == 200
    supplier = next(r["u"] for r in fresh_store.read_cypher(
        "MATCH (e:Enterprise) WHERE e.region_code STARTS WITH '3301' RETURN e.uscc AS u ORDER BY u LIMIT 50")
        if r["u"] not in (touched, untouched))
    computed = []
    real = ratios.fetch_leader
    monkeypatch.setattr(ratios, "fetch_leader", lambda store, leader, *a, **k: computed.append(leader["uscc"])
                        or real(store, leader, *a, **k))
    body = f"supplier_uscc,buyer_uscc,year,amount_wan,segment_id\n{supplier},{touched},2024,2345.5,\n"
    rep = run_import(fresh_store, "supplies", body.encode(), "supplies.csv", actor="test")
    assert rep.status == "ok", rep.as_dict()
    # By the writer, before the import returned (once per year and scope asked for so far).
    assert computed and set(computed) == {touched}
    n = len(computed)
    served = client.get(f"/api/v1/local-supply/{touched}?year=2024").get_json()
    assert len(computed) == n                    # the read found it
    assert any(s["uscc"] == supplier and s["amount"] == pytest.approx(2345.5) for s in served["by_supplier"])
    want = fresh_json(fresh_store, lambda: service.leader_detail_figure(fresh_store, BUREAU, touched, 2024))
    assert same(served, want, "detail") is None


def test_the_writer_recomputes_at_most_refresh_limit_details_the_most_recently_asked_first(
        fresh_store, client, monkeypatch):
    """An import into many leaders would hold its acknowledgment while every detail is
    recomputed: the writer takes the most recently asked up to whatif.REFRESH_LIMIT, and the
    others are recomputed by their next request, equal to a fresh computation."""
    from graphsvc.local_supply import whatif

    leaders = [x["uscc"] for x in ratios.visible_leaders(ratios.fetch_leaders(fresh_store), "330100")][:2]
    for u in leaders:
        assert client.get(f"/api/v1/local-supply/{u}?year=2024").status_code == 200
    supplier = next(r["u"] for r in fresh_store.read_cypher(
        "MATCH (e:Enterprise) WHERE e.region_code STARTS WITH '3301' RETURN e.uscc AS u ORDER BY u LIMIT 50")
        if r["u"] not in leaders)
    computed = []
    real = ratios.fetch_leader
    monkeypatch.setattr(ratios, "fetch_leader", lambda store, leader, *a, **k: computed.append(leader["uscc"])
                        or real(store, leader, *a, **k))
    monkeypatch.setattr(whatif, "REFRESH_LIMIT", 1)
    body = "supplier_uscc,buyer_uscc,year,amount_wan,segment_id\n" + "".join(
        f"{supplier},{u},2024,{1234.5 + k},\n" for k, u in enumerate(leaders))
    rep = run_import(fresh_store, "supplies", body.encode(), "supplies.csv", actor="test")
    assert rep.status == "ok", rep.as_dict()
    assert set(computed) == {leaders[-1]}       # by the writer: the most recently asked only
    served = client.get(f"/api/v1/local-supply/{leaders[0]}?year=2024").get_json()
    assert leaders[0] in computed               # by its request
    assert any(s["uscc"] == supplier and s["amount"] == pytest.approx(1234.5) for s in served["by_supplier"])
    want = fresh_json(fresh_store, lambda: service.leader_detail_figure(fresh_store, BUREAU, leaders[0], 2024))
    assert same(served, want, "detail") is None


def test_a_detail_serialised_from_its_kept_pieces_is_its_plain_serialisation(fresh_store, client):
    """A leader's detail after a write into its tier 1 is its kept detail with a new tier-2
    block: served, it reuses the kept text of the rest (cache.Parts), byte for byte what
    serialising it whole gives."""
    from web.respond import parts_json

    leader, tier1, other = _leader_tier1_other(fresh_store)
    app = client.application
    with app.app_context():
        dumps = lambda v: app.json.dumps(v, separators=(",", ":"))   # as figure_json has it
        first = service.leader_detail_figure(fresh_store, BUREAU, leader, 2024).compute()
        assert parts_json(first, dumps) == dumps(dict(first)) and first.texts
        body = f"supplier_uscc,buyer_uscc,year,amount_wan,segment_id\n{other},{tier1},2024,555.75,\n"
        assert run_import(fresh_store, "supplies", body.encode(), "supplies.csv", actor="test").status == "ok"
        after = service.leader_detail_figure(fresh_store, BUREAU, leader, 2024).compute()
        assert after["tier2"] != first["tier2"] and after.texts is first.texts
        assert parts_json(after, dumps) == dumps(dict(after))
        want = (dumps(dict(after)) + "\n").encode()
    assert client.get(f"/api/v1/local-supply/{leader}?year=2024").data == want
