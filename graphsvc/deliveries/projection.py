"""The deliveries part of the projection (issue #12): every delivery with its provider and
client, as the supplier assessment reads them, held in memory so an assessment is computed
without database reads (two queries per call, 20 ms for the busiest provider of the province).

Per delivery the row of queries/deliveries/assessment_deliveries.cypher (its properties, the
client's USCC by the FOR link, the client's name, industry kind and region), listed under its
provider by the DELIVERED link. `apply` folds in Delivery upserts (claims, transitions,
imports: the properties written), DELIVERED / FOR links (a new client's facts are read by key)
and Enterprise upserts (the clients' facts, in place); anything else rebuilds. The clients'
recognitions come from the dashboard's part (`client_recognitions`). Built on first use
(web.PROJECTION_ON_FIRST_USE).

The rows are also held as columns (`assessment.Table` entries by position, strings as codes):
an assessment takes its provider's entries (`table_of`) and computes over
arrays. Every change above rewrites the entries of the rows it touched (`_sync`).
"""
from __future__ import annotations

import weakref

import numpy as np

from graphsvc.core import columns, projection
from graphsvc.core.held_facts import HeldFacts
from graphsvc.deliveries import assessment as A

NAME = "deliveries"
ENTITIES = frozenset({"Delivery", "DELIVERED", "FOR", "Enterprise"})
# The Delivery properties an assessment reads (the client's USCC comes from the FOR link).
PROPS = ("id", "supplier_uscc", "kind", "provider_type", "unit", "quantity", "contract_amount_wan", "signed_date",
         "accepted_date", "status", "rating", "corrects")
CLIENT = {"uscc": "client_uscc", "name": "client_name", "industry_kind": "client_kind",
          "region_code": "client_region"}


class State:
    def __init__(self, store_ref=None):
        self.store_ref = store_ref
        self.rows: dict[str, dict] = {}
        self.provider_of: dict[str, str] = {}
        self.by_provider: dict[str, dict] = {}      # provider -> {delivery id: None}, an ordered set
        self.clients = HeldFacts({k: v for k, v in CLIENT.items() if k != "uscc"})
        # The columns: entry i is delivery self.at[i]; capacity grows by doubling.
        self.words = A.Words()
        self.pos: dict[str, int] = {}
        self.at: list[dict] = []
        self.ints = np.zeros((0, len(A.INTS)), dtype=np.int64)
        self.provider = np.zeros(0, dtype=np.int64)
        self.amount = np.zeros(0, dtype=np.float64)
        self.day = np.zeros(0, dtype=object)
        self.ident = np.zeros(0, dtype=object)

    def row(self, did: str) -> dict:
        r = self.rows.get(did)
        if r is None:
            r = self.rows[did] = dict.fromkeys((*PROPS, *CLIENT.values()))
            r["id"] = did
        return r

    def link_provider(self, did: str, provider: str) -> None:
        self.row(did)
        old = self.provider_of.get(did)
        if old is not None:
            self.by_provider.get(old, {}).pop(did, None)
        self.provider_of[did] = provider
        self.by_provider.setdefault(provider, {})[did] = None

    def link_client(self, did: str, facts: dict) -> None:
        r = self.row(did)
        self.clients.drop(r["client_uscc"], r)
        for prop, key in CLIENT.items():
            r[key] = facts.get(prop)
        self.clients.hold(r["client_uscc"], r)


def build(store) -> State:
    st = State(weakref.ref(store))
    table = store.read_columns("deliveries/projection_deliveries")
    rows = columns.rows(table)
    for r in rows:
        provider = r.pop("provider")
        st.rows[r["id"]] = r
        st.link_provider(r["id"], provider)
        st.clients.hold(r["client_uscc"], r)
    if len(st.rows) == len(rows):
        _build_columns(st, table, rows)
    else:                       # a delivery read twice (two links): its last row holds
        _sync(st, st.rows)
    return st


def _build_columns(st: State, table, rows: list[dict]) -> None:
    """The columns of a build from the bulk read's Arrow columns: each mapping of
    `assessment.row_values` applied once per distinct value, not once per row."""
    from graphsvc.deliveries import ledger
    from graphsvc.programmes.subsidies import year_of

    w, n = st.words, len(rows)
    ints = np.full((n, len(A.INTS)), -1, dtype=np.int64)
    for k in A.CODED:
        if k in table.column_names:
            ints[:, A.COL[k]] = columns.codes(table.column(k), w.of)
    ints[:, A.COL["client_kind"]] = columns.codes(table.column("client_kind"),
                                                  lambda v: w.of(A.industry_kind({"client_kind": v})))
    given = columns.codes(table.column("provider_type"), lambda v: int(v or 0))
    by_kind = columns.codes(table.column("kind"), lambda v: int(ledger.KIND_TYPE.get(v) or 0))
    ints[:, A.COL["provider_type"]] = np.where(given != 0, given, by_kind)
    ints[:, A.COL["quantity"]] = columns.codes(table.column("quantity"), lambda v: int(v or 1))
    signed = columns.codes(table.column("signed_date"), lambda v: year_of(v) or -1)
    accepted = columns.codes(table.column("accepted_date"), lambda v: -1 if year_of(v) is None else year_of(v))
    ints[:, A.COL["signed_year"]] = np.where(signed != -1, signed, accepted)
    days = [ledger.period_date(r) for r in rows]
    ints[:, A.COL["dated"]] = [d is not None for d in days]
    st.ints, st.amount = ints, columns.numbers(table.column("contract_amount_wan")).copy()   # apply writes it
    st.day = np.array([d or "" for d in days] + [None], dtype=object)[:-1]
    st.ident = np.array([r["id"] for r in rows] + [None], dtype=object)[:-1]
    st.provider = columns.codes(table.column("provider"), w.of)
    st.at, st.pos = rows, {r["id"]: i for i, r in enumerate(rows)}


def _sync(st: State, dids) -> None:
    """Rewrite the column entries of the deliveries `dids` from their rows (new ones appended)."""
    dids = list(dict.fromkeys(dids))
    if not dids:
        return
    for d in dids:
        if d not in st.pos:
            st.pos[d] = len(st.at)
            st.at.append(st.rows[d])
    need = len(st.at)
    if need > len(st.provider):
        size = max(need, 2 * len(st.provider))
        st.ints = _grown(st.ints, size)
        st.provider, st.amount = _grown(st.provider, size), _grown(st.amount, size)
        st.day, st.ident = _grown(st.day, size), _grown(st.ident, size)
    at = np.array([st.pos[d] for d in dids], dtype=np.int64)
    vals = [A.row_values(st.rows[d], st.words) for d in dids]
    st.ints[at] = np.array([v[0] for v in vals], dtype=np.int64)
    st.amount[at] = [v[1] for v in vals]
    st.day[at] = [v[2] for v in vals]
    st.ident[at] = dids
    st.provider[at] = [st.words.of(st.provider_of.get(d)) for d in dids]


def _grown(a: np.ndarray, size: int) -> np.ndarray:
    """`a` with room for `size` entries along its first axis (the new ones -1 / NaN / None).

    >>> _grown(np.zeros((1, 2), dtype=np.int64), 3).tolist()
    [[0, 0], [-1, -1], [-1, -1]]
    """
    out = np.full((size, *a.shape[1:]), None if a.dtype == object else -1, dtype=a.dtype)
    out[:len(a)] = a
    return out


def apply(st: State, changes: list) -> State | None:
    touched: list[str] = []
    if _apply(st, changes, touched) is None:
        return None
    _sync(st, touched)
    return st


def _apply(st: State, changes: list, touched: list) -> State | None:
    store = st.store_ref() if st.store_ref is not None else None
    for c in changes:
        if c.entity == "Delivery" and c.op == "upsert":
            for r in c.rows:
                row = st.row(r["id"])
                row.update((k, r[k]) for k in PROPS if k in r)
                touched.append(r["id"])
        elif c.entity == "DELIVERED" and c.op in ("replace_to", "replace_pair"):
            for r in c.rows:
                st.link_provider(r["to"], r["from"])
                touched.append(r["to"])
        elif c.entity == "FOR" and c.op in ("replace_from", "replace_pair") and store is not None:
            usccs = sorted({r["to"] for r in c.rows})
            facts = {u: {"uscc": u} for u in usccs}
            for i in range(0, len(usccs), 2000):
                for f in store.read("enterprises/directory_rows", usccs=usccs[i:i + 2000]):
                    facts[f["uscc"]] = f
            for r in c.rows:
                st.link_client(r["from"], facts[r["to"]])
                touched.append(r["from"])
        elif c.entity == "Enterprise" and c.op == "upsert":
            if st.clients.apply(c.rows):
                touched += [h["id"] for r in c.rows for h in st.clients.rows.get(r.get("uscc"), ())
                            if any(k in r for k in st.clients.fields)]
        else:
            return None
    return st


PART = projection.register(projection.Part(NAME, build=build, apply=apply, entities=ENTITIES))


def current(store) -> State:
    return projection.current(store, NAME)


def table_of(st: State, provider: str) -> A.Table:
    """The provider's deliveries with a client as an `assessment.Table` (their entries in the
    columns); a missing supplier_uscc reads as the provider, as `assessment.with_recognitions`
    gives it."""
    code, pos = st.words.find(provider), st.pos
    sel = np.array([pos[d] for d in st.by_provider.get(provider, ())], dtype=np.int64)
    sel = sel[st.ints[sel, A.COL["client_uscc"]] >= 0]
    ints = st.ints[sel]
    sup = ints[:, A.COL["supplier_uscc"]]
    sup[(sup == -1) | (sup == st.words.find(""))] = code
    at = st.at
    return A.Table(st.words, ints, st.amount[sel], st.day[sel].astype(str), st.ident[sel].astype(str),
                   lambda i: at[sel[i]])


def rows_of(st: State, provider: str) -> list[dict]:
    """The provider's deliveries with a client, as deliveries/assessment_deliveries gives them
    (copies: the caller adds to them)."""
    rows = st.rows
    return [dict(rows[d]) for d in st.by_provider.get(provider, ()) if rows[d]["client_uscc"] is not None]


def _last_nulls(v) -> tuple:
    return (v is None, v if v is not None else 0)


def client_recognitions(store, clients) -> dict[str, list[dict]]:
    """{client USCC: [{kind, level, status, year}]}: the distinct recognitions the `clients`
    hold, in the order of deliveries/assessment_client_recognitions (year, kind, level,
    status; missing values last), from the dashboard's part (its recognitions by holder kept
    until a recognition changes)."""
    from graphsvc.dashboard import projection as dashboard

    read = dashboard.reader(store)
    st = projection.current(store, dashboard.NAME)
    order, owners = read.memo(("recognitions by holder",), ("Recognition",), lambda: _by_holder(st))
    e, facts = st.edges, st.rec_facts
    held = np.array(sorted(e.index[c] for c in clients if c in e.index), dtype=np.int64)
    lo, hi = np.searchsorted(owners, held, "left"), np.searchsorted(owners, held, "right")
    out = {}
    for h, a, b in zip(held.tolist(), lo.tolist(), hi.tolist()):
        if a < b:
            recs = {facts[i][3:] + facts[i][:3] for i in order[a:b].tolist()}     # (year, kind, level, status)
            out[e.uscc[h]] = [{"kind": k, "level": lv, "status": s, "year": y}
                              for y, k, lv, s in sorted(recs, key=lambda t: tuple(map(_last_nulls, t)))]
    return out


def _by_holder(st) -> tuple[np.ndarray, np.ndarray]:
    """The recognitions' positions ordered by holder, and their holders in that order."""
    owner = st.rec_owner[:len(st.rec_facts)]
    order = np.argsort(owner, kind="stable")
    return order, owner[order]
