"""The domain's errors, one family: services raise these; `web.errors` maps them to HTTP once and
the CLI prints them. A domain error knows what went wrong and which field, never an HTTP code.

>>> e = Invalid("年份应在2000–2100之间", field="year")
>>> (e.kind, e.field, str(e))
('invalid', 'year', '年份应在2000–2100之间')
"""
from __future__ import annotations


class DomainError(Exception):
    """Something the caller asked for cannot be done; the message is for people (Chinese)."""

    kind = "domain_error"
    title = "无法完成"  # the kind of refusal in words, for the CLI and logs

    def __init__(self, message: str, field: str | None = None, **extra):
        super().__init__(message)
        self.message, self.field, self.extra = message, field, extra


class BadParameter(DomainError):
    """A parameter is malformed (not a code, not a number, out of range)."""
    kind, title = "bad_request", "参数有误"


class NotFound(DomainError):
    """Unknown, or outside what the caller may see (the two are not told apart: no existence leak)."""
    kind, title = "not_found", "未找到或不在可见范围内"


class Forbidden(DomainError):
    """The caller may not have this at all (a region outside its scope, another role's page)."""
    kind, title = "forbidden", "无权操作"


class Invalid(DomainError):
    """Well-formed but not acceptable business data (a 链主工厂 that is not one, an amount below zero)."""
    kind, title = "invalid", "数据未通过校验"


class Conflict(DomainError):
    """The record is not in a state that allows this (confirming a withdrawn delivery)."""
    kind, title = "conflict", "状态冲突"
