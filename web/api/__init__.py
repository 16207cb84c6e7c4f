"""The JSON API under /api/v1: every module in this package contributes a blueprint `bp`
and its part of the OpenAPI document `OPENAPI` (a dict of paths)."""
from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint

PREFIX = "/api/v1"


def modules():
    pkg = importlib.import_module(__name__)
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        yield importlib.import_module(f"{__name__}.{info.name}")


def api_blueprint() -> Blueprint:
    api = Blueprint("api", __name__, url_prefix=PREFIX)
    for mod in modules():
        if hasattr(mod, "bp"):
            api.register_blueprint(mod.bp)
    return api
