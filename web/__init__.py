"""Flask application factory (flaskr-style): `flask --app web run` or `graphsvc serve`."""
from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, request

from graphsvc.core import config, projection, reqtiming
from graphsvc.core.store import open_store
from web import errors, nav
from web.auth import csrf_token, current_principal


def create_app(settings: config.Settings | None = None, store=None) -> Flask:
    settings = settings or config.load()
    from graphsvc.core.files import private_umask, tighten
    from web import security

    security.check_secret(settings)
    private_umask()
    tighten(settings.data_dir)
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_NAME="graphsvc_session",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(seconds=settings.session_lifetime_s),
        # The cookie is not re-issued on every request: its lifetime is absolute, and the
        # server checks the issue time (graphsvc/core/sessions.py) whatever the browser keeps.
        SESSION_REFRESH_EACH_REQUEST=False,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The store is built here but opened lazily on first use, i.e. after gunicorn forks.
    store = store or open_store(settings)
    app.extensions["graphsvc"] = {"settings": settings, "store": store,
                                  "reference_checked": False}

    from web.slots import ComputeSlots

    app.wsgi_app = ComputeSlots(app.wsgi_app, settings.compute_slots)
    errors.register(app)
    nav.register(app)
    security.register(app, settings)
    from graphsvc.core.formatting import pct_text

    # Percentages are truncated, never rounded up across a target line (59.96% is not "60.0%").
    app.jinja_env.filters["pct"] = pct_text
    from web.features import feature_modules

    for mod in feature_modules():
        app.register_blueprint(mod.bp)

    @app.context_processor
    def _inject():
        try:
            who = current_principal()
        except errors.ApiError:
            who = None
        return {"principal": who, "csrf_token": csrf_token, "engine": store.engine}

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    @app.before_request
    def _projection_request():
        projection.request_started()
        reqtiming.start(request.endpoint or request.path)

    @app.teardown_request
    def _projection_request_end(exc):
        projection.request_ended()
        reqtiming.end()

    @app.before_request
    def _reference():
        ext = app.extensions["graphsvc"]
        if not ext["reference_checked"]:
            from graphsvc.core.reference_graph import ensure_reference
            from graphsvc.core.store import StoreError

            try:
                ensure_reference(store)
                ext["reference_checked"] = True
            except StoreError as exc:  # /health reports it; other endpoints answer 503
                app.logger.error("cannot prepare the graph store: %s", exc)

    return app


# The modules registering projection parts (some are imported only on first use), and the
# order their parts are built in at worker start: the most requested figures first.
PROJECTION_MODULES = ("graphsvc.core.supply_edges", "graphsvc.local_supply.projection", "graphsvc.dashboard.projection",
                      "graphsvc.enterprises.projection", "graphsvc.contractors.index_updates",
                      "graphsvc.enterprises.directory", "graphsvc.matching.service", "graphsvc.deliveries.projection",
                      "graphsvc.programmes.projects")
PROJECTION_ORDER = ("supply_edges", "local_supply", "dashboard", "explore", "contractors.recommend", "enterprises.directory")
# Parts left out of the default build at start: they build on the first request that needs
# them. The name-matching index serves name matching and imports by name, rare next to the
# figures, and was about +160 MB of RSS and 7 s of the province build (bench/bench_build.py).
# The deliveries (supplier assessment) and projects (form 附件2) parts serve one page each and
# would put the build at start over its 15 s / 600 MB budget.
PROJECTION_ON_FIRST_USE = ("matching", "deliveries", "programmes.projects")


def warm_projection(app) -> None:
    """Start building the projection parts the settings name (GRAPHSVC_PROJECTION_WARM; by
    default PROJECTION_ORDER, then any other registered part but PROJECTION_ON_FIRST_USE) in a
    background thread of this worker; requests that need a part meanwhile wait for its build.
    Called by gunicorn once the app is loaded in a worker (web/gunicorn_conf.py)."""
    import importlib

    from graphsvc.core import projection

    ext = getattr(app, "extensions", {}).get("graphsvc")
    if ext is None:
        return
    names = ext["settings"].projection_warm
    if names == ():
        return
    for mod in PROJECTION_MODULES:
        importlib.import_module(mod)
    if names is None:
        registered = projection.warm_order()
        names = [n for n in PROJECTION_ORDER if n in registered] + \
                [n for n in registered if n not in PROJECTION_ORDER and n not in PROJECTION_ON_FIRST_USE]
    projection.warm(ext["store"], names, freeze=True)
