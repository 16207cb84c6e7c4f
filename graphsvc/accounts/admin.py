"""Account administration online: who may manage which account, and the operations the web
layer (web/users.py) offers over them — list, create, enable/disable, reset a password, and
the API tokens of an account (list, create, revoke).

Who manages whom (docs/accounts.md):
- an administrator manages every account but its own enabling and disabling;
- a bureau account with the flag `can_manage_accounts` (a *bureau account administrator*)
  manages, inside its own region only, the ordinary bureau accounts whose scope lies within it
  and the enterprise accounts whose enterprise is located there — never administrators and
  never other account administrators (only an administrator grants the flag);
- every account reads itself and manages its own tokens.
An account the caller may not manage is "not found" (no existence leak); a caller who cannot
manage accounts at all is refused outright.

>>> hz = {"username": "hz", "role": "bureau", "scope": "330100", "can_manage_accounts": True}
>>> may_manage(hz, {"username": "bj", "role": "bureau", "scope": "330108"}, None)
True
>>> may_manage(hz, {"username": "sx", "role": "bureau", "scope": "330600"}, None)
False
>>> may_manage(hz, {"username": "m", "role": "manufacturer", "uscc": "X"}, "330106")
True
>>> may_manage(hz, {"username": "root", "role": "admin"}, None)
False
"""
from __future__ import annotations

import secrets

from graphsvc.accounts import users
from graphsvc.accounts.users import AccountError, _token_hash
from graphsvc.core import audit, regions
from graphsvc.core.access import ROLES, Principal
from graphsvc.core.errors import BadParameter, Conflict, Forbidden, Invalid, NotFound

TOKEN_DAYS_DEFAULT = 90
TOKEN_DAYS_MAX = 3650
# Fields an account record shows (never the password hash).
PUBLIC = ("username", "role", "scope", "uscc", "active", "created_at", "must_change_password",
          "can_manage_accounts")
NOT_FOUND = "没有该账号，或不在本账号的管理范围内"


def is_manager(acc: dict | None) -> bool:
    """May this account manage other accounts at all?"""
    if not acc or not acc.get("active"):
        return False
    return acc.get("role") == "admin" or (acc.get("role") == "bureau" and bool(acc.get("can_manage_accounts"))
                                          and bool(acc.get("scope")))


def may_manage(manager: dict, target: dict, target_region: str | None) -> bool:
    """May `manager` (an account record) manage `target`? `target_region` is the region of the
    enterprise a manufacturer or supplier account is bound to (None if unknown)."""
    if manager.get("role") == "admin":
        return True
    if not is_manager({**manager, "active": True}) or target.get("username") == manager.get("username"):
        return False
    if target.get("role") == "admin" or target.get("can_manage_accounts"):
        return False
    if target.get("role") == "bureau":
        return bool(target.get("scope")) and regions.in_scope(target["scope"], manager["scope"])
    return bool(target_region) and regions.in_scope(target_region, manager["scope"])


def public(acc: dict, region: dict | None = None) -> dict:
    out = {k: acc.get(k) for k in PUBLIC}
    out["active"] = bool(out["active"])
    out["must_change_password"] = bool(out["must_change_password"])
    out["can_manage_accounts"] = bool(out["can_manage_accounts"])
    if region:
        out["enterprise_name"], out["enterprise_region"] = region.get("name"), region.get("region_code")
    return out


# ---------------------------------------------------------------- reading

def _account(store, username: str) -> dict | None:
    row = store.read_one("accounts/get", username=username) if username else None
    return row["account"] if row else None


def _enterprises(store, accounts: list[dict]) -> dict[str, dict]:
    usccs = sorted({a["uscc"] for a in accounts if a.get("uscc")})
    if not usccs:
        return {}
    return {r["uscc"]: r for r in store.read("accounts/enterprise_regions", usccs=usccs)}


def _manager(store, who: Principal) -> dict:
    """The caller's account record if it may manage accounts; else Forbidden."""
    acc = _account(store, who.username)
    if not is_manager(acc):
        raise Forbidden("本账号无账号管理权限（管理员或本地区的账号管理员才可以）")
    return acc


def _visible(store, who: Principal, username: str, *, manage: bool = False) -> tuple[dict, dict | None]:
    """(the target account, the enterprise it is bound to) if `who` may see it (itself, or an
    account it manages); with `manage`, only one it manages. Otherwise NotFound."""
    me = _account(store, who.username)
    target = _account(store, username)
    if me is None or target is None:
        raise NotFound(NOT_FOUND, "username")
    ent = _enterprises(store, [target]).get(target.get("uscc") or "")
    if not (manage is False and username == who.username) and \
            not (is_manager(me) and may_manage(me, target, ent and ent.get("region_code"))):
        raise NotFound(NOT_FOUND, "username")
    return target, ent


def list_accounts(store, who: Principal, *, role: str | None = None, active: bool | None = None) -> list[dict]:
    """The accounts `who` manages (all of them for an administrator), by username."""
    me = _manager(store, who)
    rows = users.list_users(store)
    ents = _enterprises(store, rows)
    out = []
    for acc in rows:
        ent = ents.get(acc.get("uscc") or "")
        if acc["username"] != who.username and not may_manage(me, acc, ent and ent.get("region_code")):
            continue
        if (role and acc["role"] != role) or (active is not None and bool(acc.get("active")) != active):
            continue
        out.append(public(acc, ent))
    return out


def get_account(store, who: Principal, username: str) -> dict:
    target, ent = _visible(store, who, username)
    return public(target, ent)


# ---------------------------------------------------------------- changing accounts

def temporary_password() -> str:
    """A random first or reset password, shown once; the user must replace it at the next login."""
    return secrets.token_urlsafe(12)


def _region_of(acc: dict, ent: dict | None) -> str | None:
    return acc.get("scope") or (ent or {}).get("region_code")


def create_account(store, who: Principal, body: dict) -> dict:
    """Create an account from a request body {username, role, scope?, uscc?, password?,
    can_manage_accounts?}. Without a password one is generated and answered once as
    `temporary_password`; either way the user must choose their own at the first login."""
    me = _manager(store, who)
    username, role = _text(body, "username", required=True), _text(body, "role", required=True)
    if role not in ROLES:
        raise Invalid(f"role 应为 {'、'.join(ROLES)} 之一", "role")
    scope, uscc = _text(body, "scope"), _text(body, "uscc")
    uscc = uscc.upper() if uscc else None
    grant = body.get("can_manage_accounts", False)
    if not isinstance(grant, bool):
        raise Invalid("can_manage_accounts 应为 true 或 false", "can_manage_accounts")
    if grant and role != "bureau":
        raise Invalid("只有经信部门账号可以是账号管理员", "can_manage_accounts")
    password = body.get("password")
    if password is not None and not isinstance(password, str):
        raise Invalid("password 应为字符串", "password")
    generated = password is None or password == ""
    password = temporary_password() if generated else password
    _check_new(store, me, {"username": username, "role": role, "scope": scope, "uscc": uscc,
                           "can_manage_accounts": grant})
    try:
        acc = users.add_user(store, username, role, password, scope=scope, uscc=uscc, actor=who.username,
                             must_change_password=True, can_manage_accounts=grant)
    except AccountError as exc:
        raise _account_error(exc) from None
    out = public(acc, _enterprises(store, [acc]).get(uscc or ""))
    if generated:
        out["temporary_password"] = password
    return out


def _check_new(store, me: dict, target: dict) -> None:
    """A bureau account administrator may create only accounts it will manage."""
    if me["role"] == "admin":
        return
    if target["role"] == "admin" or target["can_manage_accounts"]:
        raise Forbidden("只有管理员可以创建管理员或账号管理员", "role")
    region = None
    if target["uscc"]:
        ent = _enterprises(store, [target]).get(target["uscc"])
        if ent is None:
            raise Invalid("图谱中没有该统一社会信用代码的企业（请先导入企业）", "uscc")
        region = ent.get("region_code")
    if target["role"] == "bureau" and target["scope"] and not regions.is_known_region(target["scope"]):
        return  # add_user names the unknown region
    if target["role"] in ("bureau", "manufacturer", "supplier") and (target["scope"] or region) \
            and not may_manage(me, target, region):
        raise Forbidden(f"只能管理{regions.district_name(me['scope']) or me['scope']}（含下辖区县）的账号",
                        "uscc" if target["uscc"] else "scope")


def update_account(store, who: Principal, username: str, body: dict) -> dict:
    """Apply {active?: bool, reset_password?: true} to an account `who` manages. A reset answers
    the new temporary password once; the user must replace it at the next login."""
    _manager(store, who)
    target, ent = _visible(store, who, username, manage=True)
    active, reset = body.get("active"), body.get("reset_password", False)
    if active is not None and not isinstance(active, bool):
        raise Invalid("active 应为 true 或 false", "active")
    if not isinstance(reset, bool):
        raise Invalid("reset_password 应为 true 或 false", "reset_password")
    if active is None and not reset:
        raise Invalid("没有要修改的内容：请给出 active 或 reset_password", "active")
    if active is not None and username == who.username:
        raise Conflict("不能停用或启用自己的账号", "active")
    region = _region_of(target, ent)
    if active is not None and bool(target.get("active")) != active:
        users.set_active(store, username, active, actor=who.username, region_code=region)
    out = {}
    if reset:
        out["temporary_password"] = reset_password(store, username, actor=who.username, region_code=region)
    return {**public(_account(store, username), ent), **out}


def reset_password(store, username: str, *, actor: str, region_code: str | None = None) -> str:
    """Give the account a temporary password, end its sessions, require a change at the next login."""
    password = temporary_password()
    with store.transaction() as tx:
        if not tx.run("accounts/reset_password", username=username, password_hash=users.hash_password(password)):
            raise NotFound(NOT_FOUND, "username")
        audit.record(tx, audit.event(actor, "account.password_reset", username, region_code=region_code))
    return password


# ---------------------------------------------------------------- tokens

def token_state(tok: dict, now: str) -> str:
    """"active", "revoked" or "expired".

    >>> token_state({"revoked": False, "expires_at": "2030-01-01T00:00:00+00:00"}, "2026-01-01T00:00:00+00:00")
    'active'
    >>> token_state({"revoked": False, "expires_at": "2020-01-01T00:00:00+00:00"}, "2026-01-01T00:00:00+00:00")
    'expired'
    """
    if tok.get("revoked"):
        return "revoked"
    if tok.get("expires_at") and tok["expires_at"] <= now:
        return "expired"
    return "active"


def list_tokens(store, who: Principal, username: str) -> list[dict]:
    _visible(store, who, username)
    now = audit.now_iso()
    return [{"id": t["id"], "username": t["username"], "created_at": t["created_at"],
             "expires_at": t.get("expires_at"), "state": token_state(t, now)}
            for t in store.read("accounts/tokens_of", username=username)]


def create_token(store, who: Principal, username: str, days) -> dict:
    """A new token for `username` (by that user or one who manages it); the token is in the
    answer only this once, with its `id` (what listing and revoking use)."""
    target, ent = _visible(store, who, username)
    if days is None:
        days = TOKEN_DAYS_DEFAULT
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= TOKEN_DAYS_MAX:
        raise Invalid(f"days 应为 1–{TOKEN_DAYS_MAX} 之间的整数", "days")
    if not target.get("active"):
        raise Conflict("账号已停用，不能创建令牌", "username")
    try:
        raw = users.create_token(store, username, days=days, actor=who.username)
    except AccountError as exc:
        raise _account_error(exc) from None
    tok = store.read_one("accounts/token_get", id=_token_hash(raw))["token"]
    return {"id": tok["id"], "token": raw, "username": username, "created_at": tok["created_at"],
            "expires_at": tok.get("expires_at"), "state": "active"}


def revoke_token(store, who: Principal, token_id: str) -> dict:
    """Revoke one token by its id: its owner, or one who manages the owner."""
    row = store.read_one("accounts/token_get", id=token_id) if _is_token_id(token_id) else None
    if row is None:
        raise NotFound("没有该令牌，或不在本账号的管理范围内", "id")
    owner = row["token"]["username"]
    try:
        target, ent = _visible(store, who, owner)
    except NotFound:
        raise NotFound("没有该令牌，或不在本账号的管理范围内", "id") from None
    with store.transaction() as tx:
        tx.run("accounts/token_revoke", id=token_id, username=None)
        audit.record(tx, audit.event(who.username, "token.revoke", owner, region_code=_region_of(target, ent),
                                     detail={"id": token_id[:12]}))
    return {"id": token_id, "username": owner, "state": "revoked"}


def _is_token_id(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


# ---------------------------------------------------------------- helpers

def _text(body: dict, name: str, required: bool = False) -> str | None:
    v = body.get(name)
    if v is None or v == "":
        if required:
            raise Invalid(f"缺少 {name}", name)
        return None
    if not isinstance(v, str):
        raise Invalid(f"{name} 应为字符串", name)
    return v.strip()


# users.add_user's reasons (English, for the CLI) -> (field, Chinese reason) for the web.
_REASONS = (("password", "password", None, Invalid),
            ("exists already", "username", "用户名已被使用", Conflict),
            ("username", "username", "用户名只能包含字母、数字和 . _ - @，长度 2–64", Invalid),
            ("region code", "scope", "经信部门账号需要有效的地区代码 scope（如 330100）", Invalid),
            ("统一社会信用代码", "uscc", "企业账号需要有效的统一社会信用代码 uscc", Invalid),
            ("no active user", "username", "账号已停用，不能创建令牌", Conflict))


def _account_error(exc: AccountError):
    msg = str(exc)
    for needle, field, zh, cls in _REASONS:
        if needle in msg:
            return cls(zh or _password_zh(msg), field)
    return BadParameter(msg)


def _password_zh(msg: str) -> str:
    zh = {"blank": "密码不能为空", "at least": "密码至少 10 个字符", "at most": "密码最多 256 个字符",
          "repeated": "密码不能由同一个字符重复组成", "username": "密码不能是（或只是延长了）用户名",
          "common": "密码过于常见，容易被猜中"}
    return next((v for k, v in zh.items() if k in msg), msg)
