"""The shared supply-edges projection part: every SUPPLIES record as columnar NumPy arrays, with
the enterprise index they are numbered by. Local supply (graphsvc/local_supply/projection.py)
and graph exploration (graphsvc/enterprises/projection.py) both derive from this one copy
instead of each holding its own (issue #12: one copy of the 2.02M province edges, not two).

What it holds:

- the enterprise index: ``uscc`` (row -> USCC), ``index`` (USCC -> row), ``region`` (an index
  into the region-code table ``regs``); built from every Enterprise node, grown by upserts;
- ``SUPPLIES`` as parallel arrays ``seller, buyer, year, amount, seg, sreg`` (segment index into
  ``segs``, -1 = none; supplier region index, as stored on the edge) and ``alive``, the first
  ``n`` entries used. The edges present at build are sorted by buyer (``bstart[b]:bstart[b + 1]``
  are b's), later ones sit in a tail; ``by_seller[sstart[s]:sstart[s + 1]]`` are the sorted
  edges leaving s, in edge order (an int32 index, about 9 MB on the province's 2M edges:
  `edges_from` reads a slice instead of scanning every edge). An edge's identity (buyer,
  seller, year, segment) is an int64 key; the build's sort order is the keys' order, so the
  sorted edges' keys need no permutation of their own; a dict for the tail.

`apply` changes the arrays in place (under the part's lock): upserts of enterprises (new rows,
relocations rewrite ``sreg`` on the supplier's edges as the importer does), ``SUPPLIES``
replace_pair / replace_from / replace_to / delete / update. Counters tell derived parts what
moved: ``relocated`` grows when a supplier region on edges changed, ``version`` on every apply.
A dependent part (``Part.needs``) is brought up to date after this one and holds a reference
to this state; when this part rebuilds, its dependents rebuild too (graphsvc.core.projection).
``listeners`` (weak method references) are called with the new row count when the enterprise index grows, so a
dependent's per-enterprise arrays can grow with it before a reader looks a new row up.

Readers take `n` first, then the arrays (the arrays are replaced, never shrunk, when they grow).
"""
from __future__ import annotations

import bisect
import itertools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from graphsvc.core import columns, projection

NAME = "supply_edges"
ENTITIES = frozenset({"Enterprise", "SUPPLIES"})
TAIL_LIMIT = 400_000       # appended edges kept unsorted before the arrays are re-sorted
_YEAR0 = 1900
_VERSIONS = itertools.count(1)


# ---------------------------------------------------------------- pure functions over arrays

def edge_keys(buyer, seller, year, seg) -> np.ndarray:
    """One int64 per supply identity (buyer, seller, year, segment index; -1 = none), ordered
    as those four are: edges sorted by buyer, then seller, year and segment have sorted keys.

    >>> k = edge_keys(np.array([1, 1, 2]), np.array([2, 2, 0]), np.array([2024, 2024, 2020]), np.array([-1, 3, 5]))
    >>> bool(k[0] != k[1]), bool((np.diff(k) > 0).all()), k.dtype.name
    (True, True, 'int64')
    """
    b = np.asarray(buyer, dtype=np.int64)
    s = np.asarray(seller, dtype=np.int64)
    y = np.asarray(year, dtype=np.int64) - _YEAR0
    g = np.asarray(seg, dtype=np.int64) + 1
    return ((b << 41) | (s << 19) | ((y & 0xFF) << 11) | (g & 0x7FF)).astype(np.int64)


def slices(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The concatenated ranges [starts[i], ends[i]) as one index array.

    >>> slices(np.array([0, 5]), np.array([2, 8])).tolist()
    [0, 1, 5, 6, 7]
    """
    lens = ends - starts
    if not len(lens) or lens.sum() == 0:
        return np.zeros(0, dtype=np.int64)
    offs = np.repeat(starts - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
    return np.arange(int(lens.sum()), dtype=np.int64) + offs


def sorted_prefix_rank(keys: list[str], n_sorted: int) -> np.ndarray:
    """Each key's place in ascending order, when the keys are distinct and `keys[:n_sorted]`
    are in order already (the enterprises as built) and the rest were appended since: a
    bisection per appended key and a few linear NumPy passes. Sorting 2M USCCs (twice, as
    argsort(argsort)) instead took 1.43 s against 35 ms this way, with 1,000 appended; it ran on
    the first leader detail after every new enterprise.

    >>> sorted_prefix_rank(["b", "d", "f", "e", "a"], 3).tolist()
    [1, 2, 4, 3, 0]
    >>> sorted_prefix_rank(["b", "a"], 0).tolist()
    [1, 0]
    """
    tail = keys[n_sorted:]
    # Where each appended key goes among the sorted ones (no key is in both: USCCs are unique).
    at = np.array([bisect.bisect_left(keys, u, 0, n_sorted) for u in tail], dtype=np.int64)
    within = np.empty(len(tail), dtype=np.int64)
    within[sorted(range(len(tail)), key=tail.__getitem__)] = np.arange(len(tail))
    rank = np.empty(len(keys), dtype=np.int64)
    head = np.arange(n_sorted, dtype=np.int64)
    rank[:n_sorted] = head + np.searchsorted(np.sort(at), head, side="right")
    rank[n_sorted:] = at + within
    return rank


# ---------------------------------------------------------------- the state

class Edges:
    """The shared state; see the module docstring. Read-only for readers."""

    def __init__(self):
        self.version = next(_VERSIONS)
        self.relocated = 0
        self.uscc: list[str] = []
        self.n_uscc_sorted = 0          # self.uscc[:n_uscc_sorted] in USCC order (built so)
        self._keys = None               # self.uscc as an Arrow array (rows_of), while as long
        self.index: dict[str, int] = {}
        self.region = np.zeros(0, dtype=np.int32)
        self.regs: list = [None]
        self.reg_index: dict = {None: 0}
        self.segs: list = []
        self.seg_index: dict = {}
        self.n = 0
        self.n_sorted = 0
        self.seller = np.zeros(0, dtype=np.int32)
        self.buyer = np.zeros(0, dtype=np.int32)
        self.year = np.zeros(0, dtype=np.int32)
        self.amount = np.zeros(0, dtype=np.float64)
        self.seg = np.zeros(0, dtype=np.int32)
        self.sreg = np.zeros(0, dtype=np.int32)
        self.alive = np.zeros(0, dtype=bool)
        self.bstart = np.zeros(1, dtype=np.int32)
        self.by_seller = np.zeros(0, dtype=np.int32)
        self.sstart = np.zeros(1, dtype=np.int32)
        self.keys_sorted = np.zeros(0, dtype=np.int64)
        self.tail_keys: dict[int, int] = {}
        self.listeners: list = []

    def reg_id(self, code) -> int:
        i = self.reg_index.get(code)
        if i is None:
            i = self.reg_index[code] = len(self.regs)
            self.regs.append(code)
        return i

    def seg_id(self, sid) -> int:
        if sid is None:
            return -1
        i = self.seg_index.get(sid)
        if i is None:
            i = self.seg_index[sid] = len(self.segs)
            self.segs.append(sid)
        return i

    def rows_of(self, column, add: bool = True) -> np.ndarray:
        """The row of each USCC of an Arrow `column` (int64): a new one added as `ent` adds
        it when `add`, else -1; the known ones found in C (columns.positions)."""
        keys = self._keys
        if keys is None or len(keys) != len(self.uscc):
            keys = self._keys = pa.array(self.uscc, type=pa.string())
        return columns.positions(column, keys, self.ent if add else (lambda u: -1))

    def ent(self, uscc: str) -> int:
        """The row of `uscc`, added (region unknown) when new."""
        i = self.index.get(uscc)
        if i is None:
            i = len(self.uscc)
            self.region = np.append(self.region, np.int32(0))
            self.uscc.append(uscc)
            self.index[uscc] = i
            for ref in list(self.listeners):
                grow = ref()
                if grow is None:
                    self.listeners.remove(ref)
                else:
                    grow(len(self.uscc))
        return i

    def edges_from(self, seller: int) -> np.ndarray:
        """Indexes of the live edges leaving the enterprise `seller` (a row), ascending: its
        slice of the sorted edges' index by seller, then the tail's (scanned)."""
        n, n_sorted, by_seller, sstart = self.n, self.n_sorted, self.by_seller, self.sstart
        e = by_seller[sstart[seller]:sstart[seller + 1]].astype(np.int64) if seller + 1 < len(sstart) \
            else np.zeros(0, dtype=np.int64)
        if n > n_sorted:
            e = np.concatenate((e, n_sorted + np.flatnonzero(self.seller[n_sorted:n] == seller)))
        return e[self.alive[e]]

    def edges_into(self, buyers: np.ndarray) -> np.ndarray:
        """Indexes of the live edges into the enterprises `buyers` (sorted int array)."""
        n = self.n
        buyers = np.asarray(buyers, dtype=np.int64)
        nb = len(self.bstart) - 1
        known = buyers[buyers < nb]
        main = slices(self.bstart[known].astype(np.int64), self.bstart[known + 1].astype(np.int64))
        if n > self.n_sorted:
            t = np.arange(self.n_sorted, n, dtype=np.int64)
            t = t[np.isin(self.buyer[self.n_sorted:n], buyers)]
            main = np.concatenate((main, t))
        return main[self.alive[main]]


# ---------------------------------------------------------------- building

def build(store) -> Edges:
    """Every enterprise and every supply, read as Arrow columns (no Python object per row).

    Numbered in an order of the data alone — enterprises by USCC, segments and regions first
    met in that order or sorted, edges by buyer, seller, year and segment — not in the order
    the engine's parallel scans return rows, which changes from one run to the next: sums over
    the arrays then come out the same to the last bit in every process."""
    st = Edges()
    t = store.read_columns("core/enterprise_regions")
    t = t.take(pc.sort_indices(t, sort_keys=[("uscc", "ascending")]))
    st.uscc = columns.strings(t.column("uscc"))
    st.n_uscc_sorted = len(st.uscc)
    st.index = {u: i for i, u in enumerate(st.uscc)}
    st.region = columns.codes(t.column("region_code"), st.reg_id, np.int32)
    t = store.read_supplies()
    for name, number in (("segment_id", st.seg_id), ("supplier_region", st.reg_id)):
        for v in sorted(v for v in pc.unique(t.column(name)).to_pylist() if v is not None):
            number(v)
    seller = st.rows_of(t.column("seller")).astype(np.int32)
    buyer = st.rows_of(t.column("buyer")).astype(np.int32)
    year = columns.numbers(t.column("year"), 0, np.int32)
    amount = columns.numbers(t.column("amount_wan"), 0.0).astype(np.float64)
    sg = columns.codes(t.column("segment_id"), st.seg_id, np.int32)
    sreg = columns.codes(t.column("supplier_region"), st.reg_id, np.int32)
    del t
    _sort_edges(st, seller, buyer, year, amount, sg, sreg, np.ones(len(seller), dtype=bool))
    return st


def _sort_edges(st: Edges, seller, buyer, year, amount, sg, sreg, alive) -> None:
    """Keep the live edges, sorted by buyer (then seller, year and segment: their identity
    keys, sorted for lookups), indexed by seller."""
    keep = np.nonzero(alive)[0]
    keys = edge_keys(buyer[keep], seller[keep], year[keep], sg[keep])
    sort = np.argsort(keys, kind="stable")
    order, keys = keep[sort], keys[sort]
    del sort
    n = len(order)
    cap = n + max(1024, n // 8)

    def grown(a):
        out = np.zeros(cap, dtype=a.dtype)
        out[:n] = a[order]
        return out

    seller, buyer, year = grown(seller), grown(buyer), grown(year)
    amount, sg, sreg = grown(amount), grown(sg), grown(sreg)
    live = np.zeros(cap, dtype=bool)
    live[:n] = True
    rows = np.arange(len(st.uscc) + 1)
    bstart = np.searchsorted(buyer[:n], rows).astype(np.int32)
    # Edge numbers as int32 (2M fit; half the memory of int64), in edge order per seller.
    by_seller = np.argsort(seller[:n], kind="stable").astype(np.int32)
    sstart = np.searchsorted(seller[:n][by_seller], rows).astype(np.int32)
    st.n = min(st.n, n)          # readers take n first: never past what the arrays hold
    st.seller, st.buyer, st.year, st.amount, st.seg, st.sreg, st.alive = seller, buyer, year, amount, sg, sreg, live
    st.bstart, st.by_seller, st.sstart, st.keys_sorted, st.tail_keys = bstart, by_seller, sstart, keys, {}
    st.n = st.n_sorted = n


# ---------------------------------------------------------------- applying changes

class _Rebuild(Exception):
    pass


def apply(st: Edges, changes: list) -> Edges | None:
    """Fold committed changes into `st` (in place); None asks for a rebuild."""
    try:
        for c in changes:
            fn = _APPLY.get((c.entity, c.op))
            if fn is None:
                return None
            fn(st, c.rows)
    except _Rebuild:
        return None
    st.version = next(_VERSIONS)
    return st


def _relocate(st: Edges, new: np.ndarray) -> None:
    """Set the supplier region of the edges of each seller s with new[s] >= 0 to new[s]."""
    n = st.n
    ns = new[st.seller[:n]]
    hit = np.nonzero((ns >= 0) & (ns != st.sreg[:n]))[0]
    if len(hit):
        st.sreg[hit] = ns[hit]
        st.relocated += 1


def _upsert_enterprises(st: Edges, rows: list[dict]) -> None:
    moved: dict[int, int] = {}
    for r in rows:
        u = r.get("uscc")
        if u is None:
            raise _Rebuild
        i = st.ent(u)
        if "region_code" in r:
            g = st.reg_id(r["region_code"])
            if g != st.region[i]:
                st.region[i] = g
                moved[i] = g
    nb = len(st.bstart) - 1
    if nb < len(st.uscc):     # new enterprises own no sorted edges
        more = len(st.uscc) - nb
        st.sstart = np.concatenate((st.sstart, np.full(more, st.sstart[-1], dtype=np.int32)))
        st.bstart = np.concatenate((st.bstart, np.full(more, st.bstart[-1], dtype=np.int32)))
    if moved:
        # The importer rewrites SUPPLIES.supplier_region of a relocated enterprise's supplies
        # (imports/supplies_set_supplier_region) in the same transaction: do the same here.
        new = np.full(len(st.uscc), -1, dtype=np.int64)
        for i, g in moved.items():
            new[i] = g
        _relocate(st, new)


def _ensure_capacity(st: Edges, extra: int) -> None:
    need = st.n + extra
    if need <= len(st.seller):
        return
    cap = max(need, int(len(st.seller) * 1.25) + 1024)
    for name in ("seller", "buyer", "year", "amount", "seg", "sreg", "alive"):
        a = getattr(st, name)
        b = np.zeros(cap, dtype=a.dtype)
        b[:st.n] = a[:st.n]
        setattr(st, name, b)


def _replace_pair(st: Edges, rows: list[dict]) -> None:
    rows = list(rows)
    try:
        seller = np.array([st.ent(r["from"]) for r in rows], dtype=np.int64)
        buyer = np.array([st.ent(r["to"]) for r in rows], dtype=np.int64)
        year = np.array([r["year"] for r in rows], dtype=np.int64)
    except (KeyError, TypeError):
        raise _Rebuild from None
    _upsert_enterprises(st, [])          # grow the offsets for enterprises the rows brought
    seg = np.array([st.seg_id(r.get("segment_id")) for r in rows], dtype=np.int64)
    keys = edge_keys(buyer, seller, year, seg)
    # Main-part hits, vectorised; the tail is a dict.
    lo = np.searchsorted(st.keys_sorted, keys, side="left")
    hi = np.searchsorted(st.keys_sorted, keys, side="right")
    _ensure_capacity(st, len(rows))
    for j, r in enumerate(rows):
        k = int(keys[j])
        found = list(range(int(lo[j]), int(hi[j])))     # sorted edge p has key keys_sorted[p]
        t = st.tail_keys.get(k)
        if t is not None:
            found.append(t)
        found = [i for i in found if st.alive[i]]
        amount = float(r.get("amount_wan") or 0.0)
        sreg = st.reg_id(r.get("supplier_region"))
        if found:
            i = found[0]
            st.amount[i], st.sreg[i] = amount, sreg
            for extra in found[1:]:
                st.alive[extra] = False
            continue
        i = st.n
        st.seller[i], st.buyer[i], st.year[i] = seller[j], buyer[j], year[j]
        st.amount[i], st.seg[i], st.sreg[i], st.alive[i] = amount, seg[j], sreg, True
        st.tail_keys[k] = i
        st.n += 1
    if st.n - st.n_sorted > TAIL_LIMIT:
        n = st.n
        _sort_edges(st, st.seller[:n], st.buyer[:n], st.year[:n], st.amount[:n], st.seg[:n], st.sreg[:n],
                    st.alive[:n])


def _replace_end(st: Edges, rows: list[dict], end: str) -> None:
    """replace_from / replace_to: every edge leaving each `from` (reaching each `to`) goes, then
    the rows are added."""
    ends = np.array(sorted({st.index[r[end]] for r in rows if r.get(end) in st.index}), dtype=np.int64)
    n = st.n
    col = st.seller if end == "from" else st.buyer
    st.alive[:n] &= ~np.isin(col[:n], ends)
    _replace_pair(st, [r for r in rows if r.get("from") is not None and r.get("to") is not None])


def _delete(st: Edges, rows: list[dict]) -> None:
    n = st.n
    for r in rows:
        if "from" not in r and "to" not in r:
            raise _Rebuild
        m = np.ones(n, dtype=bool)
        if "from" in r:
            m &= st.seller[:n] == st.index.get(r["from"], -1)
        if "to" in r:
            m &= st.buyer[:n] == st.index.get(r["to"], -1)
        if "year" in r:
            m &= st.year[:n] == (r["year"] if r["year"] is not None else -1)
        if "segment_id" in r:
            m &= st.seg[:n] == st.seg_index.get(r["segment_id"], -2 if r["segment_id"] is not None else -1)
        st.alive[:n] &= ~m


def _supplier_region(st: Edges, rows: list[dict]) -> None:
    """The importer's rewrite of a relocated supplier's region on its edges
    ({"from": uscc, "supplier_region": code}); the enterprise upsert has usually done it."""
    new = np.full(len(st.uscc), -1, dtype=np.int64)
    for r in rows:
        i = st.index.get(r.get("from"))
        if i is None or "supplier_region" not in r:
            raise _Rebuild
        new[i] = st.reg_id(r["supplier_region"])
    _relocate(st, new)


_APPLY = {
    ("Enterprise", "upsert"): _upsert_enterprises,
    ("SUPPLIES", "replace_pair"): _replace_pair,
    ("SUPPLIES", "replace_from"): lambda st, rows: _replace_end(st, rows, "from"),
    ("SUPPLIES", "replace_to"): lambda st, rows: _replace_end(st, rows, "to"),
    ("SUPPLIES", "delete"): _delete,
    ("SUPPLIES", "update"): _supplier_region,
}

PART = projection.register(projection.Part(NAME, build=build, apply=apply, entities=ENTITIES))


def current(store) -> Edges:
    """The shared supply edges of `store`, up to date with every committed change."""
    return projection.current(store, NAME)
