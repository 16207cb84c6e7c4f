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
"""
from __future__ import annotations

import weakref

import numpy as np

from graphsvc.core import columns, projection
from graphsvc.core.held_facts import HeldFacts

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
    for r in columns.rows(store.read_columns("deliveries/projection_deliveries")):
        provider = r.pop("provider")
        st.rows[r["id"]] = r
        st.link_provider(r["id"], provider)
        st.clients.hold(r["client_uscc"], r)
    return st


def apply(st: State, changes: list) -> State | None:
    store = st.store_ref() if st.store_ref is not None else None
    for c in changes:
        if c.entity == "Delivery" and c.op == "upsert":
            for r in c.rows:
                row = st.row(r["id"])
                row.update((k, r[k]) for k in PROPS if k in r)
        elif c.entity == "DELIVERED" and c.op in ("replace_to", "replace_pair"):
            for r in c.rows:
                st.link_provider(r["to"], r["from"])
        elif c.entity == "FOR" and c.op in ("replace_from", "replace_pair") and store is not None:
            usccs = sorted({r["to"] for r in c.rows})
            facts = {u: {"uscc": u} for u in usccs}
            for i in range(0, len(usccs), 2000):
                for f in store.read("enterprises/directory_rows", usccs=usccs[i:i + 2000]):
                    facts[f["uscc"]] = f
            for r in c.rows:
                st.link_client(r["from"], facts[r["to"]])
        elif c.entity == "Enterprise" and c.op == "upsert":
            st.clients.apply(c.rows)
        else:
            return None
    return st


PART = projection.register(projection.Part(NAME, build=build, apply=apply, entities=ENTITIES))


def current(store) -> State:
    return projection.current(store, NAME)


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
