"""The dashboard's projection part: what /bureau and /map count, held in memory (issue #12).

The dashboard's figures were Cypher aggregations over the whole region on every request (3–6 s
for a province bureau's summary). This part answers the same query names with the same rows
(`reader(store)("dashboard/enterprise_counts", prefix=...)`), computed from arrays:

- the enterprise index, regions and SUPPLIES of the shared supply-edges part
  (graphsvc/core/supply_edges.py; this part derives from it);
- per enterprise (numbered by that index): manufacturer and provider flags;
- every recognition: holder, kind, level, status, year, chain (and the holders' names);
- every delivery: supplier, client, status.

`apply` folds in enterprise upserts (flags, names), recognitions and HAS links, deliveries and
their DELIVERED / FOR links, and status changes; anything else rebuilds. The Cypher files under
queries/dashboard/ stay the reference the projection is tested against
(tests/test_dashboard_projection.py) and measured against (bench/bench_dashboard.py).
"""
from __future__ import annotations

import numpy as np

from graphsvc.core import columns, projection, regions, supply_edges
from graphsvc.programmes.targets import Recognitions

NAME = "dashboard"
ENTITIES = frozenset({"Enterprise", "Recognition", "HAS", "Delivery", "DELIVERED", "FOR"})


class State:
    def __init__(self, edges: supply_edges.Edges):
        self.edges = edges
        self.manufacturer = np.zeros(0, dtype=bool)
        self.provider = np.zeros(0, dtype=bool)
        self.names: dict[str, str | None] = {}       # holders of a recognition
        self.rec_index: dict[str, int] = {}
        self.rec_owner = np.zeros(0, dtype=np.int64)   # -1 = no HAS link (not counted)
        self.rec_facts: list[tuple] = []               # (kind, level, status, year)
        self.rec_chain: dict[int, str] = {}            # the recognitions naming a chain (form 附件1)
        # The facts again as codes (kind, level and status values -> code, None included;
        # year -1 = none), for counting with arrays.
        self.fact_codes: dict = {None: 0}
        self.rec_kind = np.zeros(0, dtype=np.int64)
        self.rec_level = np.zeros(0, dtype=np.int64)
        self.rec_status = np.zeros(0, dtype=np.int64)
        self.rec_year = np.zeros(0, dtype=np.int64)
        self.del_index: dict[str, int] = {}
        self.del_supplier = np.zeros(0, dtype=np.int64)
        self.del_client = np.zeros(0, dtype=np.int64)
        self.del_status: list = []
        # The statuses again as codes into `del_states` (-1 = none), for counting by bincount.
        self.del_states: list = []
        self.del_code = np.zeros(0, dtype=np.int64)
        self.memo: dict = {}
        # Bumped by `apply` for what a change touched, so that rows and figures depending on
        # other things stay memoised (a confirmation does not recount recognitions).
        self.touched = {"Enterprise": 0, "Recognition": 0, "Delivery": 0}

    def token(self, deps: tuple) -> tuple:
        """What rows depending on `deps` ("SUPPLIES" and the keys of `touched`) were computed from."""
        return tuple(self.edges.version if d == "SUPPLIES" else self.touched[d] for d in deps)

    def fit(self) -> int:
        """Grow the per-enterprise flags to the shared index (enterprises added since)."""
        n = len(self.edges.uscc)
        if len(self.manufacturer) < n:
            pad = n - len(self.manufacturer)
            self.manufacturer = np.concatenate((self.manufacturer, np.zeros(pad, dtype=bool)))
            self.provider = np.concatenate((self.provider, np.zeros(pad, dtype=bool)))
        return n

    def region_mask(self, prefix: str) -> np.ndarray:
        """Per region index of the shared table: does the code lie under `prefix`."""
        return np.array([c is not None and c.startswith(prefix) for c in self.edges.regs], dtype=bool)


# ---------------------------------------------------------------- building

def build(store) -> State:
    st = State(supply_edges.current(store))
    ent = st.edges.ent
    st.fit()
    t = store.read_columns("dashboard/projection_enterprises")
    rows = st.edges.rows_of(t.column("uscc"))
    n = st.fit()
    st.manufacturer = np.zeros(n, dtype=bool)
    st.provider = np.zeros(n, dtype=bool)
    st.manufacturer[rows] = columns.numbers(t.column("manufacturer"), 0, np.int64) > 0
    st.provider[rows] = columns.numbers(t.column("provider"), 0, np.int64) > 0
    for r in columns.shared_rows(store.read("dashboard/projection_recognitions")):
        _put_recognition(st, r["id"], r)
        st.rec_owner[st.rec_index[r["id"]]] = ent(r["uscc"])
        st.names[r["uscc"]] = r["name"]
    for r in columns.shared_rows(store.read("dashboard/projection_deliveries")):
        _put_delivery(st, r["id"], r.get("status"), supplier=ent(r["supplier"]), client=ent(r["client"]))
    st.fit()
    return st


def _room(a: np.ndarray, i: int) -> np.ndarray:
    """`a` with a slot `i` set to -1, grown by doubling (one append per row rewrote the whole
    array: quadratic over a build's 50,000 deliveries). Entries past the row count stay -1.

    >>> _room(np.zeros(0, dtype=np.int64), 0).tolist()
    [-1]
    >>> len(_room(np.full(4, 7), 4)), _room(np.full(4, 7), 4)[4:].tolist()
    (8, [-1, -1, -1, -1])
    """
    if i >= len(a):
        a = np.concatenate((a, np.full(max(len(a), i + 1 - len(a), 1), -1, dtype=a.dtype)))
    a[i] = -1
    return a


def _put_recognition(st: State, rid: str, r: dict) -> None:
    i = st.rec_index.get(rid)
    if i is None:
        i = st.rec_index[rid] = len(st.rec_facts)
        st.rec_facts.append((None, None, None, None))
        st.rec_owner = _room(st.rec_owner, i)
        st.rec_kind, st.rec_level = _room(st.rec_kind, i), _room(st.rec_level, i)
        st.rec_status, st.rec_year = _room(st.rec_status, i), _room(st.rec_year, i)
    old = st.rec_facts[i]
    kind, level, status, year = st.rec_facts[i] = tuple(r[k] if k in r else old[j]
                                                        for j, k in enumerate(("kind", "level", "status", "year")))
    codes = st.fact_codes
    st.rec_kind[i] = codes.setdefault(kind, len(codes))
    st.rec_level[i] = codes.setdefault(level, len(codes))
    st.rec_status[i] = codes.setdefault(status, len(codes))
    st.rec_year[i] = -1 if year is None else int(year)
    if r.get("chain_id") is not None:
        st.rec_chain[i] = r["chain_id"]
    elif "chain_id" in r:
        st.rec_chain.pop(i, None)


def _put_delivery(st: State, did: str, status, *, supplier: int | None = None, client: int | None = None,
                  has_status: bool = True) -> None:
    i = st.del_index.get(did)
    if i is None:
        i = st.del_index[did] = len(st.del_status)
        st.del_status.append(None)
        st.del_supplier = _room(st.del_supplier, i)
        st.del_client = _room(st.del_client, i)
        st.del_code = _room(st.del_code, i)
    if has_status:
        st.del_status[i] = status
        if status is None:
            st.del_code[i] = -1
        else:
            if status not in st.del_states:
                st.del_states.append(status)
            st.del_code[i] = st.del_states.index(status)
    if supplier is not None:
        st.del_supplier[i] = supplier
    if client is not None:
        st.del_client[i] = client


# ---------------------------------------------------------------- applying changes

def apply(st: State, changes: list) -> State | None:
    """Fold committed changes into `st` (in place); None asks for a rebuild."""
    ent = st.edges.ent
    for c in changes:
        rows = c.rows
        st.touched[_GROUP[c.entity]] += 1
        if c.entity == "Enterprise" and c.op == "upsert":
            rows = [(ent(r["uscc"]), r) for r in rows]
            st.fit()
            for i, r in rows:
                if "is_manufacturer" in r:
                    st.manufacturer[i] = bool(r["is_manufacturer"])
                if "provider_types" in r:
                    st.provider[i] = bool(r["provider_types"])
                if "name" in r and r["uscc"] in st.names:
                    st.names[r["uscc"]] = r["name"]
        elif c.entity == "Recognition" and c.op == "upsert":
            for r in rows:
                _put_recognition(st, r["id"], r)
        elif c.entity == "HAS" and c.op in ("replace_to", "replace_pair"):
            for r in rows:
                if r["from"] not in st.names:
                    return None            # a new holder: its name is not held here
                _put_recognition(st, r["to"], {})
                st.rec_owner[st.rec_index[r["to"]]] = ent(r["from"])
        elif c.entity == "Delivery" and c.op == "upsert":
            for r in rows:
                _put_delivery(st, r["id"], r.get("status"), has_status="status" in r)
        elif c.entity == "DELIVERED" and c.op in ("replace_to", "replace_pair"):
            for r in rows:
                _put_delivery(st, r["to"], None, supplier=ent(r["from"]), has_status=False)
        elif c.entity == "FOR" and c.op in ("replace_from", "replace_pair"):
            for r in rows:
                _put_delivery(st, r["from"], None, client=ent(r["to"]), has_status=False)
        else:
            return None
    st.fit()
    return st


_GROUP = {"Enterprise": "Enterprise", "Recognition": "Recognition", "HAS": "Recognition", "Delivery": "Delivery",
          "DELIVERED": "Delivery", "FOR": "Delivery"}


PART = projection.register(projection.Part(NAME, build=build, apply=apply, entities=ENTITIES,
                                           needs=(supply_edges.NAME,)))


# ---------------------------------------------------------------- the queries, from arrays

def enterprise_counts(st: State, prefix: str) -> list[dict]:
    e = st.edges
    n = st.fit()
    reg = e.region[:n]
    idx = np.flatnonzero(st.region_mask(prefix)[reg])
    k = len(e.regs)
    # one count per (region, manufacturer, provider): a single pass over the region's rows
    per = np.bincount(reg[idx].astype(np.int64) * 4 + st.manufacturer[idx] + 2 * st.provider[idx].astype(np.int64),
                      minlength=4 * k).reshape(k, 4)
    total, mfr, prov = per.sum(axis=1), per[:, 1] + per[:, 3], per[:, 2] + per[:, 3]
    return sorted(({"region_code": e.regs[g], "enterprises": int(total[g]), "manufacturers": int(mfr[g]),
                    "providers": int(prov[g])} for g in np.nonzero(total)[0]), key=lambda r: r["region_code"])


def deliveries(st: State, prefix: str) -> list[dict]:
    n = len(st.del_status)
    linked = (st.del_supplier[:n] >= 0) & (st.del_client[:n] >= 0)
    idx = np.nonzero(linked)[0]
    mask = st.region_mask(prefix)
    region = st.edges.region
    by_p = mask[region[st.del_supplier[idx]]]
    to_c = mask[region[st.del_client[idx]]]
    code = st.del_code[idx] + 1                  # 0 = no status
    k = len(st.del_states) + 1
    seen = np.bincount(code[by_p | to_c], minlength=k)
    by_p, to_c = np.bincount(code[by_p], minlength=k), np.bincount(code[to_c], minlength=k)
    states = [None, *st.del_states]
    out = [{"status": states[c], "by_providers": int(by_p[c]), "to_clients": int(to_c[c])}
           for c in np.nonzero(seen)[0].tolist()]
    return sorted(out, key=lambda r: (r["status"] is None, r["status"] or ""))


def recognitions(st: State, prefix: str) -> list[dict]:
    e = st.edges
    held = np.nonzero(st.rec_owner >= 0)[0]
    owner = st.rec_owner[held]
    inside = st.region_mask(prefix)[e.region[owner]]
    rows = []
    for i, o in zip(held[inside].tolist(), owner[inside].tolist()):
        kind, level, status, year = st.rec_facts[i]
        rows.append({"uscc": e.uscc[o], "region_code": e.regs[e.region[o]], "kind": kind, "level": level,
                     "status": status, "year": year})
    rows.sort(key=lambda r: (r["uscc"], r["year"] is None, r["year"] or 0, r["kind"] or ""))
    return rows


def _leader_pairs(st: State, prefix: str, year: int, kind: str) -> tuple[np.ndarray, ...]:
    """(holders of a `kind` recognition under `prefix`, their supplies in `year` summed per
    (holder, supplier region) as pair keys holder * len(regs) + region, amounts, edge counts)."""
    e = st.edges
    of_kind = st.rec_kind[:len(st.rec_facts)] == st.fact_codes.get(kind, -2)
    owner = st.rec_owner[:len(of_kind)]
    leaders = np.unique(owner[of_kind & (owner >= 0)])
    leaders = leaders[st.region_mask(prefix)[e.region[leaders]]]
    into = e.edges_into(leaders)
    into = into[e.year[into] == year]
    pairs, inverse = np.unique(e.buyer[into].astype(np.int64) * len(e.regs) + e.region[e.seller[into]],
                               return_inverse=True)
    amount = np.bincount(inverse, weights=e.amount[into], minlength=len(pairs))
    return leaders, pairs, amount, np.bincount(inverse, minlength=len(pairs))


def leader_supply(st: State, prefix: str, year: int, kind: str) -> list[dict]:
    e = st.edges
    k = len(e.regs)
    leaders, pairs, amount, count = _leader_pairs(st, prefix, year, kind)
    rows = []
    for (b, s), a, c in zip((divmod(int(x), k) for x in pairs), amount.tolist(), count.tolist()):
        rows.append((b, e.regs[s], a, c))
    supplied = {b for b, *_ in rows}
    rows += [(b, None, None, 0) for b in leaders.tolist() if b not in supplied]
    out = [{"uscc": e.uscc[b], "name": st.names.get(e.uscc[b]), "region_code": e.regs[e.region[b]],
            "supplier_region": s, "amount": a, "edges": c} for b, s, a, c in rows]
    out.sort(key=lambda r: (r["uscc"], r["supplier_region"] is None, r["supplier_region"] or ""))
    return out


def recognition_table(st: State, prefix: str) -> Recognitions:
    """The rows of `recognitions(st, prefix)` as targets.Recognitions columns, from the arrays."""
    e = st.edges
    n = len(st.rec_facts)
    owner = st.rec_owner[:n]
    held = np.flatnonzero(owner >= 0)
    held = held[st.region_mask(prefix)[e.region[owner[held]]]]
    # Holders and regions are coded by the shared enterprise index and region table.
    codes = dict(st.fact_codes)
    tables = {"uscc": e.index, "region_code": {c: g for g, c in enumerate(e.regs)},
              "kind": codes, "status": codes, "level": codes}
    cols = {"uscc": owner[held].astype(np.int64), "region_code": e.region[owner[held]].astype(np.int64),
            "kind": st.rec_kind[held], "status": st.rec_status[held], "level": st.rec_level[held]}
    return Recognitions.from_columns(tables, cols, st.rec_year[held], {"uscc": e.uscc, "region_code": e.regs})


def of_kind(st: State, prefix: str, kind: str, year: int) -> list[tuple[str, str | None]]:
    """(holder's USCC, status) of each `kind` recognition of `year` held under `prefix`, in
    USCC order: a few array operations over the facts' codes."""
    e = st.edges
    n = len(st.rec_facts)
    owner = st.rec_owner[:n]
    idx = np.flatnonzero((st.rec_kind[:n] == st.fact_codes.get(kind, -2)) & (st.rec_year[:n] == year) & (owner >= 0))
    idx = idx[st.region_mask(prefix)[e.region[owner[idx]]]]
    values = list(st.fact_codes)
    return sorted(((e.uscc[o], values[c]) for o, c in zip(owner[idx].tolist(), st.rec_status[idx].tolist())),
                  key=lambda r: r[0])


def leader_sums(st: State, prefix: str, year: int, kind: str) -> list[dict]:
    """Per holder of a `kind` recognition under `prefix`: {uscc, name, region_code, local_wan,
    total_wan} over its supplies in `year`, local = the supplier registered in the holder's city
    — what summary.leader_ratios sums from `leader_supply`'s rows (one per leader and supplier
    region), summed here from the arrays: making and sorting those rows was most of a summary."""
    e = st.edges
    k = len(e.regs)
    leaders, pairs, amount, _ = _leader_pairs(st, prefix, year, kind)
    buyer, sreg = pairs // k, pairs % k
    # leader_ratios skips a supplier region without a code or with nothing bought from it
    keep = (amount > 0) & np.array([e.regs[g] is not None for g in sreg.tolist()], dtype=bool)
    buyer, sreg, amount = buyer[keep], sreg[keep], amount[keep]
    city = [regions.city_of(e.regs[g] or "") or "" for g in e.region[leaders].tolist()]
    cities = sorted(set(city) - {""})
    inside = np.zeros((len(cities) + 1, k), dtype=bool)         # the last row: no city, nothing local
    for j, c in enumerate(cities):
        inside[j] = [code is not None and regions.in_scope(code, c) for code in e.regs]
    city_row = np.array([cities.index(c) if c else len(cities) for c in city], dtype=np.int64)
    slot = np.searchsorted(leaders, buyer)
    local = inside[city_row[slot], sreg]
    total = np.bincount(slot, weights=amount, minlength=len(leaders))
    near = np.bincount(slot[local], weights=amount[local], minlength=len(leaders))
    return [{"uscc": e.uscc[b], "name": st.names.get(e.uscc[b]), "region_code": e.regs[g], "local_wan": lo,
             "total_wan": to}
            for b, g, lo, to in zip(leaders.tolist(), e.region[leaders].tolist(), near.tolist(), total.tolist())]


def suppliers(st: State, prefix: str, year: int) -> list[dict]:
    e = st.edges
    n = e.n
    live = e.alive[:n] & (e.year[:n] == year)
    sellers = np.nonzero(np.bincount(e.seller[:n][live], minlength=len(e.uscc)))[0]
    reg = e.region[sellers]
    reg = reg[st.region_mask(prefix)[reg]]
    count = np.bincount(reg, minlength=len(e.regs))
    return sorted(({"region_code": e.regs[g], "suppliers": int(count[g])} for g in np.nonzero(count)[0]),
                  key=lambda r: r["region_code"])


def years(st: State) -> list[dict]:
    e = st.edges
    n = e.n
    found = set(np.unique(e.year[:n][e.alive[:n]]).tolist())
    found |= {f[3] for f in st.rec_facts}
    return [{"year": y} for y in sorted(y for y in found if y is not None)]


# name -> (function, what its rows depend on); every row carries enterprise regions.
QUERIES = {
    "dashboard/enterprise_counts": (enterprise_counts, ("Enterprise",)),
    "dashboard/deliveries": (deliveries, ("Enterprise", "Delivery")),
    "dashboard/recognitions": (recognitions, ("Enterprise", "Recognition")),
    "dashboard/leader_supply": (leader_supply, ("Enterprise", "Recognition", "SUPPLIES")),
    "dashboard/suppliers": (suppliers, ("Enterprise", "SUPPLIES")),
    "dashboard/years": (years, ("Recognition", "SUPPLIES")),
}


class Reader:
    """`read(name, **params) -> rows`, as `store.read` answers the dashboard's Cypher files, from
    the projection brought up to date with every committed change; and `memo(key, deps, fn)`,
    fn() kept until a change touches `deps`. Rows and figures are kept per what they depend on:
    the dashboard asks for the same rows several times per page, and a confirmation every second
    must not make the recognition targets be counted again."""

    def __init__(self, store):
        self.store = store

    def memo(self, key, deps: tuple, fn):
        st = projection.current(self.store, NAME)
        full = (key, st.token(deps))
        found = st.memo.get(full)
        if found is None:
            if len(st.memo) > 512:
                st.memo.clear()
            found = st.memo[full] = fn()
        return found

    def __call__(self, name: str, **params) -> list[dict]:
        return [dict(r) for r in self.shared(name, **params)]

    def recognition_table(self, prefix: str) -> Recognitions:
        """`recognition_table` of the state, kept until a recognition or an enterprise changes."""
        st = projection.current(self.store, NAME)
        return self.memo(("recognition table", prefix), ("Enterprise", "Recognition"),
                         lambda: recognition_table(st, prefix))

    def leader_sums(self, prefix: str, year: int, kind: str) -> list[dict]:
        """`leader_sums` of the state, kept until a supply, recognition or enterprise changes."""
        st = projection.current(self.store, NAME)
        return self.memo(("leader sums", prefix, year, kind), ("Enterprise", "Recognition", "SUPPLIES"),
                         lambda: leader_sums(st, prefix, year, kind))

    def shared(self, name: str, **params) -> list[dict]:
        """The rows `self(name, ...)` copies, as kept: for callers that only read them (copying
        the province's 25,000 recognition rows took longer than counting them)."""
        fn, deps = QUERIES[name]
        st = projection.current(self.store, NAME)
        return self.memo((name, tuple(sorted(params.items()))), deps, lambda: fn(st, **params))


def reader(store) -> Reader:
    return Reader(store)
