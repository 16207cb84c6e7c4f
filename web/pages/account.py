"""/account/password: change one's own password (the page of POST /api/v1/me/password)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request

from graphsvc.accounts.users import AccountError
from web.api.account import apply_change, password_error
from web.auth import page

bp = Blueprint("account", __name__)


@bp.route("/account/password", methods=["GET", "POST"])
@page()
def password():
    if request.method == "GET":
        return render_template("account/password.html", errors={})
    current, new = request.form.get("current_password", ""), request.form.get("new_password", "")
    if new != request.form.get("new_password2", ""):
        return render_template("account/password.html", errors={"new_password2": "两次输入的新密码不一致"}), 422
    try:
        apply_change(current, new)
    except AccountError as exc:
        field, msg = password_error(exc)
        return render_template("account/password.html", errors={field: msg}), 422
    flash("密码已修改；其他设备上的登录已全部失效。", "ok")
    return redirect("/")
