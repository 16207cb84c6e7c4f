"""The attack suite against the shared live server (issues #20 item 4 and #25): every probe
asserts the refusal, not merely the absence of a 500. Findings are named #25.N in each test.

Only records a probe creates itself are written; anything that renames demo records or locks
accounts runs on the private `victim` server (test_victim.py).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

INJECTIONS = ["' OR 1=1 //", "\" OR \"\"=\"", "x' RETURN 1 //", "}) MATCH (n) DETACH DELETE n //",
              "$prefix", "\\u0027 OR 1=1", "330108' OR '1'='1", "`Enterprise`", "*/ MATCH (n) RETURN n /*",
              "%' UNION ALL MATCH (a:Account) RETURN a.password_hash //"]


def _workers(server) -> set[int]:
    return set(Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split())


def _counts(api) -> dict:
    return api("admin").get("/api/v1/health").json()["counts"]


# -- #25.5: one request crashed the worker --------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/v1/enterprises", "/api/v1/deliveries", "/api/v1/audit", "/audit"])
@pytest.mark.parametrize("offset", ["15000", "16383", "65535", "9999999"])
def test_deep_offsets_are_refused_and_the_worker_lives(server, api, path, offset):
    before = _workers(server)
    user = "admin" if "audit" in path else "maker"
    r = api(user).get(f"{path}?offset={offset}", headers={"Accept": "application/json"})
    assert r.status_code == 400 and r.json()["field"] == "offset"
    assert _workers(server) == before


def test_keyset_cursor_pages_through_everything_and_garbage_is_refused(api):
    seen, after = [], None
    for _ in range(200):
        body = api("hz_bureau").get("/api/v1/enterprises", params={"limit": 500, **({"after": after} if after else {})}).json()
        seen += [e["uscc"] for e in body["items"]]
        after = body["next"]
        if not after:
            break
    assert len(seen) == len(set(seen)) and seen == sorted(seen) and len(seen) > 1000
    for bad in ("!!", "W10", "eyJ4IjoxfQ", "a" * 2000):
        r = api("hz_bureau").get("/api/v1/enterprises", params={"after": bad})
        assert r.status_code == 400 and r.json()["field"] == "after"


# -- Cypher injection in every string parameter (#20.4) -----------------------------------------
def test_cypher_injection_strings_are_data(api, accounts):
    before = _counts(api)
    hz, admin = api("hz_bureau"), api("admin")
    for s in INJECTIONS:
        r = hz.get("/api/v1/enterprises", params={"q": s})
        assert r.status_code == 200 and all(s in e["name"] for e in r.json()["items"])
        assert not r.json()["items"]
        assert hz.get("/api/v1/enterprises", params={"region": s}).status_code == 400
        assert admin.get("/api/v1/audit", params={"action": s}).json()["items"] == []
        assert hz.get("/api/v1/deliveries", params={"status": s}).status_code == 400
        assert hz.get("/api/v1/deliveries", params={"supplier": s}).status_code == 400
        assert hz.get("/api/v1/local-supply", params={"scope": s}).status_code == 400
        assert hz.get("/api/v1/local-supply", params={"chain": s}).status_code in (400, 404)
        assert hz.get("/api/v1/dashboard/summary", params={"region": s}).status_code in (400, 403)
        assert hz.get("/api/v1/targets", params={"region": s}).status_code in (400, 403)
        assert admin.get("/api/v1/contractors/recommend",
                         params={"manufacturer": s, "provider_type": 1}).status_code in (400, 404)
        for path in (f"/api/v1/enterprises/{s}", f"/api/v1/deliveries/{s}", f"/api/v1/chains/{s}/coverage",
                     f"/api/v1/exports/{s}", f"/api/v1/rules/{s}", f"/api/v1/regions/{s}",
                     f"/api/v1/local-supply/{s}", f"/api/v1/suppliers/{s}/assessment"):
            r = hz.get(path.replace("/", "/", 3))
            assert r.status_code in (400, 403, 404), (path, r.status_code)
        r = api("provider").post("/api/v1/deliveries", json={"client_uscc": s, "kind": s, "unit": s,
                                                              "signed_date": s, "id": s})
        assert r.status_code == 422
    assert _counts(api) == before


# -- IDOR across the access matrix (#20.4) ------------------------------------------------------
def test_ids_of_others_in_paths_queries_and_bodies_are_refused(api, accounts):
    maker, maker2 = accounts["maker"]["uscc"], accounts["maker2"]["uscc"]
    provider2 = accounts["provider2"]["uscc"]
    claim = {"client_uscc": maker, "kind": "engineering_project", "unit": "workshop", "quantity": 1,
             "contract_amount_wan": 12, "signed_date": "2025-02-01", "accepted_date": "2025-03-01"}
    d = api("provider").post("/api/v1/deliveries", json=claim).json()
    did = d["id"]
    # paths: another supplier, another manufacturer, an out-of-region bureau see nothing
    for user in ("provider2", "maker2", "sx_bureau"):
        assert api(user).get(f"/api/v1/deliveries/{did}").status_code == 404
    assert api("provider2").post(f"/api/v1/deliveries/{did}/withdraw").status_code == 404
    assert api("maker2").post(f"/api/v1/deliveries/{did}/confirm").status_code == 404
    assert api("provider").post(f"/api/v1/deliveries/{did}/confirm").status_code in (403, 409)
    assert api("maker2").get(f"/api/v1/enterprises/{maker}").status_code == 404
    assert api("provider").get(f"/api/v1/suppliers/{provider2}/assessment").status_code in (403, 404)
    # query strings: a supplier cannot widen its list to another supplier's records
    items = api("provider2").get(f"/api/v1/deliveries?supplier={accounts['provider']['uscc']}").json()["items"]
    assert all(i["supplier_uscc"] == provider2 for i in items) and did not in {i["id"] for i in items}
    assert api("maker2").get(f"/api/v1/local-supply/{maker}").status_code in (403, 404)
    assert api("bj_bureau").get("/api/v1/local-supply?scope=330600").status_code == 403
    # JSON bodies: a supplier claiming in another supplier's name is refused
    r = api("provider").post("/api/v1/deliveries", json={**claim, "supplier_uscc": provider2})
    assert r.status_code in (403, 422)
    assert api("maker").post("/api/v1/deliveries", json={**claim, "client_uscc": maker2}).status_code == 403
    assert api("maker").get(f"/api/v1/deliveries/{did}").json()["status"] == "claimed"


# -- CSRF and Origin on session-authenticated writes (#20.4, #25.22) ---------------------------
def test_session_writes_need_the_token_and_our_origin(login, accounts, server):
    c = login("provider")
    claim = {"client_uscc": accounts["maker"]["uscc"], "kind": "engineering_project", "unit": "workshop",
             "contract_amount_wan": 3, "signed_date": "2025-02-01"}
    writes = [("/api/v1/deliveries", {"json": claim}), ("/api/v1/imports/deliveries", {"files": {"file": ("d.csv", b"id\n")}}),
              ("/api/v1/me/password", {"json": {"current_password": "x", "new_password": "y" * 12}}),
              ("/ledger", {"data": {"client_uscc": accounts["maker"]["uscc"]}}), ("/account/password", {"data": {}}),
              ("/ledger/D000001/withdraw", {"data": {}}), ("/logout", {"data": {}})]
    for path, kw in writes:
        r = c.post(path, **kw)
        assert r.status_code == 403, (path, r.status_code)
        r = c.post(path, headers={"X-CSRF-Token": c.csrf, "Origin": "https://evil.example"}, **kw)
        assert r.status_code == 403, (path, "origin", r.status_code)
        r = c.post(path, headers={"X-CSRF-Token": c.csrf, "Sec-Fetch-Site": "cross-site"}, **kw)
        assert r.status_code == 403, (path, "sec-fetch-site", r.status_code)
    r = c.post("/api/v1/deliveries", json=claim, headers={"X-CSRF-Token": c.csrf, "Origin": server.url})
    assert r.status_code == 201  # the same request from our own page goes through
    mk = login("maker")
    did = r.json()["id"]
    for path in (f"/inbox/{did}/confirm", f"/inbox/{did}/dispute", f"/api/v1/deliveries/{did}/confirm"):
        assert mk.post(path, data={"reason": "x"}).status_code == 403
    assert mk.get(f"/api/v1/deliveries/{did}").json()["status"] == "claimed"


# -- Open redirects on next= (#25.8, #25.15) ------------------------------------------------------
@pytest.mark.parametrize("nxt", ["//evil.example/phish", "/%09/evil.example/phish", "/\t/evil.example",
                                 "/\\evil.example", "/%5cevil.example", "https://evil.example/",
                                 "/\r\nSet-Cookie: x=1", "/%0d%0aSet-Cookie:%20x=1", "javascript:alert(1)",
                                 "/ /evil.example", "\\\\evil.example"])
def test_next_is_a_same_site_path_only(server, accounts, nxt):
    import re

    s = requests.Session()
    html = s.get(server.url + "/login", params={"next": nxt}, timeout=30).text
    tok = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = s.post(server.url + "/login", params={"next": nxt}, allow_redirects=False, timeout=30,
               data={"username": "hz_bureau", "password": accounts["hz_bureau"]["password"], "csrf_token": tok})
    assert r.status_code == 302
    loc = r.headers["Location"]
    assert loc.startswith("/") and not loc.startswith("//") and "evil" not in loc and "\\" not in loc
    assert "x=1" not in r.headers.get("Set-Cookie", "")


# -- Oversized and malformed bodies (#25.15) ------------------------------------------------------
def test_malformed_bodies_are_4xx_naming_the_problem(api, accounts):
    p = api("provider")
    deep = "[" * 1000 + "]" * 1000
    r = p.post("/api/v1/deliveries", data=deep, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "嵌套" in r.json()["detail"]
    r = p.post("/api/v1/deliveries", json={"client_uscc": accounts["maker"]["uscc"], "kind": "engineering_project",
                                            "unit": "workshop", "quantity": 10**30, "contract_amount_wan": 1,
                                            "signed_date": "2025-01-01"})
    assert r.status_code == 422 and r.json()["field"] == "quantity"
    r = p.post("/api/v1/deliveries", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = p.post("/api/v1/deliveries", data="a=b", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    r = api("admin").post("/api/v1/eligibility/check", json=json.loads("[" * 50 + "]" * 50))
    assert r.status_code == 400


# -- Path tricks in import and export names (#20.4) ----------------------------------------------
def test_path_tricks_in_names_are_refused(api, server):
    admin = api("admin")
    for path in ("/api/v1/imports/..%2F..%2Fsecret_key", "/api/v1/imports/%2e%2e"):
        assert admin.post(path, files={"file": ("e.csv", b"uscc,name\n")}).status_code in (404, 405)
    for path in ("/api/v1/exports/..%2Fsecret_key", "/api/v1/exports/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                 "/static/..%2Fsecret_key", "/static/../../graphsvc/config.py", "/imports/template/..%2Fsecret_key.csv",
                 "/imports/template/%2e%2e.csv"):
        r = admin.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert "secret" not in r.text.lower() or r.headers["Content-Type"].startswith("application/json")
    r = admin.post("/api/v1/imports/enterprises?dry_run=true",
                   files={"file": ("../../../../tmp/graphsvc-owned.csv", b"uscc,name\n")})
    # the name is only a label in the report: nothing is written under it
    assert r.status_code in (200, 400, 422) and not Path("/tmp/graphsvc-owned.csv").exists()


# -- Headers, banner, cache, health (#20.2, #25.16, #25.22) ---------------------------------------
def test_security_headers_on_every_kind_of_response(api, login):
    c = login("hz_bureau")
    for r in (c.get("/bureau"), c.get("/api/v1/me"), api(None).get("/login"), api(None).get("/api/v1/me"),
              api("admin").get("/api/v1/enterprises?limit=1")):
        h = r.headers
        assert "script-src 'self'" in h["Content-Security-Policy"] and "unsafe-inline" not in h["Content-Security-Policy"]
        assert h["Cross-Origin-Opener-Policy"] == "same-origin" and "camera=()" in h["Permissions-Policy"]
        assert h["Cache-Control"] == "no-store"
        assert "gunicorn" not in h.get("Server", "").lower()
        assert "Strict-Transport-Security" not in h  # only with GRAPHSVC_COOKIE_SECURE=1
    assert api(None).get("/api/v1/health").json() == {"status": "ok"}


def test_no_template_carries_inline_script_or_style():
    import re

    for p in Path("web/templates").rglob("*.html"):
        t = p.read_text()
        for tag in re.findall(r"<script[^>]*>", t):
            assert " src=" in tag or 'type="application/json"' in tag, (p, tag)
        assert "<style" not in t and " style=" not in t and not re.search(r"\son[a-z]+=", t), p


# -- Sessions end on logout and password change (#25.7) -------------------------------------------
def test_a_copied_cookie_dies_with_logout(login, server):
    c = login("bj_bureau")
    stolen = requests.Session()
    stolen.cookies.update(c.s.cookies)
    assert stolen.get(server.url + "/api/v1/me", timeout=30).status_code == 200
    r = c.post("/logout", data={"csrf_token": c.csrf})
    assert r.status_code == 302
    assert stolen.get(server.url + "/api/v1/me", timeout=30).status_code == 401
    r = stolen.post(server.url + "/api/v1/deliveries", json={}, headers={"X-CSRF-Token": c.csrf}, timeout=30)
    assert r.status_code == 401


def test_session_cookie_is_not_renewed_on_every_request(login):
    c = login("sx_bureau")
    r = c.get("/api/v1/me")
    assert r.status_code == 200 and "Set-Cookie" not in r.headers


# -- Audit of logins, denials and downloads (#25.17) ----------------------------------------------
def test_logins_denials_and_downloads_are_audited(api, login, server):
    s = requests.Session()
    import re

    tok = re.search(r'name="csrf_token" value="([^"]+)"', s.get(server.url + "/login", timeout=30).text).group(1)
    s.post(server.url + "/login", data={"username": "admin", "password": "wrong-password-1", "csrf_token": tok},
           timeout=30)
    login("admin")
    api("maker").get("/api/v1/audit")  # 403 for a manufacturer
    api("hz_bureau").get("/api/v1/local-supply?year=2024&format=xlsx")
    actions = {e["action"] for e in api("admin").get("/api/v1/audit?limit=200").json()["items"]}
    assert {"login.failure", "login.success", "access.denied", "export.download"} <= actions
