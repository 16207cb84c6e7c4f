"""/map: the district map of 杭州 / 绍兴 coloured by a chosen measure (ECharts + real boundaries)."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, jsonify, render_template

from graphsvc.dashboard import summary as dashboard
from web.api.dashboard import districts_payload
from web.auth import current_principal, page
from web.errors import wants_json

bp = Blueprint("district_map", __name__)


@bp.get("/map")
@page("admin", "bureau", nav="区县地图", nav_order=40)
def district_map():
    data = districts_payload()
    if wants_json():
        return jsonify(data)
    p = current_principal()
    cities = [{"code": c, "name": dashboard.MAP_CITIES[c]} for c in dashboard.map_cities(p)]
    query = urlencode({"city": data["city"], "measure": data["measure"], "year": data["year"]})
    return render_template("map/index.html", d=data, cities=cities, measures=dashboard.MEASURES,
                           api_url=f"/api/v1/dashboard/districts?{query}")
