"""The synthetic demo data (graphsvc.demo.generate) at small scale: determinism, validity, shape."""
from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from stdnum.cn import uscc as uscc_mod

from graphsvc.demo import generate as demo
from graphsvc.core import regions
from graphsvc.core import reference as ref

HEADERS = {
    "enterprises": "uscc,name,region_code,industry_code,industry_kind,is_manufacturer,provider_types,"
                   "high_tech,credit_ok,revenue_wan,rd_spend_wan,rd_staff,employees,segment_ids",
    "supplies": "supplier_uscc,buyer_uscc,year,amount_wan,segment_id",
    "deliveries": "id,supplier_uscc,client_uscc,kind,provider_type,unit,quantity,contract_amount_wan,"
                  "signed_date,accepted_date,status,rating",
    "recognitions": "uscc,kind,level,status,year,chain_id,rating",
    "projects": "id,owner_uscc,name,industry_code,investment_wan,start_date,one_plus_n,group_id,"
                "service_org_uscc,prior_city_subsidy",
    "memberships": "platform_uscc,member_uscc,since,capabilities",
    "capacities": "uscc,process,units_per_week,unit_cost_yuan,setup_cost_yuan,valid_from,valid_to",
}
KIND_OF_TYPE = {1: {"engineering_project"}, 2: {"platform_onboarding", "industrial_app"},
                3: {"security_contract"}, 4: {"module_transfer"}, 5: {"iot_project"},
                6: {"system_integration"}}
RECOGNITION_KINDS = {"聚能工厂", "链主工厂", "智能工厂", "数字化车间", "云端工厂", "未来工厂", "数字工厂",
                     "工业互联网平台", "智造供给培育"}
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DECIMAL = re.compile(r"\d+(\.\d+)?")
RETIRED = ("330103", "330104", "330183", "330185", "330621", "330682")


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo_a")
    paths = demo.generate("small", path)
    assert set(paths) == set(HEADERS)
    return path


@pytest.fixture(scope="module")
def data(out) -> dict[str, list[dict[str, str]]]:
    tables = {}
    for kind in HEADERS:
        with (out / f"{kind}.csv").open(encoding="utf-8", newline="") as fh:
            tables[kind] = list(csv.DictReader(fh))
    return tables


@pytest.fixture(scope="module")
def ents(data) -> dict[str, dict[str, str]]:
    return {e["uscc"]: e for e in data["enterprises"]}


@pytest.fixture(scope="module")
def leaders(data) -> dict[str, str]:
    """leader uscc -> chain id, from the 链主工厂 recognitions."""
    return {r["uscc"]: r["chain_id"] for r in data["recognitions"] if r["kind"] == "链主工厂"}


def test_same_seed_same_bytes(out, tmp_path):
    demo.generate("small", tmp_path)
    for kind in HEADERS:
        assert (out / f"{kind}.csv").read_bytes() == (tmp_path / f"{kind}.csv").read_bytes(), kind


def test_other_seed_differs(out, tmp_path):
    demo.generate("small", tmp_path, seed=7)
    assert (out / "supplies.csv").read_bytes() != (tmp_path / "supplies.csv").read_bytes()


def test_headers_exact(out):
    for kind, header in HEADERS.items():
        with (out / f"{kind}.csv").open(encoding="utf-8") as fh:
            assert fh.readline().rstrip("\n") == header


def test_counts_in_range(data, leaders):
    n = {k: len(v) for k, v in data.items()}
    assert 2_700 <= n["enterprises"] <= 3_300
    assert 5_000 <= n["supplies"] <= 40_000
    assert 1_000 <= n["deliveries"] <= 3_000
    assert 200 <= n["projects"] <= 500
    assert 30 <= len(leaders) <= 40
    providers = [e for e in data["enterprises"] if e["provider_types"]]
    assert 0.02 <= len(providers) / n["enterprises"] <= 0.04


def test_enterprises_valid(data):
    names, usccs = set(), set()
    industries = ref.industries()
    segs = ref.segments()
    for e in data["enterprises"]:
        u = e["uscc"]
        assert uscc_mod.is_valid(u), u
        assert u[:2] == "91" and u[2:8] == e["region_code"]
        assert regions.is_known_region(e["region_code"])
        assert "示例" in e["name"]
        assert u not in usccs and e["name"] not in names
        usccs.add(u)
        names.add(e["name"])
        for col in ("is_manufacturer", "high_tech", "credit_ok"):
            assert e[col] in {"true", "false"}
        for col in ("revenue_wan", "rd_spend_wan", "rd_staff", "employees"):
            assert DECIMAL.fullmatch(e[col]), (col, e[col])
        types = e["provider_types"].split(";") if e["provider_types"] else []
        assert all(t in {"1", "2", "3", "4", "5", "6"} for t in types) and len(set(types)) == len(types)
        if e["is_manufacturer"] == "true":
            assert e["industry_code"] in industries
            assert e["industry_kind"] == industries[e["industry_code"]]["kind"]
            seg_ids = e["segment_ids"].split(";")
            assert 1 <= len(seg_ids) <= 2
            for s in seg_ids:
                # A segment is only taken by an enterprise of one of its chain's industries.
                assert e["industry_code"] in ref.chain(segs[s]["chain_id"])["industry_codes"], (u, s)
        else:
            assert e["industry_code"] == e["industry_kind"] == e["segment_ids"] == ""
            assert types or e["name"]  # 云端工厂 candidates have neither


def test_geography(data):
    by_region = Counter(e["region_code"] for e in data["enterprises"])
    cities = Counter(regions.city_of(c) for c in by_region.elements())
    total = sum(by_region.values())
    assert cities["330100"] / total > 0.4                   # mostly Hangzhou
    assert cities["330600"] / total > 0.1                   # many in Shaoxing
    zj = sum(v for c, v in cities.items() if c and c.startswith("33"))
    assert 0.8 <= zj / total < 0.95                          # some from other provinces
    for code in RETIRED:
        assert by_region[code] > 0, code
    providers = Counter(e["region_code"] for e in data["enterprises"] if e["provider_types"])
    assert providers.most_common(1)[0][0] == "330108"        # concentrated in 滨江
    prov = [e for e in data["enterprises"] if e["provider_types"]]
    assert any(e["credit_ok"] == "false" for e in prov)
    rd = [Decimal(e["rd_spend_wan"]) for e in prov]
    assert any(x < 500 for x in rd) and any(x > 500 for x in rd) and Decimal(500) in rd     # C2.3
    assert {e["high_tech"] for e in prov} == {"true", "false"}


def test_references_resolve(data, ents):
    segs, chains = ref.segments(), {c["id"] for c in ref.chains()}
    for s in data["supplies"]:
        assert s["supplier_uscc"] in ents and s["buyer_uscc"] in ents
        assert s["segment_id"] in segs
    for d in data["deliveries"]:
        assert d["supplier_uscc"] in ents and d["client_uscc"] in ents
    for r in data["recognitions"]:
        assert r["uscc"] in ents
        assert (r["chain_id"] in chains) if r["kind"] == "链主工厂" else r["chain_id"] == ""
    for p in data["projects"]:
        assert p["owner_uscc"] in ents
        assert p["service_org_uscc"] == "" or p["service_org_uscc"] in ents
    for m in data["memberships"]:
        assert m["platform_uscc"] in ents and m["member_uscc"] in ents


def test_dates_not_after_2025(data):
    for kind, cols in (("deliveries", ("signed_date", "accepted_date")), ("projects", ("start_date",)),
                       ("memberships", ("since",))):
        for row in data[kind]:
            for col in cols:
                if row[col]:
                    assert DATE.fullmatch(row[col]) and row[col] <= "2025-12-31", (kind, col, row[col])


def test_supplies_follow_chains(data, ents, leaders):
    segs = ref.segments()
    seen = set()
    for s in data["supplies"]:
        key = (s["supplier_uscc"], s["buyer_uscc"], s["year"], s["segment_id"])
        assert key not in seen
        seen.add(key)
        assert s["supplier_uscc"] != s["buyer_uscc"]
        assert 2022 <= int(s["year"]) <= 2025
        assert DECIMAL.fullmatch(s["amount_wan"]) and Decimal(s["amount_wan"]) > 0
        buyer = ents[s["buyer_uscc"]]
        buyer_chain = leaders.get(s["buyer_uscc"]) or segs[buyer["segment_ids"].split(";")[0]]["chain_id"]
        assert segs[s["segment_id"]]["chain_id"] == buyer_chain
        assert s["segment_id"] in ents[s["supplier_uscc"]]["segment_ids"].split(";")


def _shares(data, ents, leaders) -> dict[tuple[str, str], Decimal]:
    local, total = defaultdict(Decimal), defaultdict(Decimal)
    for s in data["supplies"]:
        if s["buyer_uscc"] not in leaders:
            continue
        key = (s["buyer_uscc"], s["year"])
        amount = Decimal(s["amount_wan"])
        total[key] += amount
        scope = regions.city_of(ents[s["buyer_uscc"]]["region_code"])
        if regions.in_scope(ents[s["supplier_uscc"]]["region_code"], scope):
            local[key] += amount
    return {k: local[k] / total[k] for k in total}


def test_leaders_local_shares_straddle_60(data, ents, leaders):
    assert all(regions.city_of(ents[u]["region_code"]) == "330100" for u in leaders)
    shares = _shares(data, ents, leaders)
    per_leader = defaultdict(list)
    for (u, _year), v in shares.items():
        per_leader[u].append(v)
    mean = {u: sum(v) / len(v) for u, v in per_leader.items()}
    above = sum(v > Decimal("0.6") for v in mean.values())
    below = sum(v < Decimal("0.6") for v in mean.values())
    assert above >= len(mean) // 4 and below >= len(mean) // 4
    assert any(v == Decimal("0.6") for v in shares.values())                  # exactly on the line
    assert any(Decimal("0.59") < v < Decimal("0.6") for v in shares.values())  # just below it
    years = {u: {y for (uu, y) in shares if uu == u} for u in per_leader}
    assert any(len(ys) < 4 for ys in years.values())                          # idle in some year
    assert set(per_leader) == set(leaders)
    # Tier 2: supplies into leaders' tier-1 suppliers exist.
    tier1 = {s["supplier_uscc"] for s in data["supplies"] if s["buyer_uscc"] in leaders}
    assert sum(s["buyer_uscc"] in tier1 for s in data["supplies"]) > 1_000


def test_gap_and_single_segments(data, ents, leaders):
    hz_members = Counter()
    for e in data["enterprises"]:
        if e["segment_ids"] and regions.city_of(e["region_code"]) == "330100":
            hz_members.update(e["segment_ids"].split(";"))
    leader_chains = set(leaders.values())
    segs = [s for s, v in ref.segments().items() if v["chain_id"] in leader_chains]
    assert sum(hz_members[s] == 0 for s in segs) >= 2
    assert sum(hz_members[s] == 1 for s in segs) >= 2


def test_deliveries_valid(data, ents):
    ids = [d["id"] for d in data["deliveries"]]
    assert ids == [f"D{i:06d}" for i in range(1, len(ids) + 1)]
    status = Counter()
    for d in data["deliveries"]:
        t = int(d["provider_type"])
        assert d["kind"] in KIND_OF_TYPE[t]
        sup, client = ents[d["supplier_uscc"]], ents[d["client_uscc"]]
        assert str(t) in sup["provider_types"].split(";")
        assert client["is_manufacturer"] == "true"
        if t == 1:
            allowed = {"workshop", "factory"} if client["industry_kind"] == "process" else \
                {"cell", "line", "workshop", "factory"}
            assert d["unit"] in allowed
        assert d["unit"] in {"", "cell", "line", "workshop", "factory"}
        assert int(d["quantity"]) >= 1
        assert DECIMAL.fullmatch(d["contract_amount_wan"])
        assert d["status"] in {"claimed", "confirmed", "disputed", "withdrawn"}
        assert d["rating"] in {"", "excellent", "good", "qualified"}
        assert DATE.fullmatch(d["signed_date"])
        if d["accepted_date"]:
            assert d["signed_date"] <= d["accepted_date"] <= "2025-12-31"
        status[d["status"]] += 1
    n = len(data["deliveries"])
    assert 0.75 < status["confirmed"] / n < 0.92
    assert 0.06 < status["claimed"] / n < 0.14
    assert 0.02 < status["disputed"] / n < 0.07
    assert 0.005 < status["withdrawn"] / n < 0.04


def test_deliveries_are_learnable(data, ents):
    """Industry specialisation and locality show: a provider's clients repeat its industries."""
    by_provider = defaultdict(Counter)
    for d in data["deliveries"]:
        by_provider[d["supplier_uscc"]][ents[d["client_uscc"]]["industry_code"]] += 1
    busy = [c for c in by_provider.values() if sum(c.values()) >= 10]
    top3 = sum(sum(v for _, v in c.most_common(3)) for c in busy) / sum(sum(c.values()) for c in busy)
    assert 0.5 < top3 < 0.97   # specialised, but with noise
    same_city = sum(regions.city_of(ents[d["supplier_uscc"]]["region_code"])
                    == regions.city_of(ents[d["client_uscc"]]["region_code"]) for d in data["deliveries"])
    assert same_city / len(data["deliveries"]) > 0.5


def test_recognitions(data, ents, leaders):
    rows = data["recognitions"]
    kinds = Counter(r["kind"] for r in rows)
    assert set(kinds) == RECOGNITION_KINDS
    for r in rows:
        assert r["level"] in {"国家", "省", "市", "区"}
        assert r["status"] in {"培育", "认定"}
        assert 2021 <= int(r["year"]) <= 2025
        assert r["rating"] in {"", "excellent", "good", "qualified"}
    assert len({(r["uscc"], r["kind"], r["year"]) for r in rows}) == len(rows)
    assert kinds["数字化车间"] > kinds["智能工厂"] > len(leaders) >= 30
    assert len({r["uscc"] for r in rows if r["kind"] == "聚能工厂"}) >= 5
    assert kinds["云端工厂"] > 0
    assert {r["level"] for r in rows if r["kind"] in ("未来工厂", "数字工厂")} == {"省"}
    # Ladder histories: 数字化车间 first, 智能工厂 later (A1.4).
    first = {(r["uscc"], r["kind"]): int(r["year"]) for r in rows}
    ladder = [u for (u, k), y in first.items() if k == "智能工厂" and (u, "数字化车间") in first
              and first[(u, "数字化车间")] < y]
    assert len(ladder) >= 5
    recognised = {r["uscc"] for r in rows if r["status"] == "认定"}
    assert any(r["status"] == "培育" and r["uscc"] not in recognised for r in rows)
    assert any(regions.city_of(ents[r["uscc"]]["region_code"]) == "330600" for r in rows)
    for r in rows:
        if r["kind"] == "智造供给培育":
            e = ents[r["uscc"]]
            assert regions.current_code(e["region_code"]) == "330108" and e["provider_types"]
    # Some clients are recognised after a delivery (the "client later recognised" evidence).
    rec_year = defaultdict(list)
    for r in rows:
        if r["kind"] in ("数字化车间", "智能工厂"):
            rec_year[r["uscc"]].append(int(r["year"]))
    later = {d["client_uscc"] for d in data["deliveries"]
             if any(y > int(d["signed_date"][:4]) for y in rec_year.get(d["client_uscc"], []))}
    assert len(later) >= 20


def test_projects(data, ents):
    rows = data["projects"]
    assert [p["id"] for p in rows] == [f"P{i:05d}" for i in range(1, len(rows) + 1)]
    groups = defaultdict(Counter)
    for p in rows:
        assert p["one_plus_n"] in {"", "1", "N"}
        assert (p["group_id"] == "") == (p["one_plus_n"] == "")
        if p["group_id"]:
            groups[p["group_id"]][p["one_plus_n"]] += 1
        assert p["industry_code"] == ents[p["owner_uscc"]]["industry_code"]
        assert p["prior_city_subsidy"] in {"true", "false"}
        if p["service_org_uscc"]:
            assert "1" in ents[p["service_org_uscc"]]["provider_types"].split(";")
    assert groups and all(g["1"] == 1 and 2 <= g["N"] <= 5 for g in groups.values())
    inv = [Decimal(p["investment_wan"]) for p in rows]
    assert Decimal(200) in inv and any(x < 200 for x in inv) and any(x > 200 for x in inv)   # A2.5
    starts = [p["start_date"] for p in rows]
    assert "2022-01-01" in starts and any(s < "2022-01-01" for s in starts)                 # A2.4
    assert {p["prior_city_subsidy"] for p in rows} == {"true", "false"}                     # A2.6
    assert any(regions.city_of(ents[p["owner_uscc"]]["region_code"]) != "330100" for p in rows)


def test_memberships(data, ents):
    platforms = {r["uscc"] for r in data["recognitions"] if r["kind"] == "聚能工厂"}
    per_platform = Counter(m["platform_uscc"] for m in data["memberships"])
    assert set(per_platform) == platforms
    assert all(20 <= k <= 200 for k in per_platform.values())
    pairs = {(m["platform_uscc"], m["member_uscc"]) for m in data["memberships"]}
    assert len(pairs) == len(data["memberships"])
    for m in data["memberships"]:
        assert m["platform_uscc"] != m["member_uscc"]
        assert ents[m["member_uscc"]]["is_manufacturer"] == "true"
        assert m["capabilities"] and all(c in demo.CAPABILITIES for c in m["capabilities"].split(";"))


def test_unknown_scale_rejected(tmp_path):
    with pytest.raises(ValueError):
        demo.generate("city", tmp_path)
