"""Fixtures of the attack suite (issues #20 and #25): a logged-in browser-like session over
requests, and a private server whose demo records an attack may rename."""
from __future__ import annotations

import re

import pytest
import requests

from tests.conftest import Server, _copy_data


class SessionClient:
    """A cookie session logged in through the real login form, as a browser would be."""

    def __init__(self, base: str, username: str, password: str):
        self.base, self.s = base, requests.Session()
        html = self.s.get(base + "/login", timeout=30).text
        self.form_csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        r = self.s.post(base + "/login", data={"username": username, "password": password,
                                               "csrf_token": self.form_csrf}, allow_redirects=False, timeout=30)
        assert r.status_code == 302, r.text[:300]
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', self.s.get(base + "/account/password",
                                                                                 timeout=30).text).group(1)

    def get(self, path, **kw):
        return self.s.get(self.base + path, timeout=60, allow_redirects=False, **kw)

    def post(self, path, **kw):
        return self.s.post(self.base + path, timeout=60, allow_redirects=False, **kw)


@pytest.fixture
def login(server, accounts):
    def make(username: str) -> SessionClient:
        return SessionClient(server.url, username, accounts[username]["password"])

    return make


@pytest.fixture(scope="module")
def victim(demo_template, tmp_path_factory):
    """A server of its own: the attacks here rename demo enterprises and lock accounts."""
    d = _copy_data(demo_template, tmp_path_factory.mktemp("victim"))
    env = {"GRAPHSVC_TRUSTED_PROXIES": "1", "GRAPHSVC_LOGIN_FAILURES_PER_ACCOUNT": "3"}
    srv = Server(d, d / "server.log", env=env)
    srv.data_dir, srv.env = d, env
    yield srv
    if srv.proc.poll() is None:  # the restart test stops it itself
        srv.stop()
