"""Accounts online (issue #14): the API under /api/v1/users and /api/v1/tokens, and the pages
/users (账号管理), /users/<username> and /account/tokens (API 令牌).

Who may do what is decided in ``graphsvc.accounts.admin`` (administrators everywhere, bureau
account administrators inside their region, everyone for their own tokens). An account whose
password was set by someone else (created or reset online) must choose its own before its
session may do anything else: pages lead to /account/password, the API answers 403
`password_change_required`. Bearer tokens are not held back: they are machine credentials the
user created, not the password someone else chose.
"""
from __future__ import annotations

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request

from graphsvc.accounts import admin, users
from graphsvc.core.access import ROLES
from graphsvc.core.errors import DomainError, Forbidden
from web.auth import current_principal, page, require, store
from web.errors import ApiError, from_domain, wants_json
from web.openapi import PREFIX as API
from web.openapi import USCC, err, p, q
from web.params import json_body

bp = Blueprint("users", __name__)

MANAGERS = ("admin", "bureau")
# What a session with a pending password change may still reach.
OPEN_PATHS = ("/account/password", API + "/me/password", "/logout", "/login", API + "/health",
              API + "/openapi.json")


@bp.before_app_request
def _password_change_pending():
    if request.path.startswith(("/static/", *OPEN_PATHS)):
        return None
    try:
        who = current_principal()
    except ApiError:
        return None  # the view's own guard answers the bad credential
    if who is None or g.get("via") != "session":
        return None
    row = users.account_row(store(), who.username)
    if not (row and row["account"].get("must_change_password")):
        return None
    if wants_json():
        raise ApiError(403, "password_change_required", "请先修改密码：管理员设置的临时密码须在首次登录时更换")
    flash("管理员为您设置了临时密码，请先设置自己的新密码。", "error")
    return redirect("/account/password")


# ---------------------------------------------------------------- API

def _flag_arg(name: str) -> bool | None:
    raw = (request.args.get(name) or "").strip().lower()
    if not raw:
        return None
    if raw not in ("true", "false"):
        raise ApiError(400, "bad_request", f"参数 {name} 应为 true 或 false", field=name)
    return raw == "true"


@bp.get(API + "/users")
@require(*MANAGERS)
def api_list():
    role = request.args.get("role") or None
    if role is not None and role not in ROLES:
        raise ApiError(400, "bad_request", f"参数 role 应为 {'、'.join(ROLES)} 之一", field="role")
    items = admin.list_accounts(store(), current_principal(), role=role, active=_flag_arg("active"))
    return jsonify({"items": items, "count": len(items)})


@bp.post(API + "/users")
@require(*MANAGERS)
def api_create():
    out = admin.create_account(store(), current_principal(), json_body())
    return jsonify(out), 201


@bp.get(API + "/users/<username>")
@require()
def api_get(username):
    return jsonify(admin.get_account(store(), current_principal(), username))


@bp.patch(API + "/users/<username>")
@require(*MANAGERS)
def api_update(username):
    return jsonify(admin.update_account(store(), current_principal(), username, json_body()))


@bp.get(API + "/users/<username>/tokens")
@require()
def api_tokens(username):
    items = admin.list_tokens(store(), current_principal(), username)
    return jsonify({"items": items, "count": len(items)})


@bp.post(API + "/users/<username>/tokens")
@require()
def api_token_create(username):
    body = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "请求体应为 JSON 对象")
    return jsonify(admin.create_token(store(), current_principal(), username, body.get("days"))), 201


@bp.delete(API + "/tokens/<token_id>")
@require()
def api_token_revoke(token_id):
    return jsonify(admin.revoke_token(store(), current_principal(), token_id))


# ---------------------------------------------------------------- pages

def _is_manager() -> bool:
    from graphsvc.accounts.admin import is_manager

    row = store().read_one("accounts/get", username=current_principal().username)
    return is_manager(row["account"] if row else None)


@bp.route("/users", methods=["GET", "POST"])
@page(*MANAGERS, nav="账号管理", nav_order=140, nav_for=("admin",))
def users_page():
    who = current_principal()
    form, errors, created, status = {}, {}, None, 200
    if request.method == "POST":
        form = {k: (request.form.get(k) or "").strip() for k in ("username", "role", "scope", "uscc")}
        body = {**form, "can_manage_accounts": request.form.get("can_manage_accounts") == "on"}
        try:
            created, status = admin.create_account(store(), who, body), 201
            form = {}
        except DomainError as exc:  # shown next to the field (a caller with no rights: see below)
            errors, status = {exc.field or "username": exc.message}, from_domain(exc).status
    items = admin.list_accounts(store(), who)
    return render_template("users/index.html", items=items, form=form, errors=errors, created=created,
                           roles=ROLES), status


def _detail(username: str, *, new_token: dict | None = None, temporary: str | None = None, status: int = 200):
    who = current_principal()
    acc = admin.get_account(store(), who, username)
    tokens = admin.list_tokens(store(), who, username)
    is_manager = _is_manager()
    return render_template("users/detail.html", acc=acc, tokens=tokens, new_token=new_token,
                           temporary=temporary, manages=is_manager and username != who.username,
                           own=username == who.username, is_manager=is_manager), status


@bp.get("/users/<username>")
@page()
def user_page(username):
    return _detail(username)


@bp.get("/account/tokens")
@page(nav="API 令牌", nav_order=150)
def own_tokens():
    return _detail(current_principal().username)


@bp.post("/users/<username>/tokens")
@page()
def token_create_form(username):
    raw = (request.form.get("days") or "").strip()
    days = int(raw) if raw.isdigit() else raw or None
    try:
        tok = admin.create_token(store(), current_principal(), username, days)
    except Forbidden:
        raise
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(_back(username))
    return _detail(username, new_token=tok, status=201)


@bp.post("/users/<username>/active")
@page(*MANAGERS)
def active_form(username):
    active = request.form.get("active") == "true"
    try:
        admin.update_account(store(), current_principal(), username, {"active": active})
        flash("账号已启用。" if active else "账号已停用，其令牌已全部撤销。", "success")
    except Forbidden:
        raise
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(f"/users/{username}")


@bp.post("/users/<username>/reset")
@page(*MANAGERS)
def reset_form(username):
    out = admin.update_account(store(), current_principal(), username, {"reset_password": True})
    return _detail(username, temporary=out["temporary_password"])


@bp.post("/tokens/<token_id>/revoke")
@page()
def revoke_form(token_id):
    out = admin.revoke_token(store(), current_principal(), token_id)
    flash("令牌已撤销。", "success")
    return redirect(_back(out["username"]))


def _back(username: str) -> str:
    return "/account/tokens" if username == current_principal().username else f"/users/{username}"


# ---------------------------------------------------------------- OpenAPI

_NAME = {"type": "string", "minLength": 1, "maxLength": 64}
ACCOUNT = {"type": "object",
           "required": ["username", "role", "active", "must_change_password", "can_manage_accounts"],
           "properties": {"username": {"type": "string"}, "role": {"type": "string", "enum": list(ROLES)},
                          "scope": {"type": "string", "nullable": True},
                          "uscc": {"type": "string", "nullable": True},
                          "active": {"type": "boolean"}, "created_at": {"type": "string", "nullable": True},
                          "must_change_password": {"type": "boolean",
                                                   "description": "须在下次登录时修改密码（新建或重置后）"},
                          "can_manage_accounts": {"type": "boolean",
                                                  "description": "经信部门账号管理员：管理本地区账号"},
                          "enterprise_name": {"type": "string", "nullable": True},
                          "enterprise_region": {"type": "string", "nullable": True},
                          "temporary_password": {"type": "string",
                                                 "description": "仅此一次显示：新建（未给出密码）或重置后的临时密码"}},
           "additionalProperties": False}
TOKEN = {"type": "object", "required": ["id", "username", "state"],
         "properties": {"id": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        "username": {"type": "string"},
                        "created_at": {"type": "string", "nullable": True},
                        "expires_at": {"type": "string", "nullable": True},
                        "state": {"type": "string", "enum": ["active", "revoked", "expired"]},
                        "token": {"type": "string", "description": "仅在创建时返回一次"}},
         "additionalProperties": False}


def _items(schema: dict) -> dict:
    return {"type": "object", "required": ["items", "count"],
            "properties": {"items": {"type": "array", "items": schema}, "count": {"type": "integer"}},
            "additionalProperties": False}


def _json(schema: dict, code: str = "200", description: str = "OK") -> dict:
    return {code: {"description": description, "content": {"application/json": {"schema": schema}}}}


def _body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


CREATE = {"type": "object", "required": ["username", "role"],
          "properties": {"username": _NAME, "role": {"type": "string", "enum": list(ROLES)},
                         "scope": {"type": "string", "description": "经信部门账号的地区代码，如 330100"},
                         "uscc": USCC, "password": {"type": "string", "minLength": 10, "maxLength": 256,
                                                    "description": "省略则生成临时密码（仅返回一次）"},
                         "can_manage_accounts": {"type": "boolean", "description": "仅管理员可授予"}}}
UPDATE = {"type": "object",
          "properties": {"active": {"type": "boolean"}, "reset_password": {"type": "boolean"}}}
USER = p("username", _NAME)
OPENAPI = {
    "/users": {
        "get": {"summary": "Accounts the caller manages (administrator: all; bureau account administrator: its region)",
                "parameters": [q("role", {"type": "string", "enum": list(ROLES)}),
                               q("active", {"type": "string", "enum": ["true", "false"]})],
                "responses": {**_json(_items(ACCOUNT)), **err(400, 401, 403)}},
        "post": {"summary": "Create an account; the user must change its password at the first login",
                 "requestBody": _body(CREATE),
                 "responses": {**_json(ACCOUNT, "201", "Created"), **err(400, 401, 403, 409, 422)}}},
    "/users/{username}": {
        "get": {"summary": "One account: the caller's own, or one it manages",
                "parameters": [USER], "responses": {**_json(ACCOUNT), **err(401, 404)}},
        "patch": {"summary": "Disable or enable an account, or reset its password (answered once; "
                             "the user must change it at the next login)",
                  "parameters": [USER], "requestBody": _body(UPDATE),
                  "responses": {**_json(ACCOUNT), **err(400, 401, 403, 404, 409, 422)}}},
    "/users/{username}/tokens": {
        "get": {"summary": "The API tokens of an account (ids and states; never the tokens)",
                "parameters": [USER], "responses": {**_json(_items(TOKEN)), **err(401, 404)}},
        "post": {"summary": "Create an API token for the caller or an account it manages; the token is "
                            "answered this once, with its id",
                 "parameters": [USER],
                 "requestBody": _body({"type": "object", "properties": {
                     "days": {"type": "integer", "minimum": 1, "maximum": admin.TOKEN_DAYS_MAX,
                              "description": f"有效天数，默认 {admin.TOKEN_DAYS_DEFAULT}"}}}, required=False),
                 "responses": {**_json(TOKEN, "201", "Created"), **err(400, 401, 404, 409, 422)}}},
    "/tokens/{token_id}": {
        "delete": {"summary": "Revoke a token (its owner, or one who manages the owner)",
                   "parameters": [p("token_id")], "responses": {**_json(TOKEN), **err(401, 404)}}},
}
