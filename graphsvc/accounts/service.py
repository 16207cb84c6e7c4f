"""The caller's own account: who am I, the home page's figures, changing one's password.

The one place `GET /api/v1/me`, `POST /api/v1/me/password`, the home page and
/account/password call. Login and logout (sessions, throttling) stay in web.auth: they are
about the HTTP session itself.

>>> from graphsvc.core.access import Principal
>>> me(Principal("bj", "bureau", scope="330108"))
{'username': 'bj', 'role': 'bureau', 'scope': '330108', 'uscc': None}
>>> password_reason("current password is wrong")
('current_password', '当前密码不正确')
>>> password_reason("password must have at least 10 characters")
('new_password', '新密码至少 10 个字符')
"""
from __future__ import annotations

from graphsvc.accounts.users import AccountError
from graphsvc.core.access import Principal
from graphsvc.core.errors import Invalid
from graphsvc.core.sessions import change_password
from graphsvc.core.store import StoreError

# Where each role starts after logging in (a page that may not exist yet: see web.accounts).
LANDING = {"admin": "/bureau", "bureau": "/bureau", "manufacturer": "/contractors", "supplier": "/ledger"}

# AccountError text -> (field, Chinese reason)
REASONS = {
    "current password is wrong": ("current_password", "当前密码不正确"),
    "the new password must differ from the current one": ("new_password", "新密码不能与当前密码相同"),
}
# Fragments of graphsvc.core.passwords' problems -> Chinese
NEW_PASSWORD_PROBLEMS = {"blank": "新密码不能为空", "at least": "新密码至少 10 个字符", "at most": "新密码最多 256 个字符",
                         "repeated": "新密码不能由同一个字符重复组成", "username": "新密码不能是（或只是延长了）用户名",
                         "common": "新密码过于常见，容易被猜中"}


def me(p: Principal) -> dict:
    """The caller's account as the API shows it."""
    return p.as_dict()


def home(store, p: Principal | None) -> dict:
    """The landing page's figures: the whole graph's counts for an administrator (None for
    anyone else, who is not shown them, or when the store cannot answer: the page still shows).
    Counting every label and relationship is a scan of the graph: not for every visit."""
    if p is None or not p.is_admin:
        return {"counts": None}
    try:
        return {"counts": store.counts()}
    except StoreError:
        return {"counts": None}


def password_reason(problem: str) -> tuple[str, str]:
    """(field, Chinese message) for a refused password change."""
    if problem in REASONS:
        return REASONS[problem]
    return "new_password", next((v for k, v in NEW_PASSWORD_PROBLEMS.items() if k in problem), problem)


def change_own_password(store, p: Principal, current: str, new: str, *, ip: str | None = None) -> int:
    """Change the caller's password, ending every session of the account; returns the new
    session generation. Raises Invalid naming the field (current_password / new_password)."""
    try:
        return change_password(store, p.username, current, new, ip=ip)
    except AccountError as exc:
        field, msg = password_reason(str(exc))
        raise Invalid(msg, field=field) from None
