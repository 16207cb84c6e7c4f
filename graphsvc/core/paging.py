"""Keyset pagination: no user-controlled SKIP ever reaches the graph engine.

LadybugDB 0.22 segfaults on `ORDER BY … SKIP $s LIMIT $n` for some `$s` (docs/engine-issues.md),
which took the whole worker down with every request in flight. Lists therefore page by key:
the query returns rows strictly after the last key the client saw (`after=`), and the response
carries the key to continue from (`next`). Small offsets (≤ MAX_OFFSET) are still served, by
reading `offset + limit + 1` rows with LIMIT only and slicing here, so existing links keep working.

A cursor is the sort key of the last row, as compact JSON in URL-safe base64; it names no row
the caller could not already see, and a forged one only moves the start of a list that the
query scopes anyway.

>>> c = encode_cursor(["2024-01-02T00:00:00+00:00", "D1"])
>>> decode_cursor(c, 2)
['2024-01-02T00:00:00+00:00', 'D1']
>>> window([{"k": i} for i in range(6)], offset=2, limit=3)
([{'k': 2}, {'k': 3}, {'k': 4}], True)
"""
from __future__ import annotations

import base64
import binascii
import json

MAX_OFFSET = 1000
MAX_CURSOR_CHARS = 1024


class CursorError(ValueError):
    pass


def encode_cursor(values: list) -> str:
    raw = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(raw: str, arity: int) -> list[str]:
    """The key values of a cursor made by encode_cursor, each a string; CursorError otherwise."""
    if len(raw) > MAX_CURSOR_CHARS:
        raise CursorError("cursor too long")
    try:
        values = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise CursorError("not a cursor returned by this service") from None
    if not (isinstance(values, list) and len(values) == arity and all(isinstance(v, str) for v in values)):
        raise CursorError("not a cursor returned by this service")
    return values


def fetch_size(offset: int, limit: int) -> int:
    """Rows to read so that the page and one more (to know whether a next page exists) fit."""
    return offset + limit + 1


def window(rows: list, *, offset: int, limit: int) -> tuple[list, bool]:
    """(the page, whether more rows follow) from rows read with fetch_size(offset, limit)."""
    return rows[offset:offset + limit], len(rows) > offset + limit
