"""Enterprises as a caller may see them, plus the reference chains and regions.

Scoping (graphsvc.core.access): admin lists every enterprise; a bureau those of its region (a
region filter outside it is Forbidden); a manufacturer or supplier only itself. One enterprise
outside what the caller may see is NotFound, the same as one that does not exist.

>>> from graphsvc.core.access import Principal
>>> list_scope(Principal("bj", "bureau", scope="330108"), None)
('330108', None)
>>> list_scope(Principal("m", "manufacturer", uscc="91330100000000000X"), "330108")
('330108', '91330100000000000X')
>>> list_scope(Principal("sx", "bureau", scope="330600"), "330108")
Traceback (most recent call last):
...
graphsvc.core.errors.Forbidden: 所请求的区域超出您的管辖范围
>>> region("330100")["children"][0]["parent"]
'330100'
"""
from __future__ import annotations

from graphsvc.core import access
from graphsvc.enterprises import directory
from graphsvc.core import reference
from graphsvc.core import regions
from graphsvc.core.errors import BadParameter, Forbidden, NotFound


def list_scope(p: access.Principal, region: str | None) -> tuple[str, str | None]:
    """(region prefix, own USCC or None) that a list for `p` is limited to."""
    base = access.visible_prefix(p)  # None: a manufacturer or supplier sees only itself
    own = p.uscc if base is None else None
    if not region:
        return base or "", own
    if not regions.is_known_region(region):
        raise BadParameter("未知的行政区划代码", field="region")
    if base is not None and not access.scope_within(p, region):
        raise Forbidden("所请求的区域超出您的管辖范围")
    return regions.scope_prefix(region), own


def list_enterprises(store, p: access.Principal, *, region: str | None = None, q: str | None = None,
                     provider_type: int | None = None, fetch: int, after: list[str] | None = None) -> list[dict]:
    """Up to `fetch` enterprises `p` may see, in USCC order after the cursor `after` ([uscc])."""
    prefix, own = list_scope(p, region)
    return directory.search(directory.current(store), prefix=prefix, uscc=own, q=q or None,
                            provider_type=provider_type, limit=fetch, after=after[0] if after else None)


def enterprise_key(row: dict) -> list[str]:
    """The sort key a cursor continues from (the order of enterprises/list)."""
    return [row["uscc"]]


def enterprise(store, p: access.Principal, uscc: str) -> dict:
    """One enterprise with its segments, recognitions and district name; NotFound out of scope."""
    uscc = uscc.upper()
    row = store.read_one("enterprises/get", uscc=uscc)
    if not row or not access.sees_enterprise(p, uscc, row["enterprise"].get("region_code")):
        raise NotFound("未找到该企业，或不在您的可见范围内")
    ent = dict(row["enterprise"])
    ent["segment_ids"] = sorted(row["segment_ids"])
    ent["recognitions"] = sorted(row["recognitions"], key=lambda r: (r.get("year") or 0, r.get("kind") or ""))
    ent["region_name"] = regions.district_name(ent.get("region_code") or "")
    return ent


def chains() -> dict:
    """The reference industrial chains with their segments (public)."""
    out = [{"id": c["id"], "name": c["name"], "ecosystem": c.get("ecosystem"),
            "segments": [{"id": s["id"], "name": s["name"], "stage": s["stage"]} for s in c["segments"]]}
           for c in reference.chains()]
    return {"items": out, "source": reference.chains_source()}


def region(code: str) -> dict:
    """A GB/T 2260 region, its current code and its current children (public)."""
    r = regions.region(code)
    if not r:
        raise NotFound("未知的行政区划代码")
    children = [c for c in regions.regions().values() if c.get("parent") == code and not c.get("successor")]
    return {**r, "current_code": regions.current_code(code), "children": children}


# ---------------------------------------------------------------- exploring the graph (issue #15)

def _explore():
    # Imported on use: explore calls enterprise() from this module for its scope checks.
    from graphsvc.enterprises import explore
    return explore


def upstream(store, p: access.Principal, uscc: str, *, year: int | None = None, tiers: int = 2,
             min_amount_wan: float | None = None) -> dict:
    """Suppliers of `uscc` over `tiers` tiers in `year` (graphsvc.enterprises.explore)."""
    return _explore().tiers_payload(store, p, uscc, "upstream", year, tiers, min_amount_wan)


def downstream(store, p: access.Principal, uscc: str, *, year: int | None = None, tiers: int = 2,
               min_amount_wan: float | None = None) -> dict:
    """Buyers of `uscc` over `tiers` tiers in `year`, the mirror image of `upstream`."""
    return _explore().tiers_payload(store, p, uscc, "downstream", year, tiers, min_amount_wan)


def impact(store, p: access.Principal, uscc: str, *, year: int | None = None) -> dict:
    """What each 链主工厂 would lose if `uscc` stopped supplying in `year`."""
    return _explore().impact_payload(store, p, uscc, year)


def paths(store, p: access.Principal, src: str, dst: str, *, max_hops: int = 4) -> dict:
    """Up to five shortest connections between two enterprises."""
    return _explore().paths_payload(store, p, src, dst, max_hops)


def profile(store, p: access.Principal, uscc: str, *, year: int | None = None) -> dict:
    """The enterprise profile page's payload."""
    return _explore().profile_payload(store, p, uscc, year)


def suggest(store, p: access.Principal, q: str, *, limit: int = 10) -> dict:
    """Enterprises `p` may name whose name holds `q` or whose USCC starts with it (graphsvc.
    enterprises.search over the explore projection's name index), best first. A manufacturer
    or supplier names itself and the other party of each delivery its ledger or inbox lists;
    a supplier also any manufacturer, the clients it registers deliveries for (a name, its
    code and district: what the public credit registry shows, nothing of the graph)."""
    from graphsvc.enterprises import projection as proj
    from graphsvc.enterprises import search

    q = _query(q)
    st = proj.current(store)
    rows = _find(st, nameable(st, p), q, limit)
    items = [{"uscc": st.usccs[i], "name": st.names[i], "region_code": st.regions[i],
              "region_name": regions.district_name(st.regions[i] or "")} for i in rows]
    note = f"请至少输入{search.MIN_CHARS}个字符" if len(q) < search.MIN_CHARS else (None if items else "没有找到匹配的企业")
    return {"q": q, "items": items, "note": note}


def names_of(store, usccs) -> dict[str, str]:
    """USCC -> name of those of `usccs` in the graph, from the explore projection (no query).
    For pages that already show these codes to the caller (the audit log's events are scoped
    to the caller's region; a delivery names both parties to whoever sees it)."""
    from graphsvc.enterprises import projection as proj

    st = proj.current(store)
    return {u: st.names[st.idx[u]] for u in usccs if u in st.idx and st.names[st.idx[u]]}


def _query(q: str | None) -> str:
    q = (q or "").strip()
    if len(q) > 60:
        raise BadParameter("查询内容过长（最多60个字符）", field="q")
    return q


def nameable(st, p: access.Principal):
    """Which rows of the explore projection `p` may find by name: what it sees; for an
    enterprise account the counterparts of its deliveries; for a supplier every manufacturer."""
    from graphsvc.enterprises import explore

    seen = explore._visible(st, p)
    own = st.idx.get(p.uscc or "")
    if p.role in ("manufacturer", "supplier") and own is not None:
        seen = seen.copy()
        seen[st.counterparts().get(own, [])] = True
    if p.role == "supplier":
        seen = seen | st.manufacturers()[:len(seen)]
    return seen


def _find(st, allowed, q: str, limit: int) -> list[int]:
    """Rows of the projection `st` matching `q` that `allowed` holds, best first."""
    from graphsvc.enterprises import search

    return search.find(st.names, st.usccs, st.name_index(), st.by_uscc(), q, allowed, limit,
                       st.name_lengths(), st.rank())


def suggest_projects(store, p: access.Principal, q: str, *, limit: int = 10) -> dict:
    """攻关项目 of enterprises `p` sees (the self-check's rule, access.sees_enterprise), found
    by a prefix of their id or by their owner's name or USCC (the enterprise search)."""
    from graphsvc.enterprises import explore, search
    from graphsvc.enterprises import projection as proj

    q = _query(q)
    items: list[dict] = []
    if len(q) >= search.MIN_CHARS:
        st = proj.current(store)
        owners_of = st.project_owners()
        seen = explore._visible(st, p)
        key = q.upper()
        by_id = sorted(pid for pid, row in owners_of.items() if pid.upper().startswith(key) and seen[row])
        if by_id:
            rows = list(dict.fromkeys(owners_of[pid] for pid in by_id[:limit]))
            wanted = set(by_id[:limit])
        else:
            rows = _find(st, st.project_owner_mask() & seen, q, limit)
            wanted = None
        for i in rows:
            for pr in store.read("programmes/enterprise_projects", uscc=st.usccs[i]):
                if wanted is None or pr["id"] in wanted:
                    items.append({"id": pr["id"], "name": pr.get("name"), "one_plus_n": pr.get("one_plus_n") or None,
                                  "owner_uscc": st.usccs[i], "owner_name": st.names[i]})
        items = sorted(items, key=lambda it: it["id"])[:limit] if wanted is not None else items[:limit]
    note = f"请至少输入{search.MIN_CHARS}个字符" if len(q) < search.MIN_CHARS else (None if items else "没有找到匹配的项目")
    return {"q": q, "items": items, "note": note}

