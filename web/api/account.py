"""The caller's own account: change the password (issue #25 finding 18)."""
from __future__ import annotations

import time

from flask import Blueprint, g, jsonify, session

from graphsvc.accounts.users import AccountError
from graphsvc.core.sessions import change_password
from web.auth import client_ip, current_principal, require, store
from web.errors import unprocessable
from web.openapi import err, ok
from web.params import json_body

bp = Blueprint("account", __name__)

# AccountError text -> (field, Chinese reason)
REASONS = {
    "current password is wrong": ("current_password", "当前密码不正确"),
    "the new password must differ from the current one": ("new_password", "新密码不能与当前密码相同"),
}


def password_error(exc: AccountError) -> tuple[str, str]:
    """(field, Chinese message) for a refused password change."""
    msg = str(exc)
    if msg in REASONS:
        return REASONS[msg]
    zh = {"blank": "新密码不能为空", "at least": "新密码至少 10 个字符", "at most": "新密码最多 256 个字符",
          "repeated": "新密码不能由同一个字符重复组成", "username": "新密码不能是（或只是延长了）用户名",
          "common": "新密码过于常见，容易被猜中"}
    return "new_password", next((v for k, v in zh.items() if k in msg), msg)


def apply_change(current: str, new: str) -> None:
    """Change the caller's password; a session caller stays logged in on this session only."""
    who = current_principal()
    gen = change_password(store(), who.username, current, new, ip=client_ip())
    if g.get("via") == "session":
        session["gen"], session["iat"] = gen, int(time.time())


@bp.post("/me/password")
@require()
def password():
    body = json_body()
    current, new = body.get("current_password"), body.get("new_password")
    for name, v in (("current_password", current), ("new_password", new)):
        if not isinstance(v, str) or not v:
            raise unprocessable(f"缺少 {name}（字符串）", name)
    try:
        apply_change(current, new)
    except AccountError as exc:
        field, msg = password_error(exc)
        raise unprocessable(msg, field) from None
    return jsonify({"status": "changed", "sessions_ended": True})


_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["current_password", "new_password"],
    "properties": {"current_password": {"type": "string"}, "new_password": {"type": "string", "minLength": 10}}}}}}

OPENAPI = {
    "/me/password": {"post": {
        "summary": "Change the caller's password (ends every other session of the account)",
        "requestBody": _BODY,
        "responses": {**ok({"type": "object", "required": ["status"],
                            "properties": {"status": {"type": "string", "enum": ["changed"]}}}),
                      **err(400, 401, 403, 422)}}},
}
