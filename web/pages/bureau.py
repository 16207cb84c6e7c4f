"""/bureau: the dashboard of a bureau's region (admin chooses a region, default 杭州)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from web.api.dashboard import summary_payload
from web.auth import page
from web.errors import wants_json

bp = Blueprint("bureau", __name__)


def page_exists(path: str) -> bool:
    """Is there a GET route at `path` yet? (Feature pages land one by one.)"""
    try:
        current_app.url_map.bind("").match(path, method="GET")
        return True
    except HTTPException:  # NotFound / MethodNotAllowed / RequestRedirect
        return False


@bp.get("/bureau")
@page("admin", "bureau", nav="总览", nav_order=10)
def dashboard():
    data = summary_payload()
    if wants_json():
        return jsonify(data)
    api = f"/api/v1/dashboard/summary?region={data['region']}&year={data['year']}"
    return render_template("bureau/index.html", d=data, api_url=api,
                           has_local_supply=page_exists("/local-supply"),
                           has_leader_page=page_exists("/local-supply/91330100000000000X"),
                           has_targets=page_exists("/targets"), args=request.args)
