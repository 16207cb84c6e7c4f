"""The local-supply projection kept current by changes equals a fresh build from the database.

A seeded random sequence of imports (supplies new and replaced, enterprises new, moved and
re-rated, recognitions, memberships) goes through the real importers into a private copy of the
demo graph; after each one the figures served from the incrementally patched projection must
equal those computed from a projection built afresh from the database.
"""
from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd

from graphsvc.core import cache, projection, reference
from graphsvc.demo.generate import make_usccs
from graphsvc.local_supply import coverage, ratios, whatif
from graphsvc.local_supply import projection as lsproj
from loaders.importer import run_import

YEARS = (2023, 2024)
CHAINS = ("HZ01", "HZ02", "HZ11")
REGIONS = ("330106", "330108", "330110", "330602", "310101")


def figures(store, leaders: list[str]) -> dict:
    out = {}
    for year in YEARS:
        out[f"table/{year}"] = ratios.fetch_table(store, year)
        out[f"table/{year}/330000"] = ratios.fetch_table(store, year, scope="330000")
        out[f"table/{year}/330108"] = ratios.fetch_table(store, year, scope="330108")
    known = {x["uscc"]: x for x in ratios.fetch_leaders(store)}
    out["leaders"] = sorted(known)
    for u in leaders:
        if u in known:
            out[f"detail/{u}"] = whatif.fetch_detail(store, known[u], 2024)
    for cid in CHAINS:
        for scope in ("330100", "330108"):
            out[f"coverage/{cid}/{scope}"] = coverage.fetch_coverage(store, cid, 2024, scope, "requested")
    return out


def fresh(store, leaders: list[str]) -> dict:
    projection.reset(store)
    cache.clear_cache()
    return figures(store, leaders)


def same(a, b, path="") -> str | None:
    """The first difference beyond float summation order, or None."""
    if isinstance(a, float) and isinstance(b, float):
        return None if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) else f"{path}: {a} != {b}"
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(set(a) ^ set(b))}"
        return next((d for k in a if (d := same(a[k], b[k], f"{path}/{k}"))), None)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        return next((d for i, (x, y) in enumerate(zip(a, b)) if (d := same(x, y, f"{path}[{i}]"))), None)
    return None if a == b else f"{path}: {a!r} != {b!r}"


def csv(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode("utf-8")


def imported(store, kind: str, df: pd.DataFrame) -> None:
    rep = run_import(store, kind, csv(df), f"{kind}.csv", actor="test")
    assert rep.status == "ok", rep.as_dict()


def test_projection_after_random_imports_equals_a_fresh_build(fresh_store, demo_files):
    rng = random.Random(20261202)
    ent = pd.read_csv(demo_files / "enterprises.csv", dtype=str, keep_default_na=False)
    sup = pd.read_csv(demo_files / "supplies.csv", dtype={"supplier_uscc": str, "buyer_uscc": str,
                                                          "segment_id": str})
    rec = pd.read_csv(demo_files / "recognitions.csv", dtype=str, keep_default_na=False)
    leaders = sorted(rec.loc[rec["kind"] == "链主工厂", "uscc"].unique())
    usccs = list(ent["uscc"])
    segs = sorted(reference.segments())
    watched = rng.sample(leaders, 4)
    new = make_usccs(np.array(["330108", "330106", "330602"]), np.array([70_000_001, 70_000_002, 70_000_003]))

    before = figures(fresh_store, watched)        # the projection is built here, then patched
    built = lsproj.current(fresh_store)

    steps = [
        ("supplies", lambda: pd.DataFrame({        # new records into leaders, local and not
            "supplier_uscc": rng.sample(usccs, 40), "buyer_uscc": [rng.choice(watched) for _ in range(40)],
            "year": [rng.choice(YEARS) for _ in range(40)],
            "amount_wan": [round(rng.uniform(1, 5000), 2) for _ in range(40)],
            "segment_id": [rng.choice(segs + [""]) for _ in range(40)]})),
        ("supplies", lambda: sup.sample(60, random_state=rng.randrange(1 << 30)).assign(   # replaced amounts
            amount_wan=lambda d: (d["amount_wan"] * 1.5 + 1).round(2)).fillna({"segment_id": ""})),
        ("enterprises", lambda: pd.DataFrame({     # new enterprises with segments, one of them a supplier
            "uscc": new, "name": ["投影测试甲", "投影测试乙", "投影测试丙"], "region_code": ["330108", "330106", "330602"],
            "credit_ok": ["true", "true", "false"], "revenue_wan": ["100", "2000", "30"],
            "segment_ids": [rng.choice(segs) for _ in range(3)]})),
        ("supplies", lambda: pd.DataFrame({
            "supplier_uscc": new[:2] * 3, "buyer_uscc": [rng.choice(watched) for _ in range(6)],
            "year": [2024] * 6, "amount_wan": [1000.0, 2000.0, 3000.0, 40.0, 50.0, 60.0],
            "segment_id": [rng.choice(segs) for _ in range(6)]})),
        ("enterprises", lambda: pd.DataFrame({     # suppliers move (local <-> not) and change credit
            "uscc": (moved := rng.sample(list(sup.loc[sup["buyer_uscc"].isin(watched), "supplier_uscc"]
                                               .unique()), 8)),
            "name": [f"迁移企业{i}" for i in range(8)],
            "region_code": [rng.choice(REGIONS) for _ in moved],
            "credit_ok": [rng.choice(["true", "false"]) for _ in moved],
            "segment_ids": [rng.choice(segs) for _ in moved]})),
        ("recognitions", lambda: pd.DataFrame({    # a new leader, and a platform
            "uscc": [new[0], new[1]], "kind": ["链主工厂", "聚能工厂"], "level": ["市", "市"],
            "status": ["认定", "认定"], "year": ["2024", "2024"], "chain_id": ["HZ02", ""], "rating": ["", ""]})),
        ("memberships", lambda: pd.DataFrame({
            "platform_uscc": [new[1]] * 5, "member_uscc": rng.sample(usccs, 5), "since": ["2024-01-01"] * 5,
            "capabilities": ["组装"] * 5})),
        ("supplies", lambda: pd.DataFrame({        # supplies into the new leader, and into its tier 1
            "supplier_uscc": rng.sample(usccs, 12), "buyer_uscc": [new[0]] * 6 + [new[1]] * 6,
            "year": [2024] * 12, "amount_wan": [round(rng.uniform(1, 900), 2) for _ in range(12)],
            "segment_id": [rng.choice(segs) for _ in range(12)]})),
    ]
    for n, (kind, make) in enumerate(steps):
        imported(fresh_store, kind, make())
        patched = figures(fresh_store, watched + [new[0]])
        assert lsproj.current(fresh_store) is built, f"step {n} ({kind}) rebuilt instead of applying"
        expect = fresh(fresh_store, watched + [new[0]])
        assert (diff := same(patched, expect)) is None, f"after step {n} ({kind}): {diff}"
        figures(fresh_store, watched)              # build again, for the next step to patch
        built = lsproj.current(fresh_store)
    # The writes did move the figures: the comparison above compared something.
    assert same(before["table/2024"], expect["table/2024"]) is not None
    assert new[0] in expect["leaders"] and f"detail/{new[0]}" in expect


def test_leader_edges_in_blocks_give_the_figures_of_one_gather(fresh_store, demo_files, monkeypatch):
    """State.leader_blocks: the leaders' edges gathered in many small blocks (with an unsorted
    tail of new records each block scans) give exactly the figures of one gather."""
    ent = pd.read_csv(demo_files / "enterprises.csv", dtype=str, keep_default_na=False)
    rec = pd.read_csv(demo_files / "recognitions.csv", dtype=str, keep_default_na=False)
    leaders = sorted(rec.loc[rec["kind"] == "链主工厂", "uscc"].unique())
    figures(fresh_store, leaders[:3])
    rng = random.Random(19)
    imported(fresh_store, "supplies", pd.DataFrame({      # new records into leaders: a tail
        "supplier_uscc": rng.sample(list(ent["uscc"]), 30), "buyer_uscc": [rng.choice(leaders[:5]) for _ in range(30)],
        "year": [2024] * 30, "amount_wan": [round(rng.uniform(1, 900), 2) for _ in range(30)],
        "segment_id": [rng.choice(sorted(reference.segments())) for _ in range(30)]}))

    def all_stale():
        st = lsproj.current(fresh_store)
        st.tick += 1
        st.buyer_gen[:] = st.tick
        cache.clear_cache()
        return figures(fresh_store, leaders[:3])

    st = lsproj.current(fresh_store)
    assert st.shared.n > st.shared.n_sorted        # a tail to scan
    one = all_stale()
    monkeypatch.setattr(lsproj, "BLOCK_EDGES", 50)
    assert len(list(st.leader_blocks(st.holders_in(lsproj.LEADER, "3301")))) > 10
    assert all_stale() == one
