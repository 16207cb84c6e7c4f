"""The property-graph schema (docs/domain-model.md §2–3) as plain data.

Both adapters derive their DDL from these tables, so the two engines cannot drift apart.
Dates are ISO strings on both engines: they compare correctly as text and come back from
both drivers as the same Python type.
"""
from __future__ import annotations

# property types: STRING, INT64, DOUBLE, BOOLEAN, STRING[], INT64[]
NODES: dict[str, dict] = {
    "Enterprise": {
        "key": "uscc",
        "props": {
            "uscc": "STRING", "name": "STRING", "region_code": "STRING", "industry_code": "STRING",
            "industry_kind": "STRING", "is_manufacturer": "BOOLEAN", "provider_types": "INT64[]",
            "high_tech": "BOOLEAN", "credit_ok": "BOOLEAN", "revenue_wan": "DOUBLE",
            "rd_spend_wan": "DOUBLE", "rd_staff": "INT64", "employees": "INT64",
            "former_names": "STRING[]",
        },
    },
    "Region": {
        "key": "code",
        "props": {"code": "STRING", "name": "STRING", "level": "STRING", "parent": "STRING"},
    },
    "Chain": {"key": "id", "props": {"id": "STRING", "name": "STRING", "ecosystem": "STRING"}},
    "Segment": {
        "key": "id",
        "props": {"id": "STRING", "chain_id": "STRING", "name": "STRING", "stage": "STRING"},
    },
    "Recognition": {
        "key": "id",
        "props": {
            "id": "STRING", "uscc": "STRING", "kind": "STRING", "level": "STRING", "status": "STRING",
            "year": "INT64", "chain_id": "STRING", "rating": "STRING",
        },
    },
    "Project": {
        "key": "id",
        "props": {
            "id": "STRING", "owner_uscc": "STRING", "name": "STRING", "industry_code": "STRING",
            "investment_wan": "DOUBLE", "start_date": "STRING", "one_plus_n": "STRING",
            "group_id": "STRING", "service_org_uscc": "STRING", "prior_city_subsidy": "BOOLEAN",
        },
    },
    "Delivery": {
        "key": "id",
        "props": {
            "id": "STRING", "supplier_uscc": "STRING", "client_uscc": "STRING", "kind": "STRING",
            "provider_type": "INT64", "unit": "STRING", "quantity": "INT64",
            "contract_amount_wan": "DOUBLE", "signed_date": "STRING", "accepted_date": "STRING",
            "status": "STRING", "rating": "STRING", "confirmed_by": "STRING", "confirmed_at": "STRING",
            "corrects": "STRING", "created_at": "STRING", "created_by": "STRING",
        },
    },
    # A factory's capacity for one process over a validity period (issue #16), id
    # "<uscc>/<process>/<valid_from or ''>". A node rather than properties on an edge to a
    # Process node: the process catalogue stays reference data (refdata/processes.yaml), and a
    # re-import replaces a capacity by key on both engines exactly as recognitions are replaced.
    "Capacity": {
        "key": "id",
        "props": {
            "id": "STRING", "uscc": "STRING", "process": "STRING", "units_per_week": "INT64",
            "unit_cost_yuan": "DOUBLE", "setup_cost_yuan": "DOUBLE", "valid_from": "STRING",
            "valid_to": "STRING",
        },
    },
    "Account": {
        "key": "username",
        "props": {
            "username": "STRING", "password_hash": "STRING", "role": "STRING", "scope": "STRING",
            "uscc": "STRING", "active": "BOOLEAN", "created_at": "STRING", "session_gen": "INT64",
            # Set by an administrator's reset (graphsvc/accounts/admin.py); cleared by a change.
            "must_change_password": "BOOLEAN",
            # A bureau account that manages the accounts of its region (docs/accounts.md).
            "can_manage_accounts": "BOOLEAN",
        },
    },
    # Failed logins per account, per client address and per account-at-address, shared by every
    # worker and kept across restarts (web/throttle.py); rows older than the window are pruned.
    "LoginThrottle": {
        "key": "key",
        "props": {"key": "STRING", "failures": "INT64", "window_start": "STRING"},
    },
    "Token": {
        "key": "id",
        "props": {
            "id": "STRING", "username": "STRING", "created_at": "STRING", "expires_at": "STRING",
            "revoked": "BOOLEAN",
        },
    },
    "AuditEvent": {
        "key": "id",
        "props": {
            "id": "STRING", "at": "STRING", "actor": "STRING", "action": "STRING", "target": "STRING",
            "region_code": "STRING", "detail": "STRING", "ip": "STRING",
        },
    },
    # An import row that named a company the matcher could not decide (issue #24): it waits for a
    # person to accept it with a USCC (the row is then imported) or reject it. `data` is the row
    # as the file had it (JSON), `candidates` the matcher's (JSON); `region_code` scopes it.
    "MatchReview": {
        "key": "id",
        "props": {
            "id": "STRING", "kind": "STRING", "field": "STRING", "name_field": "STRING", "name": "STRING",
            "decision": "STRING", "candidates": "STRING", "data": "STRING", "row": "INT64", "file": "STRING",
            "region_code": "STRING", "status": "STRING", "created_at": "STRING", "created_by": "STRING",
            "decided_at": "STRING", "decided_by": "STRING", "uscc": "STRING",
        },
    },
}

# name -> (from label, to label, props, identity props).  The identity props say when two
# edges between the same pair are "the same" record, which makes re-imports idempotent.
RELS: dict[str, dict] = {
    # supplier_region copies the supplier's region_code onto the edge: locality sums over
    # millions of edges then need no random read of each supplier node (the importers keep it
    # in step when an enterprise moves).
    "SUPPLIES": {"from": "Enterprise", "to": "Enterprise",
                 "props": {"year": "INT64", "amount_wan": "DOUBLE", "segment_id": "STRING",
                           "supplier_region": "STRING"},
                 "identity": ["year", "segment_id"]},
    "LOCATED_IN": {"from": "Enterprise", "to": "Region", "props": {}, "identity": []},
    "IN_SEGMENT": {"from": "Enterprise", "to": "Segment", "props": {}, "identity": []},
    "OF_CHAIN": {"from": "Segment", "to": "Chain", "props": {}, "identity": []},
    "HAS": {"from": "Enterprise", "to": "Recognition", "props": {}, "identity": []},
    "DELIVERED": {"from": "Enterprise", "to": "Delivery", "props": {}, "identity": []},
    "FOR": {"from": "Delivery", "to": "Enterprise", "props": {}, "identity": []},
    "OWNS": {"from": "Enterprise", "to": "Project", "props": {}, "identity": []},
    "SERVES": {"from": "Enterprise", "to": "Project", "props": {}, "identity": []},
    "LEADS": {"from": "Project", "to": "Project", "props": {}, "identity": []},
    "ORGANIZES": {"from": "Enterprise", "to": "Enterprise",
                  "props": {"since": "STRING", "capabilities": "STRING[]"}, "identity": []},
    "CORRECTS": {"from": "Delivery", "to": "Delivery", "props": {}, "identity": []},
    "HAS_CAPACITY": {"from": "Enterprise", "to": "Capacity", "props": {}, "identity": []},
}


# The change log (graphsvc/core/projection.py, docs/projection.md): bookkeeping, not graph data.
# Every committed write to what the figures read appends one `Change` per (entity, op, rows) in
# the same transaction; `ChangeHead` (one node, id "head") holds the last sequence number handed
# out, so writers on several processes (Neo4j) serialise on its write lock. Not part of NODES:
# backups, restores, counts and dumps are about the graph, not its log.
LOG: dict[str, dict] = {
    "Change": {
        "key": "seq",
        "props": {"seq": "INT64", "at": "STRING", "entity": "STRING", "op": "STRING", "rows": "STRING"},
    },
    "ChangeHead": {"key": "id", "props": {"id": "STRING", "seq": "INT64", "at": "STRING"}},
}


def key_of(label: str) -> str:
    return NODES[label]["key"]


# Properties added after a release whose values existing databases can compute, with the query
# (in queries/) that fills them. LadybugDB adds every property the schema names that a database
# lacks (ALTER TABLE, empty) and runs the property's query here, if any, once; Neo4j needs no
# column and runs the query while it finds the property missing.
MIGRATIONS = [("SUPPLIES", "supplier_region", "core/migrate_supplier_region"),
              ("Account", "session_gen", "core/migrate_account_session_gen"),
              ("Account", "must_change_password", "core/migrate_account_must_change"),
              ("Account", "can_manage_accounts", "core/migrate_account_can_manage")]
