"""The explore projection (issue #15 on #12): the supply graph in memory for tiers, impact and
paths, kept current by the committed changes (graphsvc.core.projection).

What it holds:
- the enterprise index (USCC -> row, rows in USCC order at build), names, regions, credit and
  revenue (for candidates);
- a reference to the shared supply-edges part (graphsvc.core.supply_edges: every SUPPLIES edge
  as NumPy arrays, the one copy local supply derives from too), from which each year's CSR
  matrices (buyer x supplier and supplier x buyer, amounts summed per pair) are derived on
  first use, through `row_of` (the shared index's rows as this part's rows);
- deliveries with their DELIVERED / FOR ends, ORGANIZES pairs, IN_SEGMENT and OWNS pairs with
  segment chains and project groups (the chain and "1+N" hubs of a path), and the 链主工厂
  recognitions (HAS + Recognition kind).

`apply` folds upserts and relationship replacements of those entities into the raw data (the
shared part has folded the supplies already: it is brought up to date first) and drops the
derived structures made from what changed (`DERIVED_FROM`; a supplies import drops only the
matrices of the years it wrote); they are derived again on the next read (a year's
matrices in well under a second on the province graph). A "bulk" change or an operation it
does not know asks for a rebuild.

The pure array functions below (`tier_walk`, `bfs_levels`) carry worked examples.
"""
from __future__ import annotations

import itertools
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from graphsvc.core import columns, projection, supply_edges
from graphsvc.core.projection import Change, Part

NAME = "explore"
LEADER = "链主工厂"
_PAIR_RELS = ("DELIVERED", "FOR", "ORGANIZES", "IN_SEGMENT", "OWNS", "HAS")
# One read per relationship: LadybugDB kept the memory it ran a UNION ALL of the six with
# (+84 MB of RSS on the province demo, against +55 MB read one after the other).
_PAIR_QUERIES = {"DELIVERED": "enterprises/proj_pairs_delivered", "FOR": "enterprises/proj_pairs_for",
                 "ORGANIZES": "enterprises/proj_pairs_organizes", "IN_SEGMENT": "enterprises/proj_pairs_in_segment",
                 "OWNS": "enterprises/proj_pairs_owns", "HAS": "enterprises/proj_pairs_has"}
_TAGS = ("Project", "Recognition", "Segment")
ENTITIES = frozenset({"Enterprise", "SUPPLIES", "Delivery", *_PAIR_RELS, *_TAGS})
_NODE_PROPS = ("name", "region_code", "credit_ok", "revenue_wan", "is_manufacturer")


# ---------------------------------------------------------------- pure array functions

def tier_walk(out_of: sp.csr_matrix, root: int, depth: int, key: np.ndarray | None = None
              ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Tiers 1..depth around `root` over `out_of` (row = near node, columns = the next nodes
    outward with the summed amounts): per tier (members, amount each, the near nodes each is
    reached from, concatenated, and where each member's run of them starts). Members come in
    node order, each run of near nodes by `key` (default: node order). A node is a member
    once, at its lowest tier; the root never is.

    >>> m = sp.csr_matrix((np.array([60., 40., 5., 7., 3., 4., 1.]),
    ...                    (np.array([0, 0, 1, 1, 2, 2, 3]), np.array([1, 2, 2, 3, 3, 1, 0]))), shape=(4, 4))
    >>> [(ms.tolist(), am.tolist(), via.tolist(), at.tolist()) for ms, am, via, at in tier_walk(m, 0, 3)]
    [([1, 2], [60.0, 40.0], [0, 0], [0, 1]), ([3], [10.0], [1, 2], [0])]
    """
    seen = np.zeros(out_of.shape[0], dtype=bool)
    seen[root] = True
    frontier = np.array([root], dtype=np.int64)
    out = []
    for _ in range(depth):
        sub = out_of[frontier]
        near = np.repeat(frontier, np.diff(sub.indptr))
        far, amount = sub.indices.astype(np.int64), sub.data
        keep = ~seen[far]
        near, far, amount = near[keep], far[keep], amount[keep]
        if far.size == 0:
            break
        order = np.lexsort((near if key is None else key[near], far))
        near, far, amount = near[order], far[order], amount[order]
        members, start = np.unique(far, return_index=True)
        out.append((members, np.add.reduceat(amount, start), near, start))
        seen[members] = True
        frontier = members
    return out


def bfs_levels(adj: sp.csr_matrix, hubs: sp.csr_matrix, hub_members: sp.csr_matrix, start: int,
               depth: int) -> np.ndarray:
    """Hops from `start` to every node within `depth` (others: depth + 1). A hop is an edge of
    the undirected `adj` or a shared hub (`hubs`: node x hub, `hub_members` its transpose).

    >>> adj = sp.csr_matrix(np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]))
    >>> hubs = sp.csr_matrix(np.array([[0], [1], [1], [0]]))
    >>> bfs_levels(adj, hubs, hubs.T.tocsr(), 0, 3).tolist()
    [0, 1, 2, 4]
    """
    n = adj.shape[0]
    level = np.full(n, depth + 1, dtype=np.int64)
    level[start] = 0
    frontier = np.array([start], dtype=np.int64)
    for k in range(1, depth + 1):
        hub_seen = np.zeros(hubs.shape[1], dtype=bool)
        hub_seen[hubs[frontier].indices] = True
        reached = np.zeros(n, dtype=bool)
        reached[adj[frontier].indices] = True
        reached[hub_members[np.flatnonzero(hub_seen)].indices] = True
        nxt = np.flatnonzero(reached & (level > k))
        if nxt.size == 0:
            break
        level[nxt] = k
        frontier = nxt
    return level


def short_paths(adj: sp.csr_matrix, hubs: sp.csr_matrix, hub_members: sp.csr_matrix, src: int, dst: int,
                max_hops: int, limit: int = 5) -> list[list[tuple[int, int]]]:
    """Up to `limit` simple connections from `src` to `dst` of at most `max_hops` hops, shortest
    first: each the list of its steps (node reached, hub used or -1 for a direct edge). Hops
    to `dst` are counted once by a breadth-first search from `dst`; a depth-first walk from
    `src` then only steps to nodes that can still reach `dst` in the hops left. A node or a
    hub appears at most once on a connection.

    >>> adj = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    >>> hubs = sp.csr_matrix(np.array([[1], [0], [1]]))
    >>> short_paths(adj, hubs, hubs.T.tocsr(), 0, 2, 2)
    [[(2, 0)], [(1, -1), (2, -1)]]
    """
    if src == dst:
        return []
    far = bfs_levels(adj, hubs, hub_members, dst, max_hops - 1)
    found: list = []
    steps: list = []
    used_nodes, used_hubs = {src}, set()

    def step(v: int, h: int, k: int, length: int) -> None:
        steps.append((v, h))
        used_nodes.add(v)
        if h >= 0:
            used_hubs.add(h)
        if v == dst:
            if k == length:
                found.append(list(steps))
        else:
            walk(v, k, length)
        steps.pop()
        used_nodes.discard(v)
        used_hubs.discard(h)

    def walk(u: int, k: int, length: int) -> None:
        left = length - k - 1            # hops left after the next one
        nb = adj.indices[adj.indptr[u]:adj.indptr[u + 1]]
        for v in nb[far[nb] <= left]:
            if len(found) >= limit:
                return
            if int(v) not in used_nodes:
                step(int(v), -1, k + 1, length)
        for h in hubs.indices[hubs.indptr[u]:hubs.indptr[u + 1]]:
            if int(h) in used_hubs:
                continue
            mem = hub_members.indices[hub_members.indptr[h]:hub_members.indptr[h + 1]]
            for v in mem[far[mem] <= left]:
                if len(found) >= limit:
                    return
                if int(v) not in used_nodes:
                    step(int(v), int(h), k + 1, length)

    for length in range(max(int(far[src]), 1), max_hops + 1):
        if len(found) >= limit:
            break
        walk(src, 0, length)
    return found


def _fold_pairs(pairs: set, op: str, rows: list[dict]) -> bool:
    """Apply one relationship change to a set of (from, to) keys; False for an unknown op.

    >>> s = {("a", "x"), ("a", "y"), ("b", "x")}
    >>> _fold_pairs(s, "replace_from", [{"from": "a", "to": "z"}]), sorted(s)
    (True, [('a', 'z'), ('b', 'x')])
    >>> _fold_pairs(s, "delete", [{"to": "x"}]), sorted(s)
    (True, [('a', 'z')])
    """
    new = {(r["from"], r["to"]) for r in rows if r.get("from") is not None and r.get("to") is not None}
    if op in ("replace_pair", "upsert"):
        pairs |= new
    elif op == "replace_from":
        gone = {r["from"] for r in rows}
        pairs -= {p for p in pairs if p[0] in gone}
        pairs |= new
    elif op == "replace_to":
        gone = {r["to"] for r in rows}
        pairs -= {p for p in pairs if p[1] in gone}
        pairs |= new
    elif op == "delete":
        for r in rows:
            a, b = r.get("from"), r.get("to")
            pairs -= {p for p in pairs if (a is None or p[0] == a) and (b is None or p[1] == b)}
    else:
        return False
    return True


class Memberships:
    """USCC -> the ids it is a member of, as arrays: a CSR by row of the enterprise index
    (``ptr[i]:ptr[i + 1]`` into ``ids``, int32 codes into ``names``) and a small dict for
    members the index does not know. What a dict of tuples answered, in a fraction of the
    memory, built without a Python object per membership (the national graph's 2.5M
    IN_SEGMENT pairs took 26 s as a dict of lists: the garbage collector walked the heap)."""

    __slots__ = ("_idx", "_ptr", "_ids", "_names", "_other")

    def __init__(self, idx: dict, ptr: np.ndarray, ids: np.ndarray, names: list, other: dict):
        self._idx, self._ptr, self._ids, self._names, self._other = idx, ptr, ids, names, other

    def get(self, uscc: str, default=()) -> tuple:
        """The ids `uscc` is a member of (each once), or `default`."""
        i = self._idx.get(uscc)
        if i is None or i + 1 >= len(self._ptr):
            return self._other.get(uscc, default)
        lo, hi = int(self._ptr[i]), int(self._ptr[i + 1])
        if lo == hi:
            return default
        names = self._names
        return tuple(names[k] for k in self._ids[lo:hi].tolist())


def memberships(idx: dict[str, int], pairs) -> Memberships:
    """The (uscc, id) `pairs` grouped by uscc, rows numbered by `idx` (every loop over the
    pairs in C: the national pairs are 2.5M tuples).

    >>> m = memberships({"A": 0, "B": 1, "C": 2}, [("B", "s1"), ("A", "s2"), ("B", "s2"), ("Z", "s1")])
    >>> m.get("B"), m.get("A"), m.get("C"), m.get("Z"), m.get("Y", None)
    (('s1', 's2'), ('s2',), (), ('s1',), None)
    """
    flat = list(itertools.chain.from_iterable(pairs))
    us, vs = flat[0::2], flat[1::2]
    del flat
    rows = np.fromiter(map(idx.get, us, itertools.repeat(-1)), np.int64, len(us))
    names = list(dict.fromkeys(vs))
    code = {v: i for i, v in enumerate(names)}
    ids = np.fromiter(map(code.__getitem__, vs), np.int32, len(vs))
    return _grouped(idx, rows, ids, names, us.__getitem__)


def memberships_of_columns(idx: dict[str, int], a, b, value_set) -> Memberships | None:
    """memberships() of the Arrow columns `a` (USCC) and `b` (id), vectorised: `value_set`
    holds the USCCs of `idx`'s first rows in row order. None when an id is null.

    >>> import pyarrow as pa
    >>> m = memberships_of_columns({"A": 0, "B": 1, "C": 2}, pa.array(["B", "A", "B", "Z"]),
    ...                            pa.array(["s1", "s2", "s2", "s1"]), pa.array(["A", "B"]))
    >>> m.get("B"), m.get("A"), m.get("C"), m.get("Z")
    (('s1', 's2'), ('s2',), (), ('s1',))
    """
    if b.null_count:
        return None
    rows = pc.fill_null(pc.index_in(a, value_set=value_set), -1).to_numpy().astype(np.int64)
    d = pc.dictionary_encode(b.combine_chunks() if isinstance(b, pa.ChunkedArray) else b)
    return _grouped(idx, rows, d.indices.to_numpy().astype(np.int32), columns.strings(d.dictionary),
                    lambda k: a[k].as_py())


def _grouped(idx: dict, rows: np.ndarray, ids: np.ndarray, names: list, uscc_at) -> Memberships:
    """Memberships of the pairs (rows[k] or, where it is -1, uscc_at(k); names[ids[k]]),
    each pair once, ids in name-code order."""
    other: dict = {}
    for k in np.flatnonzero(rows < 0).tolist():
        u = uscc_at(k)
        i = idx.get(u)
        if i is not None:          # a row after the value set's
            rows[k] = i
        else:
            other.setdefault(u, {})[names[ids[k]]] = None
    keep = rows >= 0
    rows, ids = rows[keep], ids[keep]
    order = np.lexsort((ids, rows))
    rows, ids = rows[order], ids[order]
    again = np.zeros(len(rows), dtype=bool)
    again[1:] = (rows[1:] == rows[:-1]) & (ids[1:] == ids[:-1])
    rows, ids = rows[~again], ids[~again]
    ptr = np.searchsorted(rows, np.arange(len(idx) + 1)).astype(np.int32)
    return Memberships(idx, ptr, ids, names, {u: tuple(v) for u, v in other.items()})


# ---------------------------------------------------------------- the state

class Explore:
    """The projection's state. Raw data changes only in `apply` (under the part's lock, by
    replacing arrays, never writing into them); derived structures live in `_derived`, a dict
    replaced as a whole when the raw data changes, so a reader keeps a consistent view."""

    def __init__(self, shared: supply_edges.Edges | None = None):
        self.shared = shared if shared is not None else supply_edges.Edges()
        self.idx: dict[str, int] = {}
        self.usccs: list[str] = []
        self.names: list[str | None] = []
        self.regions: list[str | None] = []
        self.credit: list[bool] = []
        self.revenue: list[float | None] = []
        self.manufacturer: list[bool] = []
        self.deliveries: dict[str, dict] = {}
        self.pairs: dict[str, set] = {rel: set() for rel in _PAIR_RELS}
        self.tags: dict[str, dict] = {label: {} for label in _TAGS}
        self._derived: dict = {}

    # -- index ---------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return len(self.usccs)

    def ix(self, uscc: str) -> int:
        i = self.idx.get(uscc)
        if i is None:
            i = self.idx[uscc] = len(self.usccs)
            self.usccs.append(uscc)
            self.names.append(None)
            self.regions.append(None)
            self.credit.append(False)
            self.revenue.append(None)
            self.manufacturer.append(False)
        return i

    # -- the shared supply edges, in this part's rows ---------------------------------------
    segs = property(lambda self: self.shared.segs)          # an edge's segment: segs[g], g >= 0
    e_year = property(lambda self: self.shared.year)        # by shared edge number
    e_amount = property(lambda self: self.shared.amount)
    e_seg = property(lambda self: self.shared.seg)

    def row_of(self) -> np.ndarray:
        """This part's row of each row of the shared index (-1: not known here yet). Rows only
        ever get added on either side, so the table is kept while both lengths are."""
        key = ("row_of", len(self.usccs), len(self.shared.uscc))
        hit = self._derived.get("row_of")
        if hit is not None and hit[0] == key:
            return hit[1]
        idx = self.idx
        table = np.fromiter((idx.get(u, -1) for u in list(self.shared.uscc)), dtype=np.int64)
        self._derived["row_of"] = (key, table)
        return table

    def live_edges(self, sel=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(shared edge numbers, supplier rows, buyer rows) of the live edges (those with
        `sel`, a mask over the first `n` edges, when given) whose ends this part knows."""
        sh = self.shared
        n = sh.n
        keep = sh.alive[:n] if sel is None else sh.alive[:n] & sel[:n]
        e = np.flatnonzero(keep)
        row_of = self.row_of()
        src = row_of[sh.seller[e]]
        dst = row_of[sh.buyer[e]]
        ok = (src >= 0) & (dst >= 0)
        return e[ok], src[ok], dst[ok]

    def dst_rows(self, edges: np.ndarray) -> np.ndarray:
        """The buyer rows of shared edges."""
        return self.row_of()[self.shared.buyer[edges]]

    def set_node(self, row: dict) -> bool:
        """Merge an Enterprise row; True when the region changed or the node is new."""
        new = row["uscc"] not in self.idx
        i = self.ix(row["uscc"])
        moved = new
        for prop, target in zip(_NODE_PROPS, (self.names, self.regions, self.credit, self.revenue, self.manufacturer)):
            if prop in row:
                value = bool(row[prop]) if prop in ("credit_ok", "is_manufacturer") else row[prop]
                moved |= prop == "region_code" and target[i] != value
                target[i] = value
        return moved

    # -- derived, built on first use ---------------------------------------------------------
    def _get(self, key, make):
        d = self._derived
        if key not in d:
            d[key] = make()
        return d[key]

    def rank(self) -> np.ndarray:
        """Each row's position in USCC order (the order of every list in the answers)."""
        def make():
            r = np.empty(self.n, np.int64)
            r[np.argsort(np.array(self.usccs, dtype=object))] = np.arange(self.n)
            return r
        return self._get("rank", make)

    def usccs_of(self, rows) -> list[str]:
        return [self.usccs[i] for i in np.asarray(rows).tolist()]

    def leaders_usccs(self) -> list[str]:
        return self.usccs_of(np.flatnonzero(self.leaders()))

    def manufacturers(self) -> np.ndarray:
        """Which rows are manufacturers (the clients a supplier registers deliveries for)."""
        return self._get("manufacturers", lambda: np.array(self.manufacturer, dtype=bool))

    def by_uscc(self) -> list[int]:
        """Rows in USCC order (the USCC prefix look-up of graphsvc.enterprises.search)."""
        return self._get("by_uscc", lambda: np.argsort(self.rank()).tolist())

    def name_index(self) -> dict[str, np.ndarray]:
        from graphsvc.enterprises.search import name_index

        return self._get("name_index", lambda: name_index(self.names))

    def name_lengths(self) -> np.ndarray:
        return self._get("name_len", lambda: np.array([len(n or "") for n in self.names], dtype=np.int64))

    def uscc_array(self) -> np.ndarray:
        return self._get("usccs", lambda: np.array(self.usccs, dtype=object))

    def region_ids(self) -> tuple[np.ndarray, list]:
        """(region number of each row, the distinct region codes) for table look-ups."""
        def make():
            codes = sorted({r for r in self.regions if r}, key=str)
            pos = {c: k + 1 for k, c in enumerate(codes)}
            return np.array([pos.get(r, 0) for r in self.regions], dtype=np.int64), [None, *codes]
        return self._get("regions", make)

    def region_table(self, key, fn) -> np.ndarray:
        """fn(region_code) for every row, evaluated once per distinct region."""
        def make():
            ids, codes = self.region_ids()
            return np.array([bool(fn(c)) for c in codes], dtype=bool)[ids]
        return self._get(("region_fn", key), make)

    def years(self) -> list[int]:
        def make():
            n = self.shared.n
            y = self.shared.year[:n][self.shared.alive[:n]]
            return sorted(int(v) for v in np.unique(y) if v > 0)
        return self._get("years", make)

    def year(self, year: int) -> dict:
        """up (buyer x supplier), down (supplier x buyer), total purchases of each row."""
        def make():
            n = self.n
            sh = self.shared
            m = sh.n
            e, src, dst = self.live_edges(sh.year[:m] == year)
            up = sp.csr_matrix((sh.amount[e], (dst, src)), shape=(n, n))
            up.sum_duplicates()
            down = up.T.tocsr()
            down.sum_duplicates()
            total = np.asarray(up.sum(axis=1)).ravel()
            return {"up": up, "down": down, "total": total, "edges": e}
        return self._get(("year", year), make)

    def edges_from(self, i: int) -> np.ndarray:
        """The live shared edges leaving row `i` whose buyer this part knows, ascending: the
        shared part's index by seller (no copy of its own, rebuilt after every supplies write)."""
        sh = self.shared
        s = sh.index.get(self.usccs[i]) if 0 <= i < len(self.usccs) else None
        if s is None:
            return np.empty(0, np.int64)
        row_of = self.row_of()
        e = sh.edges_from(s)
        b = sh.buyer[e]
        known = b < len(row_of)             # rows the shared part added after row_of was read
        known[known] = row_of[b[known]] >= 0
        return e[known]

    def leaders(self) -> np.ndarray:
        def make():
            kinds = self.tags["Recognition"]
            out = np.zeros(self.n, dtype=bool)
            for u, rid in self.pairs["HAS"]:
                if kinds.get(rid) == LEADER and u in self.idx:
                    out[self.idx[u]] = True
            return out
        return self._get("leaders", make)

    def delivery_links(self) -> list[tuple[int, int, str]]:
        """Confirmed deliveries as (supplier row, client row, delivery id)."""
        def make():
            sup: dict = defaultdict(list)
            for u, did in self.pairs["DELIVERED"]:
                sup[did].append(u)
            out = []
            for did, client in self.pairs["FOR"]:
                if (self.deliveries.get(did) or {}).get("status") != "confirmed" or client not in self.idx:
                    continue
                out.extend((self.idx[u], self.idx[client], did) for u in sup.get(did, ()) if u in self.idx)
            return sorted(out, key=lambda t: t[2])
        return self._get("deliveries", make)

    def project_owners(self) -> dict[str, int]:
        """Project id -> the row of its owner (OWNS)."""
        return self._get("project_owners", lambda: {pid: self.idx[u] for u, pid in self.pairs["OWNS"]
                                                    if u in self.idx})

    def project_owner_mask(self) -> np.ndarray:
        """Which rows own a project."""
        def make():
            out = np.zeros(self.n, dtype=bool)
            out[list(set(self.project_owners().values()))] = True
            return out
        return self._get("project_owner_mask", make)

    def counterparts(self) -> dict[int, np.ndarray]:
        """Row -> the rows on the other side of its deliveries, whatever their status (the
        enterprises its ledger or inbox names)."""
        def make():
            ends: dict = defaultdict(set)
            for u, did in self.pairs["DELIVERED"]:
                ends[did].add(u)
            out: dict = defaultdict(set)
            for did, client in self.pairs["FOR"]:
                for u in ends.get(did, ()):
                    if u in self.idx and client in self.idx and u != client:
                        out[self.idx[u]].add(self.idx[client])
                        out[self.idx[client]].add(self.idx[u])
            return {i: np.array(sorted(rows), dtype=np.int64) for i, rows in out.items()}
        return self._get("counterparts", make)

    def delivery_pairs(self) -> dict[tuple[int, int], list[tuple[int, int, str]]]:
        """Confirmed deliveries by unordered pair of rows (smaller row first)."""
        def make():
            out: dict = defaultdict(list)
            for a, b, did in self.delivery_links():
                out[(min(a, b), max(a, b))].append((a, b, did))
            return out
        return self._get("delivery_pairs", make)

    def links(self) -> sp.csr_matrix:
        """Undirected: supplies of any year, confirmed deliveries, ecosystem (ORGANIZES)."""
        def make():
            n = self.n
            dl = self.delivery_links()
            eco = [(self.idx[a], self.idx[b]) for a, b in self.pairs["ORGANIZES"] if a in self.idx and b in self.idx]
            _, src, dst = self.live_edges()
            a = np.concatenate([src, np.array([d[0] for d in dl], np.int64), np.array([e[0] for e in eco], np.int64)])
            b = np.concatenate([dst, np.array([d[1] for d in dl], np.int64), np.array([e[1] for e in eco], np.int64)])
            keep = a != b
            a, b = a[keep], b[keep]
            m = sp.csr_matrix((np.ones(2 * a.size, np.int8), (np.concatenate([a, b]), np.concatenate([b, a]))),
                              shape=(n, n))
            m.sum_duplicates()
            return m
        return self._get("links", make)

    def hubs(self) -> tuple[sp.csr_matrix, sp.csr_matrix, list[tuple[str, str]]]:
        """(node x hub membership, its transpose, the hubs as (kind, id)): chains through
        segments (IN_SEGMENT, Segment.chain_id), "1+N" groups through owned projects."""
        def make():
            chain_of, group_of = self.tags["Segment"], self.tags["Project"]
            member = set()
            for u, sid in self.pairs["IN_SEGMENT"]:
                if chain_of.get(sid) and u in self.idx:
                    member.add((self.idx[u], ("chain", chain_of[sid])))
            for u, pid in self.pairs["OWNS"]:
                if group_of.get(pid) and u in self.idx:
                    member.add((self.idx[u], ("group", group_of[pid])))
            hubs = sorted({h for _, h in member})
            pos = {h: k for k, h in enumerate(hubs)}
            rows = np.array([m[0] for m in member], np.int64)
            cols = np.array([pos[m[1]] for m in member], np.int64)
            m = sp.csr_matrix((np.ones(rows.size, np.int8), (rows, cols)), shape=(self.n, len(hubs)))
            m.sort_indices()
            return m, m.T.tocsr(), hubs
        return self._get("hubs", make)

    def segments_of(self) -> Memberships:
        """USCC -> the segment ids it is in (IN_SEGMENT), by `.get(uscc, default)` (grouped at
        build from the columns read, again from the pairs after a change of them)."""
        return self._get("segments_of", lambda: memberships(self.idx, self.pairs["IN_SEGMENT"]))

    def chains_of(self, uscc: str) -> frozenset:
        """The chains of the segments `uscc` is in (a segment without a chain names none)."""
        chain_of = self.tags["Segment"]
        return frozenset(c for c in (chain_of.get(s) for s in self.segments_of().get(uscc, ())) if c)

    def segment_members(self) -> dict[str, np.ndarray]:
        """segment id -> member rows (IN_SEGMENT), in USCC order."""
        def make():
            out: dict = defaultdict(list)
            for u, sid in self.pairs["IN_SEGMENT"]:
                if u in self.idx:
                    out[sid].append(self.idx[u])
            rank = self.rank()
            return {sid: np.array(sorted(rows, key=lambda i: rank[i]), np.int64) for sid, rows in out.items()}
        return self._get("segment_members", make)

    def candidates(self, sid: str, prefix: str) -> np.ndarray:
        """Rows in segment `sid` registered under `prefix` with good credit, by revenue (largest
        first) then USCC: the order of graphsvc.local_supply.whatif.rank_candidates."""
        def make():
            rows = [i for i in self.segment_members().get(sid, ()) if self.credit[i]
                    and (self.regions[i] or "").startswith(prefix)]
            return np.array(sorted(rows, key=lambda i: (-(self.revenue[i] or 0.0), self.usccs[i])), np.int64)
        return self._get(("candidates", sid, prefix), make)


# ---------------------------------------------------------------- build and apply

def build(store) -> Explore:
    st = Explore(supply_edges.current(store))
    # Read as Arrow columns (no Python dict per row), rows in USCC order.
    t = store.read_columns("enterprises/proj_enterprises")
    cols = {k: columns.strings(t.column(k)) for k in ("uscc", *_NODE_PROPS)}
    uscc_column = t.column("uscc")
    del t
    order = sorted(range(len(cols["uscc"])), key=cols["uscc"].__getitem__)
    in_order = uscc_column.take(pa.array(order, pa.int64()))     # the rows' USCCs, as Arrow
    del uscc_column
    st.usccs = [cols["uscc"][i] for i in order]
    st.idx = {u: i for i, u in enumerate(st.usccs)}
    st.names = [cols["name"][i] for i in order]
    st.regions = [cols["region_code"][i] for i in order]
    st.credit = [bool(cols["credit_ok"][i]) for i in order]
    st.revenue = [cols["revenue_wan"][i] for i in order]
    st.manufacturer = [bool(cols["is_manufacturer"][i]) for i in order]
    del cols
    for u in list(st.shared.uscc):      # an edge's end without an Enterprise row (none in practice)
        st.ix(u)
    st.deliveries = {r["id"]: r for r in columns.shared_rows(store.read("enterprises/proj_deliveries"))}
    for rel, name in _PAIR_QUERIES.items():
        t = store.read_columns(name)
        st.pairs[rel].update(zip(columns.strings(t.column("a")), columns.strings(t.column("b"))))
        if rel == "IN_SEGMENT":    # grouped here from the columns: the first recommendation reads it
            grouped = memberships_of_columns(st.idx, t.column("a"), t.column("b"), in_order)
            if grouped is not None:
                st._derived["segments_of"] = grouped
        del t
    for r in columns.shared_rows(store.read("enterprises/proj_tags")):
        st.tags[r["label"]][r["id"]] = r["value"]
    return st


def _fold_supplies(st: Explore, op: str, rows: list[dict]) -> bool:
    """The shared part holds the change; here only the rows' ends join the index."""
    if op not in ("replace_pair", "replace_from", "replace_to", "delete", "update"):
        return False
    for r in rows:
        for end in ("from", "to"):
            if r.get(end) is not None and op not in ("delete", "update"):
                st.ix(r[end])
    return True


_TAG_VALUE = {"Project": "group_id", "Recognition": "kind", "Segment": "chain_id"}


def _fold_nodes(st: Explore, c: Change) -> bool:
    """Fold an upsert or delete of Delivery, Project, Recognition or Segment nodes."""
    if c.op not in ("upsert", "delete"):
        return False
    for r in c.rows:
        key = r.get("id")
        if key is None:
            continue
        if c.entity == "Delivery":
            if c.op == "delete":
                st.deliveries.pop(key, None)
            else:
                st.deliveries.setdefault(key, {"id": key}).update(r)
        elif c.op == "delete":
            st.tags[c.entity].pop(key, None)
        elif _TAG_VALUE[c.entity] in r:
            st.tags[c.entity][key] = r[_TAG_VALUE[c.entity]]
    return True


def _fold(st: Explore, c: Change, touched: dict) -> bool:
    """Fold one change into `st`; False when only a rebuild can take it in. `touched` collects
    the entities changed and, under "years", the supply years changed (None: any year)."""
    if c.entity == "SUPPLIES":
        # "update" rewrites the supplier's region copied onto its edges; locality here reads
        # each enterprise's own region, so there is nothing to fold.
        if c.op == "update":
            return True
        if c.op == "replace_pair" and touched.get("years", set()) is not None:
            touched.setdefault("years", set()).update(r.get("year") for r in c.rows)
        else:
            touched["years"] = None
        return _fold_supplies(st, c.op, c.rows)
    if c.entity == "Enterprise":
        if c.op != "upsert":
            return False
        for r in c.rows:
            if r.get("uscc"):
                st.set_node(r)
        return True
    if c.entity == "Delivery" or c.entity in _TAGS:
        return _fold_nodes(st, c)
    return c.entity not in st.pairs or _fold_pairs(st.pairs[c.entity], c.op, c.rows)


# What each derived structure (by its `_derived` key, or a tuple key's first item) is made
# from; a change of any of these entities drops it. A new row drops every structure (their
# shapes are the row count); an unknown key is always dropped.
_DELIVERY = {"Delivery", "DELIVERED", "FOR"}
_HUBS = {"IN_SEGMENT", "OWNS", "Segment", "Project"}
DERIVED_FROM = {
    "row_of": set(), "rank": set(), "by_uscc": set(), "usccs": set(),
    "name_index": {"Enterprise"}, "name_len": {"Enterprise"}, "regions": {"Enterprise"},
    "region_fn": {"Enterprise"}, "years": {"SUPPLIES"}, "year": {"SUPPLIES"},
    "leaders": {"HAS", "Recognition"}, "deliveries": _DELIVERY, "delivery_pairs": _DELIVERY,
    "counterparts": _DELIVERY, "project_owners": {"OWNS"}, "project_owner_mask": {"OWNS"},
    "links": {"SUPPLIES", "ORGANIZES", *_DELIVERY}, "hubs": _HUBS, "segment_members": {"IN_SEGMENT"},
    "segments_of": {"IN_SEGMENT"},
    "candidates": {"IN_SEGMENT", "Enterprise"}, "manufacturers": {"Enterprise"},
}


def kept(derived: dict, entities: set, years: set | None, grew: bool) -> dict:
    """The derived structures a change of `entities` leaves valid: a supplies change in the
    years `years` (None: any) drops only those years' matrices.

    >>> d = {("year", 2023): "m23", ("year", 2024): "m24", "hubs": "h", "links": "l", "rank": "r"}
    >>> sorted(map(str, kept(d, {"SUPPLIES"}, {2024}, False)))
    ["('year', 2023)", 'hubs', 'rank']
    >>> kept(d, {"IN_SEGMENT"}, set(), True)
    {}
    """
    if grew:
        return {}
    out = {}
    for k, v in derived.items():
        family = k[0] if isinstance(k, tuple) else k
        deps = DERIVED_FROM.get(family)
        if deps is None or deps & entities and not (
                family == "year" and entities & deps == {"SUPPLIES"} and years is not None and k[1] not in years):
            continue
        out[k] = v
    return out


def apply(st: Explore, changes: list[Change]) -> Explore | None:
    """Fold committed changes into `st`; None (rebuild) for a bulk load or an unknown op."""
    touched: dict = {}
    entities: set = set()
    rows_before = st.n
    for c in changes:
        if not _fold(st, c, touched):
            return None
        if not (c.entity == "SUPPLIES" and c.op == "update"):
            entities.add(c.entity)
    # Derived structures are derived again on the next read; those the changes cannot have
    # touched are kept (rows never move, so `row_of` is kept while the row counts are).
    keep = kept(st._derived, entities, touched.get("years", set()), st.n != rows_before)
    if "row_of" in st._derived:
        keep["row_of"] = st._derived["row_of"]
    st._derived = keep
    return st


projection.register(Part(NAME, build=build, apply=apply, entities=ENTITIES, needs=(supply_edges.NAME,)))


def current(store) -> Explore:
    """The explore projection of `store`, up to date with every committed change."""
    return projection.current(store, NAME)
