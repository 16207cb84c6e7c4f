"""HTTP hardening shared by every response and request (issues #20 and #25).

- Response headers: a strict Content-Security-Policy (scripts and styles from 'self' only; the
  templates carry no inline script or style), Permissions-Policy, Cross-Origin-Opener-Policy,
  HSTS behind HTTPS (GRAPHSVC_COOKIE_SECURE=1), `Cache-Control: no-store` on everything but
  static files (pages and JSON carry scoped data), no `Server: gunicorn` banner.
- Requests: an Origin / Sec-Fetch-Site check on state-changing requests that carry the session
  cookie (defence in depth behind the CSRF token); JSON bodies nested deeper than MAX_JSON_DEPTH
  are refused before the parser recurses.
- The secret key check run before serving, the real client address behind trusted proxies,
  and the `next=` rule of the login page.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import request

from web.errors import ApiError, bad_request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
PERMISSIONS = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
               "magnetometer=(), gyroscope=(), accelerometer=(), interest-cohort=()")
MAX_JSON_DEPTH = 64
MIN_SECRET_LENGTH = 32
# Values that appeared as defaults or examples (compose file, docs, tests) and any short
# placeholder: a server signing cookies with one of these accepts forged admin sessions.
KNOWN_SECRETS = frozenset({
    "change-me", "changeme", "change_me", "graphsvc-change-me", "test-secret", "secret", "secret-key",
    "dev", "development", "insecure", "please-change-me", "your-secret-key", "replace-me",
})
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class InsecureConfig(RuntimeError):
    pass


def secret_problem(key: str | None) -> str | None:
    """Why a secret key must not sign sessions, or None.

    >>> secret_problem("change-me")
    'GRAPHSVC_SECRET_KEY is a known example value'
    >>> secret_problem("a" * 40)
    'GRAPHSVC_SECRET_KEY is one character repeated'
    """
    if not key:
        return "GRAPHSVC_SECRET_KEY is missing"
    if key.strip().lower() in KNOWN_SECRETS or any(k in key.lower() for k in ("change-me", "changeme")):
        return "GRAPHSVC_SECRET_KEY is a known example value"
    if len(key) < MIN_SECRET_LENGTH:
        return f"GRAPHSVC_SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters"
    if len(set(key)) == 1:
        return "GRAPHSVC_SECRET_KEY is one character repeated"
    return None


def check_secret(settings) -> None:
    """Refuse to serve with a weak key. A key generated into the data directory
    (config._persistent_secret: 64 random hex digits, 0600) is what `make run` and the embedded
    demo use; with Neo4j (several workers, possibly several hosts) the key must be given."""
    if settings.secret_source == "generated" and settings.engine == "neo4j":
        raise InsecureConfig("GRAPHSVC_SECRET_KEY is missing: with Neo4j every worker and host must share "
                             "one key (generate one with `openssl rand -hex 32`)")
    problem = secret_problem(settings.secret_key)
    if problem:
        raise InsecureConfig(f"{problem}; refusing to start (generate one with `openssl rand -hex 32`, "
                             "or unset it to use the key generated in the data directory)")


def client_address(trusted_proxies: int) -> str:
    """The client's address: with N trusted reverse proxies in front, the N-th address from the
    right of X-Forwarded-For (each proxy appends the address it saw); never a value the client
    alone could choose."""
    remote = request.remote_addr or "?"
    if trusted_proxies <= 0:
        return remote
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    if len(hops) < trusted_proxies:
        return remote
    return hops[-trusted_proxies][:64]


_CONTROL = re.compile(r"[\x00-\x20\x7f\\]")


def safe_next(target: str | None) -> str | None:
    """A same-site path to go to after login, or None.

    >>> [safe_next(t) for t in ("/audit?x=1", "//evil.example", "/\\t/evil.example", "/\\\\evil", "http://x/")]
    ['/audit?x=1', None, None, None, None]
    """
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//"):
        return None
    if _CONTROL.search(target) or "%0" in target.lower() or "%5c" in target.lower():
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def json_depth(data: bytes, limit: int) -> bool:
    """Whether JSON text nests deeper than `limit` (strings skipped; cheap, no recursion).

    >>> json_depth(b'{"a": [[1]]}', 2), json_depth(b'{"a": "[[[["}', 2)
    (True, False)
    """
    depth, in_str, esc = 0, False, False
    for b in data:
        if in_str:
            if esc:
                esc = False
            elif b == 0x5C:
                esc = True
            elif b == 0x22:
                in_str = False
        elif b == 0x22:
            in_str = True
        elif b in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif b in (0x5D, 0x7D):
            depth -= 1
    return False


def _same_origin(origin: str) -> bool:
    # Behind the reverse proxy the Host header is passed through (deploy/nginx.conf).
    try:
        return urlsplit(origin).netloc.lower() == (request.host or "").lower()
    except ValueError:
        return False


def register(app, settings) -> None:
    import gunicorn.http.wsgi as gwsgi

    # gunicorn writes its name and version into every response; nothing here needs it.
    gwsgi.SERVER = "graphsvc"

    @app.before_request
    def _request_guards():
        if request.method in SAFE_METHODS:
            return None
        if request.is_json and request.content_length and json_depth(request.get_data(cache=True),
                                                                     MAX_JSON_DEPTH):
            raise bad_request(f"JSON 嵌套层数超过 {MAX_JSON_DEPTH} 层")
        if request.headers.get("Authorization"):
            return None  # bearer requests carry no ambient credential
        if app.config["SESSION_COOKIE_NAME"] not in request.cookies:
            return None
        origin = request.headers.get("Origin")
        foreign = origin is not None and (origin == "null" or not _same_origin(origin))
        if foreign or request.headers.get("Sec-Fetch-Site") == "cross-site":
            raise ApiError(403, "csrf", "请求来源与本站不一致（Origin 校验失败），已拒绝")
        return None

    @app.after_request
    def _audit_denials_and_downloads(resp):
        # Who was refused what, and who took which file away (issue #25 finding 17).
        from flask import g

        who = g.get("principal")
        if who is None:
            return resp
        if resp.status_code == 403:
            action = "access.denied"
        elif resp.status_code == 200 and "attachment" in resp.headers.get("Content-Disposition", ""):
            action = "export.download"
        else:
            return resp
        try:
            from graphsvc.core import audit
            from web.auth import client_ip

            evt = audit.event(who.username, action, request.path[:300], region_code=who.scope, ip=client_ip(),
                              detail={"method": request.method, "query": request.query_string.decode()[:500]})
            with app.extensions["graphsvc"]["store"].transaction() as tx:
                audit.record(tx, evt)
        except Exception:  # an audit write must not turn a refusal or a download into a 500
            app.logger.exception("audit of %s failed", action)
        return resp

    @app.after_request
    def _security_headers(resp):
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["Permissions-Policy"] = PERMISSIONS
        resp.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if settings.cookie_secure:
            resp.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if not request.path.startswith("/static/"):
            resp.headers["Cache-Control"] = "no-store"
            resp.headers["Pragma"] = "no-cache"
        resp.headers.pop("Server", None)
        return resp
