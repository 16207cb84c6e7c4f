"""Dashboard figures (graphsvc/dashboard.py) on the demo graph, checked against a plain
recomputation from the dumped nodes and relationships, plus the pure functions' edge cases."""
from __future__ import annotations

import doctest
from collections import defaultdict

import pytest

from graphsvc.dashboard import summary as D
from graphsvc.core import regions
from graphsvc.core.access import Principal
from graphsvc.programmes.targets import progress

YEAR = 2024


@pytest.fixture(scope="module")
def dump(store):
    ents = {e["uscc"]: e for e in store.dump_nodes("Enterprise")}
    recs = {r["id"]: r for r in store.dump_nodes("Recognition")}
    has = [(h["from"], recs[h["to"]]) for h in store.dump_rels("HAS")]
    supplies = list(store.dump_rels("SUPPLIES"))
    return ents, has, supplies


def test_docstring_examples():
    result = doctest.testmod(D)
    assert result.attempted >= 10 and result.failed == 0


def test_summary_counts_match_a_recount(store, dump):
    ents, has, _ = dump
    s = D.fetch_summary(store, "330100", YEAR)
    hz = [e for e in ents.values() if (e["region_code"] or "").startswith("3301")]
    assert s["counts"] == {"enterprises": len(hz),
                           "manufacturers": sum(1 for e in hz if e["is_manufacturer"]),
                           "providers": sum(1 for e in hz if e["provider_types"])}
    recognised = {u for u, r in has if ents[u]["region_code"].startswith("3301") and r["status"] == "认定"
                  and r["kind"] in D.FUTURE_FACTORY_KINDS and r["year"] <= YEAR}
    assert s["recognised_future_factories"] == len(recognised) > 0
    smart = next(r for r in s["recognitions"] if r["kind"] == "智能工厂")
    assert smart["cultivated"] == len({u for u, r in has if ents[u]["region_code"].startswith("3301")
                                       and r["kind"] == "智能工厂" and r["status"] == "培育" and r["year"] <= YEAR})


def test_targets_are_progress_over_the_regions_recognitions(store, dump):
    ents, has, _ = dump
    recs = [{"uscc": u, "region_code": ents[u]["region_code"], **{k: r[k] for k in ("kind", "level", "status", "year")}}
            for u, r in has if ents[u]["region_code"].startswith("3301")]
    s = D.fetch_summary(store, "330100", YEAR)
    assert s["targets"] == progress("330100", YEAR, recs)
    assert {t["rule_id"] for t in s["targets"]} >= {"B2", "B4", "B5"}
    sx = D.fetch_summary(store, "330600", YEAR)
    assert {t["rule_id"] for t in sx["targets"]} == {"E1"}
    assert {t["rule_id"] for t in D.fetch_summary(store, "330602", YEAR)["targets"]} == {"E2"}


def test_leader_ratios_match_a_recount(store, dump):
    ents, has, supplies = dump
    leaders = {u for u, r in has if r["kind"] == "链主工厂" and ents[u]["region_code"].startswith("3301")}
    local, total = defaultdict(float), defaultdict(float)
    for e in supplies:
        if e["to"] in leaders and e["year"] == YEAR:
            total[e["to"]] += e["amount_wan"]
            if ents[e["from"]]["region_code"].startswith("3301"):
                local[e["to"]] += e["amount_wan"]
    expected_below = sorted(u for u in leaders if total[u] > 0 and local[u] / total[u] < 0.6)
    s = D.fetch_summary(store, "330100", YEAR)
    assert s["leaders"]["leaders"] == len(leaders)
    assert s["leaders"]["with_supplies"] == sum(1 for u in leaders if total[u] > 0)
    assert sorted(r["uscc"] for r in s["leaders_below_target"]) == expected_below
    assert s["leaders"]["below_target"] == len(expected_below) > 0
    ratios = [r["ratio"] for r in s["leaders_below_target"]]
    assert ratios == sorted(ratios) and all(r < 0.6 for r in ratios)
    one = s["leaders_below_target"][0]
    assert one["ratio"] == pytest.approx(local[one["uscc"]] / total[one["uscc"]], abs=1e-4)


def test_district_measures_match_a_recount(store, dump):
    ents, _has, supplies = dump
    everyone = D.visible_districts(Principal("a", "admin"), "330100")
    assert len(everyone) == 13 and {"330113", "330114"} <= everyone  # 临平, 钱塘

    def measure(m):
        return {r["code"]: r["value"] for r in D.fetch_districts(store, "330100", m, YEAR, everyone)}

    providers = defaultdict(int)
    for e in ents.values():
        if e["provider_types"]:
            providers[e["region_code"]] += 1
    assert measure("providers") == {c: providers[c] for c in everyone}

    suppliers = defaultdict(set)
    for e in supplies:
        if e["year"] == YEAR:
            suppliers[ents[e["from"]]["region_code"]].add(e["from"])
    assert measure("local_suppliers") == {c: len(suppliers[c]) for c in everyone}

    rec = measure("recognised")
    assert sum(rec.values()) == D.fetch_summary(store, "330100", YEAR)["recognised_future_factories"]

    ratio = measure("ratio")
    s = D.fetch_summary(store, "330108", YEAR)
    assert s["leaders"]["with_supplies"] >= 1
    assert all(v is None or 0 <= v <= 100 for v in ratio.values())


def test_district_bureau_sees_only_its_district(store):
    bj = Principal("bj", "bureau", scope="330108")
    admin_rows = D.fetch_districts(store, "330100", "providers", YEAR, D.visible_districts(Principal("a", "admin"), "330100"))
    bj_rows = D.fetch_districts(store, "330100", "providers", YEAR, D.visible_districts(bj, "330100"))
    assert [r["code"] for r in bj_rows] == [r["code"] for r in admin_rows]
    shown = [r for r in bj_rows if r["visible"]]
    assert [r["code"] for r in shown] == ["330108"]
    assert shown[0]["value"] == next(r["value"] for r in admin_rows if r["code"] == "330108") > 0
    assert all(r["value"] is None and r["detail"] == {} for r in bj_rows if not r["visible"])


def test_region_options_and_cities():
    admin = Principal("a", "admin")
    codes = [o["code"] for o in D.region_options(admin)]
    assert codes[:2] == ["330000", "330100"] and "330600" in codes and len(codes) == 1 + 1 + 13 + 1 + 6
    assert D.region_options(Principal("m", "manufacturer", uscc="X")) == []
    assert D.map_cities(Principal("sx", "bureau", scope="330600")) == ["330600"]
    assert D.default_region(admin) == "330100"
    assert D.default_region(Principal("bj", "bureau", scope="330108")) == "330108"
    # retired codes are read as today's
    assert D.default_region(Principal("old", "bureau", scope="330103")) == regions.current_code("330103")


def test_pure_edge_cases():
    assert D.leader_ratios([]) == []
    assert D.leader_summary([]) == {"leaders": 0, "with_supplies": 0, "below_target": 0, "meeting_target": 0,
                                    "no_supplies": 0, "target_ratio": 0.6}
    # exactly 60% meets the target; a Shaoxing supplier is not local to a Hangzhou leader
    rows = [{"uscc": "L", "name": "x", "region_code": "330113", "supplier_region": "330114", "amount": 6},
            {"uscc": "L", "name": "x", "region_code": "330113", "supplier_region": "330602", "amount": 4}]
    (r,) = D.leader_ratios(rows)
    assert r["ratio"] == 0.6 and r["meets_target"] is True
    with pytest.raises(ValueError):
        D.district_values("nope", "330100", set(), year=2024)
    empty = D.district_values("ratio", "330100", {"330102"}, year=2024)
    assert next(r for r in empty if r["code"] == "330102")["value"] is None
    assert D.recognition_counts([{"uscc": "A", "kind": "智能工厂", "status": "认定", "year": None}], 2024)[3] == {
        "kind": "智能工厂", "recognised": 0, "cultivated": 0, "future_factory_kind": True}


@pytest.mark.parametrize("region", ["330100", "330108"])
def test_leader_counts_agree_with_the_local_supply_table(store, region):
    """The dashboard links its "below 60%" count to /local-supply: both must count alike."""
    from graphsvc.local_supply import ratios

    mine = D.fetch_summary(store, region, YEAR)
    table = ratios.fetch_table(store, YEAR, region=region)["items"]
    assert mine["leaders"]["leaders"] == len(table)
    assert sorted(r["uscc"] for r in mine["leaders_below_target"]) == sorted(
        i["uscc"] for i in table if i["meets_target"] is False)
