"""Landing page, login and logout."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from graphsvc.core.store import StoreError
from web.auth import check_csrf, current_principal, login as do_login, logout as do_logout, store
from web.errors import ApiError

bp = Blueprint("home", __name__)

LANDING = {"admin": "/bureau", "bureau": "/bureau", "manufacturer": "/contractors", "supplier": "/ledger"}


@bp.get("/")
def index():
    try:
        counts = store().counts() if current_principal() else None
    except StoreError:
        counts = None
    return render_template("index.html", counts=counts)


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: an open redirect would turn the login page into a phishing aid.
    from web.security import safe_next

    return safe_next(target)


@bp.route("/login", methods=["GET", "POST"])
def login():
    nxt = _safe_next(request.args.get("next"))
    if request.method == "GET":
        return render_template("login.html", next=nxt, error=None, username="")
    sent = request.form.get("csrf_token")
    if not sent or sent != session.get("csrf"):
        return render_template("login.html", next=nxt, username=request.form.get("username", ""),
                               error="表单已过期，请重新输入后提交"), 400
    username = request.form.get("username", "").strip()
    try:
        p = do_login(username, request.form.get("password", ""))
    except ApiError as exc:
        return render_template("login.html", next=nxt, username=username, error=exc.detail), exc.status
    if nxt:
        return redirect(nxt)
    return redirect(LANDING.get(p.role, "/") if _exists(LANDING.get(p.role)) else url_for("pages.home.index"))


def _exists(path: str | None) -> bool:
    from flask import current_app

    if not path:
        return False
    try:
        current_app.url_map.bind("").match(path, method="GET")
        return True
    except Exception:
        return False


@bp.post("/logout")
def logout():
    if current_principal() is not None:
        check_csrf()
    do_logout()
    return redirect(url_for("pages.home.index"))
