"""The local-supply queries on the demo graph, checked against a brute-force pandas
recomputation from the demo CSV files (docs/figures.md §2–3, to 1e-9)."""
from __future__ import annotations

import pandas as pd
import pytest

from graphsvc.local_supply import coverage
from graphsvc.core import regions
from graphsvc.local_supply import ratios
from graphsvc.core import reference
from graphsvc.local_supply import whatif

TOL = 1e-9
YEARS = (2022, 2023, 2024, 2025)


@pytest.fixture(scope="module")
def frames(demo_files):
    ent = pd.read_csv(demo_files / "enterprises.csv", dtype=str, keep_default_na=False)
    codes = {c: regions.current_code(c) for c in ent["region_code"].unique()}
    ent["region"] = ent["region_code"].map(codes)
    sup = pd.read_csv(demo_files / "supplies.csv", dtype={"supplier_uscc": str, "buyer_uscc": str, "segment_id": str})
    rec = pd.read_csv(demo_files / "recognitions.csv", dtype=str, keep_default_na=False)
    region = ent.set_index("uscc")["region"]
    sup["supplier_region"] = sup["supplier_uscc"].map(region)
    sup["buyer_region"] = sup["buyer_uscc"].map(region)
    leaders = sorted(rec.loc[rec["kind"] == "链主工厂", "uscc"].unique())
    return {"ent": ent, "sup": sup, "rec": rec, "leaders": leaders, "region": region}


def brute_ratios(f, year: int, scope_of_leader) -> dict:
    """{leader: (local, total, local_suppliers, suppliers)} from the CSVs, by plain pandas."""
    s = f["sup"]
    out = {}
    for lu in f["leaders"]:
        rows = s[(s["buyer_uscc"] == lu) & (s["year"] == year)]
        prefix = scope_of_leader(lu)
        local = rows["supplier_region"].str.startswith(prefix)
        out[lu] = (rows.loc[local, "amount_wan"].sum(), rows["amount_wan"].sum(),
                   rows.loc[local, "supplier_uscc"].nunique(), rows["supplier_uscc"].nunique())
    return out


def city_prefix(f):
    return lambda lu: f["region"][lu][:4]   # every demo leader sits in a district of 杭州


@pytest.mark.parametrize("year", YEARS)
def test_ratio_table_matches_pandas(store, frames, year):
    t = ratios.fetch_table(store, year)
    assert t["target"] == 0.6
    got = {i["uscc"]: i for i in t["items"]}
    assert sorted(got) == frames["leaders"]
    expect = brute_ratios(frames, year, city_prefix(frames))
    with_data = 0
    for lu, (loc, tot, nl, n) in expect.items():
        i = got[lu]
        if n == 0:
            assert i["ratio_amount"] is None and i["ratio_count"] is None and i["meets_target"] is None
            assert i["reason"] == "该年度无供货记录" and i["total_amount"] is None
            continue
        with_data += 1
        assert i["local_amount"] == pytest.approx(loc, abs=TOL)
        assert i["total_amount"] == pytest.approx(tot, abs=TOL)
        assert i["ratio_amount"] == pytest.approx(loc / tot, abs=TOL)
        assert i["ratio_count"] == pytest.approx(nl / n, abs=TOL)
        assert i["gap_amount"] == pytest.approx(max(0.0, 0.6 * tot - loc), abs=TOL)
        assert i["meets_target"] == (loc / tot >= 0.6 - TOL)
    assert with_data >= len(frames["leaders"]) - 2
    # Pooled over every leader with data.
    o = t["pooled"]["overall"]
    loc = sum(v[0] for v in expect.values())
    tot = sum(v[1] for v in expect.values())
    assert o["ratio_amount"] == pytest.approx(loc / tot, abs=TOL)
    assert o["ratio_count"] == pytest.approx(sum(v[2] for v in expect.values()) / sum(v[3] for v in expect.values()),
                                             abs=TOL)
    # Per chain: the sums over the chain's leaders.
    by_chain = {c["chain"]: c for c in t["pooled"]["chains"]}
    for cid, c in by_chain.items():
        members = [i["uscc"] for i in t["items"] if i["chain"] == cid]
        lsum = sum(expect[u][0] for u in members)
        tsum = sum(expect[u][1] for u in members)
        if tsum:
            assert c["ratio_amount"] == pytest.approx(lsum / tsum, abs=TOL)
            assert c["gap_amount"] == pytest.approx(max(0.0, 0.6 * tsum - lsum), abs=TOL)


def test_province_and_district_scopes_match_pandas(store, frames):
    t = ratios.fetch_table(store, 2024, scope="330000")
    expect = brute_ratios(frames, 2024, lambda lu: "33")
    for i in t["items"]:
        loc, tot, nl, n = expect[i["uscc"]]
        if n:
            assert i["ratio_amount"] == pytest.approx(loc / tot, abs=TOL)
            assert i["ratio_count"] == pytest.approx(nl / n, abs=TOL)
    # A district scope lists the district's leaders and counts only that district as local.
    t = ratios.fetch_table(store, 2024, scope="330108")
    bj = [lu for lu in frames["leaders"] if frames["region"][lu] == "330108"]
    assert sorted(i["uscc"] for i in t["items"]) == bj
    expect = brute_ratios(frames, 2024, lambda lu: "330108")
    for i in t["items"]:
        loc, tot, nl, n = expect[i["uscc"]]
        if n:
            assert i["ratio_amount"] == pytest.approx(loc / tot, abs=TOL)


def test_boundary_leaders_of_the_demo(store, frames):
    """The demo puts one leader exactly on 60% and one just below it in every year."""
    t = ratios.fetch_table(store, 2024)
    exact = [i for i in t["items"] if i["ratio_amount"] is not None and abs(i["ratio_amount"] - 0.6) < 1e-12]
    assert exact and all(i["meets_target"] is True and i["gap_amount"] == pytest.approx(0, abs=TOL) for i in exact)
    below = [i for i in t["items"] if i["ratio_amount"] is not None and 0.595 < i["ratio_amount"] < 0.6 - 1e-12]
    assert below and all(i["meets_target"] is False and i["gap_amount"] > 0 for i in below)


def test_leader_detail_matches_pandas(store, frames):
    s = frames["sup"]
    leaders = {x["uscc"]: x for x in ratios.fetch_leaders(store)}
    checked = 0
    for lu in frames["leaders"][:8]:
        d = whatif.fetch_detail(store, leaders[lu], 2024)
        prefix = frames["region"][lu][:4]
        rows = s[(s["buyer_uscc"] == lu) & (s["year"] == 2024)]
        if rows.empty:
            assert d["figures"]["ratio_amount"] is None and d["note"]
            continue
        checked += 1
        local = rows["supplier_region"].str.startswith(prefix)
        assert d["figures"]["ratio_amount"] == pytest.approx(rows.loc[local, "amount_wan"].sum()
                                                             / rows["amount_wan"].sum(), abs=TOL)
        # By segment.
        seg = rows.assign(local_amt=rows["amount_wan"].where(local, 0.0)).groupby("segment_id")[
            ["local_amt", "amount_wan"]].sum()
        got = {x["segment_id"]: x for x in d["by_segment"]}
        assert set(got) == set(seg.index)
        for sid, r in seg.iterrows():
            assert got[sid]["ratio_amount"] == pytest.approx(r["local_amt"] / r["amount_wan"], abs=TOL)
        # By supplier: amounts sum to the total.
        assert sum(x["amount"] for x in d["by_supplier"]) == pytest.approx(rows["amount_wan"].sum(), abs=1e-6)
        # Tier 2: edges in 2024 into the enterprises that supplied the leader in 2024.
        t1 = set(rows["supplier_uscc"])
        t2 = s[s["buyer_uscc"].isin(t1) & (s["year"] == 2024)]
        t2_local = t2["supplier_region"].str.startswith(prefix)
        if len(t2):
            assert d["tier2"]["ratio_amount"] == pytest.approx(t2.loc[t2_local, "amount_wan"].sum()
                                                               / t2["amount_wan"].sum(), abs=TOL)
            assert d["tier2"]["ratio_count"] == pytest.approx(t2.loc[t2_local, "supplier_uscc"].nunique()
                                                              / t2["supplier_uscc"].nunique(), abs=TOL)
        # Trend: every year of the data.
        assert [t["year"] for t in d["trend"]] == list(YEARS)
        for t in d["trend"]:
            r = s[(s["buyer_uscc"] == lu) & (s["year"] == t["year"])]
            if r.empty:
                assert t["ratio_amount"] is None
            else:
                loc = r.loc[r["supplier_region"].str.startswith(prefix), "amount_wan"].sum()
                assert t["ratio_amount"] == pytest.approx(loc / r["amount_wan"].sum(), abs=TOL)
    assert checked >= 5


def test_what_if_candidates_are_local_credit_members_of_the_segment(store, frames):
    ent = frames["ent"].set_index("uscc")
    leaders = ratios.fetch_leaders(store)
    t = ratios.fetch_table(store, 2024)
    worst = next(i for i in t["items"] if i["meets_target"] is False)
    d = whatif.fetch_detail(store, next(x for x in leaders if x["uscc"] == worst["uscc"]), 2024)
    w = d["what_if"]
    assert w["ratio_before"] == pytest.approx(worst["ratio_amount"], abs=TOL)
    for seg in w["segments"]:
        for c in seg["candidates"]:
            e = ent.loc[c["uscc"]]
            assert e["region"].startswith("3301") and e["credit_ok"] == "true"
            assert seg["segment_id"] in e["segment_ids"].split(";")
            assert c["uscc"] != worst["uscc"]
        # The count is complete: every credit-worthy Hangzhou member of the segment.
        if seg["segment_id"]:
            sid = seg["segment_id"]
            members = frames["ent"][frames["ent"]["segment_ids"].str.split(";").apply(lambda xs, sid=sid: sid in xs)
                                    & frames["ent"]["region"].str.startswith("3301")
                                    & (frames["ent"]["credit_ok"] == "true")
                                    & (frames["ent"]["uscc"] != worst["uscc"])]
            assert seg["candidates_count"] == len(members)
    if w["reachable"]:
        last = w["steps"][-1]
        assert last["meets_target_after"] is True
        assert all(not s["meets_target_after"] for s in w["steps"][:-1])
        moved = sum(s["amount"] for s in w["steps"])
        assert last["ratio_after"] == pytest.approx((worst["local_amount"] + moved) / worst["total_amount"], abs=1e-6)


def test_coverage_matches_pandas(store, frames):
    """Chain coverage for each chain, 2024, local = 杭州, against pandas."""
    ent, s = frames["ent"], frames["sup"]
    hz_leaders = [lu for lu in frames["leaders"] if frames["region"][lu].startswith("3301")]
    seg_lists = ent["segment_ids"].str.split(";")
    gaps = []
    for chain in reference.chains():
        cov = coverage.fetch_coverage(store, chain["id"], 2024, "330100", "admin_default")
        assert cov["local"] == {"code": "330100", "name": "杭州市", "basis": "admin_default",
                                "text": "本地 = 杭州市（管理员默认）", "measure": "city",
                                "share_name": "市内本地占比（按金额）",
                                "definition": "本地 = 供应商注册地与链主工厂在同一设区市；"
                                              "比例 = 当年本地供应商供货金额 ÷ 供货总金额"}
        got = {x["segment_id"]: x for x in cov["segments"]}
        for sg in chain["segments"]:
            sid = sg["id"]
            members = ent[seg_lists.apply(lambda xs, sid=sid: sid in xs) & ent["region"].str.startswith("3301")]
            x = got[sid]
            assert x["local_enterprises"] == len(members)
            assert x["gap"] == members.empty
            if x["gap"]:
                gaps.append(sid)
            rows = s[s["buyer_uscc"].isin(hz_leaders) & (s["year"] == 2024) & (s["segment_id"] == sid)]
            assert x["leaders_buying"] == rows["buyer_uscc"].nunique()
            if rows.empty:
                assert x["local_share"] is None and x["single_point"] is None
                continue
            tot = rows["amount_wan"].sum()
            loc = rows.loc[rows["supplier_region"].str.startswith("3301"), "amount_wan"].sum()
            assert x["purchase_amount"] == pytest.approx(tot, abs=TOL)
            assert x["local_share"] == pytest.approx(loc / tot, abs=TOL)
            by_sup = rows.groupby("supplier_uscc")["amount_wan"].sum().sort_values(ascending=False)
            if by_sup.iloc[0] > 0.5 * tot:
                assert x["single_point"]["uscc"] == by_sup.index[0]
                assert x["single_point"]["share"] == pytest.approx(by_sup.iloc[0] / tot, abs=TOL)
            else:
                assert x["single_point"] is None
    # The demo's three gap segments (upstream, no Hangzhou member) are found.
    assert len(gaps) == 3


def test_coverage_counts_platform_ecosystems(store, demo_files):
    mem = pd.read_csv(demo_files / "memberships.csv", dtype=str)
    ent = pd.read_csv(demo_files / "enterprises.csv", dtype=str, keep_default_na=False).set_index("uscc")
    cov = coverage.fetch_coverage(store, "HZ02", 2024, "330100", "admin_default")
    for seg in cov["segments"]:
        sid = seg["segment_id"]
        m = mem[mem["member_uscc"].map(lambda u, sid=sid: sid in ent.loc[u, "segment_ids"].split(";"))]
        assert seg["platform_pooled_members"] == m["member_uscc"].nunique()
    gap = next(s for s in cov["segments"] if s["gap"])
    assert gap["covered_by_platform"] == (gap["platform_pooled_members"] > 0)


def test_years_without_data_give_empty_results_and_a_note(store):
    t = ratios.fetch_table(store, 2019)
    assert t["items"] == [] and "2019年" in t["note"] and t["years"] == list(YEARS)
    cov = coverage.fetch_coverage(store, "HZ01", 2019, "330100", "admin_default")
    assert cov["segments"] == [] and "2019年" in cov["note"]
    # A region without leaders still shows its enterprises per segment, and says why.
    sx = coverage.fetch_coverage(store, "HZ11", 2024, "330600", "caller_region")
    assert sx["segments"] and all(s["leaders_buying"] == 0 for s in sx["segments"])
    assert "没有链主工厂" in sx["note"]


def test_an_import_is_seen_at_once_despite_the_cache(fresh_store, frames):
    """Results are reused until the data version changes; an import changes it."""
    from loaders.importer import run_import

    before = ratios.fetch_table(fresh_store, 2024)
    assert ratios.fetch_table(fresh_store, 2024)["items"] == before["items"]       # served again
    row = next(i for i in before["items"] if i["meets_target"] is False)
    ent = frames["ent"]
    supplier = ent[ent["region"].str.startswith("3301") & (ent["uscc"] != row["uscc"])]["uscc"].iloc[0]
    csv = f"supplier_uscc,buyer_uscc,year,amount_wan,segment_id\n{supplier},{row['uscc']},2024,12345.67,\n"
    rep = run_import(fresh_store, "supplies", csv.encode("utf-8"), "extra.csv", actor="test")
    assert rep.status == "ok", rep.as_dict()
    after = {i["uscc"]: i for i in ratios.fetch_table(fresh_store, 2024)["items"]}[row["uscc"]]
    assert after["total_amount"] == pytest.approx(row["total_amount"] + 12345.67, abs=1e-6)
    assert after["local_amount"] == pytest.approx(row["local_amount"] + 12345.67, abs=1e-6)
    leader = ratios.fetch_leaders(fresh_store, row["uscc"])[0]
    d = whatif.fetch_detail(fresh_store, leader, 2024)
    assert d["figures"]["ratio_amount"] == pytest.approx(after["ratio_amount"], abs=TOL)
