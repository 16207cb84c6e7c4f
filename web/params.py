"""Reading and checking request parameters; every failure names the field."""
from __future__ import annotations

from flask import current_app, request
from stdnum.cn import uscc as stdnum_uscc

from web.errors import bad_request


def json_body() -> dict:
    data = request.get_json(silent=True)
    if data is None:
        raise bad_request("请求体应为 JSON 对象（Content-Type: application/json）")
    if not isinstance(data, dict):
        raise bad_request("请求体应为 JSON 对象")
    return data


def arg_int(name: str, default: int | None = None, *, minimum: int | None = None,
            maximum: int | None = None, required: bool = False) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        if required:
            raise bad_request(f"缺少参数 {name}", name)
        return default
    try:
        v = int(raw)
    except ValueError:
        raise bad_request(f"参数 {name} 应为整数", name) from None
    if minimum is not None and v < minimum or maximum is not None and v > maximum:
        raise bad_request(f"参数 {name} 应在 {minimum}–{maximum} 之间", name)
    return v


def arg_uscc(name: str, *, required: bool = True) -> str | None:
    raw = (request.args.get(name) or "").strip().upper()
    if not raw:
        if required:
            raise bad_request(f"缺少参数 {name}", name)
        return None
    if not stdnum_uscc.is_valid(raw):
        raise bad_request(f"参数 {name} 不是有效的统一社会信用代码", name)
    return raw


def valid_uscc(value: str, field: str = "uscc") -> str:
    v = (value or "").strip().upper()
    if not stdnum_uscc.is_valid(v):
        raise bad_request(f"{field} 不是有效的统一社会信用代码", field)
    return v


def page() -> tuple[int, int]:
    """(limit, offset) with the configured cap, so no request can ask for everything."""
    cap = current_app.extensions["graphsvc"]["settings"].page_size_max
    limit = arg_int("limit", 100, minimum=1, maximum=cap)
    offset = arg_int("offset", 0, minimum=0, maximum=10_000_000)
    return limit, offset


def arg_float(name: str, default: float | None = None, *, minimum: float | None = None) -> float | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        v = float(raw)
    except ValueError:
        raise bad_request(f"参数 {name} 应为数字", name) from None
    if v != v or v in (float("inf"), float("-inf")) or minimum is not None and v < minimum:
        raise bad_request(f"参数 {name} 应为不小于 {minimum} 的有限数字", name)
    return v
