"""The local-supply figures' in-memory projection (issue #12 item 1): columnar NumPy arrays.

What it holds, derived from the shared supply-edges part (``graphsvc.core.supply_edges``:
the enterprise index, regions and every ``SUPPLIES`` edge as arrays, one copy that graph
exploration derives from too) plus four queries (``queries/local_supply/proj_*``):

- per enterprise of the shared index: names, credit, revenue (the index, the region and the
  edge arrays ``seller, buyer, year, amount, seg, sreg, alive`` are the shared part's, read
  through properties of the same names);
- ``IN_SEGMENT`` as sets per segment and per enterprise; ``HAS`` + ``Recognition`` as a dict
  (the 链主工厂 and 聚能工厂 are derived from it); ``ORGANIZES`` as platform -> members.

``apply`` folds committed changes in (``Enterprise``/``Recognition`` upserts, ``SUPPLIES``
changes, ``IN_SEGMENT``/``HAS`` replace_from/replace_to, ``ORGANIZES`` replace_pair,
relationship deletes); the shared part has already changed the edges (it is brought up to date
first), so for supplies this part only records which buyers a change reached. Anything it does
not understand (a bulk load, a node delete) asks for a rebuild. Readers take the state from
``graphsvc.core.projection.current``. Memoised intermediate results and the result caches of
the figures are keyed by what a delta can touch, not by one global version: generation counters
per kind of change (``gen``: holders of recognitions, enterprise attributes, segments,
platforms, supplier regions) and, per enterprise, the generation of the last supply change into
it (``buyer_gen``) — a 1,000-row import into three leaders leaves the other leaders' details,
and the per-leader sums of the ratio table of every leader it did not touch, as they were (see
``stamp_*`` and ``State.sums``).

The computing functions below take arrays and return arrays (worked examples as doctests);
the ``State`` methods turn their results into the rows the pure figure functions of
``ratios``, ``coverage`` and ``whatif`` take.
"""
from __future__ import annotations

import itertools
import math
import weakref
from collections import defaultdict

import numpy as np

from graphsvc.core import columns, projection, reference, supply_edges
from graphsvc.local_supply.purchases import Purchases, distinct

NAME = "local_supply"
LEADER = "链主工厂"
PLATFORM = "聚能工厂"
_VERSIONS = itertools.count(1)
# Edges gathered at once (State.leader_blocks). The cold ratio table by CPU time, medians of
# 35 interleaved calls: 2^19 province 16.8 / national 176 ms, 2^17 15.4-15.6 / 157-162 ms.
BLOCK_EDGES = 1 << 17


# ---------------------------------------------------------------- pure functions over arrays

def prefix_mask(codes: list, prefix: str) -> np.ndarray:
    """Which entries of a region-code table start with `prefix` (Cypher's STARTS WITH; None never).

    >>> prefix_mask(["330106", None, "310101"], "3301").tolist()
    [True, False, False]
    """
    return np.fromiter(((c is not None and c.startswith(prefix)) for c in codes), dtype=bool, count=len(codes))


def unique_inverse(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(key, return_inverse=True), in one pass when `key` is already in order — as the
    edges into sorted buyers come (by buyer, then seller): a sort of the million keys of the
    national leaders' year grew faster than they do.

    >>> [a.tolist() for a in unique_inverse(np.array([3, 3, 5, 9, 9]))]
    [[3, 5, 9], [0, 0, 1, 2, 2]]
    >>> [a.tolist() for a in unique_inverse(np.array([5, 3, 5]))]
    [[3, 5], [1, 0, 1]]
    """
    key = np.asarray(key)
    if len(key) > 1 and bool((key[1:] < key[:-1]).any()):
        return np.unique(key, return_inverse=True)
    new = np.empty(len(key), dtype=bool)
    new[:1] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    return key[new], np.cumsum(new, dtype=np.intp) - 1


def dense_unique(key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(key, return_inverse=True) for ints in [0, size), by counting: linear in both,
    where a sort (and NumPy's hash table, worse) grows faster than the keys do once they
    outgrow the caches.

    >>> [a.tolist() for a in dense_unique(np.array([7, 2, 7, 4]), 8)]
    [[2, 4, 7], [2, 0, 2, 1]]
    """
    present = np.bincount(key, minlength=size) > 0 if len(key) else np.zeros(size, dtype=bool)
    return np.flatnonzero(present), (np.cumsum(present, dtype=np.intp) - 1)[key]


def pair_sums(group, seller, amount, local) -> tuple[np.ndarray, ...]:
    """Per group (e.g. a leader): (local_amount, total_amount, local_suppliers, suppliers).

    Suppliers are counted once per (group, seller); a supplier is local when any of its edges
    is (a supplier's region is the same on all its edges), and then all it sold counts as local
    — the local-supply `sums` definition. `group` are small non-negative ints.

    >>> g = np.array([0, 0, 0, 1]); s = np.array([5, 5, 6, 5])
    >>> a = np.array([10.0, 5.0, 20.0, 7.0]); loc = np.array([True, True, False, False])
    >>> [x.tolist() for x in pair_sums(g, s, a, loc)]
    [[15.0, 0.0], [35.0, 7.0], [1, 0], [2, 1]]
    """
    group = np.asarray(group, dtype=np.int64)
    n = int(group.max()) + 1 if len(group) else 0
    mult = int(np.max(seller)) + 1 if len(group) else 1
    key = group * mult + np.asarray(seller, dtype=np.int64)
    uk, inv = unique_inverse(key)
    p_amount = np.bincount(inv, weights=amount, minlength=len(uk))
    p_local = np.bincount(inv, weights=local.astype(np.float64), minlength=len(uk)) > 0
    p_group = uk // mult
    total = np.bincount(p_group, weights=p_amount, minlength=n)
    loc = np.bincount(p_group, weights=np.where(p_local, p_amount, 0.0), minlength=n)
    sup = np.bincount(p_group, minlength=n)
    loc_sup = np.bincount(p_group, weights=p_local.astype(np.int64), minlength=n).astype(np.int64)
    return loc, total, loc_sup, sup


def distinct_years(year: np.ndarray) -> list[int]:
    """The distinct years in `year`, ascending (a count per year: no sort).

    >>> distinct_years(np.array([2024, 2022, 2024]))
    [2022, 2024]
    """
    if not len(year):
        return []
    y = np.asarray(year, dtype=np.int64)
    lo = int(y.min())
    return [lo + int(i) for i in np.nonzero(np.bincount(y - lo))[0]]


# ---------------------------------------------------------------- the state

class State:
    """The projection; see the module docstring. Read-only for readers."""

    def __init__(self, shared: supply_edges.Edges | None = None):
        self.version = next(_VERSIONS)
        self.uid = self.version          # this object's identity in result-cache keys
        self.tick = 0
        self.gen = {"holders": 0, "ents": 0, "segs": 0, "orgs": 0, "reloc": 0, "years": 0, "chains": 0}
        self.chain_gen: dict[str, int] = {}     # chain id -> the last supplies change in its segments
        self.shared = shared if shared is not None else supply_edges.Edges()
        self.seen_relocated = self.shared.relocated
        n = len(self.shared.uscc)
        self.buyer_gen = np.zeros(n, dtype=np.int64)
        self.name: list = [None] * n
        self.credit = np.full(n, -1, dtype=np.int8)      # 1 true, 0 false, -1 unknown
        self.revenue = np.full(n, np.nan)                # nan = unknown
        # memberships, recognitions, platforms
        self.seg_members: dict[int, set] = defaultdict(set)
        # enterprise -> its segments: a tuple (most hold one), not a set (216 bytes empty: 40 MB
        # over the province's 193,000 members)
        self.ent_segs: dict[int, tuple] = {}
        self.recs: dict[str, dict] = {}
        self.rec_kind: dict[str, set] = defaultdict(set)      # kind -> recognition ids
        self.organizes: dict[int, set] = defaultdict(set)
        self._derived: dict = {}
        self.shared.listeners.append(weakref.WeakMethod(self._grow))

    def _grow(self, n: int) -> None:
        """The shared index grew to `n` rows: room for them here (attributes unknown until the
        enterprise upsert that brought them is applied)."""
        k = n - len(self.name)
        if k > 0:
            self.name.extend([None] * k)
            self.credit = np.concatenate((self.credit, np.full(k, -1, dtype=np.int8)))
            self.revenue = np.concatenate((self.revenue, np.full(k, np.nan)))
            self.buyer_gen = np.concatenate((self.buyer_gen, np.zeros(k, dtype=np.int64)))

    # -- the shared part's index, tables and edges ------------------------------------------
    uscc = property(lambda self: self.shared.uscc)
    index = property(lambda self: self.shared.index)
    region = property(lambda self: self.shared.region)
    regs = property(lambda self: self.shared.regs)
    segs = property(lambda self: self.shared.segs)
    seg_index = property(lambda self: self.shared.seg_index)
    n = property(lambda self: self.shared.n)
    seller = property(lambda self: self.shared.seller)
    buyer = property(lambda self: self.shared.buyer)
    year = property(lambda self: self.shared.year)
    amount = property(lambda self: self.shared.amount)
    seg = property(lambda self: self.shared.seg)
    sreg = property(lambda self: self.shared.sreg)
    alive = property(lambda self: self.shared.alive)

    def reg_id(self, code) -> int:
        return self.shared.reg_id(code)

    def seg_id(self, sid) -> int:
        return self.shared.seg_id(sid)

    def ent_id(self, uscc: str) -> int | None:
        return self.index.get(uscc)

    # -- derived, memoised under a stamp of what they depend on ---------------------------
    def _memo(self, key, fn, stamp=None):
        """fn(), kept while `stamp` (default: the recognition holders' generation) is unchanged."""
        stamp = (self.gen["holders"],) if stamp is None else stamp
        hit = self._derived.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        value = fn()
        self._derived[key] = (stamp, value)
        return value

    def touched(self, buyers: np.ndarray) -> int:
        """The newest supply-change generation among `buyers`."""
        return int(self.buyer_gen[buyers].max()) if len(buyers) else 0

    def stamp_leaders(self, prefix: str) -> tuple:
        """What the sums of the 链主工厂 under `prefix` depend on."""
        return (self.gen["holders"], self.gen["reloc"], self.touched(self.holders_in(LEADER, prefix)))

    def stamp_detail(self, uscc: str) -> tuple:
        """What one leader's detail and what-if depend on but its tier 2: its own supplies, the
        enterprises, segments and years (the tier-2 sums go into the key as they are:
        whatif.detail_stamp)."""
        i = self.index.get(uscc)
        if i is None:
            return (self.version,)
        return (self.gen["holders"], self.gen["ents"], self.gen["segs"], self.gen["reloc"], self.gen["years"],
                int(self.buyer_gen[i]))

    def tier1_touched(self, uscc: str) -> int:
        """The newest supply-change generation among the enterprises supplying `uscc`."""
        i = self.index.get(uscc)
        if i is None:
            return self.version
        return self.touched(distinct(self.seller[self.edges_into(np.array([i]))]).astype(np.int64))

    def own_years(self, uscc: str) -> set[int]:
        """The years of the supplies into `uscc`."""
        i = self.index.get(uscc)
        return set() if i is None else set(self.year[self.edges_into(np.array([i]))].tolist())

    def stamp_members(self) -> tuple:
        """What the members and platforms of segments depend on (not supplies)."""
        return (self.gen["holders"], self.gen["ents"], self.gen["segs"], self.gen["orgs"])

    def stamp_coverage(self, prefix: str, chain_id: str) -> tuple:
        """What the coverage of chain `chain_id` under `prefix` depends on: the purchases of the
        leaders under `prefix` in the chain's segments move only with a supplies change in one
        of its segments (`chain_gen`; "chains" when the segments a change reached are not known),
        the years listed with the leaders' years."""
        return (self.gen["holders"], self.gen["reloc"], self.gen["chains"], self.chain_gen.get(chain_id, 0),
                self.gen["ents"], self.gen["segs"], self.gen["orgs"], self.gen["years"], *self.leader_years(prefix))

    def recognitions(self, kind: str) -> list[dict]:
        """Rows as queries/local_supply/leaders.cypher gives them (plus id), for `kind`."""
        def rows():
            out = []
            for rid in self.rec_kind.get(kind, ()):
                r = self.recs[rid]
                owner = r.get("_owner")
                if r.get("kind") != kind or owner is None or owner not in self.index:
                    continue
                i = self.index[owner]
                out.append({"uscc": owner, "name": self.name[i], "region_code": self.regs[self.region[i]],
                            "chain_id": r.get("chain_id"), "status": r.get("status"), "year": r.get("year"),
                            "level": r.get("level"), "recognition_id": rid})
            out.sort(key=lambda r: (r["uscc"], r["year"] is None, r["year"] or 0, r["recognition_id"]))
            return out
        return self._memo(("recs", kind), rows)

    def holders(self, kind: str) -> np.ndarray:
        """Enterprise indexes holding a recognition of `kind`, sorted."""
        return self._memo(("holders", kind), lambda: np.array(
            sorted({self.index[r["uscc"]] for r in self.recognitions(kind)}), dtype=np.int64))

    def holders_in(self, kind: str, prefix: str) -> np.ndarray:
        """Holders of `kind` whose region code starts with `prefix`."""
        def f():
            h = self.holders(kind)
            return h[self.reg_prefix(prefix)[self.region[h]]] if len(h) else h
        return self._memo(("holders_in", kind, prefix), f)

    def reg_prefix(self, prefix: str) -> np.ndarray:
        """A mask over the region table (STARTS WITH `prefix`); recomputed when the table grew."""
        return self._memo(("prefix", prefix), lambda: prefix_mask(self.regs, prefix), (len(self.regs),))

    # -- edges ----------------------------------------------------------------------------
    def edges_into(self, buyers: np.ndarray) -> np.ndarray:
        """Indexes of the live edges into the enterprises `buyers` (sorted int array)."""
        return self.shared.edges_into(buyers)

    def years(self) -> list[int]:
        """The years with any supply record."""
        def f():
            n = self.n
            return distinct_years(self.year[:n][self.alive[:n]])
        return self._memo("years", f,
                          (self.gen["years"],))

    def leader_years(self, prefix: str) -> list[int]:
        """The years in which any 链主工厂 registered under `prefix` received supplies.

        A supplies change that neither deletes nor brings a new year (``gen["years"]``) can only
        add years: then only the edges into the leaders it reached are looked at, and none when
        these leaders have every year with supplies already."""
        def f():
            base = (self.gen["holders"], self.gen["years"])
            key = ("leader_years_since", prefix)
            prev = self._derived.get(key)
            leaders = self.holders_in(LEADER, prefix)
            if prev is not None and prev[0] == base and len(prev[2]) == len(self.years()):
                years, stale = set(prev[2]), leaders[:0]    # every year there is already: none can be added
            elif prev is not None and prev[0] == base:
                years, stale = set(prev[2]), leaders[self.buyer_gen[leaders] > prev[1]]
            else:
                years, stale = set(), leaders
            for idx in self.leader_blocks(stale):
                years.update(distinct_years(self.year[idx]))
            years = sorted(years)
            self._derived[key] = (base, self.tick, years)
            return years
        return self._memo(("leader_years", prefix), f, (*self.stamp_leaders(prefix), self.gen["years"]))

    def leader_blocks(self, leaders: np.ndarray):
        """The live edges into `leaders` (sorted enterprise rows), in blocks of about BLOCK_EDGES
        edges, each the edges into a run of them (ascending; one block when the shared part's
        unsorted tail is long, each block scanning it). Blocks keep a pass's temporaries in the
        CPU's caches: over the national leaders' 5M edges at once, every gather and mask
        costs twice as much per edge as over the province's 0.5M."""
        sh = self.shared
        nb = len(sh.bstart) - 1
        k = leaders[leaders < nb]
        counts = np.zeros(len(leaders), dtype=np.int64)
        counts[leaders < nb] = sh.bstart[k + 1] - sh.bstart[k]
        total = int(counts.sum())
        if total <= BLOCK_EDGES or sh.n - sh.n_sorted > BLOCK_EDGES:
            yield self.edges_into(leaders)
            return
        cuts = np.searchsorted(np.cumsum(counts), np.arange(BLOCK_EDGES, total, BLOCK_EDGES), side="right")
        bounds = np.unique(np.concatenate(([0], cuts, [len(leaders)])))
        for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            yield self.edges_into(leaders[a:b])

    def sums(self, prefix: str, year: int | None) -> list[dict]:
        """queries' old `sums`: per leader under `prefix` and year, locality by `prefix`.

        Kept per leader: after a supplies change only the leaders it reached (their
        ``buyer_gen`` is newer than the kept rows) are summed again; a change of the holders or
        of supplier regions sums them all."""
        return self._memo(("sums", prefix, year), lambda: self._sums_by_leader(prefix, year), self.stamp_leaders(prefix))

    def _sums_by_leader(self, prefix: str, year: int | None) -> list[dict]:
        leaders = self.holders_in(LEADER, prefix)
        base = (self.gen["holders"], self.gen["reloc"])
        key = ("sums_by_leader", prefix, year)
        prev = self._derived.get(key)
        if prev is not None and prev[0] == base:
            by_leader = dict(prev[2])
            stale = leaders[self.buyer_gen[leaders] > prev[1]]
        else:
            by_leader, stale = {}, leaders
        for li in stale.tolist():
            by_leader.pop(li, None)
        for idx in self.leader_blocks(stale):
            for li, r in self._leader_sums(stale, idx, prefix, year):
                by_leader.setdefault(li, []).append(r)
        self._derived[key] = (base, self.tick, by_leader)
        return [r for li in leaders.tolist() for r in by_leader.get(li, ())]

    def _leader_sums(self, leaders: np.ndarray, idx: np.ndarray, prefix: str, year: int | None) -> list[tuple]:
        """(leader index, row) per leader of `leaders` (sorted) and year, from the edges `idx` into them."""
        if year is not None:
            idx = idx[self.year[idx] == year]
        if not len(idx):
            return []
        yr = self.year[idx].astype(np.int64)
        years = np.array(distinct_years(yr), dtype=np.int64)
        ypos = np.searchsorted(years, yr) if len(years) > 1 else np.zeros(len(yr), dtype=np.int64)
        # Per buyer, not per edge: the edges come by buyer.
        buyers, at = unique_inverse(self.buyer[idx])
        lpos = np.searchsorted(leaders, buyers)[at]
        group = lpos * len(years) + ypos
        loc = self.reg_prefix(prefix)[self.sreg[idx]]
        la, ta, ls, s = pair_sums(group, self.seller[idx], self.amount[idx], loc)
        out = []
        for g in np.nonzero(s)[0]:
            li, yi = divmod(int(g), len(years))
            out.append((int(leaders[li]), {
                "uscc": self.uscc[int(leaders[li])], "year": int(years[yi]), "local_amount": float(la[g]),
                "total_amount": float(ta[g]), "local_suppliers": int(ls[g]), "suppliers": int(s[g])}))
        return out

    def purchases(self, uscc: str, year: int, local, local_key=None) -> Purchases:
        """The supplies into `uscc` in `year` as columns (purchases.Purchases), in the order the
        detail lists them (supplier USCC, segment), locality by the predicate `local` on a region
        code (kept per `local_key` as local_mask keeps it)."""
        i = self.index.get(uscc)
        idx = self.edges_into(np.array([i])) if i is not None else np.zeros(0, dtype=np.int64)
        idx = idx[self.year[idx] == year]
        seller, sreg = self.seller[idx], self.sreg[idx]
        return Purchases.from_edges(self.uscc_rank()[seller], seller, self.seg[idx], sreg, self.amount[idx],
                                    self.local_mask(local, local_key)[sreg], self.uscc, self.name, self.regs,
                                    self.segs)

    def local_mask(self, local, local_key=None) -> np.ndarray:
        """Per region of the table: does the predicate `local` hold; kept per `local_key` (e.g.
        the scope it stands for) while no region is added."""
        def mask_of():
            return np.fromiter((bool(local(c)) for c in self.regs), dtype=bool, count=len(self.regs))
        return mask_of() if local_key is None else self._memo(("local", local_key), mask_of, (len(self.regs),))

    def year_sums(self, uscc: str, local, local_key=None) -> dict[int, tuple]:
        """Per year of the supplies into `uscc`: (local_amount, total_amount, local_suppliers,
        suppliers), as ratios.sums_from_edges makes them from the year's records (math.fsum is
        correctly rounded, so the sum does not depend on the order)."""
        i = self.index.get(uscc)
        if i is None:
            return {}
        idx = self.edges_into(np.array([i]))
        loc = self.local_mask(local, local_key)[self.sreg[idx]]
        years, amount, seller = self.year[idx], self.amount[idx], self.seller[idx]
        out = {}
        for y in distinct_years(years):
            at = years == y
            a, near = amount[at], loc[at]
            out[y] = (math.fsum(a[near].tolist()), math.fsum(a.tolist()), len(distinct(seller[at & loc])),
                      len(distinct(seller[at])))
        return out

    def tier2_sums(self, uscc: str, year: int, local, local_key=None) -> dict:
        """Tier 2 of `uscc` in `year`: the supplies in `year` into the enterprises that supplied
        it in `year`, summed — {"sums": (local_amount, total_amount, local_suppliers, suppliers),
        "tier1_suppliers": n}; `local` is a predicate on a region code (amounts by math.fsum)."""
        i = self.index.get(uscc)
        if i is None:
            return {"sums": (0.0, 0.0, 0, 0), "tier1_suppliers": 0}
        idx = self.edges_into(np.array([i]))
        t1 = distinct(self.seller[idx[self.year[idx] == year]]).astype(np.int64)
        idx2 = self.edges_into(t1)
        idx2 = idx2[self.year[idx2] == year]
        loc = self.local_mask(local, local_key)[self.sreg[idx2]]
        a, s = self.amount[idx2], self.seller[idx2]
        return {"sums": (math.fsum(a[loc].tolist()), math.fsum(a.tolist()), len(distinct(s[loc])), len(distinct(s))),
                "tier1_suppliers": len(distinct(self.buyer[idx2]))}

    def purchase_columns(self, prefix: str, year: int, segment_ids: list[str]) -> dict:
        """What the 链主工厂 under `prefix` bought in `year` in the segments (the old
        `coverage_purchases` rows) as the columns ``coverage.purchase_columns`` makes of such rows:
        codes into small tables of segments, suppliers (uscc, name, region) and leaders, amounts."""
        segs = np.array([self.seg_index[s] for s in segment_ids if s in self.seg_index], dtype=np.int64)
        # In edge order (blocks of one leader run each, their tails last): as one gather gives them.
        idx = np.concatenate([idx[(self.year[idx] == year) & np.isin(self.seg[idx], segs)]
                              for idx in self.leader_blocks(self.holders_in(LEADER, prefix))])
        if len(idx) > 1 and bool((idx[1:] < idx[:-1]).any()):
            idx.sort()
        us, sinv = dense_unique(self.seller[idx], len(self.uscc))
        ls, linv = unique_inverse(self.buyer[idx])
        gs, ginv = dense_unique(self.seg[idx], len(self.segs))
        from graphsvc.local_supply.coverage import Suppliers

        sreg = np.zeros(len(us), dtype=np.int64)
        sreg[sinv] = self.sreg[idx]          # a supplier's region is the same on all its edges
        uscc, name, regs = self.uscc, self.name, self.regs

        def supplier(k: int) -> tuple:
            return uscc[us[k]], name[us[k]], regs[sreg[k]]
        return {"segment": ginv.astype(np.int64), "segments": [self.segs[g] for g in gs.tolist()],
                "supplier": sinv.astype(np.int64),
                "suppliers": Suppliers(supplier, sreg, regs, self.uscc_rank()[us], us, self.index.get),
                "leader": linv.astype(np.int64), "leaders": [self.uscc[b] for b in ls.tolist()],
                "amount": self.amount[idx].astype(np.float64)}

    def uscc_rank(self) -> np.ndarray:
        """Each enterprise's place in USCC order, kept until an enterprise is added."""
        sh = self.shared
        return self._memo("uscc rank", lambda: supply_edges.sorted_prefix_rank(sh.uscc, sh.n_uscc_sorted),
                          (len(self.uscc),))

    # -- memberships ------------------------------------------------------------------------
    def _ent_row(self, i: int) -> dict:
        cr = int(self.credit[i])
        rev = float(self.revenue[i])
        return {"uscc": self.uscc[i], "name": self.name[i], "region_code": self.regs[self.region[i]],
                "credit_ok": None if cr < 0 else bool(cr), "revenue_wan": None if rev != rev else rev}

    def _ent_rows(self, idx: np.ndarray) -> list[dict]:
        """`_ent_row` for many enterprises at once (one conversion per column)."""
        return [{"uscc": self.uscc[i], "name": self.name[i], "region_code": self.regs[g],
                 "credit_ok": None if c < 0 else c == 1, "revenue_wan": None if r != r else r}
                for i, g, c, r in zip(idx.tolist(), self.region[idx].tolist(), self.credit[idx].tolist(),
                                      self.revenue[idx].tolist())]

    def _members_in(self, sid: str, prefix: str) -> np.ndarray:
        g = self.seg_index.get(sid)
        if g is None or not self.seg_members.get(g):
            return np.zeros(0, dtype=np.int64)
        m = np.fromiter(self.seg_members[g], dtype=np.int64)
        m = m[self.reg_prefix(prefix)[self.region[m]]]
        return np.sort(m)

    def members(self, segment_ids: list[str], prefix: str) -> list[dict]:
        """Enterprises in the segments registered under `prefix` (old `coverage_members`)."""
        out = []
        for sid in segment_ids:
            for r in self._ent_rows(self._members_in(sid, prefix)):
                r["segment_id"] = sid
                out.append(r)
        return out

    def ranked_candidates(self, sid: str, prefix: str, local, local_key) -> tuple[list[dict], dict]:
        """The rows of `_candidates_in(sid, prefix)` whose region the predicate `local` (named
        by `local_key`, e.g. its scope) accepts, by revenue (highest first, unknown as 0) then
        USCC, and USCC -> place in that order; kept like the rows. A what-if ranks them
        per leader only by which of them already supply it (whatif.top_candidates' order)."""
        def ranked():
            rows = [r for r in self._candidates_in(sid, prefix) if local(r["region_code"])]
            rows.sort(key=lambda r: (-(r["revenue_wan"] or 0.0), r["uscc"]))
            return rows, {r["uscc"]: k for k, r in enumerate(rows)}
        return self._memo(("ranked candidates", sid, prefix, local_key), ranked, self.stamp_members())

    def _candidates_in(self, sid: str, prefix: str) -> list[dict]:
        """The credit-worthy members of one segment under `prefix` as rows, made once for every
        leader's what-if until an enterprise, segment or holder change (a segment has thousands
        of members at province scale: making their rows was a third of a leader's detail)."""
        def rows():
            m = self._members_in(sid, prefix)
            out = self._ent_rows(m[self.credit[m] == 1])
            for r in out:
                del r["credit_ok"]
                r["segment_id"] = sid
            return out
        return self._memo(("candidates", sid, prefix), rows, self.stamp_members())

    def platforms(self, segment_ids: list[str], prefix: str) -> list[dict]:
        """聚能工厂 under `prefix` and their members in the segments (old `coverage_platforms`)."""
        seg_of: dict = {}
        for sid in segment_ids:
            g = self.seg_index.get(sid)
            if g is not None:
                seg_of[g] = sid
        out = []
        for p in self.holders_in(PLATFORM, prefix).tolist():
            for m in sorted(self.organizes.get(p, ())):
                for g in sorted(self.ent_segs.get(m, ())):
                    if g in seg_of:
                        mr = self._ent_row(m)
                        out.append({"platform_uscc": self.uscc[p], "platform_name": self.name[p],
                                    "platform_region": self.regs[self.region[p]], "segment_id": seg_of[g],
                                    "member_uscc": mr["uscc"], "member_region": mr["region_code"],
                                    "revenue_wan": mr["revenue_wan"], "credit_ok": mr["credit_ok"]})
        return out


# ---------------------------------------------------------------- building

def build(store) -> State:
    """The projection from the shared supply edges and the database, in bulk."""
    shared = supply_edges.current(store)
    st = State(shared)
    t = store.read_columns("local_supply/proj_enterprises")
    rows = shared.rows_of(t.column("uscc"), add=False)
    ok = rows >= 0
    for i, v in zip(rows[ok].tolist(), [v for v, k in zip(columns.strings(t.column("name")), ok.tolist()) if k]):
        st.name[i] = v
    st.credit[rows[ok]] = columns.codes(t.column("credit_ok"), lambda v: -1 if v is None else int(bool(v)),
                                        np.int8)[ok]
    st.revenue[rows[ok]] = columns.numbers(t.column("revenue_wan"))[ok]
    t = store.read_columns("local_supply/proj_segments")
    ents = shared.rows_of(t.column("uscc"), add=False)
    segs = columns.codes(t.column("segment_id"), st.seg_id)
    for i, g in zip(ents.tolist(), segs.tolist()):
        if i >= 0:
            _join(st, i, g)
    for r in columns.rows(store.read_columns("local_supply/proj_recognitions")):
        st.recs[r["id"]] = {"kind": r.get("kind"), "status": r.get("status"), "year": r.get("year"),
                            "chain_id": r.get("chain_id"), "level": r.get("level"), "_owner": r.get("owner")}
        st.rec_kind[r.get("kind")].add(r["id"])
    for r in store.read("local_supply/proj_organizes"):
        p, m = st.index.get(r["platform"]), st.index.get(r["member"])
        if p is not None and m is not None:
            st.organizes[p].add(m)
    return st


# ---------------------------------------------------------------- applying changes

class _Rebuild(Exception):
    pass


def apply(st: State, changes: list) -> State | None:
    """Fold committed changes into `st` (in place); None asks for a rebuild. The shared edges
    hold these changes already (graphsvc.core.projection brings them up to date first)."""
    st.tick += 1
    st._grow(len(st.uscc))
    try:
        for c in changes:
            fn = _APPLY.get((c.entity, c.op))
            if fn is not None:
                fn(st, c.rows)
            elif c.op == "bulk" or c.entity in _WATCHED:
                return None
    except _Rebuild:
        return None
    if st.shared.relocated != st.seen_relocated:
        # A supplier's region changed on its edges: every locality sum may have moved.
        st.seen_relocated = st.shared.relocated
        st.gen["reloc"] = st.tick
    st.version = next(_VERSIONS)
    return st


def _upsert_enterprises(st: State, rows: list[dict]) -> None:
    st.gen["ents"] = st.tick
    holders = set(st.holders(LEADER).tolist()) | set(st.holders(PLATFORM).tolist())
    for r in rows:
        i = st.index.get(r.get("uscc"))
        if i is None:
            raise _Rebuild
        if i in holders:
            st.gen["holders"] = st.tick
        if "name" in r:
            st.name[i] = r["name"]
        if "credit_ok" in r:
            st.credit[i] = -1 if r["credit_ok"] is None else int(bool(r["credit_ok"]))
        if "revenue_wan" in r:
            st.revenue[i] = np.nan if r["revenue_wan"] is None else float(r["revenue_wan"])


def _supplies_touched(st: State, rows: list[dict], mode: str) -> None:
    """A supplies change (the shared edges hold it): the buyers it reached get this tick, and
    the years gen moves when it may have brought a new year or taken one away."""
    ix = st.index
    if mode == "delete" and any("from" not in r and "to" not in r for r in rows):
        raise _Rebuild
    buyers = {ix[r["to"]] for r in rows if r.get("to") in ix}
    # Edges that went with a supplier (replace_from; a delete naming no buyer): their buyers.
    gone = np.array(sorted({ix[r["from"]] for r in rows if r.get("from") in ix
                            and (mode == "from" or (mode == "delete" and "to" not in r))}), dtype=np.int64)
    if len(gone):
        n = st.n
        buyers |= set(np.unique(st.buyer[:n][np.isin(st.seller[:n], gone)]).tolist())
    if buyers:
        st.buyer_gen[np.fromiter(buyers, dtype=np.int64)] = st.tick
    if mode == "pair":
        # A pair's row replaces only edges of its own segment (the identity holds the segment).
        chain_of = reference.segments()
        for sid in {r.get("segment_id") for r in rows} - {None, ""}:
            c = chain_of.get(sid)
            if c is not None:
                st.chain_gen[c["chain_id"]] = st.tick
    else:
        st.gen["chains"] = st.tick
    # Results that list the years read the `years` memo: none was made while it is absent.
    known = st._derived.get("years")
    if mode != "pair" or (known is not None and not {r.get("year") for r in rows} <= set(known[1])):
        st.gen["years"] = st.tick


def _segments(st: State, rows: list[dict], mode: str) -> None:
    st.gen["segs"] = st.tick
    ix = st.index
    if mode == "from":
        for u in {r["from"] for r in rows}:
            i = ix.get(u)
            for g in st.ent_segs.pop(i, ()) if i is not None else ():
                st.seg_members[g].discard(i)
    elif mode == "to":
        for sid in {r["to"] for r in rows}:
            g = st.seg_id(sid)
            for i in st.seg_members.pop(g, set()):
                _leave(st, i, g)
    elif mode == "delete":
        for r in rows:
            i = ix.get(r.get("from")) if "from" in r else None
            g = st.seg_index.get(r.get("to")) if "to" in r else None
            if "from" in r and "to" in r:
                if i is not None and g is not None:
                    _leave(st, i, g)
                    st.seg_members[g].discard(i)
            elif "from" in r:
                for gg in st.ent_segs.pop(i, ()) if i is not None else ():
                    st.seg_members[gg].discard(i)
            elif "to" in r:
                for ii in st.seg_members.pop(g, set()) if g is not None else ():
                    _leave(st, ii, g)
            else:
                raise _Rebuild
        return
    for r in rows:
        i = ix.get(r["from"])
        if i is None:
            raise _Rebuild
        _join(st, i, st.seg_id(r["to"]))


def _join(st: State, i: int, g: int) -> None:
    st.seg_members[g].add(i)
    have = st.ent_segs.get(i, ())
    if g not in have:
        st.ent_segs[i] = (*have, g)


def _leave(st: State, i: int, g: int) -> None:
    left = tuple(x for x in st.ent_segs.get(i, ()) if x != g)
    if left:
        st.ent_segs[i] = left
    else:
        st.ent_segs.pop(i, None)


def _recognitions(st: State, rows: list[dict]) -> None:
    st.gen["holders"] = st.tick
    for r in rows:
        rid = r.get("id")
        if rid is None:
            raise _Rebuild
        cur = st.recs.setdefault(rid, {"_owner": None})
        for k in ("kind", "status", "year", "chain_id", "level"):
            if k in r:
                cur[k] = r[k]
        for ids in st.rec_kind.values():
            ids.discard(rid)
        st.rec_kind[cur.get("kind")].add(rid)


def _has(st: State, rows: list[dict], mode: str) -> None:
    st.gen["holders"] = st.tick
    if mode == "from":
        owners = {r["from"] for r in rows}
        for rec in st.recs.values():
            if rec.get("_owner") in owners:
                rec["_owner"] = None
    if mode == "delete":
        for r in rows:
            for rid, rec in st.recs.items():
                if ("to" not in r or rid == r["to"]) and ("from" not in r or rec.get("_owner") == r["from"]):
                    rec["_owner"] = None
        return
    for r in rows:
        # Every mode ends with the edge from -> to; "to"/"pair" replace what reached `to`.
        st.recs.setdefault(r["to"], {"_owner": None})["_owner"] = r["from"]


def _organizes(st: State, rows: list[dict], mode: str) -> None:
    st.gen["orgs"] = st.tick
    ix = st.index
    if mode == "delete":
        for r in rows:
            p, m = ix.get(r.get("from")), ix.get(r.get("to"))
            if "to" not in r:
                st.organizes.pop(p, None)
            elif p is not None:
                st.organizes.get(p, set()).discard(m)
            else:
                for ms in st.organizes.values():
                    ms.discard(m)
        return
    if mode == "from":
        for u in {r["from"] for r in rows}:
            st.organizes.pop(ix.get(u), None)
    if mode == "to":
        targets = {ix.get(r["to"]) for r in rows}
        for ms in st.organizes.values():
            ms -= targets
    for r in rows:
        p, m = ix.get(r["from"]), ix.get(r["to"])
        if p is None or m is None:
            raise _Rebuild
        st.organizes[p].add(m)


_APPLY = {
    ("Enterprise", "upsert"): _upsert_enterprises,
    ("SUPPLIES", "replace_pair"): lambda st, rows: _supplies_touched(st, rows, "pair"),
    ("SUPPLIES", "replace_from"): lambda st, rows: _supplies_touched(st, rows, "from"),
    ("SUPPLIES", "replace_to"): lambda st, rows: _supplies_touched(st, rows, "to"),
    ("SUPPLIES", "delete"): lambda st, rows: _supplies_touched(st, rows, "delete"),
    ("SUPPLIES", "update"): lambda st, rows: None,     # the relocation counter tells
    ("IN_SEGMENT", "replace_from"): lambda st, rows: _segments(st, rows, "from"),
    ("IN_SEGMENT", "replace_to"): lambda st, rows: _segments(st, rows, "to"),
    ("IN_SEGMENT", "replace_pair"): lambda st, rows: _segments(st, rows, "pair"),
    ("IN_SEGMENT", "delete"): lambda st, rows: _segments(st, rows, "delete"),
    ("Recognition", "upsert"): _recognitions,
    ("HAS", "replace_to"): lambda st, rows: _has(st, rows, "to"),
    ("HAS", "replace_pair"): lambda st, rows: _has(st, rows, "pair"),
    ("HAS", "replace_from"): lambda st, rows: _has(st, rows, "from"),
    ("HAS", "delete"): lambda st, rows: _has(st, rows, "delete"),
    ("ORGANIZES", "replace_pair"): lambda st, rows: _organizes(st, rows, "pair"),
    ("ORGANIZES", "replace_from"): lambda st, rows: _organizes(st, rows, "from"),
    ("ORGANIZES", "replace_to"): lambda st, rows: _organizes(st, rows, "to"),
    ("ORGANIZES", "delete"): lambda st, rows: _organizes(st, rows, "delete"),
    # The enterprise's region is a node property; the edge to its Region node adds nothing here.
    ("LOCATED_IN", "replace_from"): lambda st, rows: None,
    ("LOCATED_IN", "replace_pair"): lambda st, rows: None,
    ("LOCATED_IN", "delete"): lambda st, rows: None,
}
# Entities whose other changes (a node delete, an unknown op) this part cannot patch: rebuild.
_WATCHED = frozenset({"Enterprise", "SUPPLIES", "IN_SEGMENT", "Recognition", "HAS", "ORGANIZES", "LOCATED_IN",
                      "*"})

PART = projection.register(projection.Part(NAME, build=build, apply=apply, needs=(supply_edges.NAME,)))


def current(store) -> State:
    """The projection for `store`, up to date with every committed change."""
    return projection.current(store, NAME)
