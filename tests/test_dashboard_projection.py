"""The dashboard served from its projection part equals the dashboard computed by the Cypher
files (queries/dashboard/), on the demo graph and after a seeded random sequence of writes:
imports of supplies, enterprises (new and moved), recognitions and deliveries, and claims,
confirmations and disputes through the ledger. After each write the projection must have
been patched, not rebuilt, where the part can patch (tests/test_local_supply_projection.py
does the same for local supply)."""
from __future__ import annotations

import random

import numpy as np
import pandas as pd

from graphsvc.core import projection
from graphsvc.core.access import Principal
from graphsvc.dashboard import projection as dproj
from graphsvc.dashboard import summary as D
from graphsvc.deliveries import ledger
from graphsvc.demo.generate import make_usccs
from tests.test_ledger import claim_body
from tests.test_local_supply_projection import imported, same

REGIONS = ("330000", "330100", "330108", "330600", "330602", "330200")
CITIES = ("330100", "330600")


def dashboard(store, read=None) -> dict:
    out = {"years": D.years(store, read)}
    for year in (2023, 2024):
        for region in REGIONS:
            out[f"summary/{region}/{year}"] = D.fetch_summary(store, region, year, read)
        for city in CITIES:
            everyone = {d["code"] for d in D.districts_of(city)}
            for measure in D.MEASURES:
                out[f"districts/{city}/{measure}/{year}"] = D.fetch_districts(store, city, measure, year, everyone,
                                                                              read)
    return out


def check(store, when: str) -> dict:
    served = dashboard(store)
    expect = dashboard(store, read=store.read)
    assert (diff := same(served, expect)) is None, f"{when}: {diff}"
    return served


def test_dashboard_projection_equals_the_cypher_files_after_random_writes(fresh_store, demo_files, accounts):
    rng = random.Random(20261203)
    st = fresh_store
    ent = pd.read_csv(demo_files / "enterprises.csv", dtype=str, keep_default_na=False)
    rec = pd.read_csv(demo_files / "recognitions.csv", dtype=str, keep_default_na=False)
    dl = pd.read_csv(demo_files / "deliveries.csv", dtype=str, keep_default_na=False)
    usccs = list(ent["uscc"])
    leaders = sorted(rec.loc[rec["kind"] == "链主工厂", "uscc"].unique())
    holders = sorted(rec["uscc"].unique())
    new = make_usccs(np.array(["330108", "330602"]), np.array([71_000_001, 71_000_002]))
    maker = Principal("maker", "manufacturer", uscc=accounts["maker"]["uscc"])
    provider = Principal("provider", "supplier", uscc=accounts["provider"]["uscc"])
    claimed: list[str] = []

    def claim():
        claimed.append(ledger.claim(st, provider, claim_body(maker.uscc))["id"])

    def decide(action):
        ledger.transition(st, maker, claimed.pop(0), action)

    before = check(st, "on the demo graph")
    built = projection.current(st, dproj.NAME)
    steps = [
        ("supplies into leaders", lambda: imported(st, "supplies", pd.DataFrame({
            "supplier_uscc": rng.sample(usccs, 30), "buyer_uscc": [rng.choice(leaders) for _ in range(30)],
            "year": [rng.choice((2023, 2024)) for _ in range(30)],
            "amount_wan": [round(rng.uniform(1, 5000), 2) for _ in range(30)], "segment_id": [""] * 30}))),
        ("claims", lambda: [claim() for _ in range(3)]),
        ("a confirmation", lambda: decide("confirm")),
        ("a dispute", lambda: decide("dispute")),
        ("new and moved enterprises", lambda: imported(st, "enterprises", pd.DataFrame({
            "uscc": list(new) + (moved := rng.sample(leaders + usccs[:200], 6)),
            "name": ["看板测试甲", "看板测试乙"] + [f"迁移{i}" for i in range(6)],
            "region_code": ["330108", "330602"] + [rng.choice(("330106", "330110", "330602")) for _ in moved],
            "credit_ok": ["true"] * 8, "provider_types": ["1;3", ""] + [""] * 6}))),
        ("recognitions of known holders", lambda: imported(st, "recognitions", pd.DataFrame({
            "uscc": rng.sample(holders, 4), "kind": ["智能工厂", "数字化车间", "链主工厂", "未来工厂"],
            "level": ["市"] * 4, "status": ["认定"] * 4, "year": ["2024"] * 4,
            "chain_id": ["", "", "HZ02", ""], "rating": [""] * 4}))),
        ("delivery import", lambda: imported(st, "deliveries", dl.sample(20, random_state=rng.randrange(1 << 30))
                                              .assign(id=[f"DBP{i:04d}" for i in range(20)])
                                              .drop(columns=["status", "rating"]))),
    ]
    for kind, write in steps:
        write()
        check(st, f"after {kind}")
        assert projection.current(st, dproj.NAME) is built, f"{kind}: rebuilt instead of patched"
    # A recognition for an enterprise that held none: the part rebuilds, and still agrees.
    imported(st, "recognitions", pd.DataFrame({
        "uscc": [new[0]], "kind": ["链主工厂"], "level": ["市"], "status": ["认定"], "year": ["2024"],
        "chain_id": ["HZ02"], "rating": [""]}))
    after = check(st, "after a new holder's recognition")
    # The writes moved the figures: the comparisons above compared something.
    assert same(before["summary/330100/2024"], after["summary/330100/2024"]) is not None
    assert same(before["summary/330108/2024"]["deliveries"], after["summary/330108/2024"]["deliveries"]) is not None
