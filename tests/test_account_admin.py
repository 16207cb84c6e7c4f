"""Who manages whom (graphsvc.accounts.admin.may_manage), as properties over real region codes:
a bureau account administrator never reaches beyond its region, never an administrator or
another account administrator, never itself; an ordinary bureau manages nobody."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from graphsvc.accounts.admin import is_manager, may_manage
from graphsvc.core import regions

CODES = sorted(regions.regions())
code = st.sampled_from(CODES)
role = st.sampled_from(["admin", "bureau", "manufacturer", "supplier"])


@st.composite
def account(draw, name=None):
    r = draw(role)
    return {"username": name or draw(st.sampled_from(["a", "b", "c"])), "role": r, "active": True,
            "scope": draw(code) if r == "bureau" else None, "uscc": "X" if r in ("manufacturer", "supplier") else None,
            "can_manage_accounts": r == "bureau" and draw(st.booleans())}


@settings(max_examples=400, deadline=None)
@given(manager=account(), target=account(), target_region=st.one_of(st.none(), code))
def test_bureau_administrators_stay_inside_their_region(manager, target, target_region):
    allowed = may_manage(manager, target, target_region)
    if manager["role"] == "admin":
        assert allowed
        return
    if not allowed:
        return
    assert manager["role"] == "bureau" and manager["can_manage_accounts"] and is_manager(manager)
    assert target["username"] != manager["username"]
    assert target["role"] != "admin" and not target["can_manage_accounts"]
    where = target["scope"] if target["role"] == "bureau" else target_region
    assert where is not None and regions.in_scope(where, manager["scope"])


@settings(max_examples=200, deadline=None)
@given(manager=account(), target=account(), target_region=st.one_of(st.none(), code))
def test_a_disabled_or_unflagged_account_manages_nobody(manager, target, target_region):
    if manager["role"] != "admin" and not manager["can_manage_accounts"]:
        assert not may_manage(manager, target, target_region)
    assert not is_manager({**manager, "active": False})


def test_home_counts_the_whole_graph_for_an_administrator_only(store):
    from graphsvc.accounts.service import home
    from graphsvc.core.access import Principal

    assert home(store, Principal("admin", "admin"))["counts"]["Enterprise"] == store.counts()["Enterprise"] > 0
    for p in (None, Principal("hz", "bureau", scope="330100"), Principal("m", "manufacturer", uscc="X")):
        assert home(store, p) == {"counts": None}
