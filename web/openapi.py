"""The OpenAPI 3.0 document, assembled from the `OPENAPI` paths each API module declares."""
from __future__ import annotations

PREFIX = "/api/v1"

ERROR = {"type": "object", "required": ["error", "detail"],
         "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
         "additionalProperties": True}


def err(*codes: int) -> dict:
    """Standard error responses for an operation."""
    text = {400: "Bad request (the field is named)", 401: "Not authenticated", 403: "Forbidden",
            404: "Not found (or out of scope)", 409: "Conflict", 413: "Too large", 415: "Unsupported",
            422: "Validation failed", 429: "Too many attempts", 503: "Store unavailable"}
    return {str(c): {"description": text[c], "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for c in codes}


def ok(schema: dict, description: str = "OK", extra_types: tuple[str, ...] = ()) -> dict:
    content = {"application/json": {"schema": schema}}
    for t in extra_types:
        content[t] = {"schema": {"type": "string", "format": "binary"}}
    return {"200": {"description": description, "content": content}}


def q(name: str, schema: dict, required: bool = False, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def p(name: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"}}


USCC = {"type": "string", "pattern": "^[0-9A-HJ-NP-RTUW-Y]{18}$", "minLength": 18, "maxLength": 18}
LIMIT = q("limit", {"type": "integer", "minimum": 1, "maximum": 500})
OFFSET = q("offset", {"type": "integer", "minimum": 0, "maximum": 1000},
           description="Small offsets only (graphsvc.core.paging.MAX_OFFSET); page deeper with `after`.")
AFTER = q("after", {"type": "string", "maxLength": 1024},
          description="Keyset cursor: the `next` value of the previous page.")
# A keyset-paged list: `next` is the cursor for the following page, null on the last one.
LIST = {"type": "object", "required": ["items", "limit", "offset", "next"],
        "properties": {"items": {"type": "array"}, "limit": {"type": "integer"}, "offset": {"type": "integer"},
                       "next": {"type": "string", "nullable": True}},
        "additionalProperties": True}


def document() -> dict:
    paths: dict = {}
    from web.features import feature_modules

    for mod in feature_modules():
        for path, ops in getattr(mod, "OPENAPI", {}).items():
            paths.setdefault(PREFIX + path, {}).update(ops)
    return {
        "openapi": "3.0.3",
        "info": {"title": "graphsvc 智造供需图谱 API", "version": "1.0.0",
                 "description": "Supply-and-demand graph for Zhejiang's manufacturing-digitalisation programmes."},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {"Error": ERROR},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"},
                                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "graphsvc_session"}},
        },
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
    }
