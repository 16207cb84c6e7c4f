"""Chain coverage (docs/figures.md §5): for a chain C, a year Y and a local scope S, per segment —

- the local enterprises in it (``IN_SEGMENT``, registered in S), with counts per district;
- the 链主工厂 registered in S that bought in it in Y, the amount they bought and the share
  sourced from suppliers registered in S (``local_share``);
- ``gap``: no local enterprise in the segment at all;
- ``single_point``: one supplier carries more than half of what those leaders bought in the
  segment in Y (local or not — a dependency either way);
- ``sole_local``: exactly one local enterprise in the segment;
- the 聚能工厂 platforms registered in S and their ecosystem members (``ORGANIZES``) in the
  segment, counted as the platform's pooled capacity (members, and their revenue in 万元);
  a gap whose segment platforms can cover says so (``covered_by_platform``).

"Local" is the caller's region for a bureau and 杭州 (330100) for an administrator unless a
scope is asked for; the result says which (``local``).

The computation is pure; networkx holds the segment–enterprise–leader graph the page draws.

Worked example — one segment, two leaders buying 100 万元, 60 of it from supplier X:

>>> seg = {"id": "HZ01-01", "name": "甲环节", "stage": "upstream"}
>>> r = coverage({"id": "HZ01", "name": "示例链", "segments": [seg]}, 2024, "330100",
...     members=[{"segment_id": "HZ01-01", "uscc": "X", "name": "x", "region_code": "330106",
...               "credit_ok": True, "revenue_wan": 10.0}],
...     purchases=[{"leader_uscc": "L1", "segment_id": "HZ01-01", "supplier_uscc": "X", "supplier_name": "x",
...                 "supplier_region": "330106", "amount_wan": 60.0},
...                {"leader_uscc": "L2", "segment_id": "HZ01-01", "supplier_uscc": "Y", "supplier_name": "y",
...                 "supplier_region": "310101", "amount_wan": 40.0}],
...     platforms=[], leaders=[{"uscc": "L1", "name": "l1"}, {"uscc": "L2", "name": "l2"}])
>>> s = r["segments"][0]
>>> s["local_enterprises"], s["leaders_buying"], s["purchase_amount"], s["local_share"], s["gap"]
(1, 2, 100.0, 0.6, False)
>>> s["single_point"]["uscc"], s["single_point"]["share"], s["sole_local"]
('X', 0.6, True)
"""
from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from functools import lru_cache

import numpy as np

from graphsvc.core import reference
from graphsvc.core import regions
from graphsvc.core.cache import cached_call
from graphsvc.core.regions import is_local, prefix_of
from graphsvc.core.regions import label as region_label
from graphsvc.local_supply import headline
from graphsvc.local_supply import projection as lsproj
from graphsvc.local_supply.ratios import fetch_leaders, visible_leaders

HANGZHOU = "330100"
LIST_LIMIT = 50          # local enterprises listed per segment (counts are always complete)
GRAPH_LOCAL = 8          # local enterprises per segment drawn in the graph
GRAPH_OTHER = 4          # non-local suppliers per segment drawn in the graph


def local_basis(role: str, principal_scope: str | None, scope: str | None) -> tuple[str, str]:
    """(scope code, basis) of "local" for coverage.

    >>> local_basis("bureau", "330108", None), local_basis("admin", None, None)
    (('330108', 'caller_region'), ('330100', 'admin_default'))
    >>> local_basis("admin", None, "330600")
    ('330600', 'requested')
    """
    if scope:
        return regions.current_code(scope), "requested"
    if role == "bureau" and principal_scope:
        return regions.current_code(principal_scope), "caller_region"
    return HANGZHOU, "admin_default"


def share_measure(scope: str | None) -> dict:
    """Which measure coverage's local share is, named so that a district's same-district share is
    never read as the city's 本地配套比例 (issue 13 item 13).

    >>> share_measure("330108")["share_name"], share_measure("330100")["share_name"]
    ('区内占比（按金额）', '市内本地占比（按金额）')
    """
    measure = headline.measure_of(None, scope)
    names = {"district": "区内占比（按金额）", "city": "市内本地占比（按金额）"}
    return {"measure": measure, "share_name": names.get(measure, "本地占比（按金额）"),
            "definition": headline.MEASURES[measure][1] if measure in headline.MEASURES else None}


BASIS_TEXT = {"caller_region": "本地 = 您所辖区域", "admin_default": "本地 = 杭州市（管理员默认）",
              "requested": "本地 = 所选区域"}


def _district(code: str | None) -> str | None:
    return _current(code) if code else None


@lru_cache(maxsize=1 << 14)
def _current(code: str) -> str:
    return regions.current_code(code)


def coverage(chain: dict, year: int, scope: str, members: list[dict] | None, purchases: list[dict] | dict,
             platforms: list[dict] | None, leaders: list[dict], list_limit: int = LIST_LIMIT,
             prepared: dict | None = None) -> dict:
    """Coverage of one chain; see the module docstring. Rows as the coverage_* queries return;
    `purchases` may also come as columns (`purchase_columns`), as the projection gives them.
    `prepared` is `prepare(chain, scope, members, platforms)` kept from an earlier call (what
    does not depend on purchases); then `members` and `platforms` are not read."""
    if prepared is None:
        prepared = prepare(chain, scope, members, platforms)
    seg_ids = [s["id"] for s in chain["segments"]]
    cols = purchases if isinstance(purchases, dict) else purchase_columns(purchases)
    tally = _Tally(cols, seg_ids, scope)
    leader_name = {x["uscc"]: x.get("name") for x in leaders}

    import networkx as nx  # imported here: it is slow to import and only this function needs it

    g = nx.DiGraph()
    out_segments = []
    for j, s in enumerate(chain["segments"]):
        row, local_list, others = _segment(s, j, prepared["segments"][s["id"]], tally, leader_name, scope, list_limit)
        out_segments.append(row)
        _graph_segment(g, chain, row, local_list, others)
    return {"chain": {"id": chain["id"], "name": chain["name"], "ecosystem": chain.get("ecosystem")},
            "year": year, "summary": _summary(out_segments, prepared["local_enterprises"], tally), "segments": out_segments,
            "districts": _districts(prepared["member_districts"], tally, leaders),
            "platforms": [dict(r) for r in prepared["chain_platforms"]], "graph": _graph_json(g)}


def prepare(chain: dict, scope: str, members: list[dict], platforms: list[dict]) -> dict:
    """What a chain's coverage takes from its local members and platforms alone — not from
    purchases — so that it is kept across supplies writes (the caller keys it by what members
    and platforms depend on): per segment its members, their revenue ranking, credit count,
    districts and platforms; the chain's platforms; the members per district.

    >>> chain = {"id": "C", "name": "c", "segments": [{"id": "A", "name": "a"}]}
    >>> members = [{"segment_id": "A", "uscc": "U1", "region_code": "330106", "revenue_wan": 5.0},
    ...            {"segment_id": "A", "uscc": "U2", "region_code": "330108", "revenue_wan": 9.0}]
    >>> p = prepare(chain, "330100", members, [])
    >>> p["segments"]["A"]["by_revenue"], p["segments"]["A"]["districts"][0]["count"]
    (['U2', 'U1'], 1)
    """
    seg_ids = [s["id"] for s in chain["segments"]]
    seg_set = set(seg_ids)
    mem = _local_members(members, seg_set, scope)
    plat = _local_platforms(platforms, seg_set, scope)
    segments = {}
    for sid in seg_ids:
        ms = mem.get(sid, {})
        rows, pooled = _segment_platforms(plat.get(sid, []), scope)
        segments[sid] = {"members": ms,
                         "by_revenue": sorted(ms, key=lambda u, ms=ms: (-(ms[u].get("revenue_wan") or 0.0), u)),
                         "credit_ok": sum(1 for m in ms.values() if m.get("credit_ok")),
                         "districts": _segment_districts(ms), "platforms": rows,
                         "pooled_members": len(pooled), "pooled_capacity": _revenue(pooled.values())}
    return {"mem": mem, "segments": segments, "chain_platforms": _chain_platforms(plat, scope),
            "member_districts": _member_districts(mem), "local_enterprises": len({u for ms in mem.values() for u in ms})}


# ---------------------------------------------------------------- the steps of `coverage`

def _local_members(members: list[dict], seg_set: set, scope: str) -> dict:
    """segment -> uscc -> member row, for the chain's segments and the enterprises registered in `scope`."""
    mem: dict = defaultdict(dict)
    local_of: dict = {}            # region -> is_local, once per region (there are few)
    for m in members:
        if m["segment_id"] in seg_set:
            region = m.get("region_code")
            loc = local_of.get(region)
            if loc is None:
                loc = local_of[region] = is_local(region, scope)
            if loc:
                mem[m["segment_id"]][m["uscc"]] = m
    return mem


class Suppliers:
    """The suppliers of purchase columns: `(uscc, name, region)` of a supplier code, made when
    asked for (a coverage shows a few of a chain's thousands of suppliers), and as arrays per
    code: its region (`region`, codes into the table `regions`), its place in USCC order
    (`rank`) and its `key` (`key_of(uscc)` gives the key of a USCC, None when unknown).

    >>> s = Suppliers.of_rows([("B", "b", "330106"), ("A", "a", None)])
    >>> len(s), s[1], s.rank.tolist(), [s.regions[r] for r in s.region.tolist()], s.key_of("B")
    (2, ('A', 'a', None), [1, 0], ['330106', None], 0)
    """

    def __init__(self, get, region: np.ndarray, regions: list, rank: np.ndarray, key: np.ndarray, key_of):
        self._get, self.region, self.regions, self.rank, self.key, self.key_of = get, region, regions, rank, key, key_of

    @classmethod
    def of_rows(cls, rows: list[tuple]) -> Suppliers:
        table: dict = {}
        region = np.array([table.setdefault(r, len(table)) for _, _, r in rows], dtype=np.int64)
        rank = np.argsort(np.argsort(np.array([u for u, _, _ in rows] or [""]), kind="stable"))[:len(rows)]
        code = {u: k for k, (u, _, _) in enumerate(rows)}
        return cls(rows.__getitem__, region, list(table), rank, np.arange(len(rows)), code.get)

    def __len__(self) -> int:
        return len(self.region)

    def __getitem__(self, k: int) -> tuple:
        return self._get(k)

    def __iter__(self):
        return (self._get(k) for k in range(len(self)))


def purchase_columns(rows: list[dict]) -> dict:
    """Purchase rows (as the coverage_purchases query gives them) as columns: per row the codes
    ``segment``, ``supplier``, ``leader`` into the tables ``segments`` (ids), ``suppliers``
    ((uscc, name, region)) and ``leaders`` (usccs), and ``amount`` (万元, None as 0).

    >>> c = purchase_columns([{"leader_uscc": "L1", "segment_id": "A", "supplier_uscc": "X",
    ...                        "supplier_name": "x", "supplier_region": "330106", "amount_wan": 60.0},
    ...                       {"leader_uscc": "L2", "segment_id": "A", "supplier_uscc": "X",
    ...                        "supplier_name": "x", "supplier_region": "330106", "amount_wan": None}])
    >>> c["segment"].tolist(), c["supplier"].tolist(), c["leader"].tolist(), c["amount"].tolist()
    ([0, 0], [0, 0], [0, 1], [60.0, 0.0])
    >>> c["segments"], list(c["suppliers"]), c["leaders"]
    (['A'], [('X', 'x', '330106')], ['L1', 'L2'])
    """
    tables: tuple[dict, dict, dict] = ({}, {}, {})
    codes: tuple[list, list, list] = ([], [], [])
    for p in rows:
        u = p["supplier_uscc"]
        for t, c, k, v in zip(tables, codes, (p["segment_id"], u, p["leader_uscc"]),
                              (p["segment_id"], (u, p.get("supplier_name"), p.get("supplier_region")),
                               p["leader_uscc"])):
            if k not in t:
                t[k] = (len(t), v)
            c.append(t[k][0])
    seg, sup, lead = (np.array(c, dtype=np.int64) for c in codes)
    return {"segment": seg, "segments": [v for _, v in tables[0].values()],
            "supplier": sup, "suppliers": Suppliers.of_rows([v for _, v in tables[1].values()]),
            "leader": lead, "leaders": [v for _, v in tables[2].values()],
            "amount": np.array([float(p["amount_wan"] or 0.0) for p in rows], dtype=np.float64)}


def tally(seg, supplier, leader, amount, local, n_seg: int, n_sup: int, n_lead: int) -> dict:
    """The purchases summed at once (NumPy): per segment code (rows with a negative one are left
    out) the amount, its local part and the number of rows; per (segment, supplier) pair the
    amount and the number of distinct leaders; per (segment, leader) pair the amount and its
    local part. Pairs come as parallel arrays ``*_seg``, ``*_id`` sorted by segment then id;
    `local` tells per row whether its supplier counts as local.

    >>> t = tally(np.array([0, 0, 0, 1, -1]), np.array([0, 0, 1, 1, 0]), np.array([0, 1, 0, 0, 0]),
    ...           np.array([10.0, 5.0, 20.0, 7.0, 99.0]), np.array([True, True, False, False, True]), 2, 2, 2)
    >>> t["seg_amount"].tolist(), t["seg_local"].tolist(), t["seg_rows"].tolist()
    ([35.0, 7.0], [15.0, 0.0], [3, 1])
    >>> t["sup_seg"].tolist(), t["sup_id"].tolist(), t["sup_amount"].tolist(), t["sup_leaders"].tolist()
    ([0, 0, 1], [0, 1, 1], [15.0, 20.0, 7.0], [2, 1, 1])
    >>> t["lead_seg"].tolist(), t["lead_id"].tolist(), t["lead_amount"].tolist(), t["lead_local"].tolist()
    ([0, 0, 1], [0, 1, 0], [30.0, 5.0, 7.0], [10.0, 5.0, 0.0])
    """
    keep = np.asarray(seg) >= 0
    seg = np.asarray(seg, dtype=np.int64)[keep]
    supplier = np.asarray(supplier, dtype=np.int64)[keep]
    leader = np.asarray(leader, dtype=np.int64)[keep]
    amount = np.asarray(amount, dtype=np.float64)[keep]
    loc_amount = np.where(np.asarray(local, dtype=bool)[keep], amount, 0.0)
    n_sup, n_lead = max(n_sup, 1), max(n_lead, 1)
    out = {"seg_amount": np.bincount(seg, weights=amount, minlength=n_seg),
           "seg_local": np.bincount(seg, weights=loc_amount, minlength=n_seg),
           "seg_rows": np.bincount(seg, minlength=n_seg)}
    key = seg * n_sup + supplier
    uk, inv = lsproj.dense_unique(key, n_seg * n_sup)
    # Leaders per (segment, supplier): its rows, when no (leader, supplier, segment) comes twice
    # — as the projection's rows come, in that order and each once; else counted distinct.
    trio = (leader * n_sup + supplier) * n_seg + seg
    if len(trio) < 2 or bool((trio[1:] > trio[:-1]).all()):
        sup_leaders = np.bincount(inv, minlength=len(uk))
    else:
        with_leader = lsproj.unique_inverse(np.sort(key * n_lead + leader))[0]
        sup_leaders = np.bincount(np.searchsorted(uk, with_leader // n_lead), minlength=len(uk))
    out.update(sup_seg=uk // n_sup, sup_id=uk % n_sup, sup_amount=np.bincount(inv, weights=amount, minlength=len(uk)),
               sup_leaders=sup_leaders)
    key = seg * n_lead + leader
    uk, inv = lsproj.dense_unique(key, n_seg * n_lead)
    out.update(lead_seg=uk // n_lead, lead_id=uk % n_lead,
               lead_amount=np.bincount(inv, weights=amount, minlength=len(uk)),
               lead_local=np.bincount(inv, weights=loc_amount, minlength=len(uk)))
    return out


class _Tally:
    """The purchases in the chain's segments (columns, see `purchase_columns`) with their sums
    (`tally`), the segment codes mapped onto the chain's segment positions."""

    def __init__(self, cols: dict, seg_ids: list[str], scope: str):
        pos = {sid: i for i, sid in enumerate(seg_ids)}
        seg_map = np.array([pos.get(s, -1) for s in cols["segments"]] + [-1], dtype=np.int64)
        self.cols = cols
        self.seg = seg_map[cols["segment"]] if len(cols["segment"]) else np.zeros(0, dtype=np.int64)
        self.seg_ids = seg_ids
        sups = cols["suppliers"]
        used = np.flatnonzero(np.bincount(sups.region, minlength=len(sups.regions)))
        local_reg = np.zeros(len(sups.regions) + 1, dtype=bool)      # the last: no supplier (-1)
        local_reg[used] = [is_local(sups.regions[r], scope) for r in used.tolist()]
        self.sup_local = local_reg[np.append(sups.region, -1)]
        # Suppliers ranked by uscc: ties in amount are broken by it.
        self.sup_rank = np.append(sups.rank, len(sups))
        self.local_row = self.sup_local[cols["supplier"]] if len(cols["supplier"]) else np.zeros(0, dtype=bool)
        self.t = tally(self.seg, cols["supplier"], cols["leader"], cols["amount"], self.local_row, len(seg_ids),
                       len(cols["suppliers"]), len(cols["leaders"]))
        sup_seg, lead_seg = self.t["sup_seg"], self.t["lead_seg"]
        self.sup_bounds = np.searchsorted(sup_seg, np.arange(len(seg_ids) + 1))
        self.lead_bounds = np.searchsorted(lead_seg, np.arange(len(seg_ids) + 1))

    def suppliers_of(self, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Segment j's suppliers (codes), amounts and leader counts, largest amount first, then by uscc."""
        lo, hi = self.sup_bounds[j], self.sup_bounds[j + 1]
        ids, amt, nl = self.t["sup_id"][lo:hi], self.t["sup_amount"][lo:hi], self.t["sup_leaders"][lo:hi]
        order = np.lexsort((self.sup_rank[ids], -amt))
        return ids[order], amt[order], nl[order]

    def leaders_of(self, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lo, hi = self.lead_bounds[j], self.lead_bounds[j + 1]
        return self.t["lead_id"][lo:hi], self.t["lead_amount"][lo:hi], self.t["lead_local"][lo:hi]


def _local_platforms(platforms: list[dict], seg_set: set, scope: str) -> dict:
    """segment -> (platform, member) rows of the 聚能工厂 registered in `scope`."""
    plat: dict = defaultdict(list)
    for p in platforms:
        if p["segment_id"] in seg_set and is_local(p.get("platform_region"), scope):
            plat[p["segment_id"]].append(p)
    return plat


def _segment(s: dict, j: int, prep: dict, tally: _Tally, leader_name: dict, scope: str,
             list_limit: int) -> tuple[dict, list[dict], list[dict]]:
    """One segment's row of the result, with its ranked local enterprises and its largest
    non-local suppliers (for the graph). Supplier rows are built only for what is shown.
    `prep` is the segment's part of `prepare`."""
    sid = s["id"]
    ms = prep["members"]
    has_purchases = bool(tally.t["seg_rows"][j])
    total = float(tally.t["seg_amount"][j])
    local_amt = float(tally.t["seg_local"][j])
    ids, amounts, n_leaders = tally.suppliers_of(j)
    local = tally.sup_local[ids]
    sup_rows = _supplier_rows(tally, ids[:5], amounts[:5], n_leaders[:5], total)
    nonlocal_first = np.nonzero(~local)[0][:GRAPH_OTHER]
    others = _supplier_rows(tally, ids[nonlocal_first], amounts[nonlocal_first], n_leaders[nonlocal_first], total)
    single = _single_point(sup_rows, total)
    leader_rows = _leader_rows(tally, j, leader_name)
    supplied = _supplied(tally, ids, amounts, prep, max(list_limit, GRAPH_LOCAL))
    local_list = _local_list(ms, supplied, list_limit, prep["by_revenue"])
    gap = not ms
    row = {
        "segment_id": sid, "segment_name": s["name"], "stage": s.get("stage"),
        "local_enterprises": len(ms),
        "local_credit_ok": prep["credit_ok"],
        "local_suppliers": int(local.sum()),
        "suppliers": len(ids),
        "leaders_buying": len(leader_rows), "leaders": leader_rows,
        "purchase_amount": total if has_purchases else None,
        "local_amount": local_amt if has_purchases else None,
        "local_share": (local_amt / total) if total > 0 else None,
        "gap": gap, "sole_local": len(ms) == 1, "single_point": single,
        "top_suppliers": sup_rows,
        "districts": [dict(d) for d in prep["districts"]],
        "platforms": [dict(p) for p in prep["platforms"]],
        "platform_pooled_members": prep["pooled_members"],
        "platform_pooled_capacity_wan": prep["pooled_capacity"],
        "covered_by_platform": gap and bool(prep["pooled_members"]),
        "local_list": local_list[:list_limit],
    }
    row["flags"] = _flags(row, region_label(scope), has_purchases)
    return row, local_list, others


def _supplied(tally: _Tally, ids: np.ndarray, amounts: np.ndarray, prep: dict, n: int) -> dict:
    """uscc -> amount for what `_local_list` reads of the segment's suppliers: the local members
    among them that can rank in its first `n` (the n largest positive amounts, ties included)
    and those with a negative amount; when fewer than n sold, every member that sold. (Making
    the pair for every supplier was most of a chain's coverage: thousands per segment.)"""
    sups = tally.cols["suppliers"]
    hit = np.flatnonzero(np.isin(sups.key[ids], member_keys(prep, sups)))
    a = amounts[hit]
    pos = a[a > 0]
    keep = ((a >= np.partition(pos, -n)[-n]) | (a < 0)) if len(pos) > n else a != 0
    hit = hit[keep]
    return dict(zip((sups[u][0] for u in ids[hit].tolist()), amounts[hit].tolist()))


def member_keys(prep: dict, sups: Suppliers) -> np.ndarray:
    """The keys of a segment's local members among the suppliers' keys (`Suppliers.key_of`),
    kept in `prep` (which outlives supplies writes) while the suppliers key the same way."""
    kept = prep.get("member_keys")
    if kept is None or kept[0] is not sups.key_of.__self__:
        keys = [k for k in map(sups.key_of, prep["members"]) if k is not None]
        kept = prep["member_keys"] = (sups.key_of.__self__, np.array(keys, dtype=np.int64))
    return kept[1]


def _supplier_rows(tally: _Tally, ids, amounts, n_leaders, total: float) -> list[dict]:
    """Rows for the suppliers `ids` (codes) with their amounts, shares of `total` and leader counts."""
    rows = []
    for u, amt, nl in zip(ids.tolist(), amounts.tolist(), n_leaders.tolist()):
        uscc, name, region = tally.cols["suppliers"][u]
        rows.append({"uscc": uscc, "name": name, "region_code": region, "region_name": region_label(region),
                     "local": bool(tally.sup_local[u]), "amount": amt, "share": amt / total if total > 0 else None,
                     "leaders": nl})
    return rows


def _single_point(sup_rows: list[dict], total: float) -> dict | None:
    """The supplier carrying more than half of the segment's purchases, if one does."""
    top = sup_rows[0] if sup_rows else None
    return dict(top) if top and total > 0 and top["amount"] > 0.5 * total else None


def _leader_rows(tally: _Tally, j: int, leader_name: dict) -> list[dict]:
    """The leaders buying in the segment, with what they bought and its local part, largest first."""
    ids, amounts, local = tally.leaders_of(j)
    usccs = tally.cols["leaders"]
    return sorted(({"uscc": usccs[u], "name": leader_name.get(usccs[u]), "amount": a, "local_amount": la}
                   for u, a, la in zip(ids.tolist(), amounts.tolist(), local.tolist())),
                  key=lambda r: (-r["amount"], r["uscc"]))


def _local_list(ms: dict, supplied: dict, list_limit: int, by_revenue: list[str] | None = None) -> list[dict]:
    """The segment's local enterprises, those supplying the leaders most first, then by revenue;
    at least GRAPH_LOCAL of them (the graph draws that many even when the list is shorter).
    `by_revenue`: the members ranked by (-revenue, uscc), kept from `prepare`.

    >>> ms = {"A": {"revenue_wan": 1.0}, "B": {"revenue_wan": 9.0}, "C": {"revenue_wan": 5.0}}
    >>> [r["uscc"] for r in _local_list(ms, {"A": 3.0}, 2)]
    ['A', 'B', 'C']
    >>> [r["uscc"] for r in _local_list(ms, {"A": 3.0, "B": -1.0}, 2, ["B", "C", "A"])]
    ['A', 'C', 'B']
    """
    n = max(list_limit, GRAPH_LOCAL)

    def key(t):
        return -supplied.get(t[0], 0.0), -(t[1].get("revenue_wan") or 0.0), t[0]

    if by_revenue is None:
        # The first n of the ranking without sorting all of them (heapq.nsmallest equals sorted()[:n]).
        ranked = heapq.nsmallest(n, ms.items(), key=key)
    else:
        # Members that sold something come first (more first), those that sold a negative amount
        # last; the rest keep the revenue ranking: only the sellers need sorting.
        sold = [(u, ms[u]) for u, a in supplied.items() if a != 0.0 and u in ms]
        head = sorted((t for t in sold if supplied[t[0]] > 0), key=key)
        ranked = head[:n]
        if len(ranked) < n:
            skip = {u for u, _ in sold}
            for u in by_revenue:
                if u not in skip:
                    ranked.append((u, ms[u]))
                    if len(ranked) == n:
                        break
        if len(ranked) < n:
            ranked += sorted((t for t in sold if supplied[t[0]] < 0), key=key)[:n - len(ranked)]
    return [{"uscc": u, "name": m.get("name"), "region_code": m.get("region_code"),
             "district": _district(m.get("region_code")),
             "district_name": region_label(_district(m.get("region_code"))),
             "credit_ok": m.get("credit_ok"), "revenue_wan": m.get("revenue_wan"),
             "supplied_amount": supplied.get(u, 0.0)} for u, m in ranked]


def _segment_districts(ms: dict) -> list[dict]:
    """The segment's local enterprises counted per district, most first."""
    districts: dict = defaultdict(int)
    for region, n in Counter(m.get("region_code") for m in ms.values()).items():
        districts[_district(region)] += n
    return [{"code": d, "name": region_label(d), "count": n}
            for d, n in sorted(districts.items(), key=lambda t: (-t[1], t[0] or ""))]


def _revenue(members) -> float:
    return math.fsum(float(m.get("revenue_wan") or 0.0) for m in members)


def _segment_platforms(plat_rows: list[dict], scope: str) -> tuple[list[dict], dict]:
    """The segment's platforms (most members first) and all their members pooled (uscc -> row)."""
    pl: dict = defaultdict(dict)
    for p in plat_rows:
        pl[p["platform_uscc"]][p["member_uscc"]] = p
    rows = []
    pooled_members: dict = {}
    for pu, mm in pl.items():
        first = next(iter(mm.values()))
        pooled_members.update(mm)
        rows.append({"uscc": pu, "name": first.get("platform_name"), "members": len(mm),
                     "local_members": sum(1 for m in mm.values() if is_local(m.get("member_region"), scope)),
                     "capacity_revenue_wan": _revenue(mm.values())})
    rows.sort(key=lambda r: (-r["members"], r["uscc"]))
    return rows, pooled_members


def _flags(row: dict, scope_name: str, has_purchases: bool) -> list[str]:
    """The segment's warnings in Chinese: a gap (and whether platforms can cover it), local
    enterprises the leaders do not buy from, a single point of failure, a sole local enterprise."""
    flags = []
    if row["gap"]:
        flags.append(f"缺口：{scope_name}没有该环节的企业"
                     + ("，可由聚能工厂生态伙伴承接" if row["platform_pooled_members"] else ""))
    elif has_purchases and not row["local_suppliers"]:
        flags.append(f"{scope_name}有该环节企业，但链主工厂本年未向其采购")
    single = row["single_point"]
    if single:
        flags.append(f"单点依赖：{single['name']}承担了该环节{single['share'] * 100:.1f}%的采购")
    if row["local_enterprises"] == 1:
        flags.append(f"{scope_name}仅有1家该环节企业")
    return flags


def _chain_platforms(plat: dict, scope: str) -> list[dict]:
    """Every local platform with members in the chain: members, capacity, segments reached."""
    plat_all: dict = defaultdict(lambda: {"members": {}, "segments": set()})
    for sid, rows in plat.items():
        for p in rows:
            d = plat_all[p["platform_uscc"]]
            d["name"] = p.get("platform_name")
            d["region_code"] = p.get("platform_region")
            d["members"][p["member_uscc"]] = p
            d["segments"].add(sid)
    return sorted(({"uscc": u, "name": d["name"], "region_code": d["region_code"],
                    "region_name": region_label(d["region_code"]), "members_in_chain": len(d["members"]),
                    "local_members": sum(1 for m in d["members"].values() if is_local(m.get("member_region"), scope)),
                    "capacity_revenue_wan": _revenue(d["members"].values()),
                    "segments": len(d["segments"])} for u, d in plat_all.items()),
                  key=lambda r: (-r["members_in_chain"], r["uscc"]))


def _summary(out_segments: list[dict], local_enterprises: int, tally: _Tally) -> dict:
    """The chain's totals over its segment rows."""
    tot = math.fsum(r["purchase_amount"] or 0.0 for r in out_segments)
    loc = math.fsum(r["local_amount"] or 0.0 for r in out_segments)
    return {"segments": len(out_segments), "gaps": sum(r["gap"] for r in out_segments),
            "single_points": sum(1 for r in out_segments if r["single_point"]),
            "sole_local": sum(r["sole_local"] for r in out_segments),
            "covered_by_platform": sum(r["covered_by_platform"] for r in out_segments),
            "local_enterprises": local_enterprises,
            "leaders_buying": len(np.unique(tally.t["lead_id"])),
            "purchase_amount": tot, "local_amount": loc, "local_share": loc / tot if tot > 0 else None}


def _member_districts(mem: dict) -> tuple[dict, dict]:
    """The chain's local members per district: (district -> usccs, district -> segment -> count)."""
    ents: dict = defaultdict(set)
    per_seg: dict = defaultdict(lambda: defaultdict(int))
    district_of: dict = {}
    for sid, ms in mem.items():
        for u, m in ms.items():
            region = m.get("region_code")
            d = district_of.get(region, 0)
            if d == 0:
                d = district_of[region] = _district(region)
            ents[d].add(u)
            per_seg[d][sid] += 1
    return dict(ents), {d: dict(v) for d, v in per_seg.items()}


def _districts(member_districts: tuple[dict, dict], tally: _Tally, leaders: list[dict]) -> list[dict]:
    ents, per_seg = member_districts
    # What local suppliers sold in the chain's segments, per district of the supplier.
    sups = tally.cols["suppliers"]
    dists: dict = {None: 0}
    of_region = np.array([dists.setdefault(_district(r), len(dists)) for r in sups.regions] + [0], dtype=np.int64)
    sup_district = np.append(np.where(tally.sup_local[:-1], of_region[sups.region], 0), -1)
    sel = (tally.seg >= 0) & tally.local_row
    sup_ids = tally.cols["supplier"][sel]
    di = sup_district[sup_ids]
    amt_by = np.bincount(di, weights=tally.cols["amount"][sel], minlength=len(dists))
    n_sup = max(len(tally.cols["suppliers"]), 1)
    # A supplier lies in one district: the distinct (district, supplier) pairs are its suppliers.
    seen = np.flatnonzero(np.bincount(sup_ids, minlength=n_sup))
    sup_by = np.bincount(sup_district[seen], minlength=len(dists))
    sup = {d: int(sup_by[k]) for d, k in dists.items() if sup_by[k]}
    amt = {d: float(amt_by[k]) for d, k in dists.items() if sup_by[k]}
    lead: dict = defaultdict(int)
    for x in leaders:
        lead[_district(x.get("region_code"))] += 1
    codes = set(ents) | set(sup) | set(lead)
    rows = [{"code": d, "name": region_label(d), "enterprises": len(ents.get(d, ())),
             "segments_present": len(per_seg.get(d, {})), "by_segment": dict(sorted(per_seg.get(d, {}).items())),
             "leaders": lead.get(d, 0), "suppliers_to_leaders": sup.get(d, 0),
             "amount_supplied": amt.get(d, 0.0)} for d in codes if d]
    return sorted(rows, key=lambda r: (-r["enterprises"], r["code"]))


def _graph_segment(g, chain: dict, row: dict, local_list: list[dict], others: list[dict]) -> None:
    sid = row["segment_id"]
    g.add_node(sid, kind="segment", name=row["segment_name"], gap=row["gap"], single_point=bool(row["single_point"]),
               local_enterprises=row["local_enterprises"], local_share=row["local_share"], stage=row["stage"])
    shown = [r for r in local_list[:GRAPH_LOCAL]]
    shown += others[:GRAPH_OTHER]
    sp = row["single_point"]["uscc"] if row["single_point"] else None
    for r in shown:
        u = r["uscc"]
        local = r.get("local", True)
        if u not in g:
            g.add_node(u, kind="enterprise", name=r["name"], local=local, single_point=False)
        if u == sp:
            g.nodes[u]["single_point"] = True
        g.add_edge(u, sid, kind="member" if local else "supplier",
                   amount=r.get("supplied_amount", r.get("amount")) or 0.0)
    if sp and sp not in g:
        top = row["single_point"]
        g.add_node(sp, kind="enterprise", name=top["name"], local=top["local"], single_point=True)
        g.add_edge(sp, sid, kind="supplier", amount=top["amount"])
    for ld in row["leaders"]:
        u = ld["uscc"]
        if u not in g:
            g.add_node(u, kind="leader", name=ld["name"], local=True, single_point=False)
        else:  # a 链主工厂 that also supplies another segment is drawn as the leader it is
            g.nodes[u]["kind"] = "leader"
        g.add_edge(sid, u, kind="purchase", amount=ld["amount"])


def _graph_json(g) -> dict:
    nodes = [{"id": n, **{k: v for k, v in d.items()}, "degree": g.degree(n)} for n, d in g.nodes(data=True)]
    links = [{"source": a, "target": b, **d} for a, b, d in g.edges(data=True)]
    return {"nodes": nodes, "links": links}


# ---------------------------------------------------------------- reading the store

def fetch_coverage(store, chain_id: str, year: int | None, scope: str, basis: str,
                   list_limit: int = LIST_LIMIT, finish=None) -> dict:
    """Coverage of `chain_id` with "local" = `scope` (basis: caller_region/admin_default/requested).

    Leaders are the 链主工厂 registered in `scope`. `year` None = the latest year in which they
    received supplies. A year without any supply record for them gives empty results and a note.
    `finish` (e.g. the service's rounding) is applied once, before the result is kept.
    """
    chain = reference.chain(chain_id)
    if chain is None:
        raise KeyError(chain_id)
    st = lsproj.current(store)
    leaders = visible_leaders(fetch_leaders(store), scope)
    prefix = prefix_of(scope)
    seg_ids = [s["id"] for s in chain["segments"]]
    local = {"code": scope, "name": region_label(scope), "basis": basis, "text": BASIS_TEXT[basis],
             **share_measure(scope)}
    lus = [x["uscc"] for x in leaders]
    # The years with supplies into these leaders (into anyone, when the scope has no leader).
    years = st.leader_years(prefix) if lus else st.years()
    if year is None:
        year = years[-1] if years else None
    if year not in years:
        return _without_supplies(chain, year, local, years, bool(lus))

    def compute():
        purchases = st.purchase_columns(prefix, year, seg_ids) if lus else purchase_columns([])
        # What does not depend on purchases is kept across supplies writes (State.stamp_members).
        prepared = st._memo(("coverage_prepared", chain_id, scope),
                            lambda: prepare(chain, scope, st.members(seg_ids, prefix), st.platforms(seg_ids, prefix)),
                            st.stamp_members())
        res = coverage(chain, year, scope, None, purchases, None, leaders, list_limit, prepared=prepared)
        res["_has_purchases"] = bool(len(purchases["amount"]))
        return finish(res) if finish else res

    # The result is kept until a delta touches what it depends on (State.stamp_coverage).
    res = cached_call(store, coverage_stamp(store, scope, chain_id), "coverage",
                      {"chain": chain_id, "year": year, "scope": scope, "limit": list_limit,
                       "finish": getattr(finish, "__qualname__", None)}, compute)
    out = {k: v for k, v in res.items() if k != "_has_purchases"}
    out["local"] = local
    out["years"] = years
    out["note"] = _note(local["name"], year, bool(lus), res["_has_purchases"])
    return out


def coverage_stamp(store, scope: str, chain_id: str) -> tuple:
    """What the coverage of `chain_id` with "local" = `scope` depends on (State.stamp_coverage)."""
    st = lsproj.current(store)
    return ("projection", st.uid, *st.stamp_coverage(prefix_of(scope), chain_id))


def _without_supplies(chain: dict, year: int | None, local: dict, years: list[int], has_leaders: bool) -> dict:
    """The empty result for a year in which the scope's leaders (or anyone) received nothing."""
    who = f"{local['name']}的链主工厂" if has_leaders else ""
    note = f"{year}年{who}没有任何供货记录" if year is not None else "没有任何供货记录"
    return {"chain": {"id": chain["id"], "name": chain["name"], "ecosystem": chain.get("ecosystem")},
            "year": year, "local": local, "years": years, "summary": None, "segments": [],
            "districts": [], "platforms": [], "graph": {"nodes": [], "links": []}, "note": note}


def _note(local_name: str, year: int, has_leaders: bool, has_purchases: bool) -> str | None:
    """Why the figures are partial, if they are: no leader in the scope, or none buying in the chain."""
    if not has_leaders:
        return f"{local_name}没有链主工厂：以下只统计本地企业和聚能工厂生态伙伴，没有链主采购数据"
    return None if has_purchases else f"{year}年{local_name}的链主工厂未在该产业链各环节采购"
