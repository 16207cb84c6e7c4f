"""Who may see what: pure decisions over a principal and the record asked for.

Roles (issue #3): admin sees everything; a bureau is scoped to a region code (city or
district) and sees enterprise detail only inside it; a manufacturer or supplier is bound to
one USCC. Every web endpoint asks these functions; nothing else decides.
"""
from __future__ import annotations

from dataclasses import dataclass

from graphsvc.core import regions

ROLES = ("admin", "bureau", "manufacturer", "supplier")


@dataclass(frozen=True)
class Principal:
    username: str
    role: str
    scope: str | None = None  # region code, for bureaus
    uscc: str | None = None   # bound enterprise, for manufacturers and suppliers

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def as_dict(self) -> dict:
        return {"username": self.username, "role": self.role, "scope": self.scope, "uscc": self.uscc}


def sees_region(p: Principal, region_code: str | None) -> bool:
    """May `p` see aggregates and enterprise detail for `region_code`?

    >>> sees_region(Principal("hz", "bureau", scope="330100"), "330108")
    True
    >>> sees_region(Principal("bj", "bureau", scope="330108"), "330106")
    False
    """
    if p.is_admin:
        return True
    if p.role != "bureau" or not p.scope or not region_code:
        return False
    return regions.in_scope(region_code, p.scope)


def sees_enterprise(p: Principal, uscc: str, region_code: str | None) -> bool:
    """Enterprise-level detail: admin, the bureau of its region, or the enterprise itself."""
    if p.is_admin:
        return True
    if p.role == "bureau":
        return sees_region(p, region_code)
    return p.uscc is not None and p.uscc == uscc


def acts_for(p: Principal, uscc: str, region_code: str | None) -> bool:
    """May `p` act on behalf of enterprise `uscc` (ask for recommendations, check eligibility)?"""
    if p.role in ("manufacturer", "supplier"):
        return p.uscc == uscc
    return sees_enterprise(p, uscc, region_code)


def scope_within(p: Principal, scope_code: str) -> bool:
    """Is a requested scope (e.g. a district) inside what `p` may see?"""
    if p.is_admin:
        return True
    if p.role != "bureau" or not p.scope:
        return False
    return regions.in_scope(scope_code, p.scope)


def visible_prefix(p: Principal) -> str | None:
    """The region prefix a principal's lists are limited to; '' for admin, None for none."""
    if p.is_admin:
        return ""
    if p.role == "bureau" and p.scope:
        return regions.scope_prefix(p.scope)
    return None
