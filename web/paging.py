"""List parameters for keyset pagination (`after=` cursor, small `offset=`), see
graphsvc/core/paging.py for why no offset reaches the engine as SKIP."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from graphsvc.core.paging import MAX_OFFSET, CursorError, decode_cursor, encode_cursor, fetch_size, window
from web.errors import bad_request
from web.params import arg_int


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int
    after: list[str] | None

    @property
    def fetch(self) -> int:
        return fetch_size(self.offset, self.limit)

    def cut(self, rows: list, key) -> dict:
        """The response body for rows read with `fetch` rows; `key(row)` is the row's sort key."""
        items, more = window(rows, offset=self.offset, limit=self.limit)
        return {"items": items, "limit": self.limit, "offset": self.offset,
                "next": encode_cursor(key(items[-1])) if more and items else None}


def list_page(arity: int, default_limit: int = 100, max_limit: int | None = None) -> Page:
    """limit / offset / after from the query string, each failure naming its field."""
    cap = max_limit or current_app.extensions["graphsvc"]["settings"].page_size_max
    limit = arg_int("limit", default_limit, minimum=1, maximum=cap)
    raw_offset = request.args.get("offset")
    if raw_offset and raw_offset.strip().lstrip("-").isdigit() and int(raw_offset) > MAX_OFFSET:
        raise bad_request(f"参数 offset 不能超过 {MAX_OFFSET}；更深的翻页请使用上一页返回的 next 作为 after 参数",
                          "offset")
    offset = arg_int("offset", 0, minimum=0, maximum=MAX_OFFSET)
    raw = request.args.get("after")
    after = None
    if raw:
        try:
            after = decode_cursor(raw, arity)
        except CursorError:
            raise bad_request("参数 after 应为上一页响应中的 next 值", "after") from None
    return Page(limit, offset, after)


def cursor_params(page: Page, *names: str) -> dict:
    """Query parameters for the cursor, e.g. {'after_at': …, 'after_id': …}; None = first page."""
    return {n: (page.after[i] if page.after else None) for i, n in enumerate(names)}
