"""Supplier assessment: provable counts per provider type, C2 conditions, Item 14 reward.

Definitions (docs/figures.md §7, docs/domain-model.md §5, rule C1):

- only **confirmed** deliveries count; claimed (awaiting the client) and disputed ones are
  listed apart, withdrawn ones are only counted as such;
- a confirmed delivery that a later **confirmed** correction replaces is not counted again
  (listed as superseded): the correction counts in its place;
- a delivery belongs to the period when its acceptance date (else its signing date) lies in
  ``[start, end]`` (ISO dates, both inclusive, either may be open);
- type 1 (``engineering_project``): projects, distinct client enterprises, and units by the
  client's industry kind — discrete by 制造单元/生产线/车间/工厂 (cell/line/workshop/factory),
  process by 车间/工厂; a unit count is the sum of ``quantity`` (one project may transform two
  lines);
- type 2: client enterprises onboarded (``platform_onboarding``) and industrial APPs
  (``industrial_app``, sum of quantity); type 3: client enterprises under security contracts
  and the contracts; type 4: module transfers counted by kind × model (sum of quantity);
  type 5: projects and product kinds connected (quantity); type 6: projects and application
  systems integrated (quantity). Every count carries the delivery ids behind it.

The money and conditions come from the rules package: ``item14_reward`` (C3.5),
``item15_subsidy``/``item16_subsidy`` (C3.6/C3.7) and the ``bj-2023-provider`` scorecard (C2).

Worked example — a discrete client with two lines in one project, a process client's
workshop, and a claimed project that does not count yet:

>>> ds = [
...  {"id": "a", "provider_type": 1, "kind": "engineering_project", "unit": "line", "quantity": 2,
...   "status": "confirmed", "client_uscc": "C1", "client_kind": "discrete", "accepted_date": "2024-05-01"},
...  {"id": "b", "provider_type": 1, "kind": "engineering_project", "unit": "workshop", "quantity": 1,
...   "status": "confirmed", "client_uscc": "C2", "client_kind": "process", "accepted_date": "2024-06-01"},
...  {"id": "c", "provider_type": 1, "kind": "engineering_project", "unit": "cell", "quantity": 1,
...   "status": "claimed", "client_uscc": "C1", "client_kind": "discrete", "signed_date": "2024-07-01"}]
>>> c = count(ds)
>>> t1 = c["types"][0]
>>> [(m["key"], m["value"], m["delivery_ids"]) for m in t1["measures"] if m["value"]]
[('projects', 2, ['a', 'b']), ('clients', 2, ['a', 'b']), ('discrete.line', 2, ['a']), ('process.workshop', 1, ['b'])]
>>> [d["id"] for d in c["claimed"]]
['c']
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from collections.abc import Callable

import numpy as np

from graphsvc.deliveries import ledger
from graphsvc.programmes import eligibility, subsidies
from graphsvc.programmes.eligibility import FAIL, PASS, UNKNOWN, missing_reason
from graphsvc.core.vocabulary import INDUSTRY_KIND_NAMES, PROCESS_UNITS, UNITS

UNIT_BUCKETS = ([("discrete", u) for u in UNITS] + [("process", u) for u in PROCESS_UNITS])

# provider type -> [(key, label, how, kinds or None)]; how: count | quantity | clients
MEASURES: dict[int, list[tuple]] = {
    1: [("projects", "工程项目数（个）", "count", None),
        ("clients", "服务企业数（家）", "clients", None)],
    2: [("clients", "平台服务企业数（家）", "clients", {"platform_onboarding"}),
        ("apps", "工业APP数（个）", "quantity", {"industrial_app"})],
    3: [("clients", "签约安全服务的工业企业数（家）", "clients", None),
        ("contracts", "安全服务合同数（份）", "count", None)],
    4: [("modules", "智能化模块转让数（种类×型号）", "quantity", None),
        ("transfers", "转让次数", "count", None),
        ("clients", "受让企业数（家）", "clients", None)],
    5: [("projects", "物联网工程项目数（个）", "count", None),
        ("product_kinds", "接入智能产品种类数", "quantity", None)],
    6: [("projects", "系统集成工程项目数（个）", "count", None),
        ("systems", "统一平台上的应用系统数（个）", "quantity", None)],
}
BASIS = "仅计已确认交付；以验收日期（无验收日期时以签约日期）落入考核期间为准"


def provider_type_of(d: dict) -> int | None:
    return d.get("provider_type") or ledger.KIND_TYPE.get(d.get("kind"))


def in_period(d: dict, start: str | None = None, end: str | None = None) -> bool:
    """Does the delivery's assessment date lie in [start, end]?

    >>> in_period({"signed_date": "2024-01-05"}, "2024-01-01", "2024-12-31")
    True
    """
    day = ledger.period_date(d)
    if day is None:
        return start is None and end is None
    return (start is None or day >= start) and (end is None or day <= end)


def industry_kind(d: dict) -> str:
    """The client's industry kind as the unit buckets read it.

    >>> industry_kind({"client_kind": "process"}), industry_kind({"client_kind": None})
    ('process', 'unclassified')
    """
    return d.get("client_kind") if d.get("client_kind") in ("discrete", "process") else "unclassified"


# ---------------------------------------------------------------- deliveries as columns

class Words:
    """Strings as integer codes: None is -1, a string never coded looks up as -2.

    >>> w = Words()
    >>> w.of("a"), w.of("b"), w.of("a"), w.of(None), w.find("z"), w.text(1)
    (0, 1, 0, -1, -2, 'b')
    >>> w.texts(np.array([1, -1, 0])).tolist()
    ['b', None, 'a']
    """

    def __init__(self):
        self.code: dict = {}
        self.word: list = []
        self.array = np.zeros(0, dtype=object)     # the words again, for texts() (room by doubling)

    def of(self, w) -> int:
        if w is None:
            return -1
        c = self.code.get(w)
        if c is None:
            c = self.code[w] = len(self.word)
            self.word.append(w)
            if c >= len(self.array):
                self.array = np.concatenate((self.array, np.full(max(c, 16), None, dtype=object)))
            self.array[c] = w
        return c

    def find(self, w) -> int:
        return -1 if w is None else self.code.get(w, -2)

    def text(self, c: int):
        return None if c < 0 else self.word[c]

    def texts(self, codes: np.ndarray) -> np.ndarray:
        """The words of `codes` (an object array; None for -1)."""
        out = self.array[codes]
        out[codes < 0] = None
        return out


# The Delivery properties held as codes, then the derived integer columns.
CODED = ("id", "status", "kind", "unit", "rating", "corrects", "client_uscc", "client_name", "client_region",
         "supplier_uscc", "supplier_region")
INTS = (*CODED, "client_kind", "provider_type", "quantity", "signed_year", "dated")
COL = {k: i for i, k in enumerate(INTS)}


def row_values(d: dict, words: Words) -> tuple[list, float, str]:
    """One delivery's entries in a `Table`: its INTS, its contract amount (NaN when missing) and
    its assessment date ('' when missing).

    >>> w = Words()
    >>> ints, amount, day = row_values({"id": "a", "kind": "industrial_app", "quantity": None,
    ...                                 "signed_date": "2023-02-01"}, w)
    >>> dict(zip(INTS, ints))["provider_type"], dict(zip(INTS, ints))["signed_year"], amount, day
    (2, 2023, nan, '2023-02-01')
    """
    ints = [words.of(d.get(k)) for k in CODED]
    signed = subsidies.year_of(d.get("signed_date")) or subsidies.year_of(d.get("accepted_date"))
    day = ledger.period_date(d)
    ints += [words.of(industry_kind(d)), int(provider_type_of(d) or 0), int(d.get("quantity") or 1),
             -1 if signed is None else signed, int(day is not None)]
    amount = d.get("contract_amount_wan")
    return ints, (np.nan if amount is None else float(amount)), day or ""


@dataclass
class Table:
    """One provider's deliveries as arrays, one entry per delivery (issue #12: the assessment is
    masks and grouped operations over these; Python only builds the lists returned).
    ``ints[:, COL[name]]`` holds the INTS (strings as codes of ``words``), ``amount`` the
    contract amounts, ``day`` / ``ids`` the assessment dates and ids as text (for ordering),
    ``row(i)`` delivery i itself (the listed briefs read it)."""
    words: Words
    ints: np.ndarray
    amount: np.ndarray
    day: np.ndarray
    ids: np.ndarray
    row: Callable[[int], dict]

    def col(self, name: str) -> np.ndarray:
        return self.ints[:, COL[name]]


def table_of(deliveries: list[dict]) -> Table:
    """The deliveries given as dicts, as a Table."""
    words = Words()
    vals = [row_values(d, words) for d in deliveries]
    ints = np.array([v[0] for v in vals], dtype=np.int64).reshape(len(vals), len(INTS))
    return Table(words, ints, np.array([v[1] for v in vals], dtype=np.float64),
                 np.array([v[2] for v in vals], dtype=str), np.array([d["id"] for d in deliveries], dtype=str),
                 deliveries.__getitem__)


# ---------------------------------------------------------------- counts

def superseded_ids(deliveries: list[dict]) -> set:
    """Confirmed deliveries replaced by a confirmed correction.

    >>> sorted(superseded_ids([{"id": "a", "status": "confirmed"},
    ...     {"id": "b", "status": "confirmed", "corrects": "a"}, {"id": "c", "status": "claimed", "corrects": "b"}]))
    ['a']
    """
    t = table_of(deliveries)
    return set(t.ids[_superseded(t)].tolist())


def _superseded(t: Table) -> np.ndarray:
    """Mask: confirmed deliveries a confirmed correction replaces."""
    confirmed = t.col("status") == t.words.find("confirmed")
    ids, corr = t.col("id"), t.col("corrects")
    replaced = corr[confirmed & (corr >= 0)]
    if not len(replaced):
        return np.zeros(len(ids), dtype=bool)
    return np.isin(ids, replaced[np.isin(replaced, ids[confirmed])])


BRIEF = ("id", "client_uscc", "client_name", "kind", "provider_type", "unit", "quantity", "contract_amount_wan",
         "signed_date", "accepted_date", "status", "rating", "corrects")


def _brief(d: dict) -> dict:
    out = dict(zip(BRIEF, map(d.get, BRIEF)))
    out["status_name"] = ledger.STATUS_NAMES.get(d.get("status"), d.get("status"))
    out["kind_name"] = ledger.KIND_NAMES.get(d.get("kind"), d.get("kind"))
    return out


def count(deliveries: list[dict], provider_types=None, start: str | None = None,
          end: str | None = None) -> dict:
    """The C1 counts of one provider's deliveries (see the module docstring).

    Each delivery is a dict with the Delivery properties plus ``client_name`` and
    ``client_kind`` (the client's ``industry_kind``). Returns ``{types, counted, claimed,
    disputed, withdrawn, superseded, clients}`` where ``types`` holds one entry per provider
    type (registered or delivered) with its ``measures``.
    """
    return tally(table_of(deliveries), provider_types, start, end)[0]


def tally(t: Table, provider_types=None, start: str | None = None, end: str | None = None) -> tuple[dict, np.ndarray]:
    """`count` over a Table; also the positions of the counted deliveries, in their order."""
    status, w = t.col("status"), t.words
    inside = np.ones(len(t.ids), dtype=bool)
    if start is not None or end is not None:
        inside = t.col("dated") == 1
        inside &= (t.day >= start) if start is not None else True
        inside &= (t.day <= end) if end is not None else True
    order = np.lexsort((t.ids, t.day))
    period = order[inside[order]]
    old = _superseded(t)
    per_status = {s: period[status[period] == w.find(s)] for s in ("confirmed", "claimed", "disputed", "withdrawn")}
    counted = per_status["confirmed"][~old[per_status["confirmed"]]]
    ptype = t.col("provider_type")
    shown = sorted({int(x) for x in (provider_types or [])} | set(np.unique(ptype[period]).tolist()) - {0})
    return {
        "types": [_type_entry(t, x, counted[ptype[counted] == x]) for x in shown],
        "counted": t.ids[counted].tolist(),
        "claimed": [_brief(t.row(i)) for i in per_status["claimed"].tolist()],
        "disputed": [_brief(t.row(i)) for i in per_status["disputed"].tolist()],
        "withdrawn": t.ids[per_status["withdrawn"]].tolist(),
        "superseded": [_brief(t.row(i)) for i in period[old[period]].tolist()],
        "clients": _measure(t, "clients", "服务企业总数（家）", "clients", counted),
    }, counted


def _measure(t: Table, key, label, how, sel: np.ndarray) -> dict:
    out = {"key": key, "label": label, "delivery_ids": t.ids[sel].tolist()}
    if how == "count":
        out["value"] = len(sel)
    elif how == "quantity":
        out["value"] = int(t.col("quantity")[sel].sum())
    else:
        clients = clients_of(t, sel)
        out["value"] = len(clients)
        out["clients"] = clients
    return out


def clients_of(t: Table, sel: np.ndarray) -> list[dict]:
    """The distinct clients of the deliveries at `sel` (in order), by USCC (missing first, then
    by first delivery), each with its name (from its first delivery) and its delivery ids in order."""
    client = t.col("client_uscc")[sel]
    codes, first, inv = np.unique(client, return_index=True, return_inverse=True)
    usccs = t.words.texts(codes)
    group = np.lexsort((first, np.where(codes >= 0, usccs, "").astype(str)))    # the clients in listed order
    rank = np.empty_like(group)
    rank[group] = np.arange(len(group))
    members = np.argsort(rank[inv], kind="stable")
    ids = t.ids[sel[members]].tolist()
    bounds = np.searchsorted(rank[inv][members], np.arange(len(group) + 1)).tolist()
    names = t.words.texts(t.col("client_name")[sel[first[group]]]).tolist()
    return [{"uscc": u, "name": n, "delivery_ids": ids[a:b]}
            for u, n, a, b in zip(usccs[group].tolist(), names, bounds[:-1], bounds[1:])]


def _type_entry(t: Table, provider_type: int, mine: np.ndarray) -> dict:
    """One provider type's measures over its counted deliveries at `mine`."""
    kind = t.col("kind")
    measures = [_measure(t, key, label, how, mine if kinds is None else
                         mine[np.logical_or.reduce([kind[mine] == t.words.find(k) for k in kinds])])
                for key, label, how, kinds in MEASURES.get(provider_type, [])]
    if provider_type == 1:
        measures += _unit_measures(t, mine)
    return {"provider_type": provider_type, "name": ledger.type_names().get(provider_type, str(provider_type)),
            "confirmed": len(mine), "measures": measures}


def _unit_measures(t: Table, mine: np.ndarray) -> list[dict]:
    """Type 1 units by the client's industry kind; the unclassified buckets only when used."""
    out = []
    unit, ik = t.col("unit")[mine], t.col("client_kind")[mine]
    for kind, u in UNIT_BUCKETS + [("unclassified", u) for u in UNITS]:
        items = mine[(unit == t.words.find(u)) & (ik == t.words.find(kind))]
        if kind == "unclassified" and not len(items):
            continue
        m = _measure(t, f"{kind}.{u}", f"{INDUSTRY_KIND_NAMES[kind]}·{ledger.UNIT_NAMES[u]}（个）", "quantity", items)
        m["projects"] = len(items)
        out.append(m)
    return out


# ---------------------------------------------------------------- C3.5 (Item 14)

def _recognitions_by_client(deliveries: list[dict]) -> dict:
    out: dict = {}
    for d in deliveries:
        recs = out.setdefault(d.get("client_uscc"), [])
        for r in d.get("recognitions") or []:
            r = {**r, "region_code": r.get("region_code") or d.get("client_region")}
            if r not in recs:
                recs.append(r)
    return out


def item14(t: Table, counted: np.ndarray, supplier: dict | None, recognitions: Callable) -> dict:
    """C3.5 on the counted deliveries at `counted` (in order), as ``subsidies.item14_reward``
    decides it line by line, over the Table's columns: the provider check once per provider,
    the clients' recognitions read (``recognitions(counted, lines) -> {client USCC:
    [recognition with region_code]}``) only for the `lines` that get that far. *supplier* (its name and region)
    decides whether the provider is a district enterprise."""
    from graphsvc.programmes import catalogue

    p, sup, w = catalogue.params("C3.5"), supplier or {}, t.words
    uscc = sup.get("uscc") or (t.row(int(counted[0])).get("supplier_uscc") if len(counted) else None)
    known = {uscc: {"name": sup.get("name"), "region_code": sup.get("region_code")}}
    n = len(counted)
    why = np.full(n, subsidies.NOT_LISTED, dtype=object)      # the reason of each line not passing
    outcome = np.full(n, FAIL, dtype=object)
    status = t.col("status")[counted]
    go = status == w.find(p["delivery_status"])
    for s in np.unique(status[~go]).tolist():
        why[status == s] = subsidies.unconfirmed_reason(w.text(s))
    # one check per (supplier, supplier region) pair of the lines going
    pair = (t.col("supplier_uscc")[counted] + 1) * (len(w.word) + 1) + t.col("supplier_region")[counted] + 1
    for k in np.unique(pair[go]).tolist():
        s, r = divmod(k, len(w.word) + 1)
        stop, text = subsidies.provider_check({"supplier_uscc": w.text(s - 1), "supplier_region": w.text(r - 1)},
                                              known, p)
        if stop:
            hit = go & (pair == k)
            outcome[hit], why[hit], go[hit] = stop, text, False
    q, first = _listing(t, counted, go, recognitions, p, why, outcome)
    return _item14_lines(t, counted, q, first, why, outcome, known, uscc, p)


def _listing(t: Table, counted, go, recognitions, p, why, outcome) -> tuple[list, np.ndarray]:
    """For the lines still going (`go`): the first qualifying recognition of the client listed
    in the signing year or later (`first`: its index into `q`, -1 when none); the others' outcome
    and reason set in place."""
    first = np.full(len(counted), -1, dtype=np.int64)
    if not go.any():
        return [], first
    w, client = t.words, t.col("client_uscc")[counted]
    by_client = recognitions(counted, counted[go])
    q: list = []                                         # the qualifying recognitions, by client
    span: dict = {}                                      # client code -> its slice of q
    for c in np.unique(client[go]).tolist():
        a = len(q)
        q += [r for r in by_client.get(w.text(c), []) if subsidies.qualifies(r, p)]
        span[c] = (a, len(q))
    lines = np.flatnonzero(go)
    lo, hi = np.array([span[c] for c in client[lines].tolist()], dtype=np.int64).reshape(-1, 2).T
    lines, lo, hi = lines[lo < hi], lo[lo < hi], hi[lo < hi]
    size = hi - lo
    at = np.repeat(lines, size)                              # one entry per (line, qualifying recognition)
    rec = np.repeat(lo - np.concatenate(([0], np.cumsum(size)[:-1])), size) + np.arange(size.sum())
    year = np.array([-1 if r.get("year") is None else int(r["year"]) for r in q], dtype=np.int64)
    signed = t.col("signed_year")[counted]
    follows = (signed[at] >= 0) & (year[rec] >= 0) & (year[rec] >= signed[at] + p["listing_min_years_after_signing"])
    hit, where = np.unique(at[follows], return_index=True)
    first[hit] = rec[follows][where]
    for i, a, b in zip(lines.tolist(), lo.tolist(), hi.tolist()):
        if first[i] < 0:        # none follows: the first unknown, else the first recognition decides
            d = {"signed_date": t.row(int(counted[i])).get("signed_date"),
                 "accepted_date": t.row(int(counted[i])).get("accepted_date")}
            timed = [subsidies.listing_follows(d, r, p) for r in q[a:b]]
            outcome[i], why[i] = next((x for x in timed if x[0] == UNKNOWN), timed[0])
    return q, first


def _item14_lines(t: Table, counted, q, first, why, outcome, known, uscc, p) -> dict:
    """The C3.5 lines in order: refused (not passing) with their reason, the failing ones' ids,
    and every line not failing in full, capped per provider in order."""
    w, ids = t.words, t.ids[counted].tolist()
    amount = t.amount[counted]
    unknown = (first >= 0) & np.isnan(amount)
    outcome[first >= 0] = PASS
    outcome[unknown], why[unknown] = UNKNOWN, missing_reason(["contract_amount_wan"])
    suppliers = w.texts(t.col("supplier_uscc")[counted])
    lines, providers = [], {}
    for i in np.flatnonzero(outcome != FAIL).tolist():
        d = t.row(int(counted[i]))
        line = {"delivery_id": ids[i], "supplier_uscc": suppliers[i],
                "client_uscc": d.get("client_uscc"), "contract_amount_wan": d.get("contract_amount_wan"),
                "rate": 0, "reward_wan": 0, "payable_wan": 0, "qualifying_recognition": None,
                "outcome": outcome[i], "reason": "" if outcome[i] == PASS else why[i]}
        if first[i] >= 0:
            r = q[first[i]]
            line["qualifying_recognition"] = {k: r.get(k) for k in ("kind", "level", "status", "year")}
            if not unknown[i]:
                subsidies.reward_line(line, r, d.get("contract_amount_wan"), d.get("rating") in p["excellent_ratings"], p)
            subsidies.cap_line(providers, line, p)
        lines.append({**line, "client_name": d.get("client_name")})
    res = subsidies.item14_totals(providers, known, p, lines)
    prov = providers.get(uscc, {"reward_wan": 0, "total_wan": 0, "capped": False})
    refused = np.flatnonzero(outcome != PASS)
    return {"rule_id": "C3.5", "total_wan": res["total_wan"], "reward_before_cap_wan": prov["reward_wan"],
            "cap_wan": p["cap_per_provider_wan"], "capped": prov["capped"],
            "reason": res["reason"], "estimate": res["estimate"], "basis": res["basis"],
            "refused": [{"delivery_id": ids[i], "reason": r} for i, r in zip(refused.tolist(), why[refused].tolist())],
            "lines": lines, "not_qualifying": [ids[i] for i in np.flatnonzero(outcome == FAIL).tolist()]}


MODULE_FACTS = {"rd_spend_wan": "应用企业该项目研发投入实际支出额", "purchase_wan": "区内模块/芯片实际采购额",
                "year_number": "连续资助的第几年"}


def modules(facts: dict | None = None) -> list[dict]:
    """C3.6 / C3.7 when the facts are known; the graph holds none of them, so by default both
    are ``unknown`` and say what is missing."""
    facts = facts or {}
    out = []
    for fn, key in ((subsidies.item15_subsidy, "c3_6"), (subsidies.item16_subsidy, "c3_7")):
        f = facts.get(key) or {}
        r = fn(f.get("rd_spend_wan"), f.get("purchase_wan"), f.get("year_number"), f.get("paid_this_year_wan", 0))
        if r["outcome"] == UNKNOWN:
            missing = [k for k in MODULE_FACTS if f.get(k) is None]
            r["missing"] = [{"fact": k, "label": MODULE_FACTS[k]} for k in missing]
            r["reason"] = ("缺少" + "、".join(f"“{MODULE_FACTS[k]}”" for k in missing)
                           + "，无法计算：图谱中没有这些数据，须由应用企业申报时提供")
        out.append(r)
    return out


def c2(supplier: dict) -> dict:
    """The bj-2023-provider recognition conditions (C2.1–C2.5, C1) from the enterprise record."""
    return eligibility.check("bj-2023-provider", {"enterprise": supplier})


def build(supplier: dict, deliveries: list[dict], start: str | None = None, end: str | None = None) -> dict:
    """The whole assessment of one provider from plain data (no store): each delivery with its
    client's ``recognitions``."""
    def recognitions(counted, _lines):
        return _recognitions_by_client([deliveries[i] for i in counted.tolist()])

    return assess(supplier, table_of(deliveries), start, end, recognitions)[0]


def assess(supplier: dict, t: Table, start: str | None, end: str | None, recognitions: Callable) -> tuple[dict, np.ndarray]:
    """The whole assessment of one provider over its deliveries' Table; `recognitions` as
    `item14` reads them. Also the positions of the counted deliveries."""
    c, counted = tally(t, supplier.get("provider_types"), start, end)
    return {
        "supplier": {k: supplier.get(k) for k in ("uscc", "name", "region_code", "provider_types",
                                                  "high_tech", "revenue_wan", "rd_spend_wan", "rd_staff")},
        "period": {"from": start, "to": end, "basis": BASIS},
        "totals": {"confirmed": len(c["counted"]), "claimed": len(c["claimed"]), "disputed": len(c["disputed"]),
                   "withdrawn": len(c["withdrawn"]), "superseded": len(c["superseded"]),
                   "clients": c["clients"]["value"]},
        **c,
        "c2": c2(supplier),
        "item14": item14(t, counted, supplier, recognitions),
        "modules": modules(),
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }, counted


def fetch_assessment(store, uscc: str, start: str | None = None, end: str | None = None) -> dict | None:
    """The assessment of provider ``uscc`` from the graph; None when the enterprise is unknown.
    The provider's record is a point read; its deliveries come from the projection's deliveries
    part as a Table, and its clients' recognitions from the dashboard's part, read only for the
    lines C3.5 gets as far as the client's listing."""
    from graphsvc.deliveries import projection as part

    row = store.read_one("deliveries/assessment_supplier", uscc=uscc)
    if not row:
        return None
    t = part.table_of(part.current(store), uscc)

    def recognitions(_counted, lines):
        clients, regions = t.col("client_uscc")[lines], t.col("client_region")[lines]
        _, first = np.unique(clients, return_index=True)
        region = {t.words.text(c): t.words.text(r) for c, r in zip(clients[first].tolist(), regions[first].tolist())}
        held = part.client_recognitions(store, set(region))
        return {u: [{**r, "region_code": r.get("region_code") or region[u]} for r in held.get(u, [])] for u in region}

    return assess(row["enterprise"], t, start, end, recognitions)[0]


def with_recognitions(deliveries: list[dict], uscc: str, recognitions: dict) -> list[dict]:
    """The deliveries (changed in place) with their provider and their client's recognitions."""
    for d in deliveries:
        d["supplier_uscc"] = d.get("supplier_uscc") or uscc
        d["recognitions"] = recognitions.get(d["client_uscc"], [])
    return deliveries


def read_deliveries(store, uscc: str) -> list[dict]:
    """What `fetch_assessment` builds from, read from the database (two queries): the reference
    the deliveries part is tested against."""
    recognitions: dict = {}
    for r in store.read("deliveries/assessment_client_recognitions", uscc=uscc):
        recognitions.setdefault(r.pop("client_uscc"), []).append(r)
    return with_recognitions(store.read("deliveries/assessment_deliveries", uscc=uscc), uscc, recognitions)


def find_measure(report: dict, provider_type: int, key: str) -> dict | None:
    """One measure of a report by provider type and key.

    >>> find_measure({"types": [{"provider_type": 3, "measures": [{"key": "clients", "value": 1}]}]},
    ...              3, "clients")
    {'key': 'clients', 'value': 1}
    """
    for t in report["types"]:
        if t["provider_type"] == provider_type:
            return next((m for m in t["measures"] if m["key"] == key), None)
    return None
