"""The delivery ledger: claim parsing and rights (pure), and the transitions on a private store."""
from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest

from graphsvc.deliveries import assessment
from graphsvc.deliveries import ledger
from graphsvc.core.access import Principal
from graphsvc.core.store.base import StoreUnavailable
from graphsvc.deliveries.ledger import Conflict, Invalid, NotAllowed, NotVisible, parse_claim

TODAY = dt.date(2026, 6, 30)


def claim_body(client: str, **kw) -> dict:
    body = {"client_uscc": client, "kind": "engineering_project", "unit": "workshop", "quantity": 1,
            "contract_amount_wan": 120.5, "signed_date": "2025-01-10", "accepted_date": "2025-09-01"}
    body.update(kw)
    return {k: v for k, v in body.items() if v is not None}


# -- pure --------------------------------------------------------------------------------------
def test_parse_claim_derives_type_and_defaults():
    rec, errors = parse_claim({"client_uscc": "91330102102778155A", "kind": "iot_project",
                               "contract_amount_wan": "88", "signed_date": "2024/3/5"})
    assert errors == []
    assert (rec["provider_type"], rec["quantity"], rec["signed_date"], rec["contract_amount_wan"]) == (
        5, 1, "2024-03-05", 88.0)
    rec, errors = parse_claim({"client_uscc": "91330102102778155A", "provider_type": 3,
                               "contract_amount_wan": 1, "signed_date": "2024-01-01"})
    assert errors == [] and rec["kind"] == "security_contract"


@pytest.mark.parametrize("body, field", [
    ({"contract_amount_wan": -1}, "contract_amount_wan"),
    ({"contract_amount_wan": "一百"}, "contract_amount_wan"),
    ({"contract_amount_wan": True}, "contract_amount_wan"),
    ({"contract_amount_wan": None}, "contract_amount_wan"),
    ({"client_uscc": "91330102102778155B"}, "client_uscc"),  # checksum
    ({"client_uscc": "123"}, "client_uscc"),
    ({"unit": None}, "unit"),                                 # type 1 needs its unit
    ({"unit": "room"}, "unit"),
    ({"kind": "security_contract"}, "unit"),                  # other kinds have none
    ({"quantity": 0}, "quantity"),
    ({"signed_date": "2025-02-30"}, "signed_date"),
    ({"status": "confirmed"}, "status"),
    ({"colour": "red"}, "colour"),
])
def test_parse_claim_names_the_bad_field(body, field):
    _, errors = parse_claim(claim_body("91330102102778155A", **body))
    assert field in [f for f, _ in errors], errors
    assert all(reason for _, reason in errors)


def test_check_claim_cross_field_rules():
    rec, _ = parse_claim(claim_body("91330102102778155A", unit="line", signed_date="2026-07-01",
                                    accepted_date="2026-05-01"))
    rec["supplier_uscc"] = "9133010821034643XB"
    process_client = {"industry_kind": "process", "provider_types": [], "region_code": "330102"}
    supplier = {"industry_kind": None, "provider_types": [2], "region_code": "330108"}
    fields = {f for f, _ in ledger.check_claim(rec, process_client, supplier, TODAY)}
    # line for a process client; a future signing date; accepted before signed; type not registered
    assert fields == {"unit", "signed_date", "accepted_date", "provider_type"}
    assert next(f for f, _ in ledger.check_claim(rec, None, supplier, TODAY)) == "client_uscc"


def test_rights():
    d = {"supplier_uscc": "S", "client_uscc": "C"}
    supplier, client = Principal("p", "supplier", uscc="S"), Principal("m", "manufacturer", uscc="C")
    other = Principal("m2", "manufacturer", uscc="X")
    hz, bj = Principal("hz", "bureau", scope="330100"), Principal("bj", "bureau", scope="330108")
    assert not ledger.may_decide(supplier, d, "330102")     # never the supplier
    assert ledger.may_decide(client, d, "330102") and not ledger.may_decide(other, d, "330102")
    assert ledger.may_decide(hz, d, "330102") and not ledger.may_decide(bj, d, "330102")
    assert ledger.may_see(bj, d, "330108", "330102") and not ledger.may_see(other, d, "330108", "330102")
    assert ledger.may_withdraw(supplier, d) and not ledger.may_withdraw(client, d)
    assert not ledger.may_withdraw(Principal("admin", "admin"), d)


# -- on a private copy of the demo graph ----------------------------------------------------
@pytest.fixture
def parties(fresh_store, accounts):
    maker, provider = accounts["maker"]["uscc"], accounts["provider"]["uscc"]
    return {
        "store": fresh_store, "maker_uscc": maker, "provider_uscc": provider,
        "provider": Principal("provider", "supplier", uscc=provider),
        "provider2": Principal("provider2", "supplier", uscc=accounts["provider2"]["uscc"]),
        "maker": Principal("maker", "manufacturer", uscc=maker),
        "maker2": Principal("maker2", "manufacturer", uscc=accounts["maker2"]["uscc"]),
        "hz": Principal("hz_bureau", "bureau", scope="330100"),
        "bj": Principal("bj_bureau", "bureau", scope="330108"),
        "sx": Principal("sx_bureau", "bureau", scope="330600"),
    }


def counts(store):
    return {k: v for k, v in store.counts().items() if k in ("Delivery", "AuditEvent", "DELIVERED", "FOR", "CORRECTS")}


def events(store, delivery_id):
    return [e["event"] for e in store.read("deliveries/history", id=delivery_id)]


def test_claim_confirm_is_final_and_audited(parties):
    st, P = parties["store"], parties
    d = ledger.claim(st, P["provider"], claim_body(P["maker_uscc"]), ip="10.0.0.1")
    assert d["status"] == "claimed" and d["supplier_uscc"] == P["provider_uscc"]
    assert d["created_by"] == "provider" and d["client_uscc"] == P["maker_uscc"]
    # the supplier cannot confirm its own claim; another manufacturer cannot even see it
    with pytest.raises(NotAllowed):
        ledger.transition(st, P["provider"], d["id"], "confirm")
    with pytest.raises(NotVisible):
        ledger.transition(st, P["maker2"], d["id"], "confirm")
    with pytest.raises(NotAllowed):           # sees it (supplier in Binjiang), may not decide it
        ledger.transition(st, P["bj"], d["id"], "confirm")
    with pytest.raises(NotVisible):
        ledger.transition(st, P["sx"], d["id"], "dispute")
    done = ledger.transition(st, P["maker"], d["id"], "confirm", ip="10.0.0.2")
    assert done["status"] == "confirmed" and done["confirmed_by"] == "maker" and done["confirmed_at"]
    for who, action in (("maker", "confirm"), ("maker", "dispute"), ("hz", "dispute"), ("provider", "withdraw")):
        with pytest.raises(Conflict) as exc:
            ledger.transition(st, P[who], d["id"], action)
        assert exc.value.current == "confirmed"
    evs = events(st, d["id"])
    assert sorted(e["action"] for e in evs) == ["delivery.claim", "delivery.confirm"]
    assert all(e["region_code"] == "330102" for e in evs)   # the client's region
    confirm = next(e for e in evs if e["action"] == "delivery.confirm")
    assert confirm["actor"] == "maker" and json.loads(confirm["detail"])["from"] == "claimed"
    shown = ledger.get(st, P["hz"], d["id"])
    assert [h["action"] for h in shown["history"]] == ["delivery.claim", "delivery.confirm"]


class ReadBackFails:
    """The store, except that once a transaction has committed, reading a delivery back fails as
    if the database had just gone away (Neo4j restarting between COMMIT and the read-back)."""

    def __init__(self, store):
        self._store, self.lost = store, False

    def __getattr__(self, name):
        return getattr(self._store, name)

    @contextlib.contextmanager
    def transaction(self):
        with self._store.transaction() as tx:
            yield tx
        self.lost = True

    def read_one(self, name, **params):
        if self.lost and name == "deliveries/get":
            raise StoreUnavailable("the database went away after COMMIT")
        return self._store.read_one(name, **params)


def test_a_committed_write_answers_although_its_read_back_fails(parties):
    st, P = parties["store"], parties
    flaky = ReadBackFails(st)
    d = ledger.claim(flaky, P["provider"], claim_body(P["maker_uscc"]))
    assert flaky.lost and d == ledger.get(st, P["provider"], d["id"], history=False)
    flaky.lost = False
    done = ledger.transition(flaky, P["maker"], d["id"], "confirm")
    assert flaky.lost and done == ledger.get(st, P["maker"], d["id"], history=False)
    assert done["status"] == "confirmed" and done["confirmed_by"] == "maker"


def test_invalid_claims_write_nothing(parties, store):
    st, P = parties["store"], parties
    process = store.read_cypher("MATCH (e:Enterprise {industry_kind: 'process'}) RETURN e.uscc AS u "
                                "ORDER BY e.uscc LIMIT 1")[0]["u"]
    before = counts(st)
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    cases = [
        (claim_body("91330000000000000X"), "client_uscc"),                 # valid code, unknown enterprise
        (claim_body("9133000000000000XX"), "client_uscc"),                 # invalid code
        (claim_body(P["maker_uscc"], contract_amount_wan=-3), "contract_amount_wan"),
        (claim_body(P["maker_uscc"], contract_amount_wan="abc"), "contract_amount_wan"),
        (claim_body(process, unit="line"), "unit"),
        (claim_body(P["maker_uscc"], signed_date=future, accepted_date=None), "signed_date"),
        (claim_body(P["maker_uscc"], signed_date="2025-05-01", accepted_date="2025-04-01"), "accepted_date"),
        (claim_body(P["maker_uscc"], kind="module_transfer", unit=None), "provider_type"),  # not registered
        (claim_body(P["maker_uscc"], corrects="NO-SUCH"), "corrects"),
    ]
    for body, field in cases:
        with pytest.raises(Invalid) as exc:
            ledger.claim(st, P["provider"], body)
        assert exc.value.field == field, (body, exc.value.errors)
    with pytest.raises(NotAllowed):
        ledger.claim(st, P["provider"], claim_body(P["maker_uscc"], supplier_uscc=parties["provider2"].uscc))
    with pytest.raises(NotAllowed):
        ledger.claim(st, P["maker"], claim_body(P["maker_uscc"]))
    with pytest.raises(NotAllowed):   # Shaoxing bureau: neither party in its region
        ledger.claim(st, P["sx"], claim_body(P["maker_uscc"], supplier_uscc=P["provider_uscc"]))
    assert counts(st) == before
    # a process client is fine with a workshop
    d = ledger.claim(st, P["provider"], claim_body(process, unit="workshop"))
    assert d["unit"] == "workshop"


def test_withdraw_only_by_the_supplier_while_claimed(parties):
    st, P = parties["store"], parties
    d = ledger.claim(st, P["bj"], claim_body(P["maker_uscc"], supplier_uscc=P["provider_uscc"]))
    assert d["created_by"] == "bj_bureau" and d["status"] == "claimed"
    with pytest.raises(NotVisible):
        ledger.transition(st, P["provider2"], d["id"], "withdraw")
    with pytest.raises(NotAllowed):
        ledger.transition(st, P["maker"], d["id"], "withdraw")
    assert ledger.transition(st, P["provider"], d["id"], "withdraw")["status"] == "withdrawn"
    with pytest.raises(Conflict):
        ledger.transition(st, P["maker"], d["id"], "confirm")


def test_corrections_are_new_linked_records(parties):
    st, P = parties["store"], parties
    old = ledger.claim(st, P["provider"], claim_body(P["maker_uscc"], quantity=1, accepted_date="2025-08-01"))
    key = st.read("enterprises/existing", usccs=[P["maker_uscc"]])[0]["industry_kind"] + ".workshop"
    with pytest.raises(Invalid) as exc:      # a claimed record is withdrawn, not corrected
        ledger.claim(st, P["provider"], claim_body(P["maker_uscc"], corrects=old["id"]))
    assert exc.value.field == "corrects"
    ledger.transition(st, P["maker"], old["id"], "confirm")
    with pytest.raises(Invalid) as exc:      # the correction goes to the same client
        ledger.claim(st, P["provider"], claim_body(P["maker2"].uscc, corrects=old["id"]))
    assert exc.value.field == "client_uscc"
    new = ledger.claim(st, P["provider"], claim_body(P["maker_uscc"], quantity=2, corrects=old["id"],
                                                     accepted_date="2025-08-02"))
    assert new["corrects"] == old["id"]
    assert ledger.get(st, P["maker"], old["id"])["corrected_by"] == [new["id"]]
    assert st.read_cypher("MATCH (n:Delivery {id: $n})-[:CORRECTS]->(o:Delivery {id: $o}) RETURN count(*) AS c",
                          {"n": new["id"], "o": old["id"]})[0]["c"] == 1
    with pytest.raises(Invalid) as exc:      # one live correction at a time
        ledger.claim(st, P["provider"], claim_body(P["maker_uscc"], corrects=old["id"]))
    assert exc.value.field == "corrects"
    # the old record stays as it was; it counts until the correction is confirmed
    r = assessment.fetch_assessment(st, P["provider_uscc"], "2025-08-01", "2025-08-02")
    assert old["id"] in assessment.find_measure(r, 1, key)["delivery_ids"]
    ledger.transition(st, P["maker"], new["id"], "confirm")
    r = assessment.fetch_assessment(st, P["provider_uscc"], "2025-08-01", "2025-08-02")
    ids = assessment.find_measure(r, 1, key)["delivery_ids"]
    assert new["id"] in ids and old["id"] not in ids
    assert [x["id"] for x in r["superseded"]] == [old["id"]]
    assert ledger.get(st, P["maker"], old["id"])["status"] == "confirmed"


def test_listing_by_role(parties):
    st, P = parties["store"], parties
    d = ledger.claim(st, P["provider"], claim_body(P["maker_uscc"]))
    mine = ledger.listing(st, P["provider"], limit=500)
    assert mine[0]["id"] == d["id"]                       # newest first
    assert all(x["supplier_uscc"] == P["provider_uscc"] for x in mine)
    inbox = ledger.listing(st, P["maker"], status="claimed", limit=500)
    assert d["id"] in [x["id"] for x in inbox]
    assert all(x["client_uscc"] == P["maker_uscc"] and x["status"] == "claimed" for x in inbox)
    assert d["id"] not in [x["id"] for x in ledger.listing(st, P["maker2"], limit=500)]
    hz = ledger.listing(st, P["hz"], status="claimed", limit=500)
    assert d["id"] in [x["id"] for x in hz] and all(x["client_region"].startswith("3301") for x in hz)
    assert d["id"] not in [x["id"] for x in ledger.listing(st, P["sx"], limit=500)]
    bj = ledger.listing(st, P["bj"], side="supplier", limit=5)
    assert bj and d["id"] == bj[0]["id"]


def test_cli_confirm_and_assessment(parties, tmp_path):
    import os
    import subprocess
    import sys

    from openpyxl import load_workbook

    st, P = parties["store"], parties
    d = ledger.claim(st, P["provider"], claim_body(P["maker_uscc"], accepted_date="2025-11-11"))
    data_dir = st.path.parent
    st.close()  # one process per LadybugDB directory: the CLI opens it next
    env = {**os.environ, "GRAPHSVC_DATA_DIR": str(data_dir), "GRAPHSVC_SECRET_KEY": "test"}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "graphsvc.cli", *args], check=False, env=env,
                              capture_output=True, text=True, timeout=120)

    r = cli("deliveries", "confirm", d["id"], "--as", "provider")
    assert r.returncode == 1 and "无权操作" in r.stderr, r.stderr
    r = cli("deliveries", "confirm", d["id"], "--as", "maker")
    assert r.returncode == 0 and f"{d['id']}: confirmed" in r.stdout, r.stderr
    out = tmp_path / "a.xlsx"
    r = cli("assessment", P["provider_uscc"], "--from", "2025-11-11", "--to", "2025-11-11", "--xlsx", str(out))
    assert r.returncode == 0, r.stderr
    assert "confirmed" in r.stdout and f"wrote {out}" in r.stdout
    counts = list(load_workbook(out)["考核计数"].iter_rows(min_row=2, values_only=True))
    assert any(d["id"] in (row[4] or "") for row in counts)
