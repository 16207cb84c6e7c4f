"""The shared supply edges (graphsvc/core/supply_edges.py) after writes folded in: the index by
seller answers what a scan of the edges answers, and every enterprise's edges equal a fresh
build's, through appends to the tail and a re-sort of it."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as hs

from graphsvc.core import supply_edges as se

YEAR = 2024


def scanned_from(st: se.Edges, row: int) -> np.ndarray:
    e = np.flatnonzero(st.seller[:st.n] == row)
    return e[st.alive[e]]


def leaving(st: se.Edges, uscc: str) -> list[tuple]:
    """uscc's live edges as (buyer, year, segment, amount, supplier region), sorted."""
    i = st.index.get(uscc)
    if i is None:
        return []
    e = st.edges_from(i)
    return sorted((st.uscc[st.buyer[k]], int(st.year[k]), st.segs[st.seg[k]] if st.seg[k] >= 0 else None,
                   float(st.amount[k]), st.regs[st.sreg[k]]) for k in e.tolist())


def test_index_by_seller_after_writes_equals_a_scan_and_a_fresh_build(fresh_store, accounts, monkeypatch):
    s = fresh_store
    maker, provider, provider2 = (accounts[k]["uscc"] for k in ("maker", "provider", "provider2"))
    built = se.current(s)
    sellers = sorted(built.uscc[i] for i in np.unique(built.seller[:built.n]).tolist())[:40]
    monkeypatch.setattr(se, "TAIL_LIMIT", 3)      # the fourth append re-sorts the tail in
    writes = [
        ("pair", [{"from": "91330106IDXSUP001X", "to": maker, "year": YEAR, "amount_wan": 7.0,
                   "segment_id": "HZ01-01", "supplier_region": "330106"},
                  {"from": provider, "to": maker, "year": YEAR, "amount_wan": 123.0,
                   "segment_id": "HZ01-01", "supplier_region": "330108"}]),
        ("from", [{"from": sellers[0], "to": provider2, "year": YEAR, "amount_wan": 9.0,
                   "segment_id": "HZ01-02", "supplier_region": "330108"}]),
        ("to", [{"from": provider, "to": sellers[1], "year": YEAR, "amount_wan": 1.0,
                 "segment_id": "HZ01-03", "supplier_region": "330108"}]),
        ("pair", [{"from": "91330106IDXSUP001X", "to": u, "year": YEAR - 1, "amount_wan": 2.0,
                   "segment_id": None, "supplier_region": "330106"} for u in sellers[2:6]]),
    ]
    for n, (mode, rows) in enumerate(writes):
        with s.transaction() as tx:
            if n == 0:
                tx.upsert_nodes("Enterprise", [{"uscc": "91330106IDXSUP001X", "name": "索引测试", "region_code": "330106",
                                                "credit_ok": True, "revenue_wan": 5.0, "is_manufacturer": True}])
            tx.replace_rels("SUPPLIES", rows, mode=mode)
        st = se.current(s)
        assert st is built, f"write {n} rebuilt instead of applying"
        for i in range(len(st.uscc)):
            assert st.edges_from(i).tolist() == scanned_from(st, i).tolist(), (n, st.uscc[i])
    assert built.n_sorted == built.n, "the tail was sorted in"
    fresh = se.build(s)
    for u in sorted(set(sellers) | {maker, provider, provider2, "91330106IDXSUP001X"}):
        assert leaving(built, u) == leaving(fresh, u), u
    assert leaving(built, "91330106IDXSUP001X")


@settings(max_examples=200, deadline=None)
@given(hs.lists(hs.text("0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=1, max_size=4), unique=True, max_size=40),
       hs.data())
def test_rank_of_a_sorted_prefix_and_appended_keys_is_the_sort_order(keys, data):
    """sorted_prefix_rank against its definition (argsort of argsort), whatever the appended
    keys and where they fall among the sorted ones."""
    n_sorted = data.draw(hs.integers(0, len(keys)))
    keys = sorted(keys[:n_sorted]) + keys[n_sorted:]
    want = np.argsort(np.argsort(np.array(keys or [""]), kind="stable"))[:len(keys)]
    assert se.sorted_prefix_rank(keys, n_sorted).tolist() == want.tolist()
