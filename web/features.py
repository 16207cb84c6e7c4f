"""The feature modules of the web layer: every `web/<feature>.py` that defines a blueprint `bp`
(its /api/v1 routes and its pages) and, for the API, its part of the OpenAPI document `OPENAPI`."""
from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint


def feature_modules():
    import web

    for info in sorted(pkgutil.iter_modules(web.__path__), key=lambda m: m.name):
        if info.ispkg:
            continue
        mod = importlib.import_module(f"web.{info.name}")
        if isinstance(getattr(mod, "bp", None), Blueprint):
            yield mod
