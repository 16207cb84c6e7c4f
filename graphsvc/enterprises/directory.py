"""The enterprise list and name search served from memory (issue 12): a projection part.

`enterprises/list` filtered 200k enterprises with `name CONTAINS $q` on every search (a full
scan per request). The directory holds the listed fields as columns in USCC order, and every
name in one string (separated by NUL), so a search is a run of `str.find` calls from the
cursor on, stopping at `limit`. It answers exactly as `queries/enterprises/list.cypher` does
(same filters, NULLs never match, USCC order) and follows Enterprise changes by re-reading
the named enterprises.

>>> d = build_directory([
...     {"uscc": "B2", "name": "杭州甲精密机械", "region_code": "330108", "provider_types": [1]},
...     {"uscc": "A1", "name": "绍兴乙纺织", "region_code": "330602", "provider_types": []},
...     {"uscc": "C3", "name": "杭州丙机械", "region_code": "330106", "provider_types": [1, 2]},
...     {"uscc": "D4", "name": None, "region_code": None, "provider_types": None}])
>>> [r["uscc"] for r in search(d, q="机械")]
['B2', 'C3']
>>> [r["uscc"] for r in search(d, prefix="3301", q="机械", after="B2")]
['C3']
>>> [r["uscc"] for r in search(d, provider_type=2)], [r["uscc"] for r in search(d, limit=2)]
(['C3'], ['A1', 'B2'])
>>> d2 = updated(d, {"A1": {"uscc": "A1", "name": "绍兴乙机械", "region_code": "330602"}, "C3": None})
>>> [r["uscc"] for r in search(d2, q="机械")], len(d.usccs)
(['A1', 'B2'], 4)
"""
from __future__ import annotations

import bisect
import weakref
from dataclasses import dataclass, field

import numpy as np

from graphsvc.core import columns, projection

FIELDS = ("uscc", "name", "region_code", "industry_code", "industry_kind", "is_manufacturer", "provider_types",
          "credit_ok")
SEP = "\x00"


@dataclass(frozen=True)
class Directory:
    usccs: list           # sorted
    cols: dict            # field -> list, in the order of usccs
    blob: str             # every name (None as ""), each followed by SEP
    offsets: np.ndarray   # where each name starts in blob; one more at the end
    store_ref: object = None
    # region prefix -> (rows registered under it, their names' blob, offsets), made on first use
    regional: dict = field(default_factory=dict, compare=False, repr=False)


# Region prefixes whose own blob a directory keeps at most (a bureau's city or district).
REGIONAL_MAX = 64


def build_directory(rows, store_ref=None, strings_shared: bool = False) -> Directory:
    rows = sorted(_kept(rows, strings_shared), key=lambda r: r["uscc"])
    cols = {f: [r.get(f) for r in rows] for f in FIELDS}
    return _with_blob(cols["uscc"], cols, store_ref)


def _kept(rows, strings_shared: bool = False) -> list[dict]:
    """The rows as the directory keeps them: strings shared with the other parts
    (columns.shared), equal provider-type lists one list (most are empty: a list each was 11 MB
    on the province data). Rows are read-only for everyone: search() hands these lists out."""
    lists: dict = {}
    out = rows if strings_shared else columns.shared_rows(rows)
    for r in out:
        v = r.get("provider_types")
        if isinstance(v, list):
            r["provider_types"] = lists.setdefault(tuple(v), v)
    return out


def _with_blob(usccs: list, cols: dict, store_ref) -> Directory:
    return Directory(usccs, cols, *_blob(cols["name"]), store_ref)


def _blob(names: list) -> tuple[str, list]:
    """Every name (None as "") followed by SEP, and where each starts; one more at the end."""
    names = [(n or "").replace(SEP, "") for n in names]
    offsets = np.zeros(len(names) + 1, dtype=np.int64)
    np.cumsum(np.fromiter((len(n) + 1 for n in names), dtype=np.int64, count=len(names)), out=offsets[1:])
    return SEP.join(names) + SEP, offsets


def updated(d: Directory, rows: dict) -> Directory:
    """A new directory with `rows` ({uscc: row, or None when gone}) replacing the old ones."""
    usccs, cols = list(d.usccs), {f: list(v) for f, v in d.cols.items()}
    for u in sorted(rows):
        r = rows[u]
        i = bisect.bisect_left(usccs, u)
        here = i < len(usccs) and usccs[i] == u
        if r is None:
            if here:
                del usccs[i]
                for f in FIELDS:
                    del cols[f][i]
            continue
        if not here:
            usccs.insert(i, u)
            for f in FIELDS:
                cols[f].insert(i, None)
        for f in FIELDS:
            cols[f][i] = r.get(f)
    return _with_blob(usccs, cols, d.store_ref)


def _row(d: Directory, i: int) -> dict:
    return {f: d.cols[f][i] for f in FIELDS}


def record(d: Directory, uscc: str) -> dict | None:
    """The enterprise's row (FIELDS), or None when the directory does not hold it."""
    i = bisect.bisect_left(d.usccs, uscc)
    return _row(d, i) if i < len(d.usccs) and d.usccs[i] == uscc else None


def _passes(d: Directory, i: int, prefix: str, provider_type: int | None) -> bool:
    rc = d.cols["region_code"][i]
    if rc is None or not rc.startswith(prefix):
        return False
    return provider_type is None or provider_type in (d.cols["provider_types"][i] or ())


def search(d: Directory, *, prefix: str = "", uscc: str | None = None, q: str | None = None,
           provider_type: int | None = None, after: str | None = None, limit: int = 100) -> list[dict]:
    """What enterprises/list returns for the same parameters."""
    start = bisect.bisect_right(d.usccs, after) if after is not None else 0
    if uscc is not None:
        i = bisect.bisect_left(d.usccs, uscc)
        idx = [i] if i < len(d.usccs) and d.usccs[i] == uscc and i >= start else []
        return [_row(d, i) for i in idx if _passes(d, i, prefix, provider_type)
                and (q is None or (d.cols["name"][i] is not None and q in d.cols["name"][i]))][:limit]
    out: list[dict] = []
    if limit <= 0:
        return out
    if q is None:
        for i in range(start, len(d.usccs)):
            if _passes(d, i, prefix, provider_type):
                out.append(_row(d, i))
                if len(out) >= limit:
                    break
        return out
    if SEP in q:
        return out
    rows, blob, offsets = _regional(d, prefix)
    k = bisect.bisect_left(rows, start) if rows is not None else start
    pos, n = int(offsets[k]), len(offsets) - 1
    while len(out) < limit:
        j = blob.find(q, pos)
        if j < 0:
            break
        k = int(np.searchsorted(offsets, j, side="right")) - 1
        if k >= n:
            break
        i = rows[k] if rows is not None else k
        if d.cols["name"][i] is not None and _passes(d, i, prefix, provider_type):
            out.append(_row(d, i))
        pos = int(offsets[k + 1])
    return out


def _regional(d: Directory, prefix: str) -> tuple[list | None, str, list]:
    """(rows, blob, offsets) of the names registered under `prefix` (rows None: every name, the
    directory's own blob). A search under a bureau's region scans only its names: a rare
    fragment made the whole province's blob be read on every request."""
    if not prefix:
        return None, d.blob, d.offsets
    hit = d.regional.get(prefix)
    if hit is None:
        rows = [i for i, rc in enumerate(d.cols["region_code"]) if rc is not None and rc.startswith(prefix)]
        hit = (rows, *_blob([d.cols["name"][i] for i in rows]))
        if len(d.regional) >= REGIONAL_MAX:
            d.regional.clear()
        d.regional[prefix] = hit
    return hit


# ---------------------------------------------------------------- the projection part

def _build(store) -> Directory:
    # Read as Arrow columns: no engine conversion one value at a time.
    return build_directory(columns.rows(store.read_columns("enterprises/directory")), weakref.ref(store),
                           strings_shared=True)


def _apply(d: Directory, changes) -> Directory | None:
    store = d.store_ref() if d.store_ref is not None else None
    if store is None or any(c.op == "bulk" for c in changes):
        return None
    usccs = sorted({r["uscc"] for c in changes for r in c.rows if r.get("uscc")})
    fresh: dict = dict.fromkeys(usccs)
    for i in range(0, len(usccs), 2000):
        for r in _kept(store.read("enterprises/directory_rows", usccs=usccs[i:i + 2000])):
            fresh[r["uscc"]] = r
    return updated(d, fresh)


PART = projection.register(projection.Part("enterprises.directory", build=_build, apply=_apply,
                                           entities=frozenset({"Enterprise"})))


def current(store) -> Directory:
    return projection.current(store, PART.name)
