"""HTTP errors: JSON `{error, detail}` under /api, Chinese pages elsewhere."""
from __future__ import annotations

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from graphsvc.core import errors as domain
from graphsvc.core.store import StoreError, StoreUnavailable

TITLES = {400: "请求有误", 401: "请先登录", 403: "无权访问", 404: "未找到", 405: "不支持的请求方法",
          409: "状态冲突", 413: "文件过大", 415: "不支持的文件类型", 422: "数据未通过校验",
          429: "请求过于频繁", 500: "服务器内部错误", 503: "服务暂不可用"}


# Chinese for werkzeug's own errors (unknown URL, wrong method …), same wording as error.html.
STOCK_DETAILS = {400: "请求有误，请检查后重试。", 404: "您访问的页面不存在。", 405: "该地址不支持这种请求方式。",
                 500: "服务器内部错误，已记录日志。"}


class ApiError(Exception):
    """Raise anywhere in a request; becomes `{error, detail, **extra}` with `status`."""

    def __init__(self, status: int, error: str, detail: str, **extra):
        super().__init__(detail)
        self.status, self.error, self.detail, self.extra = status, error, detail, extra


def bad_request(detail: str, field: str | None = None) -> ApiError:
    return ApiError(400, "bad_request", detail, **({"field": field} if field else {}))


def not_found(detail: str = "未找到") -> ApiError:
    return ApiError(404, "not_found", detail)


def forbidden(detail: str = "无权访问") -> ApiError:
    return ApiError(403, "forbidden", detail)


def unprocessable(detail: str, field: str | None = None, **extra) -> ApiError:
    return ApiError(422, "unprocessable", detail, **({"field": field} if field else {}), **extra)


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _respond(status: int, error: str, detail: str, extra: dict | None = None):
    if wants_json():
        body = {"error": error, "detail": detail, **(extra or {})}
        resp = jsonify(body)
        resp.status_code = status
        if status == 401 and request.path.startswith("/api/"):
            resp.headers["WWW-Authenticate"] = 'Bearer realm="graphsvc"'
        return resp
    return render_template("error.html", status=status, title=TITLES.get(status, "出错了"),
                           detail=detail, extra=extra or {}), status


# The one place domain errors become HTTP: (status, error code) per kind of DomainError.
DOMAIN_STATUS = {domain.BadParameter: (400, "bad_request"), domain.NotFound: (404, "not_found"),
                 domain.Forbidden: (403, "forbidden"), domain.Invalid: (422, "unprocessable"),
                 domain.Conflict: (409, "conflict")}


def from_domain(exc: domain.DomainError) -> ApiError:
    status, error = next((v for cls, v in DOMAIN_STATUS.items() if isinstance(exc, cls)), (400, "bad_request"))
    extra = {**({"field": exc.field} if exc.field else {}), **exc.extra}
    return ApiError(status, error, exc.message, **extra)


def register(app) -> None:
    @app.errorhandler(domain.DomainError)
    def _domain_error(exc: domain.DomainError):
        e = from_domain(exc)
        return _respond(e.status, e.error, e.detail, e.extra)

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return _respond(exc.status, exc.error, exc.detail, exc.extra)

    @app.errorhandler(StoreUnavailable)
    def _unavailable(exc):
        app.logger.error("store unavailable: %s", exc)
        return _respond(503, "store_unavailable", str(exc))

    @app.errorhandler(StoreError)
    def _store_error(exc):
        app.logger.exception("store error")
        return _respond(500, "store_error", "数据库查询出错，已记录日志")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = exc.code or 500
        # werkzeug's stock descriptions are English; people here read Chinese.
        if code == 413:
            detail = f"请求体超过上限 {app.config['MAX_CONTENT_LENGTH'] // (1024 * 1024)} MB"
        elif exc.description == type(exc).description:
            detail = STOCK_DETAILS.get(code, TITLES.get(code, "请求出错"))
        else:
            detail = exc.description
        return _respond(code, exc.name.lower().replace(" ", "_"), detail)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        app.logger.exception("unhandled error")
        return _respond(500, "internal_error", "服务器内部错误，已记录日志")
