"""Accounts in the web: the home page, login and logout, `GET /api/v1/me`, and changing one's
own password (`POST /api/v1/me/password` and the /account/password page)."""
from __future__ import annotations

import time

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, session, url_for

from graphsvc.accounts import service as accounts
from graphsvc.core.errors import Invalid
from web.auth import check_csrf, client_ip, current_principal, login as do_login, logout as do_logout, page, require, store
from web.errors import ApiError, unprocessable
from web.nav import page_exists
from web.openapi import PREFIX as API
from web.openapi import err, ok
from web.params import json_body
from web.security import safe_next

bp = Blueprint("accounts", __name__)


@bp.get("/")
def index():
    return render_template("accounts/home.html", **accounts.home(store(), current_principal()))


@bp.route("/login", methods=["GET", "POST"])
def login():
    # Only same-site paths: an open redirect would turn the login page into a phishing aid.
    nxt = safe_next(request.args.get("next"))
    if request.method == "GET":
        return render_template("accounts/login.html", next=nxt, error=None, username="")
    sent = request.form.get("csrf_token")
    if not sent or sent != session.get("csrf"):
        return render_template("accounts/login.html", next=nxt, username=request.form.get("username", ""),
                               error="表单已过期，请重新输入后提交"), 400
    username = request.form.get("username", "").strip()
    try:
        p = do_login(username, request.form.get("password", ""))
    except ApiError as exc:
        return render_template("accounts/login.html", next=nxt, username=username, error=exc.detail), exc.status
    if nxt:
        return redirect(nxt)
    landing = accounts.LANDING.get(p.role)
    return redirect(landing if landing and page_exists(landing) else url_for("accounts.index"))


@bp.post("/logout")
def logout():
    if current_principal() is not None:
        check_csrf()
    do_logout()
    return redirect(url_for("accounts.index"))


@bp.get(API + "/me")
@require()
def me():
    return jsonify(accounts.me(current_principal()))


def _change_password(current: str, new: str) -> None:
    gen = accounts.change_own_password(store(), current_principal(), current, new, ip=client_ip())
    # A session caller stays logged in on this session only; every other session has ended.
    if g.get("via") == "session":
        session["gen"], session["iat"] = gen, int(time.time())


@bp.post(API + "/me/password")
@require()
def password():
    body = json_body()
    current, new = body.get("current_password"), body.get("new_password")
    for name, v in (("current_password", current), ("new_password", new)):
        if not isinstance(v, str) or not v:
            raise unprocessable(f"缺少 {name}（字符串）", name)
    _change_password(current, new)
    return jsonify({"status": "changed", "sessions_ended": True})


@bp.route("/account/password", methods=["GET", "POST"])
@page()
def password_page():
    if request.method == "GET":
        return render_template("accounts/password.html", errors={})
    current, new = request.form.get("current_password", ""), request.form.get("new_password", "")
    if new != request.form.get("new_password2", ""):
        return render_template("accounts/password.html", errors={"new_password2": "两次输入的新密码不一致"}), 422
    try:
        _change_password(current, new)
    except Invalid as exc:  # shown next to its field on the form, not as an error page
        return render_template("accounts/password.html", errors={exc.field: exc.message}), 422
    flash("密码已修改；其他设备上的登录已全部失效。", "ok")
    return redirect("/")


_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["current_password", "new_password"],
    "properties": {"current_password": {"type": "string"}, "new_password": {"type": "string", "minLength": 10}}}}}}

OPENAPI = {
    "/me": {"get": {"summary": "The caller's account", "responses": {**ok({"type": "object"}), **err(401)}}},
    "/me/password": {"post": {
        "summary": "Change the caller's password (ends every other session of the account)",
        "requestBody": _BODY,
        "responses": {**ok({"type": "object", "required": ["status"],
                            "properties": {"status": {"type": "string", "enum": ["changed"]}}}),
                      **err(400, 401, 403, 422)}}},
}
