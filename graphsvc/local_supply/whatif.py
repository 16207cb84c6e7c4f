"""What-if for one 链主工厂: which non-local purchases could go to local enterprises, and the
smallest set of substitutions that lifts the leader to the B4 target (docs/figures.md §4).

A *purchase* is one supply record into the leader in the year (supplier, segment, amount).
A non-local purchase is *substitutable* when at least one local enterprise in the same segment
(``IN_SEGMENT``), not on the 失信 list (``credit_ok``), other than the leader, could take it.
Moving it leaves the total unchanged and adds its amount to the local amount.

Smallest set: the fewest substitutions reaching the target. Taking purchases by amount, largest
first, reaches it in the fewest steps (k); the last step then uses the smallest remaining
purchase that still reaches the target, so the k-th step overshoots as little as possible.
The ratio after each step is reported; "exactly 60.0%" meets the target (rule B4's check).

Worked example — total 100 万元, local 40 (40%); non-local 35 (seg A), 20 (seg A), 5 (seg B):

>>> purchases = [{"supplier_uscc": "X", "segment_id": "A", "amount": 35.0},
...              {"supplier_uscc": "Y", "segment_id": "A", "amount": 20.0},
...              {"supplier_uscc": "Z", "segment_id": "B", "amount": 5.0}]
>>> r = plan(40.0, 100.0, purchases, {"A": [{"uscc": "L1", "name": "本地甲"}], "B": []}, 0.6)
>>> [(s["supplier_uscc"], s["amount"], s["ratio_after"]) for s in r["steps"]]
[('Y', 20.0, 0.6)]
>>> r["reachable"], r["segments"][1]["note"]
(True, '本地没有该环节的守信企业，无法就地替代')
"""
from __future__ import annotations

import heapq
import math
import threading
import weakref
from collections import OrderedDict, defaultdict

import numpy as np

from graphsvc.core import projection, reference
from graphsvc.core.cache import Parts
from graphsvc.core.formatting import pct_text
from graphsvc.local_supply import projection as lsproj
from graphsvc.local_supply.purchases import Purchases, distinct, group_fsum
from graphsvc.local_supply.ratios import meets, meets_mask
from graphsvc.core.regions import is_local, prefix_of, label as region_label

NO_LOCAL = "本地没有该环节的守信企业，无法就地替代"
NO_SEGMENT = "采购记录未注明所属环节，无法匹配本地企业"
TOP_CANDIDATES = 5


def smallest_set(local: float, total: float, amounts: list[tuple[str, float]], target: float,
                 catalogue: dict | None = None) -> list[str] | None:
    """Ids of the fewest purchases whose move lifts local/total to the target; None if impossible.

    `amounts` is [(id, amount)]; [] when the target is already met.

    >>> smallest_set(40, 100, [("a", 35), ("b", 20), ("c", 5)], 0.6)
    ['b']
    >>> smallest_set(40, 100, [("a", 15), ("b", 10), ("c", 6)], 0.6)
    ['a', 'c']
    >>> smallest_set(40, 100, [("a", 5)], 0.6) is None, smallest_set(60, 100, [], 0.6)
    (True, [])
    """
    ids = [t[0] for t in amounts]
    rank = np.empty(len(ids), dtype=np.int64)
    rank[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
    got = _smallest(local, total, np.array([float(t[1]) for t in amounts]), rank, catalogue)
    return None if got is None else [ids[k] for k in got]


def _smallest(local: float, total: float, amount: np.ndarray, rank: np.ndarray,
              catalogue: dict | None = None) -> list[int] | None:
    """smallest_set over arrays: positions in `amount`, ties broken by `rank` (the ids' order)."""
    if total <= 0:
        return None
    if meets(local / total, catalogue):
        return []
    order = np.lexsort((rank, -amount))
    # acc + a at each step, added in that order as a running sum would
    acc = np.cumsum(np.concatenate(([local], amount[order])))
    reach = meets_mask(acc[1:] / total, catalogue)
    if not reach.any():
        return None
    i = int(np.argmax(reach))
    # The k-th step: the smallest remaining purchase that still reaches the target.
    rest = order[i:]
    rest = rest[meets_mask((acc[i] + amount[rest]) / total, catalogue)]
    last = rest[np.lexsort((rank[rest], amount[rest]))[0]]
    return order[:i].tolist() + [int(last)]


def decimal_order(v: np.ndarray) -> np.ndarray:
    """A key that orders non-negative ints as their decimal strings sort ("10" before "9").

    >>> v = np.array([9, 10, 1, 100, 2, 0, 19])
    >>> v[np.argsort(decimal_order(v))].tolist() == sorted(v.tolist(), key=str)
    True
    """
    v = np.asarray(v, dtype=np.int64)
    digits = np.ones(len(v), dtype=np.int64)
    p = 10
    while len(v) and p <= v.max():
        digits += v >= p
        p *= 10
    width = int(digits.max()) if len(v) else 1
    # padded with zeros to one width, a prefix (shorter) first
    return v * 10 ** (width - digits) * (width + 1) + digits


def plan(local: float, total: float, purchases: list[dict] | Purchases, candidates: dict[str, list[dict]],
         target: float, catalogue: dict | None = None, counts: dict[str, int] | None = None) -> dict:
    """The what-if for one leader.

    `purchases`: the non-local purchases {supplier_uscc, supplier_name?, supplier_region?,
    segment_id, amount}, or as columns (purchases.Purchases); `candidates`: segment id -> local
    enterprises able to take it
    ({uscc, name, region_code?, revenue_wan?, already_supplies?}), best first — only the first
    TOP_CANDIDATES are shown, so the lists may stop there when `counts` (segment id -> how many
    there are in all) is given.
    Returns {ratio_before, need_amount, segments, steps, reachable, ratio_max, summary}.
    """
    p = purchases if isinstance(purchases, Purchases) else Purchases.from_rows(purchases, None, "amount")
    ratio_before = local / total if total > 0 else None
    nseg = len(p.segment_ids)
    count = np.bincount(p.segment, minlength=nseg).tolist()
    seg_amount = group_fsum(p.segment, p.amount, nseg).tolist()
    seg_rows = []
    movable_seg = np.zeros(nseg, dtype=bool)
    for k, sid in enumerate(p.segment_ids):        # ids ascending, None last
        if not count[k]:
            continue
        cands = candidates.get(sid, []) if sid else []
        n_cands = counts.get(sid, len(cands)) if counts is not None and sid else len(cands)
        seg = reference.segments().get(sid) if sid else None
        note = None if cands else (NO_SEGMENT if not sid else NO_LOCAL)
        movable_seg[k] = bool(cands)
        seg_rows.append({
            "segment_id": sid, "segment_name": seg["name"] if seg else (sid or "未注明环节"),
            "non_local_amount": seg_amount[k], "purchases": count[k],
            "candidates_count": n_cands, "candidates": cands[:TOP_CANDIDATES], "substitutable": bool(cands),
            "note": note})
    seg_rows.sort(key=lambda r: (-r["non_local_amount"], r["segment_id"] or ""))

    # the substitutable purchases, by their place in `purchases` (ties go by its decimal text)
    sub = np.nonzero(movable_seg[p.segment])[0]
    movable = math.fsum(p.amount[sub].tolist())
    ratio_max = min(1.0, (local + movable) / total) if total > 0 else None
    need = max(0.0, target * total - local) if total > 0 else None
    chosen = _smallest(local, total, p.amount[sub], decimal_order(sub), catalogue) if total > 0 else None
    steps = []
    if chosen:
        acc = local
        amount = p.amount.tolist()
        for n, i in enumerate(sorted((int(sub[k]) for k in chosen), key=lambda i: (-amount[i], i)), 1):
            sid, sup = p.segment_ids[p.segment[i]], int(p.supplier[i])
            acc += amount[i]
            cands = candidates.get(sid, [])
            seg = reference.segments().get(sid)
            steps.append({
                "step": n, "supplier_uscc": p.usccs[sup], "supplier_name": p.names[sup],
                "supplier_region": p.regions[sup],
                "supplier_region_name": region_label(p.regions[sup]),
                "segment_id": sid, "segment_name": seg["name"] if seg else sid,
                "amount": amount[i], "candidate": cands[0] if cands else None,
                "candidates_count": counts.get(sid, len(cands)) if counts is not None else len(cands),
                "local_amount_after": acc, "ratio_after": acc / total,
                "meets_target_after": meets(acc / total, catalogue)})
    reachable = None if total <= 0 else (chosen is not None)
    pct = f"{target * 100:g}%"
    if total <= 0:
        summary = "该年度无供货记录，无法测算替代方案"
    elif chosen == []:
        summary = f"本地配套比例已达到{pct}目标，无需替代"
    elif chosen is None:
        no_local = [r["segment_name"] for r in seg_rows if not r["substitutable"]]
        summary = (f"即使将全部可由本地企业承接的外地采购（{movable:.2f}万元）替换为本地供应，"
                   f"本地配套比例最高只能达到{pct_text(ratio_max)}，仍低于{pct}")
        if no_local:
            summary += f"；以下环节本地没有可承接的守信企业：{'、'.join(no_local)}"
    else:
        summary = (f"替换{len(chosen)}笔外地采购（共{math.fsum(s['amount'] for s in steps):.2f}万元）为本地供应后，"
                   f"本地配套比例由{pct_text(ratio_before)}升至{pct_text(steps[-1]['ratio_after'])}，达到{pct}目标")
    return {"target": target, "ratio_before": ratio_before, "meets_target_before": meets(ratio_before, catalogue),
            "need_amount": need, "substitutable_amount": movable, "ratio_max": ratio_max,
            "reachable": reachable, "steps": steps, "segments": seg_rows, "summary": summary}


def rank_candidates(rows: list[dict], already: set[str]) -> dict[str, list[dict]]:
    """segment id -> candidates, those already supplying the leader first, then by revenue.

    >>> rank_candidates([{"segment_id": "A", "uscc": "1", "name": "a", "revenue_wan": 10.0},
    ...                  {"segment_id": "A", "uscc": "2", "name": "b", "revenue_wan": 99.0},
    ...                  {"segment_id": "A", "uscc": "3", "name": "c", "revenue_wan": 5.0}], {"3"})["A"]
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'uscc': '3', 'name': 'c', 'region_code': None, 'region_name': None, 'revenue_wan': 5.0, 'already_supplies': True},
     {'uscc': '2', 'name': 'b', 'region_code': None, 'region_name': None, 'revenue_wan': 99.0, 'already_supplies': False},
     {'uscc': '1', 'name': 'a', 'region_code': None, 'region_name': None, 'revenue_wan': 10.0, 'already_supplies': False}]
    """
    return top_candidates(rows, already)[0]


def top_candidates(rows: list[dict], already: set[str], limit: int | None = None) -> tuple[dict, dict]:
    """(segment id -> the best `limit` candidates as `rank_candidates` orders them, segment id ->
    how many there are in all): rows are built only for those kept.

    >>> top, n = top_candidates([{"segment_id": "A", "uscc": "1", "name": "a", "revenue_wan": 10.0},
    ...                          {"segment_id": "A", "uscc": "2", "name": "b", "revenue_wan": 99.0}], set(), 1)
    >>> [c["uscc"] for c in top["A"]], n
    (['2'], {'A': 2})
    """
    per_seg: dict = defaultdict(dict)
    for r in rows:
        per_seg[r["segment_id"]][r["uscc"]] = r

    out = {}
    for sid, by_uscc in per_seg.items():
        # ranked as (already supplying first, revenue, USCC); a segment's USCCs are distinct, so
        # the tuples never compare their rows
        ranked = ((u not in already, -(r.get("revenue_wan") or 0.0), u, r) for u, r in by_uscc.items())
        best = [t[3] for t in (sorted(ranked) if limit is None else heapq.nsmallest(limit, ranked))]
        out[sid] = [{"uscc": r["uscc"], "name": r.get("name"), "region_code": r.get("region_code"),
                     "region_name": region_label(r.get("region_code")), "revenue_wan": r.get("revenue_wan"),
                     "already_supplies": r["uscc"] in already} for r in best]
    return out, {sid: len(by_uscc) for sid, by_uscc in per_seg.items()}


def top_ranked(ranked: dict, already: set[str], exclude: str, limit: int = TOP_CANDIDATES) -> tuple[dict, dict]:
    """top_candidates' answer from candidates ranked already (segment id -> (rows by revenue
    then USCC, USCC -> place), State.ranked_candidates), but `exclude`: those already
    supplying first, then the others in that order.

    >>> rows = [{"uscc": "2", "name": "b", "region_code": None, "revenue_wan": 99.0},
    ...         {"uscc": "1", "name": "a", "region_code": None, "revenue_wan": 10.0},
    ...         {"uscc": "3", "name": "c", "region_code": None, "revenue_wan": 5.0}]
    >>> top, n = top_ranked({"A": (rows, {"2": 0, "1": 1, "3": 2})}, {"3"}, "2", 2)
    >>> [c["uscc"] for c in top["A"]], n
    (['3', '1'], {'A': 2})
    """
    top, counts = {}, {}
    for sid, (rows, place) in ranked.items():
        n = len(rows) - (exclude in place)
        if not n:
            continue
        first = sorted(place[u] for u in place.keys() & already if u != exclude)
        picked = first[:limit]
        if len(picked) < limit:
            mine = set(first)
            for k, r in enumerate(rows):
                if k not in mine and r["uscc"] != exclude:
                    picked.append(k)
                    if len(picked) == limit:
                        break
        top[sid] = [{"uscc": rows[k]["uscc"], "name": rows[k]["name"], "region_code": rows[k]["region_code"],
                     "region_name": region_label(rows[k]["region_code"]), "revenue_wan": rows[k]["revenue_wan"],
                     "already_supplies": rows[k]["uscc"] in already} for k in picked]
        counts[sid] = n
    return top, counts


def what_if(detail: dict, edges: list[dict] | Purchases, candidate_rows: list[dict], catalogue: dict | None = None,
            ranked: dict | None = None) -> dict:
    """The what-if from a ratios.leader_detail result, the leader's edges (or the records of the
    detail's year as columns, purchases.Purchases) and candidate rows (or `ranked`: the local
    candidates per segment as State.ranked_candidates gives them)."""
    scope = detail["leader"]["scope"]
    local = _locality(scope)
    p = edges if isinstance(edges, Purchases) else Purchases.from_rows(
        [e for e in edges if int(e["year"]) == detail["year"]], local)
    already = {p.usccs[k] for k in distinct(p.supplier[p.local]).tolist()}
    if ranked is not None:
        cands, counts = top_ranked(ranked, already, detail["leader"]["uscc"])
    else:
        cands, counts = top_candidates([r for r in candidate_rows if local(r.get("region_code"))], already,
                                       TOP_CANDIDATES)
    fig = detail["figures"]
    out = plan(fig["local_amount"] or 0.0, fig["total_amount"] or 0.0, p.take(~p.local), cands, detail["target"],
               catalogue, counts)
    out["scope"], out["scope_name"] = scope, region_label(scope)
    for r in out["segments"]:
        if r["note"] == NO_LOCAL:
            r["note"] = f"本地（{region_label(scope)}）没有该环节的守信企业，无法就地替代"
    return out


def _locality(scope: str | None):
    """is_local(·, scope) as a function that places each region code once (a leader's
    purchases and the candidates repeat a few hundred codes thousands of times)."""
    seen: dict = {}

    def local(code) -> bool:
        v = seen.get(code)
        if v is None:
            v = seen[code] = is_local(code, scope)
        return v

    return local


def fetch_detail(store, leader: dict, year: int | None, scope: str | None = None,
                 catalogue: dict | None = None, finish=None) -> dict:
    """ratios.fetch_leader plus the what-if, from the projection. All but the tier-2 block is
    kept until a delta touches the leader's own supplies, enterprises, segments or years
    (State.stamp_detail); the tier-2 block is made afresh from the tier-2 sums each time, so
    that a supply into one of the leader's hundreds of tier-1 suppliers (a random 1,000-row
    import reaches nearly every leader's tier 1) costs a few array slices, not the whole
    detail (about 40 ms at province scale). `finish` (e.g. the service's rounding) is applied
    once to the kept part and to each tier-2 block."""
    from graphsvc.local_supply import ratios

    st = lsproj.current(store)

    def compute():
        # The year shown and its tier-2 sums first: the detail and the what-if then read only
        # that year's records (as columns), the trend is summed from the arrays.
        shown = _tier2(st, leader, year, scope, ratios.fetch_leader_years(store, [leader], None))
        bought = ratios.detail_purchases(st, leader, shown[0], scope)
        d = ratios.fetch_leader(store, leader, year, scope, catalogue, shown=shown, purchases=bought)
        d["what_if"] = fetch_what_if(store, d, bought, catalogue)
        return Parts(finish(d) if finish else d)

    if catalogue is not None:        # another rules catalogue: compute, do not share the result
        return compute()
    _ASKED.note(store, st, leader, year, scope, finish)
    data_years = ratios.fetch_leader_years(store, [leader], None)
    key = (st.uid, *st.stamp_detail(leader["uscc"]), *data_years, leader["uscc"], year, scope,
           getattr(finish, "__qualname__", None))
    base = _DETAILS.get(key, compute)
    _, tier2 = _tier2(st, leader, year, scope, data_years)
    block = ratios.tier2_figures(tier2, ratios.target_ratio())
    return Parts(base, tier2=finish(block) if finish else block, texts=base.texts)


class _Kept:
    """Leaders' details (all but the tier-2 block) by key, least recently used dropped past
    `limit` entries: every leader of a province for a year and a scope or two."""

    def __init__(self, limit: int = 1024):
        self.limit = limit
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, compute):
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return value


_DETAILS = _Kept()


class _Asked:
    """The leaders' details asked for, as (leader, year, scope, finish), the least recently
    asked dropped past `limit`, and the projection's generations when refresh_details last
    looked (`seen`, per store: the generations and the projection's tick)."""

    def __init__(self, limit: int = 1024):
        self.limit = limit
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()
        self.seen: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def note(self, store, st, leader: dict, year, scope, finish) -> None:
        key = (leader["uscc"], year, scope, finish)
        with self.lock:
            # A detail computed now holds every change so far: later ones are what to refresh.
            self.seen.setdefault(store, (_generations(st), st.tick))
            if key in self.items:
                self.items.move_to_end(key)
                return
            self.items[key] = leader
            while len(self.items) > self.limit:
                self.items.popitem(last=False)


_ASKED = _Asked()


def _generations(st) -> tuple:
    """What moves every leader's detail key (State.stamp_detail but the leader's own supplies)."""
    return (st.uid, st.gen["holders"], st.gen["ents"], st.gen["segs"], st.gen["reloc"], st.gen["years"])


@projection.after_catch_up
def refresh_details(store) -> None:
    """In the writing thread, once a write is folded into the projection: recompute the kept
    details (and tier-2 sums) asked for of the leaders whose own supplies the write changed,
    so the first request after it finds them instead of recomputing on its path (a 1,000-row
    import reaches a leader or two; its detail took 110-140 ms on the request path under load).
    A change that moves every leader's detail (enterprises, recognitions, segments, years, a
    rebuild) is left to the requests, and so are the stale details past REFRESH_LIMIT:
    recomputing every detail would hold the write for seconds.
    Costs a look at each asked leader's supply generation when nothing concerns them."""
    st = projection.built(store, lsproj.NAME)
    if st is None or not _ASKED.items:
        return
    gens, last = _generations(st), _ASKED.seen.get(store)
    _ASKED.seen[store] = (gens, st.tick)
    if last is None or last[0] != gens:
        return
    with _ASKED.lock:
        asked = list(_ASKED.items.items())
    stale = [(key, leader) for key, leader in reversed(asked)
             if (i := st.index.get(key[0])) is not None and int(st.buyer_gen[i]) > last[1]]
    for (_, year, scope, finish), leader in stale[:REFRESH_LIMIT]:
        fetch_detail(store, leader, year, scope, finish=finish)


# At most this many stale details (the most recently asked first) are recomputed by the writer:
# an import of many leaders' purchases made it recompute all 260 province details, 6-15 s
# before the import was acknowledged (bench/bench_delta.py); the rest wait for their requests.
REFRESH_LIMIT = 8


def _tier2(st, leader: dict, year: int | None, scope: str | None, data_years: list[int]) -> tuple[int, dict]:
    """ratios.detail_tier2, kept until the leader's or its tier 1's supplies change: computing
    it on every request (a Python pass over the region codes) cost 4 ms of CPU and, under 8
    threads, about 25 ms waiting for the GIL."""
    from graphsvc.local_supply import ratios

    u = leader["uscc"]
    return st._memo(("detail_tier2", u, year, scope), lambda: ratios.detail_tier2(st, leader, year, scope, data_years),
                    (*st.stamp_detail(u), st.tier1_touched(u), *data_years))


def detail_stamp(store, leader: dict, year: int | None = None, scope: str | None = None) -> tuple:
    """What a leader's detail (for `year` and `scope`) and what-if depend on, as a key: the
    projection's identity, the stamp of the leader's own supplies (State.stamp_detail), its
    tier-2 sums themselves and, as the trend shows the years of the leader's city, those years.
    The tier-2 sums are computed here (a few array slices) rather than stamped by the tier 1's
    supply generations: a 1,000-row import touches a supplier of nearly every leader, and so
    moved every leader's key although it changed few of their tier-2 sums."""
    from graphsvc.local_supply import ratios

    st = lsproj.current(store)
    data_years = ratios.fetch_leader_years(store, [leader], None)
    shown, tier2 = _tier2(st, leader, year, scope, data_years)
    return ("projection", st.uid, *st.stamp_detail(leader["uscc"]), shown, *tier2["sums"], tier2["tier1_suppliers"],
            *data_years)


def fetch_what_if(store, detail: dict, purchases: Purchases, catalogue: dict | None = None) -> dict:
    """The what-if of a detail from the records of its year (State.purchases)."""
    scope = detail["leader"]["scope"]
    far = distinct(purchases.segment[~purchases.local]).tolist()
    segs = sorted(sid for sid in (purchases.segment_ids[k] for k in far) if sid)
    # The local candidates of each segment come ranked by revenue from the projection (kept until
    # a member changes): a segment has about a thousand at province scale, ranked per leader
    # only by which already supply it.
    st = lsproj.current(store)
    local = _locality(scope)
    ranked = {sid: st.ranked_candidates(sid, prefix_of(scope), local, scope) for sid in segs}
    return what_if(detail, purchases, [], catalogue, ranked)
