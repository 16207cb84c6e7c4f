"""Accounts online (issue #14): the admin API and pages over a real gunicorn, the bureau account
administrator's region, password resets that must be replaced, tokens created and revoked
without stopping the service, and the CLI's hint while the server holds the database."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import pytest
import requests

from tests.conftest import NEO4J, ROOT, open_page

NEW_PASSWORD = "Fresh-passphrase-42"


def _name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def _login(base: str, username: str, password: str) -> requests.Session:
    s = requests.Session()
    html = s.get(base + "/login", timeout=30).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = s.post(base + "/login", data={"username": username, "password": password, "csrf_token": csrf},
               timeout=30, allow_redirects=False)
    assert r.status_code in (302, 303), r.text[:300]
    return s


def test_admin_creates_user_who_logs_in_creates_token_and_admin_revokes_it(server, api, browser):
    """The must-hold scenario: nothing is stopped, everything goes over HTTP."""
    admin = api("admin")
    username = _name("xh_ops")
    r = admin.post("/api/v1/users", json={"username": username, "role": "bureau", "scope": "330106"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["must_change_password"] is True and created["scope"] == "330106"
    temporary = created["temporary_password"]

    ctx, ps = open_page(browser, server.url)
    try:
        page = ps.page
        ps.login(username, temporary)
        # A password someone else chose must be replaced before anything else.
        assert page.url.endswith("/account/password"), page.url
        ps.goto("/local-supply")
        assert page.url.endswith("/account/password"), page.url
        page.fill("input[name=current_password]", temporary)
        page.fill("input[name=new_password]", NEW_PASSWORD)
        page.fill("input[name=new_password2]", NEW_PASSWORD)
        page.click("#password-form button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert not page.url.endswith("/account/password"), page.url

        ps.goto("/account/tokens")
        page.fill("input[name=days]", "30")
        page.click("#create-token")
        page.wait_for_load_state("networkidle")
        raw = page.inner_text("#new-token").strip()
    finally:
        ctx.close()
    assert not ps.csp_violations, ps.csp_violations
    assert raw.startswith("gs_")

    bearer = {"Authorization": f"Bearer {raw}"}
    me = requests.get(server.url + "/api/v1/users/" + username, headers=bearer, timeout=30)
    assert me.status_code == 200 and me.json()["must_change_password"] is False
    assert requests.get(server.url + "/api/v1/local-supply?year=2024", headers=bearer,
                        timeout=60).status_code == 200

    tokens = admin.get(f"/api/v1/users/{username}/tokens").json()["items"]
    assert [t["state"] for t in tokens] == ["active"]
    revoked = admin.s.delete(server.url + "/api/v1/tokens/" + tokens[0]["id"], timeout=30)
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    after = requests.get(server.url + "/api/v1/users/" + username, headers=bearer, timeout=30)
    assert after.status_code == 401

    actions = {e["action"] for prefix in ("account.", "token.")
               for e in admin.get(f"/api/v1/audit?action={prefix}&limit=500").json()["items"]
               if e["target"] == username}
    assert {"account.add", "account.password", "token.create", "token.revoke"} <= actions


def test_session_api_calls_wait_for_the_password_change(server, api):
    username = _name("pending")
    temp = api("admin").post("/api/v1/users", json={"username": username, "role": "bureau",
                                                    "scope": "330108"}).json()["temporary_password"]
    s = _login(server.url, username, temp)
    r = s.get(server.url + "/api/v1/local-supply?year=2024", timeout=30)
    assert r.status_code == 403 and r.json()["error"] == "password_change_required"
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', s.get(server.url + "/account/password", timeout=30).text)
    r = s.post(server.url + "/api/v1/me/password", json={"current_password": temp, "new_password": NEW_PASSWORD},
               headers={"X-CSRF-Token": csrf.group(1)}, timeout=30)
    assert r.status_code == 200, r.text
    assert s.get(server.url + "/api/v1/local-supply?year=2024", timeout=60).status_code == 200


def test_bureau_account_administrator_stays_in_its_region(api):
    hz = api("hz_bureau")
    inside = _name("bj_clerk")
    r = hz.post("/api/v1/users", json={"username": inside, "role": "bureau", "scope": "330108"})
    assert r.status_code == 201, r.text
    assert r.json()["can_manage_accounts"] is False
    outside = hz.post("/api/v1/users", json={"username": _name("sx_clerk"), "role": "bureau", "scope": "330602"})
    assert outside.status_code == 403 and outside.json()["field"] == "scope"
    grant = hz.post("/api/v1/users", json={"username": _name("hz_boss"), "role": "bureau", "scope": "330108",
                                           "can_manage_accounts": True})
    assert grant.status_code == 403

    listed = {u["username"] for u in hz.get("/api/v1/users").json()["items"]}
    assert {inside, "bj_bureau", "maker", "provider", "hz_bureau"} <= listed
    assert not {"admin", "sx_bureau"} & listed
    assert api("sx_bureau").get(f"/api/v1/users/{inside}").status_code == 404

    # It disables and enables what it manages; the account's tokens die with the disabling.
    tok = hz.post(f"/api/v1/users/{inside}/tokens", json={"days": 7}).json()
    assert tok["expires_at"] and len(tok["id"]) == 64
    assert requests.get(hz.base + "/api/v1/users/" + inside, timeout=30,
                        headers={"Authorization": f"Bearer {tok['token']}"}).status_code == 200
    off = hz.s.patch(hz.base + f"/api/v1/users/{inside}", json={"active": False}, timeout=30)
    assert off.status_code == 200 and off.json()["active"] is False
    assert requests.get(hz.base + "/api/v1/users/" + inside, timeout=30,
                        headers={"Authorization": f"Bearer {tok['token']}"}).status_code == 401
    on = hz.s.patch(hz.base + f"/api/v1/users/{inside}", json={"active": True}, timeout=30)
    assert on.json()["active"] is True
    assert [t["state"] for t in hz.get(f"/api/v1/users/{inside}/tokens").json()["items"]] == ["revoked"]
    # Never itself, never beyond its region.
    assert hz.s.patch(hz.base + "/api/v1/users/hz_bureau", json={"active": False}, timeout=30).status_code == 404
    assert hz.s.patch(hz.base + "/api/v1/users/sx_bureau", json={"reset_password": True},
                      timeout=30).status_code == 404


def test_reset_password_ends_the_old_one_and_requires_a_change(server, api):
    admin = api("admin")
    username = _name("reset")
    first = admin.post("/api/v1/users", json={"username": username, "role": "bureau", "scope": "330100",
                                              "password": "Chosen-by-admin-7"}).json()
    assert "temporary_password" not in first and first["must_change_password"] is True
    s = _login(server.url, username, "Chosen-by-admin-7")
    out = admin.s.patch(server.url + f"/api/v1/users/{username}", json={"reset_password": True}, timeout=30)
    assert out.status_code == 200 and out.json()["must_change_password"] is True
    temp = out.json()["temporary_password"]
    # The reset ended the session and the old password.
    assert s.get(server.url + "/api/v1/users/" + username, timeout=30).status_code == 401
    r = requests.Session()
    html = r.get(server.url + "/login", timeout=30).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    bad = r.post(server.url + "/login", data={"username": username, "password": "Chosen-by-admin-7",
                                              "csrf_token": csrf}, timeout=30, allow_redirects=False)
    assert bad.status_code not in (302, 303)
    _login(server.url, username, temp)
    events = admin.get("/api/v1/audit?action=account.password_reset&limit=50").json()["items"]
    assert any(e["target"] == username and e["actor"] == "admin" for e in events)


def test_tokens_belong_to_their_owner(api):
    own = api("maker").post("/api/v1/users/maker/tokens", json={}).json()
    assert own["username"] == "maker" and own["state"] == "active"
    # Another enterprise cannot see or revoke it; its owner can.
    assert api("maker2").s.delete(api("maker2").base + "/api/v1/tokens/" + own["id"], timeout=30).status_code == 404
    assert api("maker").s.delete(api("maker").base + "/api/v1/tokens/" + own["id"], timeout=30).status_code == 200
    states = {t["id"]: t["state"] for t in api("maker").get("/api/v1/users/maker/tokens").json()["items"]}
    assert states[own["id"]] == "revoked"
    # The demo token of maker still works: only the one token was revoked.
    assert api("maker").get("/api/v1/users/maker").status_code == 200


def test_create_refusals_name_the_field(api):
    admin = api("admin")
    cases = [({"username": _name("u"), "role": "bureau"}, "scope"),
             ({"username": _name("u"), "role": "manufacturer", "uscc": "91330100000000000X"}, "uscc"),
             ({"username": "a b", "role": "admin"}, "username"),
             ({"username": _name("u"), "role": "admin", "password": "password1"}, "password"),
             ({"username": _name("u"), "role": "supplier", "can_manage_accounts": True}, "can_manage_accounts")]
    for body, field in cases:
        r = admin.post("/api/v1/users", json=body)
        assert r.status_code == 422 and r.json()["field"] == field, (body, r.text)
        assert admin.get(f"/api/v1/users/{body['username']}").status_code == 404


def test_users_page_creates_an_account_and_shows_the_password_once(page_as):
    ps = page_as("hz_bureau")
    ps.goto("/users")
    username = _name("page_user")
    ps.page.fill("input[name=username]", username)
    ps.page.select_option("#role", "bureau")
    ps.page.fill("input[name=scope]", "330108")
    ps.page.click("#create-form button[type=submit]")
    ps.page.wait_for_load_state("networkidle")
    assert len(ps.page.inner_text("#temporary-password").strip()) >= 12
    assert username in ps.page.inner_text("#users-table")
    ps.goto("/users")
    assert ps.page.locator("#temporary-password").count() == 0
    ps.goto(f"/users/{username}")
    assert "待改密码" in ps.page.inner_text("#account-state")
    ps.shot("users-detail")
    ps.assert_no_console_errors(allow_status=(201,))


def test_cli_names_the_api_while_the_server_holds_the_database(server):
    if NEO4J:
        pytest.skip("checks the embedded database's lock; a Neo4j server is shared by design")
    env = {**os.environ, "GRAPHSVC_DATA_DIR": str(server.data_dir)}
    env.pop("GRAPHSVC_NEO4J_URI", None)
    p = subprocess.run([sys.executable, "-m", "graphsvc.cli", "token", "create", "maker"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    assert "in use" in p.stderr and "POST /api/v1/users/<username>/tokens" in p.stderr
    assert "Traceback" not in p.stderr
