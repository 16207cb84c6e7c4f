"""Who is asking: bearer tokens for the API, signed session cookies for pages.

`require(*roles)` guards a view; the view then asks graphsvc.core.access what the principal may
see. CSRF: every state-changing request authenticated by the session cookie must carry the
session's CSRF token (form field `csrf_token` or header `X-CSRF-Token`); bearer requests
carry no ambient credentials and need none.
"""
from __future__ import annotations

import functools
import secrets
import time

from flask import current_app, g, request, session

from graphsvc.accounts import users as accounts
from graphsvc.core.access import Principal
from web.errors import ApiError

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def store():
    return current_app.extensions["graphsvc"]["store"]


def settings():
    return current_app.extensions["graphsvc"]["settings"]


def current_principal() -> Principal | None:
    if "principal" in g:
        return g.principal
    g.principal, g.via = None, None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise ApiError(401, "unauthorized", "认证失败：请使用 Bearer 令牌")
        p = accounts.authenticate_token(store(), raw.strip())
        if p is None:
            raise ApiError(401, "unauthorized", "认证失败：令牌无效、已过期或已撤销")
        g.principal, g.via = p, "token"
        return p
    username = session.get("username")
    if username:
        from graphsvc.core.sessions import session_problem

        row = accounts.account_row(store(), username)
        acc = row["account"] if row else None
        # Server-side state: logout, disable and password change bump the account's session
        # generation, and a session older than the absolute lifetime is refused however active.
        if session_problem(session, acc, time.time(), settings().session_lifetime_s) is None:
            g.principal = Principal(acc["username"], acc["role"], acc.get("scope"), acc.get("uscc"))
            g.via = "session"
        else:
            session.clear()
    return g.principal


def csrf_token() -> str:
    tok = session.get("csrf")
    if not tok:
        tok = session["csrf"] = secrets.token_urlsafe(24)
    return tok


def check_csrf() -> None:
    if request.method in SAFE_METHODS or g.get("via") != "session":
        return
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token")
    if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
        raise ApiError(403, "csrf", "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")


def _guard(roles: tuple[str, ...], on_anonymous, denied: str):
    def deco(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            p = current_principal()
            if p is None:
                return on_anonymous()
            check_csrf()
            if roles and p.role not in roles:
                raise ApiError(403, "forbidden", denied)
            return view(*args, **kwargs)

        wrapper.roles = roles
        return wrapper

    return deco


def require(*roles: str):
    """Guard an API view: 401 if nobody is logged in, 403 if the role is not among `roles`."""

    def anonymous():
        raise ApiError(401, "unauthorized", "请先登录或提供 API 令牌")

    return _guard(roles, anonymous, "当前角色无权执行此操作")


def client_ip() -> str:
    from web.security import client_address

    return client_address(settings().trusted_proxies)


def login(username: str, password: str) -> Principal:
    """Check a password, throttled by FAILURES per account and per address (kept in the store,
    graphsvc/core/throttle.py); audited either way; raises ApiError."""
    from graphsvc.core import audit
    from graphsvc.core import throttle
    from graphsvc.core.sessions import generation

    cfg, st, ip = settings(), store(), client_ip()
    keys = throttle.keys(username, ip)
    failures = throttle.counts(st, keys, window_s=cfg.login_failure_window_s)
    shown = username[:64]
    if throttle.refused(failures, per_account=cfg.login_failures_per_account,
                        per_address=cfg.login_failures_per_address):
        _audit(audit.event(shown or "-", "login.throttled", shown or "-", ip=ip))
        # The same words whether or not the account exists.
        raise ApiError(429, "too_many_attempts", "登录失败次数过多，请稍后再试（约 15 分钟）")
    p = accounts.authenticate_password(st, username, password)
    if p is None:
        throttle.record_failure(st, keys, window_s=cfg.login_failure_window_s)
        _audit(audit.event(shown or "-", "login.failure", shown or "-", ip=ip))
        raise ApiError(401, "unauthorized", "用户名或密码错误")
    throttle.record_success(st, keys)
    row = st.read_one("accounts/get", username=p.username)
    _audit(audit.event(p.username, "login.success", p.username, region_code=p.scope, ip=ip))
    session.clear()
    session["username"] = p.username
    session["gen"] = generation(row["account"]) if row else 0
    session["iat"] = int(time.time())
    session.permanent = True
    csrf_token()
    return p


def logout() -> None:
    """End the session server-side: every cookie of this account issued so far stops working."""
    from graphsvc.core.sessions import end_sessions

    p = current_principal()
    if p is not None and g.get("via") == "session":
        end_sessions(store(), p.username, ip=client_ip(), action="logout")
    session.clear()


def _audit(evt: dict) -> None:
    from graphsvc.core import audit

    with store().transaction() as tx:
        audit.record(tx, evt)


def page(*roles: str, nav: str | None = None, nav_order: int = 0, nav_for: tuple[str, ...] | None = None):
    """Guard an HTML page: redirect to the login page if nobody is logged in (JSON 401 when
    the client asked for JSON), 403 page if the role is not among `roles`.

    `nav` puts the page in the navigation (at `nav_order`) for the roles allowed here, or for
    the subset `nav_for` (pages such as /assessment that other roles reach only with a
    parameter); the menu is built from these declarations (web.nav)."""
    from flask import redirect, url_for

    from web.errors import wants_json

    def anonymous():
        if wants_json():
            raise ApiError(401, "unauthorized", "请先登录或提供 API 令牌")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))

    guard = _guard(roles, anonymous, "当前角色无权访问此页面")
    if nav is None:
        return guard

    def declare(view):
        wrapped = guard(view)
        wrapped.nav = {"label": nav, "order": nav_order, "roles": tuple(nav_for or roles)}
        return wrapped

    return declare
