"""Accounts, sessions, tokens, CSRF, rate limits, body limits, audit visibility (issue #3)."""
from __future__ import annotations

import re

import pytest
import requests

from graphsvc.accounts import users as acc
from tests.conftest import make_settings


@pytest.fixture
def app_client(fresh_store, tmp_path):
    from web import create_app

    app = create_app(make_settings(tmp_path, login_failures_per_account=3, login_failures_per_address=5,
                                   max_upload_bytes=64 * 1024),
                     store=fresh_store)
    return app.test_client()


def _csrf(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_passwords_are_argon2_hashed(fresh_store):
    row = fresh_store.read_one("accounts/get", username="maker")["account"]
    assert row["password_hash"].startswith("$argon2id$")
    assert "graphsvc-demo" not in row["password_hash"]


def test_tokens_are_stored_hashed(fresh_store, accounts):
    raw = accounts["maker"]["token"]
    ids = [t["id"] for t in fresh_store.dump_nodes("Token")]
    assert raw not in ids and all(len(i) == 64 for i in ids)


def test_login_page_sets_session_and_logout_clears_it(server, accounts):
    s = requests.Session()
    html = s.get(server.url + "/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = s.post(server.url + "/login", data={"username": "maker", "password": "graphsvc-demo",
                                            "csrf_token": token}, timeout=30, allow_redirects=False)
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert s.get(server.url + "/api/v1/me", timeout=30).json()["username"] == "maker"
    # A state-changing API call on the session cookie without the CSRF header is refused.
    r = s.post(server.url + "/api/v1/imports/deliveries", files={"file": ("d.csv", b"id\n", "text/csv")}, timeout=30)
    assert r.status_code == 403 and r.json()["error"] == "csrf"


def test_wrong_password_and_unknown_user_look_the_same(app_client):
    msgs = []
    for user in ("maker", "nobody"):
        r = app_client.post("/login", data={"username": user, "password": "wrong-password",
                                            "csrf_token": _csrf(app_client)})
        assert r.status_code == 401
        msgs.append(re.search(r'role="alert">([^<]+)<', r.get_data(as_text=True)).group(1))
    assert msgs[0] == msgs[1] == "用户名或密码错误"


def _login(client, user, password, addr="127.0.0.1"):
    return client.post("/login", data={"username": user, "password": password, "csrf_token": _csrf(client)},
                       environ_base={"REMOTE_ADDR": addr})


def test_login_failures_lock_the_guesser_not_the_owner(app_client, fresh_store):
    codes = [_login(app_client, "hz_bureau", "x" * 12).status_code for _ in range(5)]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]
    # Locked for the address that failed, even with the right password ...
    assert _login(app_client, "hz_bureau", "graphsvc-demo").status_code == 429
    # ... while the owner, from an address that never failed, still gets in.
    assert _login(app_client, "hz_bureau", "graphsvc-demo", addr="10.9.8.7").status_code == 302
    # Successful logins never count: many users logging in from one address are not throttled.
    for user in ("maker", "maker2", "provider", "provider2", "bj_bureau", "sx_bureau", "admin") * 2:
        assert _login(app_client, user, "graphsvc-demo", addr="10.1.1.1").status_code == 302
    # An unknown account answers exactly like a known one, locked out included.
    texts = []
    for user in ("nobody-here", "sx_bureau"):
        for _ in range(3):
            _login(app_client, user, "y" * 12, addr="10.2.2.2" if user == "sx_bureau" else "10.3.3.3")
        r = _login(app_client, user, "y" * 12, addr="10.2.2.2" if user == "sx_bureau" else "10.3.3.3")
        texts.append((r.status_code, re.search(r'role="alert">([^<]+)<', r.get_data(as_text=True)).group(1)))
    assert texts[0] == texts[1] and texts[0][0] == 429
    # The counters live in the store (shared by workers, kept across restarts), not in memory.
    assert fresh_store.read_cypher("MATCH (t:LoginThrottle) RETURN count(t) AS n")[0]["n"] > 0


def test_login_failures_per_address_cover_every_account(app_client):
    for i in range(5):
        assert _login(app_client, f"user{i}", "z" * 12, addr="10.4.4.4").status_code == 401
    assert _login(app_client, "maker", "graphsvc-demo", addr="10.4.4.4").status_code == 429
    assert _login(app_client, "maker", "graphsvc-demo", addr="10.5.5.5").status_code == 302


def test_login_form_without_csrf_is_refused(app_client):
    app_client.get("/login")
    r = app_client.post("/login", data={"username": "maker", "password": "graphsvc-demo"})
    assert r.status_code == 400


def test_revoked_expired_and_disabled_tokens_are_401(fresh_store, app_client):
    raw = acc.create_token(fresh_store, "maker")
    h = {"Authorization": f"Bearer {raw}"}
    assert app_client.get("/api/v1/me", headers=h).status_code == 200
    acc.revoke_token(fresh_store, raw=raw)
    assert app_client.get("/api/v1/me", headers=h).status_code == 401
    old = acc.create_token(fresh_store, "maker", days=1)
    with fresh_store.transaction() as tx:
        tx.run_cypher("MATCH (t:Token) WHERE t.expires_at IS NOT NULL SET t.expires_at = '2000-01-01T00:00:00+00:00'")
    r = app_client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 401 and r.json["error"] == "unauthorized"
    live = acc.create_token(fresh_store, "maker2")
    acc.set_active(fresh_store, "maker2", False)
    assert app_client.get("/api/v1/me", headers={"Authorization": f"Bearer {live}"}).status_code == 401
    r = app_client.get("/api/v1/me", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert r.status_code == 401


def test_cached_authentication_follows_every_accounts_write(fresh_store, app_client):
    """Requests reuse what authentication read (no database read per request), yet a revoke, a
    disable or a direct write to a token is in the very next request."""
    raw = acc.create_token(fresh_store, "maker")
    h = {"Authorization": f"Bearer {raw}"}
    assert app_client.get("/api/v1/me", headers=h).status_code == 200
    gen = fresh_store.accounts_generation
    assert app_client.get("/api/v1/me", headers=h).json["username"] == "maker"
    kept = acc._AUTH_ROWS.get(fresh_store, {})
    if fresh_store.shared_log:       # other processes write the same database: nothing is kept
        assert not kept
    else:
        assert any(k[0] == "accounts/token_get" and v[0] == gen for k, v in kept.items())
    # A write that is not about accounts keeps what was read.
    one = fresh_store.read_cypher("MATCH (e:Enterprise) RETURN e.uscc AS uscc, e.name AS name LIMIT 1")[0]
    with fresh_store.transaction() as tx:
        tx.upsert_nodes("Enterprise", [one])
    assert fresh_store.accounts_generation == gen
    # A direct write naming the label (no accounts query) counts as an accounts write.
    with fresh_store.transaction() as tx:
        tx.run_cypher("MATCH (t:Token) SET t.expires_at = '2000-01-01T00:00:00+00:00'")
    assert fresh_store.accounts_generation > gen
    assert app_client.get("/api/v1/me", headers=h).status_code == 401
    live = acc.create_token(fresh_store, "maker2")
    h2 = {"Authorization": f"Bearer {live}"}
    assert app_client.get("/api/v1/me", headers=h2).status_code == 200
    acc.set_active(fresh_store, "maker2", False)
    assert app_client.get("/api/v1/me", headers=h2).status_code == 401
    acc.set_active(fresh_store, "maker2", True)
    other = acc.create_token(fresh_store, "maker2")
    h3 = {"Authorization": f"Bearer {other}"}
    assert app_client.get("/api/v1/me", headers=h3).status_code == 200
    acc.revoke_token(fresh_store, raw=other)
    assert app_client.get("/api/v1/me", headers=h3).status_code == 401


def test_request_body_limit(app_client, accounts):
    h = {"Authorization": f"Bearer {accounts['admin']['token']}"}
    r = app_client.post("/api/v1/imports/enterprises", headers=h,
                        data={"file": (__import__("io").BytesIO(b"x" * 100_000), "big.csv")},
                        content_type="multipart/form-data")
    assert r.status_code == 413 and r.json["error"]


def test_pagination_is_capped(api):
    r = api("admin").get("/api/v1/enterprises?limit=100000")
    assert r.status_code == 400 and r.json()["field"] == "limit"


def test_bureau_reads_audit_of_its_region_only(api, demo_files):
    up = {"file": ("e.csv", (demo_files / "enterprises.csv").read_bytes(), "text/csv")}
    assert api("bj_bureau").post("/api/v1/imports/enterprises?dry_run=true", files=up).status_code == 422
    small = b"uscc,name\n" + (demo_files / "enterprises.csv").read_bytes().split(b"\n")[1].split(b",")[0] + b",x\n"
    # The first demo enterprise may lie outside 滨江; whichever, a committed import is audited.
    r = api("admin").post("/api/v1/imports/enterprises", files={"file": ("one.csv", small, "text/csv")})
    assert r.status_code == 200
    events = api("admin").get("/api/v1/audit?action=import").json()["items"]
    assert any(e["actor"] == "admin" and e["target"] == "one.csv" for e in events)
    bj = api("bj_bureau").get("/api/v1/audit").json()["items"]
    assert all(e["region_code"] and e["region_code"].startswith("330108") for e in bj)
