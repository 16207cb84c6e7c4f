"""The ledger and assessment over real HTTP against the live gunicorn server.

The access rows are in tests/access/deliveries.yaml (run by tests/test_access_matrix.py).
Every test claims its own deliveries (addressed to the demo accounts' enterprises) and
only changes those.
"""
from __future__ import annotations

import io
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from openpyxl import load_workbook

from tests.test_assessment import pdf_text


def body(client: str, **kw) -> dict:
    b = {"client_uscc": client, "kind": "engineering_project", "unit": "workshop", "quantity": 1,
         "contract_amount_wan": 150, "signed_date": "2025-02-01", "accepted_date": "2025-10-01"}
    b.update(kw)
    return {k: v for k, v in b.items() if v is not None}


@pytest.fixture(scope="module")
def process_client(store):
    return store.read_cypher("MATCH (e:Enterprise {industry_kind: 'process'}) RETURN e.uscc AS u "
                             "ORDER BY e.uscc LIMIT 1")[0]["u"]


def claim(api, accounts, who="provider", client="maker", **kw) -> dict:
    r = api(who).post("/api/v1/deliveries", json=body(accounts[client]["uscc"], **kw))
    assert r.status_code == 201, r.text
    return r.json()


def test_claim_confirm_and_conflicts(api, accounts):
    d = claim(api, accounts)
    assert d["status"] == "claimed" and d["supplier_uscc"] == accounts["provider"]["uscc"]
    assert api("maker").get("/api/v1/deliveries?status=claimed").json()["items"][0]["id"] == d["id"]
    # the supplier cannot confirm (its role never may); another manufacturer does not see it;
    # Binjiang's bureau sees it (the supplier is in Binjiang) but the client is elsewhere
    assert api("provider").post(f"/api/v1/deliveries/{d['id']}/confirm").status_code == 403
    assert api("maker2").post(f"/api/v1/deliveries/{d['id']}/confirm").status_code == 404
    assert api("maker2").get(f"/api/v1/deliveries/{d['id']}").status_code == 404
    assert api("bj_bureau").get(f"/api/v1/deliveries/{d['id']}").status_code == 200
    r = api("bj_bureau").post(f"/api/v1/deliveries/{d['id']}/confirm")
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert api("sx_bureau").post(f"/api/v1/deliveries/{d['id']}/dispute").status_code == 404
    r = api("maker").post(f"/api/v1/deliveries/{d['id']}/confirm")
    assert r.status_code == 200 and r.json()["status"] == "confirmed" and r.json()["confirmed_by"] == "maker"
    r = api("maker").post(f"/api/v1/deliveries/{d['id']}/confirm")
    assert r.status_code == 409 and r.json()["current_status"] == "confirmed"
    assert api("maker").post(f"/api/v1/deliveries/{d['id']}/dispute", json={"reason": "晚了"}).status_code == 409
    assert api("provider").post(f"/api/v1/deliveries/{d['id']}/withdraw").status_code == 409
    shown = api("hz_bureau").get(f"/api/v1/deliveries/{d['id']}").json()
    assert [h["action"] for h in shown["history"]] == ["delivery.claim", "delivery.confirm"]
    # the client's bureau reads the events in its audit log
    audit = api("hz_bureau").get("/api/v1/audit?action=delivery.&limit=500").json()["items"]
    assert {e["action"] for e in audit if e["target"] == d["id"]} == {"delivery.claim", "delivery.confirm"}


def test_dispute_with_reason_and_withdraw(api, accounts):
    d = claim(api, accounts, client="maker2", who="provider2")
    r = api("hz_bureau").post(f"/api/v1/deliveries/{d['id']}/dispute", json={"reason": "未签订该合同"})
    assert r.status_code == 200 and r.json()["status"] == "disputed"
    event = api("admin").get(f"/api/v1/deliveries/{d['id']}").json()["history"][-1]
    assert event["action"] == "delivery.dispute" and event["detail"]["reason"] == "未签订该合同"
    assert event["actor"] == "hz_bureau"
    w = claim(api, accounts, client="maker2", who="provider2")
    assert api("provider").post(f"/api/v1/deliveries/{w['id']}/withdraw").status_code == 404
    assert api("maker2").post(f"/api/v1/deliveries/{w['id']}/withdraw").status_code == 403
    r = api("provider2").post(f"/api/v1/deliveries/{w['id']}/withdraw")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert api("maker2").post(f"/api/v1/deliveries/{w['id']}/confirm").status_code == 409


def test_bad_claims_are_422_naming_the_field_and_write_nothing(api, accounts, process_client):
    maker = accounts["maker"]["uscc"]
    before = api("admin").get("/api/v1/health").json()["counts"]

    def denials() -> set[str]:
        items = api("admin").get("/api/v1/audit?action=access.denied&limit=500").json()["items"]
        return {e["id"] for e in items}

    denied_before = denials()
    cases = [
        (body("91330000000000000X"), "client_uscc"),
        (body("not-a-uscc"), "client_uscc"),
        (body(maker, contract_amount_wan=-1), "contract_amount_wan"),
        (body(maker, contract_amount_wan="十万"), "contract_amount_wan"),
        (body(process_client, unit="line"), "unit"),
        (body(maker, signed_date="2099-01-01", accepted_date=None), "signed_date"),
        (body(maker, accepted_date="2025-01-01"), "accepted_date"),
        (body(maker, status="confirmed"), "status"),
    ]
    for b, field in cases:
        r = api("provider").post("/api/v1/deliveries", json=b)
        assert r.status_code == 422, (b, r.text)
        assert r.json()["field"] == field, (b, r.json())
        assert field in {e["field"] for e in r.json()["errors"]}
    assert api("provider").post("/api/v1/deliveries", data="x", headers={"Content-Type": "text/plain"}).status_code == 400
    r = api("provider").post("/api/v1/deliveries", json=body(maker, supplier_uscc=accounts["provider2"]["uscc"]))
    assert r.status_code == 403
    assert api("maker").post("/api/v1/deliveries", json=body(maker)).status_code == 403
    after = api("admin").get("/api/v1/health").json()["counts"]
    # The two refusals are audited as denials (issue #25.17); nothing else was written.
    assert (after["Delivery"], after["AuditEvent"]) == (before["Delivery"], before["AuditEvent"] + 2)
    # (by event, not by "the two latest": timestamps have one-second resolution)
    assert len(denials() - denied_before) == 2


def test_client_given_id_and_duplicate(api, accounts):
    did = f"T-{uuid.uuid4().hex[:10]}"
    d = claim(api, accounts, id=did)
    assert d["id"] == did
    r = api("provider").post("/api/v1/deliveries", json=body(accounts["maker"]["uscc"], id=did))
    assert r.status_code == 409


def test_fifty_concurrent_decisions_end_in_one_state(api, accounts, server):
    d = claim(api, accounts)
    tokens = {u: accounts[u]["token"] for u in ("maker", "hz_bureau", "admin")}
    plan = [("maker", "confirm"), ("maker", "dispute"), ("hz_bureau", "dispute"), ("admin", "confirm"),
            ("hz_bureau", "confirm")] * 10

    def hit(job):
        who, action = job
        r = requests.post(f"{server.url}/api/v1/deliveries/{d['id']}/{action}",
                          headers={"Authorization": f"Bearer {tokens[who]}"}, json={"reason": f"{who}"}, timeout=60)
        return who, action, r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(hit, plan))
    codes = sorted(code for _, _, code, _ in results)
    assert codes.count(200) == 1 and codes.count(409) == 49, codes
    winner = next(r for r in results if r[2] == 200)
    final = "confirmed" if winner[1] == "confirm" else "disputed"
    assert all(r[3].get("current_status") == final for r in results if r[2] == 409)
    shown = api("admin").get(f"/api/v1/deliveries/{d['id']}").json()
    assert shown["status"] == final
    assert [h["action"] for h in shown["history"]] == ["delivery.claim", f"delivery.{winner[1]}"]
    assert shown["history"][1]["actor"] == winner[0]


def test_supplier_import_lands_claimed_then_client_confirms(api, accounts):
    did = f"IMP-{uuid.uuid4().hex[:10]}"
    csv = ("编号,供给方统一社会信用代码,客户统一社会信用代码,交付类型,供给类型,改造单元,数量,合同金额（万元）,签约日期,验收日期,状态\n"
           f"{did},{accounts['provider']['uscc']},{accounts['maker']['uscc']},engineering_project,1,workshop,1,"
           "80,2025-03-01,2025-09-01,confirmed\n")
    r = api("provider").post("/api/v1/imports/deliveries", files={"file": ("claims.csv", csv.encode("utf-8"))})
    assert r.status_code == 200, r.text
    d = api("maker").get(f"/api/v1/deliveries/{did}").json()
    assert d["status"] == "claimed"          # a supplier's import never confirms itself
    assert api("maker").post(f"/api/v1/deliveries/{did}/confirm").json()["status"] == "confirmed"


def test_listing_scopes(api, accounts):
    d = claim(api, accounts)
    assert d["id"] in [x["id"] for x in api("provider").get("/api/v1/deliveries").json()["items"]]
    assert all(x["supplier_uscc"] == accounts["provider2"]["uscc"]
               for x in api("provider2").get("/api/v1/deliveries?limit=500").json()["items"])
    assert d["id"] not in [x["id"] for x in api("maker2").get("/api/v1/deliveries?limit=500").json()["items"]]
    hz = api("hz_bureau").get("/api/v1/deliveries?status=claimed&limit=500").json()["items"]
    assert d["id"] in [x["id"] for x in hz]
    bj = api("bj_bureau").get("/api/v1/deliveries?side=supplier&limit=20").json()["items"]
    assert d["id"] in [x["id"] for x in bj]
    assert api("maker").get("/api/v1/deliveries?status=nope").status_code == 400
    assert api("admin").get("/api/v1/deliveries?side=both").status_code == 400


# -- assessment ------------------------------------------------------------------------------
def test_assessment_counts_only_confirmed_and_links_ids(api, accounts):
    uscc = accounts["provider"]["uscc"]
    d = claim(api, accounts, accepted_date="2025-12-15", signed_date="2025-12-01")
    url = f"/api/v1/suppliers/{uscc}/assessment?from=2025-12-15&to=2025-12-15"
    r = api("provider").get(url).json()
    assert d["id"] in [x["id"] for x in r["claimed"]]
    assert d["id"] not in r["counted"]
    api("maker").post(f"/api/v1/deliveries/{d['id']}/confirm")
    r2 = api("provider").get(url).json()
    assert d["id"] in r2["counted"] and d["id"] not in [x["id"] for x in r2["claimed"]]
    assert r2["totals"]["confirmed"] == r["totals"]["confirmed"] + 1
    t1 = next(t for t in r2["types"] if t["provider_type"] == 1)
    assert d["id"] in next(m for m in t1["measures"] if m["key"] == "projects")["delivery_ids"]
    assert r2["item14"]["rule_id"] == "C3.5" and r2["item14"]["cap_wan"] == 100
    assert {x["rule_id"] for x in r2["c2"]["rules"]} >= {"C2.1", "C2.2", "C2.3", "C2.4", "C2.5"}
    assert all(x["outcome"] in ("pass", "fail", "unknown", "not_applicable") for x in r2["c2"]["rules"])
    assert [x["rule_id"] for x in r2["modules"]] == ["C3.6", "C3.7"]


def test_assessment_access(api, accounts):
    p1, p2 = accounts["provider"]["uscc"], accounts["provider2"]["uscc"]
    expect = {"admin": 200, "hz_bureau": 200, "bj_bureau": 200, "sx_bureau": 404, "maker": 403,
              "provider": 200, "provider2": 404}
    for who, code in expect.items():
        assert api(who).get(f"/api/v1/suppliers/{p1}/assessment").status_code == code, who
    assert api("provider2").get(f"/api/v1/suppliers/{p2}/assessment").status_code == 200
    assert api(None).get(f"/api/v1/suppliers/{p1}/assessment").status_code == 401
    assert api("admin").get("/api/v1/suppliers/91330000000000000X/assessment").status_code == 404
    for q, field in (("from=2025-13-01", "from"), ("from=2025-06-01&to=2025-01-01", "from"), ("format=doc", "format")):
        r = api("provider").get(f"/api/v1/suppliers/{p1}/assessment?{q}")
        assert r.status_code == 400 and r.json()["field"] == field


def test_assessment_xlsx_and_pdf_downloads(api, accounts):
    uscc = accounts["provider"]["uscc"]
    j = api("bj_bureau").get(f"/api/v1/suppliers/{uscc}/assessment?from=2024-01-01&to=2025-12-31").json()
    r = api("bj_bureau").get(f"/api/v1/suppliers/{uscc}/assessment?from=2024-01-01&to=2025-12-31&format=xlsx")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    summary = {row[0]: row[1] for row in wb["概况"].iter_rows(min_row=2, values_only=True)}
    assert summary["统一社会信用代码"] == uscc
    assert summary["已确认交付（计入）"] == j["totals"]["confirmed"]
    assert summary["第14条奖励估算（万元）"] == j["item14"]["total_wan"]
    r = api("provider").get(f"/api/v1/suppliers/{uscc}/assessment?format=pdf")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    text = "".join(pdf_text(r.content).split())
    assert j["supplier"]["name"] in text and "考核计数" in text and uscc in text
