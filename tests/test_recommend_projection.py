"""The recommendation index as a projection (issue 12 item 1): after a random sequence of
writes through the real ledger and importers, the incrementally-updated index equals one
built afresh from the database, and ranks exactly like it."""
from __future__ import annotations

import copy
import random

import numpy as np
import pytest

from graphsvc.contractors import index_updates
from graphsvc.contractors import recommend as R
from graphsvc.core import projection, reference
from graphsvc.core.vocabulary import DELIVERY_KINDS
from graphsvc.core.access import Principal
from graphsvc.deliveries import ledger
from loaders.importer import run_import

W = R.load_weights()
ADMIN = Principal("admin", "admin")


def _csv(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _import(store, kind: str, data: bytes) -> None:
    rep = run_import(store, kind, data, f"{kind}.csv", actor="test", historical=kind == "deliveries")
    assert rep.status == "ok", rep.errors


class World:
    """What the random writes draw from, read once from the demo graph."""

    def __init__(self, store, rnd: random.Random):
        self.store, self.rnd = store, rnd
        ix = R.load_index(store, W)
        self.providers = sorted(ix.providers)
        self.leaders = sorted(ix.leaders)
        rows = store.read_cypher("MATCH (e:Enterprise) WHERE e.is_manufacturer = true RETURN e.uscc AS u ORDER BY u")
        self.makers = [r["u"] for r in rows]
        self.clients = sorted(ix.by_client)
        self.claimed: list[tuple[str, str]] = []    # (delivery id, supplier)
        self.n = 0

    def provider(self) -> tuple[str, int]:
        """A provider as the graph now has it, and one of its types."""
        provs = R.index_for(self.store, W).providers
        p = self.rnd.choice(sorted(provs))
        return p, self.rnd.choice(sorted(provs[p].types))

    def claim(self):
        p, t = self.provider()
        kind = sorted(DELIVERY_KINDS[t])[0]
        client = self.rnd.choice(self.clients if self.rnd.random() < 0.7 else self.makers)
        if client == p:
            return
        body = {"supplier_uscc": p, "client_uscc": client, "kind": kind, "contract_amount_wan": 12.5,
                "signed_date": f"202{self.rnd.randint(1, 4)}-0{self.rnd.randint(1, 9)}-1{self.rnd.randint(0, 9)}"}
        if t == 1:
            body["unit"] = self.rnd.choice(["workshop", "factory"])
        out = ledger.claim(self.store, ADMIN, body)
        self.claimed.append((out["id"], p))

    def decide(self):
        if not self.claimed:
            return self.claim()
        did, supplier = self.claimed.pop(self.rnd.randrange(len(self.claimed)))
        action = self.rnd.choice(["confirm", "confirm", "dispute", "withdraw"])
        who = Principal("s", "supplier", uscc=supplier) if action == "withdraw" else ADMIN
        ledger.transition(self.store, who, did, action)

    def import_deliveries(self):
        rows = []
        for _ in range(self.rnd.randint(1, 5)):
            self.n += 1
            (p, t), c = self.provider(), self.rnd.choice(self.clients)
            if p == c:
                continue
            rows.append(f"RP{self.n:06d},{p},{c},{sorted(DELIVERY_KINDS[t])[0]},{t},{'factory' if t == 1 else ''},"
                        f"{self.rnd.choice(['confirmed', 'disputed'])},2023-0{self.rnd.randint(1, 9)}-15")
        if not rows:
            return
        _import(self.store, "deliveries",
                _csv("id,supplier_uscc,client_uscc,kind,provider_type,unit,status,signed_date", rows))

    def enterprises(self):
        rows = []
        for _ in range(self.rnd.randint(1, 4)):
            u = self.rnd.choice(self.providers + self.clients)
            types = ";".join(str(t) for t in sorted(self.rnd.sample(range(1, 7), self.rnd.randint(0, 3))))
            rows.append(f"{u},改名企业{self.rnd.randint(0, 999)},{types},{self.rnd.choice(['true', 'false'])},"
                        f"{self.rnd.choice(['C39', 'C34', 'C26', 'C13'])},{self.rnd.randint(100, 90000)}")
        _import(self.store, "enterprises",
                _csv("uscc,name,provider_types,credit_ok,industry_code,revenue_wan", rows))

    def recognitions(self):
        self.n += 1
        u = self.rnd.choice(self.clients + self.providers)
        kind = self.rnd.choice(["链主工厂", "智能工厂", "数字化车间", "智造供给培育"])
        chains = sorted(c["id"] for c in reference.chains())[:3]
        chain = self.rnd.choice(chains if kind == "链主工厂" else ["", *chains])
        _import(self.store, "recognitions",
                _csv("uscc,kind,level,status,year,chain_id",
                     [f"{u},{kind},市,认定,202{self.rnd.randint(0, 4)},{chain}"]))

    def supplies(self):
        rows = []
        for _ in range(self.rnd.randint(1, 20)):
            a = self.rnd.choice(self.clients + self.makers)
            b = self.rnd.choice(self.leaders + self.makers)
            if a != b:
                rows.append(f"{a},{b},2024,{self.rnd.randint(1, 500)}")
        _import(self.store, "supplies", _csv("supplier_uscc,buyer_uscc,year,amount_wan", rows))

    def projects(self):
        self.n += 1
        p, owner = self.rnd.choice(self.providers), self.rnd.choice(self.makers)
        sc = self.rnd.choice(R.scenarios())
        _import(self.store, "projects", _csv("id,owner_uscc,name,start_date,service_org_uscc",
                                             [f"RJ{self.n:05d},{owner},{sc}攻关项目,2024-03-01,{p}"]))


def _norm_tables(ix: R.Index) -> dict:
    out = {}
    for t, tt in ix.tables.items():
        cols = {k: v.tolist() for k, v in vars(tt).items() if isinstance(v, np.ndarray)}
        for name in ("by_division", "by_kind", "by_kind_division", "scenario"):
            cols[name] = {k: v.tolist() for k, v in getattr(tt, name).items() if v.any()}
        out[t] = (tt.usccs, cols)
    return out


def _facts(ix: R.Index) -> dict:
    return {
        "providers": ix.providers, "of_type": {t: v for t, v in ix.of_type.items()},
        "confirmed": ix.confirmed, "disputed": ix.disputed, "by_client": ix.by_client,
        "by_division": ix.by_division, "by_kind": ix.by_kind, "by_id": ix.by_id,
        "recognised_after": ix.recognised_after,
        "client_recognitions": {k: sorted(v) for k, v in ix.client_recognitions.items()},
        "leaders": ix.leaders, "leader_names": ix.leader_names, "projects": ix.projects,
        "by_district": {k: sorted(v) for k, v in ix.by_district.items()},
        "by_city": {k: sorted(v) for k, v in ix.by_city.items()},
        "kind_division_count": ix.kind_division_count, "division_total": ix.division_total,
        "n_confirmed": ix.n_confirmed, "listed": ix.listed, "last_recognised": ix.last_recognised,
        "tables": _norm_tables(ix),
    }


def _assert_same_index(live: R.Index, fresh: R.Index, step: str) -> None:
    a, b = _facts(live), _facts(fresh)
    for key in a:
        assert a[key] == b[key], f"after {step}: {key} differs from a fresh build"


def _assert_same_ranking(store, live: R.Index, fresh: R.Index, makers: list[str], step: str) -> None:
    for u in makers:
        m = R.fetch_manufacturer(store, u)
        mf = R.fetch_links(store, m, fresh)
        for q in (R.Query(1, unit="workshop", limit=10), R.Query(6, limit=10), R.Query(2, scenario=R.scenarios()[0])):
            want = R.rank(fresh, mf, q, W, check=lambda us, q=q: R.live_check(store, us, q))
            got = R.fetch_recommendation(store, u, q, W)
            for a, b in zip(got["items"], want["items"], strict=True):
                assert (a["uscc"], a["score"], a["reasons"]) == (b["uscc"], b["score"], b["reasons"]), (step, u, q)
            assert (got["candidates"], got["matched"], got["cold_start"]) == \
                (want["candidates"], want["matched"], want["cold_start"]), (step, u, q)


@pytest.mark.parametrize("seed", [3, 17])
def test_index_after_random_writes_equals_a_fresh_build(fresh_store, seed):
    rnd = random.Random(seed)
    world = World(fresh_store, rnd)
    live = R.index_for(fresh_store, W)
    builds = projection.status(fresh_store)["parts"][index_updates.PART.name]["build_seconds"]
    watch = rnd.sample(world.makers, 4) + rnd.sample(world.clients, 2)
    for u in watch:      # the links and ties of these are cached and must follow the writes
        R.fetch_recommendation(fresh_store, u, R.Query(1, limit=5), W)
    ops = [world.claim, world.claim, world.decide, world.decide, world.decide, world.import_deliveries,
           world.enterprises, world.recognitions, world.supplies, world.projects]
    for step in range(24):
        op = rnd.choice(ops)
        held, was = live, copy.deepcopy(_facts(live))
        op()
        live = R.index_for(fresh_store, W)
        # A patch copies what it changes: the index a request still holds stays as it was.
        assert _facts(held) == was, f"{step}:{op.__name__}: the index held by readers changed"
        if step % 4 == 3 or op in (world.recognitions, world.enterprises):
            fresh = R.load_index(fresh_store, W)
            _assert_same_index(live, fresh, f"{step}:{op.__name__}")
            _assert_same_ranking(fresh_store, live, fresh, watch, f"{step}:{op.__name__}")
    # Everything above was folded in change by change: the part was never rebuilt.
    assert projection.status(fresh_store)["parts"][index_updates.PART.name]["build_seconds"] == builds
    assert live is not None


def test_unrelated_writes_leave_the_index_object_alone(fresh_store, accounts):
    ix = R.index_for(fresh_store, W)
    csv = _csv("platform_uscc,member_uscc", [f"{accounts['maker']['uscc']},{accounts['maker2']['uscc']}"])
    _import(fresh_store, "memberships", csv)
    assert R.index_for(fresh_store, W) is ix


def test_claim_and_withdraw_loop_leaves_scores_and_cached_links_alone(fresh_store, accounts):
    """Issue 25 finding 13: claimed and withdrawn deliveries are no evidence, so a supplier
    claiming and withdrawing in a loop changes no score and drops no cached links."""
    maker, provider = accounts["maker"]["uscc"], accounts["provider"]["uscc"]
    before = R.fetch_recommendation(fresh_store, maker, R.Query(1, limit=10), W)
    ix = R.index_for(fresh_store, W)
    assert maker in ix.links
    supplier = Principal("provider", "supplier", uscc=provider)
    t = min(ix.providers[provider].types)
    body = {"client_uscc": maker, "kind": sorted(DELIVERY_KINDS[t])[0], "contract_amount_wan": 5,
            "signed_date": "2024-05-01", **({"unit": "factory"} if t == 1 else {})}
    for _ in range(3):
        d = ledger.claim(fresh_store, supplier, body)
        ledger.transition(fresh_store, supplier, d["id"], "withdraw")
    after_ix = R.index_for(fresh_store, W)
    assert after_ix is not ix and R.kept_links(after_ix, maker) is not None
    assert after_ix.n_confirmed == ix.n_confirmed and after_ix.confirmed == ix.confirmed
    after = R.fetch_recommendation(fresh_store, maker, R.Query(1, limit=10), W)
    assert [(i["uscc"], i["score"]) for i in after["items"]] == [(i["uscc"], i["score"]) for i in before["items"]]


def test_a_patch_leaves_the_index_it_patched_as_it_was(fresh_store, accounts):
    """Requests still scoring with the old index see it unchanged: a patch copies what it
    writes (the large dicts by shard, the type tables by column), and the patched index
    equals a fresh build."""
    maker, provider = accounts["maker"]["uscc"], accounts["provider"]["uscc"]
    R.fetch_recommendation(fresh_store, maker, R.Query(1, limit=10), W)
    ix = R.index_for(fresh_store, W)
    before = copy.deepcopy(_facts(ix))
    t = min(ix.providers[provider].types)
    body = {"supplier_uscc": provider, "client_uscc": maker, "kind": sorted(DELIVERY_KINDS[t])[0],
            "contract_amount_wan": 5, "signed_date": "2024-05-01", **({"unit": "factory"} if t == 1 else {})}
    d = ledger.claim(fresh_store, ADMIN, body)
    ledger.transition(fresh_store, ADMIN, d["id"], "confirm")
    after = R.index_for(fresh_store, W)
    assert after is not ix and after.n_confirmed == ix.n_confirmed + 1
    assert _facts(ix) == before
    assert R.kept_links(after, maker) is None          # its own delivery: the kept links are stale
    _assert_same_index(after, index_updates.build(fresh_store), "a confirmation")
    _assert_same_ranking(fresh_store, after, index_updates.build(fresh_store), [maker], "a confirmation")


def test_a_write_returns_with_every_built_part_holding_it(fresh_store, accounts):
    """The writing thread folds its changes into the built parts before the write returns
    (projection.catch_up): the next read finds them current instead of patching them."""
    R.index_for(fresh_store, W)
    maker, provider = accounts["maker"]["uscc"], accounts["provider"]["uscc"]
    t = min(R.index_for(fresh_store, W).providers[provider].types)
    body = {"supplier_uscc": provider, "client_uscc": maker, "kind": sorted(DELIVERY_KINDS[t])[0],
            "contract_amount_wan": 5, "signed_date": "2024-05-01", **({"unit": "factory"} if t == 1 else {})}
    d = ledger.claim(fresh_store, ADMIN, body)
    ledger.transition(fresh_store, ADMIN, d["id"], "confirm")
    st = projection.status(fresh_store)
    assert st["parts"][index_updates.PART.name]["seq"] == st["head"] == projection.head(fresh_store)


def test_a_repeated_request_takes_the_shortlist_of_its_index_version(fresh_store, accounts):
    """The same request again on the same version of the index answers from the shortlist the
    first one computed (the live check and the reasons run again); the version a write makes
    starts with none, so the next answer counts the write and equals a fresh build's."""
    maker, provider = accounts["maker"]["uscc"], accounts["provider"]["uscc"]
    ix = R.index_for(fresh_store, W)
    t = min(ix.providers[provider].types)
    q = R.Query(t, limit=50)
    first = R.fetch_recommendation(fresh_store, maker, q, W)
    (key, kept), = ix.shortlists.items()
    assert R.fetch_recommendation(fresh_store, maker, q, W) == first
    assert ix.shortlists[key] is kept and len(ix.shortlists) == 1
    R.fetch_recommendation(fresh_store, maker, R.Query(t, limit=5), W)   # another request, its own entry
    assert len(ix.shortlists) == 2

    body = {"supplier_uscc": provider, "client_uscc": maker, "kind": sorted(DELIVERY_KINDS[t])[0],
            "contract_amount_wan": 5, "signed_date": "2024-05-01", **({"unit": "factory"} if t == 1 else {})}
    d = ledger.claim(fresh_store, ADMIN, body)
    ledger.transition(fresh_store, ADMIN, d["id"], "confirm")
    after = R.index_for(fresh_store, W)
    assert after is not ix and after.shortlists == {}
    got = R.fetch_recommendation(fresh_store, maker, q, W)
    mine = next(i for i in got["items"] if i["uscc"] == provider)
    assert d["id"] in {e for r in mine["reasons"] for e in r["evidence"]}
    _assert_same_ranking(fresh_store, after, index_updates.build(fresh_store), [maker], "a confirmation")
