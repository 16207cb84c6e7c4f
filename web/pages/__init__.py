"""Chinese HTML pages: every module in this package contributes a blueprint `bp`."""
from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint


def pages_blueprint() -> Blueprint:
    pages = Blueprint("pages", __name__)
    pkg = importlib.import_module(__name__)
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        mod = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(mod, "bp"):
            pages.register_blueprint(mod.bp)
    return pages
