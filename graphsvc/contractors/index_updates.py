"""The recommendation index as an in-memory projection part, updated change by change.

`PART` is registered with `graphsvc.core.projection`: `build(store)` reads the four bulk
queries once (`recommend.load_index`); `apply(index, changes)` folds committed changes in
without a rebuild:

- what a change names is collected by `touched(changes)` (pure): delivery ids, enterprises,
  whether recognitions or projects changed, and the supply links written;
- the named records are re-read by key (`contractors/deliveries_by_id`,
  `contractors/enterprise_facts`; recognitions and projects, a few thousand rows, are
  re-read whole), so the index takes the database's values whatever a change row carried;
- `patched(index, touched, fresh, read)` returns a new Index in which only the providers
  those records concern are recomputed (their delivery lists, groups and type-table rows),
  only the entries that differ are written, and the enterprises and chains touched are
  stamped so that the kept links of the manufacturers they concern are not used again
  (`R.LinkStamps`): a confirmation costs what it touches, not the size of the index.

The old Index object is never changed (requests may still be scoring with it): the large
dicts are `CowMap`s and the type tables are copied per column written. The caches shared by
every version (`leader_suppliers`, `links`, `link_stamps`) are changed only by single dict
operations.

Changes of other entities (orders, capacities, memberships, audit, accounts) are not
delivered to this part at all (`ENTITIES`). A "bulk" change asks for a rebuild.

>>> t = touched([Change(1, "Delivery", "upsert", [{"id": "D1", "status": "confirmed"}]),
...              Change(2, "FOR", "replace_from", [{"from": "D2", "to": "C"}]),
...              Change(3, "SUPPLIES", "replace_pair", [{"from": "A", "to": "B", "year": 2024}])])
>>> sorted(t.deliveries), sorted(t.enterprises), t.recognitions, [m for m, _ in t.supplies]
(['D1', 'D2'], [], False, ['pair'])
"""
from __future__ import annotations

import bisect
import copy
import weakref
from dataclasses import dataclass, field

from graphsvc.contractors import recommend as R
from graphsvc.core import projection
from graphsvc.core.cowmap import CowMap
from graphsvc.core.projection import Change

ENTITIES = frozenset({"Delivery", "DELIVERED", "FOR", "Enterprise", "Recognition", "HAS", "Project",
                      "SERVES", "SUPPLIES", "IN_SEGMENT"})


# Changes whose consequences are not named in their rows (the deliveries that lost their
# supplier or client, the deliveries of a deleted enterprise): rare, so a rebuild.
REBUILD = frozenset({("DELIVERED", "replace_from"), ("FOR", "replace_to"), ("Enterprise", "delete")})


@dataclass
class Touched:
    deliveries: set = field(default_factory=set)
    enterprises: set = field(default_factory=set)
    segments: set = field(default_factory=set)         # enterprises whose IN_SEGMENT edges changed
    recognitions: bool = False
    projects: bool = False
    supplies: list = field(default_factory=list)       # (mode, rows)
    rebuild: bool = False


def touched(changes: list[Change]) -> Touched:
    """What a list of changes names (see the module example)."""
    t = Touched()
    for c in changes:
        if c.op == "bulk" or (c.entity, c.op) in REBUILD:
            t.rebuild = True
        elif c.entity == "Delivery":
            t.deliveries.update(r["id"] for r in c.rows if r.get("id"))
        elif c.entity == "DELIVERED":
            t.deliveries.update(r["to"] for r in c.rows if r.get("to"))
        elif c.entity == "FOR":
            t.deliveries.update(r["from"] for r in c.rows if r.get("from"))
        elif c.entity == "Enterprise":
            t.enterprises.update(r["uscc"] for r in c.rows if r.get("uscc"))
        elif c.entity in ("Recognition", "HAS"):
            t.recognitions = True
        elif c.entity in ("Project", "SERVES"):
            t.projects = True
        elif c.entity == "SUPPLIES":   # other ops change properties only, never who supplies whom
            t.supplies.append((c.op.removeprefix("replace_"), c.rows))
        elif c.entity == "IN_SEGMENT":
            t.segments.update(r["from"] for r in c.rows if r.get("from"))
    return t


# The dicts of tens of thousands of keys a patch changes a few keys of: held as CowMaps, whose
# copy shares all but the shards written (copying the dicts whole was most of a delivery
# confirmation's 45-85 ms at province scale).
SHARDED = ("delivery_rows", "by_id", "by_client", "client_deliveries")


def build(store) -> R.Index:
    weights = R.load_weights()
    ix = R.load_index(store, weights)
    for name in SHARDED:
        setattr(ix, name, CowMap(getattr(ix, name)))
    ix.store_ref = weakref.ref(store)
    return ix


def apply(ix: R.Index, changes: list[Change]) -> R.Index | None:
    """The index with `changes` folded in (None: rebuild)."""
    store = ix.store_ref() if ix.store_ref is not None else None
    t = touched(changes)
    if store is None or t.rebuild or ix.weights is None:
        return None
    return patched(ix, t, fresh_rows(store, ix, t), store.read)


def fresh_rows(store, ix: R.Index, t: Touched) -> dict:
    """The current database rows of what `t` names."""
    w = ix.weights
    out: dict = {"deliveries": {}, "enterprises": {}}
    ids = sorted(t.deliveries)
    if len(ids) <= ONE_BY_ONE:
        for i in ids:
            out["deliveries"].update((r["id"], r) for r in store.read("contractors/delivery_by_id", id=i))
    else:
        out["deliveries"].update((r["id"], r) for r in store.read("contractors/deliveries_by_id", ids=ids))
    usccs = sorted(t.enterprises)
    for i in range(0, len(usccs), 2000):
        out["enterprises"].update((r["uscc"], r) for r in store.read("contractors/enterprise_facts",
                                                                     usccs=usccs[i:i + 2000]))
    if t.recognitions:
        kinds = sorted({w["leader_kind"], *w["recognised_client_kinds"], *w["provider_list_kinds"]})
        out["recognitions"] = store.read("contractors/recognitions", kinds=kinds)
    if t.projects:
        out["projects"] = store.read("contractors/projects")
    return out


# Up to this many deliveries are re-read one key at a time (< 1 ms each); more in one
# scanning query (~1 s on the province demo, whatever the number).
ONE_BY_ONE = 500

PROVIDER_FIELDS = ("uscc", "name", "region_code", "provider_types", "credit_ok", "high_tech", "rd_spend_wan",
                   "rd_staff", "revenue_wan")


class _Writer:
    """Copy-on-write access to the nested dicts of a new Index: an inner dict is copied the
    first time it is changed, so the old Index stays as it was."""

    def __init__(self, ix: R.Index):
        self.ix = ix
        self._copied: set = set()

    def inner(self, name: str, key) -> dict:
        top = _own(self.ix, name)
        if (name, key) not in self._copied or key not in top:
            top[key] = dict(top.get(key, {}))
            self._copied.add((name, key))
        return top[key]

    def drop(self, name: str, key, p: str) -> None:
        top = _own(self.ix, name)
        if key in top and p in top[key]:
            d = self.inner(name, key)
            d.pop(p, None)
            if not d:
                top.pop(key)

    def add(self, name: str, key, p: str, d) -> None:
        inner = self.inner(name, key)
        if isinstance(d, int):
            inner[p] = inner.get(p, 0) + d
        else:
            inner.setdefault(p, []).append(d)


TOP_DICTS = ("providers", "of_type", "confirmed", "disputed", "by_client", "by_division", "by_kind", "by_id",
             "client_recognitions", "leaders", "leader_names", "projects", "by_district", "by_city",
             "kind_division_count", "tables", "division_total", "delivery_rows", "provider_rows",
             "provider_deliveries", "client_deliveries", "last_recognised")


def patched(ix: R.Index, t: Touched, fresh: dict, read) -> R.Index:
    """A new Index equal to one built afresh from the database after the changes `t`,
    given the re-read rows `fresh` (fresh_rows) and `read(name, **params)` for the supply
    links of new clients. Only the providers concerned are recomputed."""
    new = copy.copy(ix)
    new._owned = set()       # the top-level dicts copied so far (_own): the rest are still ix's
    affected: set[str] = set()      # providers to recompute
    retype: set[int] = set()        # type tables whose membership changed
    dirty: set[str] = set()         # enterprises whose cached links or ties are stale
    dirty |= t.enterprises | t.segments
    _deliveries(new, t, fresh, affected, dirty)
    _enterprises(new, t, fresh, affected, dirty, retype)
    relink = False
    if t.recognitions:
        relink = _recognitions(new, fresh["recognitions"], affected)
    if t.projects:
        _projects(new, fresh["projects"], affected)
    if affected or retype:
        _recompute(ix, new, affected, retype)
    new_clients = {c for c in dirty if c in new.by_client and c not in ix.by_client}
    _supplier_sets(new, t, new_clients, read, dirty)
    new.gen = ix.gen + 1
    new.shortlists = {}
    if relink:
        new.links = {}
    else:
        _stamp_links(new, dirty)
    return new


def _own(new: R.Index, name: str) -> dict:
    """The top-level dict `name` of the Index being patched, to change: copied from the old
    Index the first time (copying all of them for every delivery confirmed was most of a
    patch's time at province scale; the largest are CowMaps, whose copy shares what is not
    written), so the old Index stays as it was."""
    if name not in new._owned:
        d = getattr(new, name)
        setattr(new, name, d.copy() if isinstance(d, CowMap) else dict(d))
        new._owned.add(name)
    return getattr(new, name)


def _index_of(new: R.Index, name: str, key: str, did: str, add: bool) -> None:
    top = _own(new, name)
    cur = top.get(key, frozenset())
    cur = cur | {did} if add else cur - {did}
    if cur:
        top[key] = cur
    else:
        top.pop(key, None)


def _deliveries(new: R.Index, t: Touched, fresh: dict, affected: set, dirty: set) -> None:
    for did in t.deliveries:
        old = new.delivery_rows.get(did)
        row = fresh["deliveries"].get(did)
        if old == row:
            continue
        if _evidence(old) != _evidence(row):
            # Claimed and withdrawn deliveries are no evidence: a claim, or its withdrawal,
            # changes no score and no cached links (issue 25 finding 13: a claim/withdraw loop).
            for r in (old, row):
                if r is not None:
                    affected.add(r["provider"])
                    dirty.add(r["client"])
        if old is not None:
            _index_of(new, "provider_deliveries", old["provider"], did, False)
            _index_of(new, "client_deliveries", old["client"], did, False)
            _own(new, "delivery_rows").pop(did)
        if row is not None:
            _index_of(new, "provider_deliveries", row["provider"], did, True)
            _index_of(new, "client_deliveries", row["client"], did, True)
            _own(new, "delivery_rows")[did] = row


def _evidence(row: dict | None) -> dict | None:
    return row if row is not None and row["status"] in ("confirmed", "disputed") else None


def _enterprises(new: R.Index, t: Touched, fresh: dict, affected: set, dirty: set, retype: set) -> None:
    for u in t.enterprises:
        e = fresh["enterprises"].get(u)
        row = {k: e.get(k) for k in PROVIDER_FIELDS} if e else None
        if row is not None and not row.get("provider_types"):
            row = None
        old = new.provider_rows.get(u)
        if row != old:
            affected.add(u)
            old_types = set(new.providers[u].types) if u in new.providers else set()
            new_types = {int(x) for x in (row or {}).get("provider_types") or []}
            retype |= old_types ^ new_types
            if row is None:
                _own(new, "provider_rows").pop(u, None)
            else:
                _own(new, "provider_rows")[u] = row
        if e is not None and u in new.leaders:
            _own(new, "leader_names")[u] = e.get("name") or u
        # A client's industry is part of every delivery to it.
        for did in new.client_deliveries.get(u, ()):
            d = new.delivery_rows[did]
            ind = (e.get("industry_code"), e.get("industry_kind")) if e else (None, None)
            if (d.get("industry_code"), d.get("industry_kind")) != ind:
                _own(new, "delivery_rows")[did] = {**d, "industry_code": ind[0], "industry_kind": ind[1]}
                affected.add(d["provider"])


def _recognitions(new: R.Index, rows: list[dict], affected: set) -> bool:
    """Fold in the re-read recognitions; True when the chain leaders changed."""
    listed, leaders, names, last, recs = R._recognition_facts(rows, new.weights)
    affected |= (set(listed) ^ set(new.listed)) & (set(new.provider_rows) | set(new.providers))
    for c in set(last) ^ set(new.last_recognised) | {c for c in last if new.last_recognised.get(c) != last[c]}:
        affected |= {new.delivery_rows[d]["provider"] for d in new.client_deliveries.get(c, ())}
    leaders = {k: frozenset(v) for k, v in leaders.items()}
    relink = leaders != new.leaders
    new.listed, new.last_recognised, new.client_recognitions = frozenset(listed), last, recs
    new.leaders, new.leader_names = leaders, names
    if relink:
        new.leader_suppliers.clear()
        new.supplier_generation[0] += 1
    return relink


def _projects(new: R.Index, rows: list[dict], affected: set) -> None:
    projs: dict[str, list[tuple[str, str]]] = {}
    for r in sorted(rows, key=lambda r: (r.get("start_date") or "", r["id"]), reverse=True):
        projs.setdefault(r["provider"], []).append((r["id"], r.get("name") or ""))
    for p in set(projs) | set(new.projects):
        if projs.get(p) != new.projects.get(p):
            affected.add(p)
    new.projects = projs


def _recompute(old: R.Index, new: R.Index, affected: set, retype: set) -> None:
    w = _Writer(new)
    div_delta: dict = {}
    after_gone: set = set()
    after_new: set = set()
    # 1-2. Each affected provider's current deliveries, newest first, grouped as build_index
    # groups them; only the entries that differ from the old index are written, so a provider
    # with hundreds of deliveries costs one pass over them, not a rewrite of every group.
    for p in sorted(affected):
        oc, od = old.confirmed.get(p, ()), old.disputed.get(p, ())
        conf, disp = _current_lists(old, new, p)
        for lst, name in ((conf, "confirmed"), (disp, "disputed")):
            if lst and getattr(new, name).get(p) != lst:
                _own(new, name)[p] = lst
            elif not lst and p in getattr(new, name):
                _own(new, name).pop(p)
        kept = {d.id: d for d in (*conf, *disp)}
        for d in (*oc, *od):
            if d.id not in kept:
                _own(new, "by_id").pop(d.id, None)
        for did, d in kept.items():
            if new.by_id.get(did) is not d:
                _own(new, "by_id")[did] = d
        groups, after = _groups(conf, new.last_recognised)
        old_keys = _group_keys(oc)
        for name, per in groups.items():
            top = getattr(new, name)
            for key in old_keys[name] - per.keys():
                if name == "by_division":
                    div_delta[key] = div_delta.get(key, 0) - len(top[key][p])
                w.drop(name, key, p)
            for key, v in per.items():
                cur = top.get(key, {}).get(p)
                if cur != v:
                    if name == "by_division":
                        div_delta[key] = div_delta.get(key, 0) + len(v) - len(cur or ())
                    w.inner(name, key)[p] = v
        was_after = {d.id for d in oc if d.id in old.recognised_after}
        after_gone |= was_after - after
        after_new |= after - was_after
        new.n_confirmed += len(conf) - len(oc)
    if after_gone or after_new:
        new.recognised_after = (new.recognised_after - after_gone) | after_new
    for div, n in div_delta.items():
        if div in new.by_division:
            _own(new, "division_total")[div] = new.division_total.get(div, 0) + n
        else:
            _own(new, "division_total").pop(div, None)
    # 3. Provider records and their rows in the type tables.
    rows_changed = set()
    listed = set(new.listed)
    for p in affected:
        before = old.providers.get(p)
        prov = R._provider(new.provider_rows[p], listed) if p in new.provider_rows else None
        if prov is None:
            _own(new, "providers").pop(p, None)
        else:
            _own(new, "providers")[p] = prov
        _place(new, before, prov, p)
        for t in (set(before.types) if before else set()) | (set(prov.types) if prov else set()):
            if t not in retype:
                rows_changed.add((t, p))
    for t in retype:
        _own(new, "tables")[t] = R.TypeTable.build(new, t)
    copied: dict[int, tuple[R.TypeTable, set]] = {}
    for t, p in sorted(rows_changed):
        if t not in copied:
            _own(new, "tables")[t] = new.tables[t].shallow()
            copied[t] = (new.tables[t], set())
        tt, mine = copied[t]
        tt.refill(new, t, tt.pos[p], p, mine)


def _current_lists(old: R.Index, new: R.Index, p: str) -> tuple[list, list]:
    """Provider `p`'s confirmed and disputed deliveries in `new`, newest first (the old Dlv
    objects reused where the row is the same)."""
    conf, disp = [], []
    for did in new.provider_deliveries.get(p, ()):
        row = new.delivery_rows[did]
        d = old.by_id.get(did) if row is old.delivery_rows.get(did) else None
        d = d if d is not None else R.dlv(row)
        if d.status == "confirmed":
            conf.append(d)
        elif d.status == "disputed":
            disp.append(d)
    return R._newest_first(conf), R._newest_first(disp)


def _groups(conf: list, last_recognised: dict) -> tuple[dict, set]:
    """One provider's confirmed deliveries grouped as R._confirmed_groups groups them, and the
    ids of those whose client was recognised later."""
    groups: dict[str, dict] = {"by_client": {}, "by_division": {}, "by_kind": {}, "kind_division_count": {}}
    after = set()
    for d in conf:
        groups["by_client"].setdefault(d.client, []).append(d)
        if d.division:
            groups["by_division"].setdefault(d.division, []).append(d)
        if d.kind:
            groups["by_kind"].setdefault(d.kind, []).append(d)
            kd = groups["kind_division_count"]
            kd[(d.kind, d.division)] = kd.get((d.kind, d.division), 0) + 1
        y = last_recognised.get(d.client)
        if y and d.signed and int(d.signed[:4]) <= y:
            after.add(d.id)
    return groups, after


def _group_keys(ds) -> dict[str, set]:
    """The group keys a provider's confirmed deliveries sit under, per group."""
    return {"by_client": {d.client for d in ds}, "by_division": {d.division for d in ds if d.division},
            "by_kind": {d.kind for d in ds if d.kind},
            "kind_division_count": {(d.kind, d.division) for d in ds if d.kind}}


def _place(new: R.Index, before: R.Provider | None, prov: R.Provider | None, p: str) -> None:
    """Keep of_type, by_district and by_city in step with one provider's record."""
    for attr, key_of in (("by_district", lambda x: x.district), ("by_city", lambda x: x.city)):
        k_old = key_of(before) if before else None
        k_new = key_of(prov) if prov else None
        if k_old == k_new:
            continue
        top = _own(new, attr)
        if k_old and p in top.get(k_old, ()):
            top[k_old] = [x for x in top[k_old] if x != p]
            if not top[k_old]:
                top.pop(k_old)
        if k_new:
            top[k_new] = [*top.get(k_new, []), p]
    old_types = set(before.types) if before else set()
    new_types = set(prov.types) if prov else set()
    for t in old_types - new_types:
        _own(new, "of_type")[t] = [x for x in new.of_type.get(t, []) if x != p]
    for t in new_types - old_types:
        lst = list(new.of_type.get(t, []))
        bisect.insort(lst, p)
        _own(new, "of_type")[t] = lst


def _supplier_sets(new: R.Index, t: Touched, new_clients: set, read, dirty: set) -> None:
    """Keep the shared cache of the chain leaders' supplying clients in step with the supply
    links written and with enterprises that just became delivery clients."""
    ls = new.leader_suppliers
    changed = False
    for mode, rows in t.supplies:
        if mode not in ("pair", "from", "to", "delete"):
            continue    # a property change: who supplies whom is the same
        for r in rows:
            x, b = r.get("from"), r.get("to")
            dirty.add(x)
            dirty.add(b)
            if mode == "pair":
                if b in ls and x in new.by_client and x not in ls[b]:
                    ls[b] = ls[b] | {x}
                    changed = True
            else:
                changed = True
                ls.pop(b, None)
                if mode != "to":   # x's other links may be gone: every set holding x is stale
                    for leader, sups in list(ls.items()):
                        if x in sups:
                            ls.pop(leader, None)
    for x in sorted(new_clients) if new.leaders else ():
        for r in read("contractors/buyers_of", uscc=x):
            b = r["buyer"]
            if b in new.leaders:
                dirty.add(b)
                if b in ls:
                    ls[b] = ls[b] | {x}
                    changed = True
    if changed:
        new.supplier_generation[0] += 1


def _stamp_links(new: R.Index, dirty: set) -> None:
    """Mark the kept links and ties that read an enterprise in `dirty` (as the manufacturer,
    a buyer, a supplier or a chain peer) or a chain one of them leads as stale from this
    version on (R.LinkStamps): the entries themselves are checked when next asked for."""
    dirty = {c for c in dirty if c}
    if not dirty:
        return
    chains = set()
    for c in dirty:
        chains |= new.leaders.get(c, frozenset())
    new.link_stamps.stamp(new.gen, dirty, chains)


PART = projection.register(projection.Part("contractors.recommend", build=build, apply=apply, entities=ENTITIES))
