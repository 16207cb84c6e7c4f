"""The ranking's features as they stood on a date (issue 17): what an honest evaluation and a
weight fit may see.

``AsOf(graph)`` replays the confirmed and disputed deliveries in signing order; ``at(date)``
moves the clock forward (only deliveries signed strictly before ``date`` count), and
``features(client, provider_type, unit, date)`` returns the candidates of the type and one
column per model term (:data:`COLUMNS`), computed with the same formulas as
``recommend.score_vector`` (a test holds the two together at a date after every delivery).
On top of the deliveries, the clock limits the other facts: a chain leader counts from the
year after its 链主工厂 recognition, a supply link from the year after its first year on
record; recognitions of clients (``recognised_clients``) are not used at all.

The clock only moves forward: sort the questions by date. Building is O(deliveries), each
question O(candidates × terms) plus the related clients' delivery lists: the province demo
(50 000 deliveries, ~6 000 providers, 33 000 questions) replays in 8–9 minutes on a loaded
2-core machine, every question ranked by every model.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from graphsvc.contractors import recommend as R
from graphsvc.core import regions

# The model's columns, in the order of a features() matrix. scenario_projects (no scenario
# in a delivery) and recognised_clients (not known as of a date without the recognitions'
# dates) are not among them.
COLUMNS = ("served_me", "served_my_leader", "served_chain_leader", "served_chain_peers", "same_industry",
           "same_kind", "unit_experience", "type_experience", "same_district", "same_city", "disputes",
           *R.MODEL_TERMS, "same_chain", "chain_specialisation")
# Columns the serving index cannot compute yet (it does not hold every client's chains): the
# rolling evaluation measures them only when asked (fit.replay's ``drop``), and a refit never
# writes them. same_chain: the provider's confirmed deliveries to members of M's chains
# (saturating at CHAIN_SATURATION); chain_specialisation: their smoothed share against the
# chains' share of all deliveries, as specialisation does for the industry.
EXPERIMENTAL = ("same_chain", "chain_specialisation")
CHAIN_SATURATION = 10
TIES = ("served_me", "served_my_leader", "served_chain_leader", "served_chain_peers")


@dataclass
class Graph:
    """The rows the as-of replay needs (as the contractors/* queries return them)."""

    deliveries: list[dict]
    providers: list[dict]
    recognitions: list[dict]
    clients: list[dict]            # contractors/clients: uscc, region_code, industry_code, industry_kind, chains
    links: list[dict]              # contractors/client_links: supplier, buyer, year


def read_graph(store, weights: dict) -> Graph:
    kinds = sorted({weights["leader_kind"], *weights["recognised_client_kinds"], *weights["provider_list_kinds"]})
    return Graph(store.read("contractors/deliveries"), store.read("contractors/providers"),
                 store.read("contractors/recognitions", kinds=kinds), store.read("contractors/clients"),
                 store.read("contractors/client_links"))


@dataclass
class Client:
    uscc: str
    district: str | None
    city: str | None
    province: str | None
    division: str | None
    kind: str | None
    chains: frozenset = frozenset()


@dataclass
class Question:
    """One delivery asked about: the candidates and their feature matrix as of its date."""

    delivery: R.Dlv
    client: Client
    cand: np.ndarray               # provider indices (into AsOf.usccs)
    X: np.ndarray                  # (len(cand), len(COLUMNS))
    chosen: int | None             # row of the delivery's provider among cand (None: not a candidate)
    n_type: np.ndarray             # type experience per candidate (tie-break, baselines)
    cold_start: bool = False
    extra: dict = field(default_factory=dict)


class AsOf:
    def __init__(self, g: Graph, weights: dict):
        self.weights = weights
        terms = weights["terms"]
        self.sat = {c: float(terms[c]["saturation"]) for c in COLUMNS if "saturation" in terms.get(c, {})}
        self.prior = R.specialisation_prior(weights)
        provs = [p for p in g.providers if p.get("provider_types")]
        self.usccs = [p["uscc"] for p in provs]
        self.pos = {u: i for i, u in enumerate(self.usccs)}
        n = len(provs)
        self.types = np.zeros((n, 7), dtype=bool)
        self.credit = np.array([p.get("credit_ok") is True for p in provs])
        self.district = np.empty(n, dtype=object)
        self.city = np.empty(n, dtype=object)
        self.province = np.empty(n, dtype=object)
        for i, p in enumerate(provs):
            self.types[i, [int(t) for t in p["provider_types"]]] = True
            self.district[i], self.city[i], self.province[i] = _place(p.get("region_code"))
        self.size = R.size_x(np.array([p.get("revenue_wan") or 0.0 for p in provs], dtype=float),
                             R.size_reference(weights))
        self.of_type = {t: np.flatnonzero(self.types[:, t]) for t in range(1, 7)}

        # Recognitions: the year from which a leader (and its chains) counts.
        self.leader_from: dict[str, int] = {}
        self.leader_chains: dict[str, set] = {}
        for r in g.recognitions:
            if r["kind"] == weights["leader_kind"] and r.get("year"):
                y = int(r["year"]) + 1
                self.leader_from[r["uscc"]] = min(self.leader_from.get(r["uscc"], 9999), y)
                if r.get("chain_id"):
                    self.leader_chains.setdefault(r["uscc"], set()).add(r["chain_id"])
        self.clients = {c["uscc"]: _client(c) for c in g.clients}
        # Links: supplier -> {buyer: first year it counts}, buyer -> {supplier: …}.
        self.buyers: dict[str, dict[str, int]] = {}
        self.suppliers: dict[str, dict[str, int]] = {}
        for r in g.links:
            if r.get("year") is None:
                continue
            y = int(r["year"]) + 1
            self.buyers.setdefault(r["supplier"], {})[r["buyer"]] = y
            self.suppliers.setdefault(r["buyer"], {})[r["supplier"]] = y

        rows = [r for r in g.deliveries if r["status"] in ("confirmed", "disputed")]
        self.dlv = sorted((R.Dlv(r["id"], r["provider"], r["client"], int(r["provider_type"] or 0),
                                 r.get("unit") or None, r["status"], r.get("signed_date") or "",
                                 R.division(r.get("industry_code")), r.get("industry_kind") or None)
                           for r in rows), key=lambda d: (d.signed, d.id))
        self.divs = {d: i for i, d in enumerate(sorted({d.division for d in self.dlv if d.division}))}
        nd = len(self.divs)
        self.n_all = np.zeros(n)
        self.n_type = np.zeros((n, 7))
        self.unit_ge = np.zeros((n, 7, len(R.UNITS)))
        self.n_div = np.zeros((n, nd + 1))
        self.n_type_div = np.zeros((n, 7, nd + 1), dtype=np.float32)     # the popularity baselines
        self.n_type_district: dict[tuple, np.ndarray] = {}
        self.n_kind = {"discrete": np.zeros(n), "process": np.zeros(n)}
        self.n_kind_div = {"discrete": np.zeros((n, nd + 1)), "process": np.zeros((n, nd + 1))}
        self.disputed = np.zeros(n)
        # Confirmed deliveries per provider to the members of each chain (a client's chains
        # are its segments' chains, a registry fact without a date).
        self.chain_ids = {c: k for k, c in enumerate(sorted({x for cl in self.clients.values() for x in cl.chains}))}
        self.n_chain = np.zeros((n, len(self.chain_ids)))
        self.chain_total = np.zeros(len(self.chain_ids))
        self.div_total = np.zeros(nd + 1)
        self.total = 0
        # client -> (signed dates, provider indices) of its confirmed deliveries so far.
        self.by_client: dict[str, tuple[list, list]] = {}
        self.next = 0
        self.clock = ""

    # ------------------------------------------------------------ the clock

    def at(self, date: str) -> None:
        """Count every delivery signed strictly before `date` (the clock never goes back)."""
        if date < self.clock:
            raise ValueError(f"as-of clock cannot go back from {self.clock} to {date}")
        self.clock = date
        while self.next < len(self.dlv) and self.dlv[self.next].signed < date:
            self._add(self.dlv[self.next])
            self.next += 1

    def _add(self, d: R.Dlv) -> None:
        i = self.pos.get(d.provider)
        if i is None:
            return
        if d.status == "disputed":
            self.disputed[i] += 1
            return
        di = self.divs.get(d.division, len(self.divs))
        self.n_all[i] += 1
        self.total += 1
        self.div_total[di] += 1
        self.n_div[i, di] += 1
        if d.kind in self.n_kind:
            self.n_kind[d.kind][i] += 1
            self.n_kind_div[d.kind][i, di] += 1
        if 1 <= d.ptype <= 6:
            self.n_type[i, d.ptype] += 1
            self.n_type_div[i, d.ptype, di] += 1
            cl = self.clients.get(d.client)
            if cl is not None and cl.district:
                self.n_type_district.setdefault((d.ptype, cl.district), np.zeros(len(self.usccs)))[i] += 1
            if d.unit in R.UNIT_RANK:
                self.unit_ge[i, d.ptype, : R.UNIT_RANK[d.unit] + 1] += 1
        cl = self.clients.get(d.client)
        if cl is not None and cl.chains:
            ks = [self.chain_ids[c] for c in cl.chains]
            self.n_chain[i, ks] += 1
            self.chain_total[ks] += 1
        dates, ps = self.by_client.setdefault(d.client, ([], []))
        dates.append(d.signed)
        ps.append(i)

    # ------------------------------------------------------------ ties as of a year

    def _leader(self, u: str, year: int) -> bool:
        return self.leader_from.get(u, 9999) <= year

    def related(self, m: Client, year: int) -> dict[str, set]:
        """The clients tying a provider to `m` (recommend.related_clients), as known in `year`."""
        buyers = {b for b, y in self.buyers.get(m.uscc, {}).items() if y <= year}
        suppliers = {s for s, y in self.suppliers.get(m.uscc, {}).items() if y <= year}
        my_leaders = {b for b in buyers if self._leader(b, year) and b != m.uscc}
        chain_leaders = {u for u, ch in self.leader_chains.items()
                         if ch & m.chains and self._leader(u, year)} - my_leaders - {m.uscc}
        peers: set[str] = set()
        for lead in my_leaders:
            peers |= {s for s, y in self.suppliers.get(lead, {}).items() if y <= year and s in self.by_client}
        peers = (peers | suppliers | buyers) - my_leaders - chain_leaders - {m.uscc}
        return {"served_me": {m.uscc}, "served_my_leader": my_leaders, "served_chain_leader": chain_leaders,
                "served_chain_peers": peers, "_linked": bool(buyers or suppliers)}

    def tie_counts(self, m: Client, year: int) -> dict[str, np.ndarray]:
        out = {}
        for code, clients in self.related(m, year).items():
            if code.startswith("_"):
                continue
            col = np.zeros(len(self.usccs))
            for c in clients:
                hit = self.by_client.get(c)
                if hit:
                    np.add.at(col, hit[1], 1)    # every entry is before the clock
            out[code] = col
        return out

    # ------------------------------------------------------------ one question

    def features(self, m: Client, ptype: int, unit: str | None, date: str) -> tuple[np.ndarray, np.ndarray, bool]:
        """(candidate provider indices, their feature matrix, cold start) for `m` asking for
        type `ptype` on `date` (moves the clock to `date`)."""
        self.at(date)
        year = int(date[:4])
        cand = self.of_type.get(ptype, np.array([], dtype=int))
        cand = cand[self.credit[cand]]
        me = self.pos.get(m.uscc)
        if me is not None:
            cand = cand[cand != me]
        sat = self.sat
        X = np.zeros((len(cand), len(COLUMNS)))
        col = {c: j for j, c in enumerate(COLUMNS)}
        ties = self.tie_counts(m, year)
        for code in TIES:
            X[:, col[code]] = R._sat_vec(ties[code][cand], sat[code])
        di = self.divs.get(m.division) if m.division else None
        n_div = self.n_div[cand, di] if di is not None else np.zeros(len(cand))
        X[:, col["same_industry"]] = R._sat_vec(n_div, sat["same_industry"])
        if m.kind in self.n_kind:
            other = self.n_kind[m.kind][cand] - (self.n_kind_div[m.kind][cand, di] if di is not None else 0)
            X[:, col["same_kind"]] = R._sat_vec(other, sat["same_kind"])
        if unit in R.UNIT_RANK:
            X[:, col["unit_experience"]] = R._sat_vec(self.unit_ge[cand, ptype, R.UNIT_RANK[unit]],
                                                      sat["unit_experience"])
        X[:, col["type_experience"]] = R._sat_vec(self.n_type[cand, ptype], sat["type_experience"])
        same_d = (self.district[cand] == m.district) if m.district else np.zeros(len(cand), dtype=bool)
        same_c = ((self.city[cand] == m.city) & ~same_d) if m.city else np.zeros(len(cand), dtype=bool)
        X[:, col["same_district"]] = same_d
        X[:, col["same_city"]] = same_c
        if m.province:
            X[:, col["same_province"]] = (self.province[cand] == m.province) & ~same_d & ~same_c
        d = self.disputed[cand]
        X[:, col["disputes"]] = -np.where(d > 0, d / np.maximum(self.n_all[cand] + d, 1), 0.0)
        share = R.division_share(self.div_total[di] if di is not None else 0.0, self.total)
        X[:, col["specialisation"]] = R.specialisation_x(n_div, self.n_all[cand], share, self.prior)
        X[:, col["provider_size"]] = self.size[cand]
        ks = [self.chain_ids[c] for c in m.chains if c in self.chain_ids]
        if ks:
            n_ch = np.minimum(self.n_chain[np.ix_(cand, ks)].sum(axis=1), self.n_all[cand])
            X[:, col["same_chain"]] = R._sat_vec(n_ch, CHAIN_SATURATION)
            share = R.division_share(min(self.chain_total[ks].sum(), self.total), self.total)
            X[:, col["chain_specialisation"]] = R.specialisation_x(n_ch, self.n_all[cand], share, self.prior)
        served = self.by_client.get(m.uscc)
        cold = not served and not self.related(m, year)["_linked"]
        return cand, X, cold

    def question(self, d: R.Dlv) -> Question | None:
        """The question a delivery answers, as of its signing date (None: client unknown)."""
        m = self.clients.get(d.client)
        if m is None:
            return None
        cand, X, cold = self.features(m, d.ptype, d.unit if d.unit in R.UNIT_RANK else None, d.signed)
        i = self.pos.get(d.provider)
        rows = np.flatnonzero(cand == i) if i is not None else []
        return Question(d, m, cand, X, int(rows[0]) if len(rows) else None, self.n_type[cand, d.ptype].copy(),
                        cold)


def _place(code: str | None) -> tuple:
    if not code:
        return None, None, None
    return regions.current_code(code), regions.city_of(code), regions.province_of(code)


def _client(row: dict) -> Client:
    d, c, p = _place(row.get("region_code"))
    return Client(row["uscc"], d, c, p, R.division(row.get("industry_code")), row.get("industry_kind") or None,
                  frozenset(x for x in (row.get("chains") or []) if x))


def weight_vector(weights: dict) -> np.ndarray:
    """The weights file's weights in COLUMNS order (a term absent from the file weighs 0)."""
    terms = weights["terms"]
    return np.array([float(terms.get(c, {}).get("weight", 0.0)) for c in COLUMNS])
