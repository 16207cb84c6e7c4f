"""Every queries/*.cypher file executes on LadybugDB (docs/domain-model.md §9: each shared query is
linted by Neo4j's front-end *and* run on the embedded engine in the suite).

Feature tests run most queries with real arguments, some of them only inside the gunicorn
server; this test runs each file once in-process against the demo graph, inside a transaction
that is rolled back, with plausible arguments chosen by parameter name.
"""
from __future__ import annotations

import re

import pytest

from graphsvc.core.store.base import load_query, query_names
from tests.conftest import NEO4J


def arguments(accounts) -> dict:
    maker, provider = accounts["maker"]["uscc"], accounts["provider"]["uscc"]
    return {
        "prefix": "3301", "leader_prefix": "3301", "uscc": maker, "usccs": [maker, provider],
        "year": 2024, "id": "D000001", "ids": ["D000001"], "status": "claimed", "limit": 5, "offset": 0,
        "skip": 0, "side": "client", "group_ids": ["G0001"], "chain_ids": ["HZ01"], "group_id": "G0001", "chain_id": "HZ01",
        "username": "maker", "provider_type": 1, "kinds": ["智能工厂", "数字化车间"], "kind": "智能工厂",
        "from_status": "claimed", "to_status": "confirmed", "supplier_uscc": provider, "supplier": provider,
        "client_uscc": maker, "client": maker, "since": "2020-01-01", "segment_ids": ["HZ01-01"],
        "regions": ["330108"], "q": "示例", "corrects": None, "action": "import", "unit": "line",
        "signed_date": "2024-01-01", "accepted_date": "2024-06-01", "rating": "good", "quantity": 1,
        "leader_kind": "链主工厂", "exclude": provider, "created_by": "test", "created_at": "2024-01-01",
        "contract_amount_wan": 10.0, "confirmed_by": "maker", "confirmed_at": "2024-06-02", "active": True,
        "rows": [{"uscc": provider, "region_code": "330108"}],
        "after": "9", "after_key": "2030-01-01", "after_id": "D999999", "after_at": "2030-01-01",
        "keys": ["user:nobody"], "now": "2030-01-01T00:00:00+00:00", "password_hash": "$argon2id$not-a-real-hash",
        "ecosystem": maker, "processes": ["cnc", "smt"], "today": "2025-06-01",
        # the change log (queries/core/changelog_*.cypher)
        "n": 1, "at": "2030-01-01T00:00:00+00:00", "after_seq": 0, "upto_seq": 0, "before_at": "2000-01-01",
        "entries": [{"seq": 10**12, "at": "2030-01-01T00:00:00+00:00", "entity": "Delivery", "op": "upsert",
                     "rows": "[]"}],
    }


QUERIES = query_names()
# Where the generic argument would collide with stored data.
OVERRIDES = {"deliveries/create": {"id": "TQ-NEW-1"}}


@pytest.mark.skipif(bool(NEO4J), reason="runs each file on the embedded engine")
def test_every_query_file_runs(fresh_store, accounts):
    failures = run_every_query(fresh_store, accounts)
    assert not failures, "\n".join(failures)
    assert len(QUERIES) >= 60


def run_every_query(store, accounts) -> list[str]:
    """Each query file once, each in a transaction rolled back; the failures, query named."""
    args = arguments(accounts)
    failures = []
    for name in QUERIES:
        wanted = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", load_query(name)))
        missing = wanted - set(args)
        if missing:
            failures.append(f"{name}: no test argument for {sorted(missing)}")
            continue

        class Rollback(Exception):
            pass

        try:
            with store.transaction() as tx:
                tx.run(name, **{k: {**args, **OVERRIDES.get(name, {})}[k] for k in wanted})
                raise Rollback
        except Rollback:
            pass
        except Exception as exc:  # collected, with the query named
            failures.append(f"{name}: {exc}")
    return failures
