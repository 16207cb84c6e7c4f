"""Finding an enterprise by name or USCC as one types (the search page and every field that asks
for an enterprise): a character-bigram index over the names and the sorted USCCs, both held by
the explore projection. Pure functions over plain lists.

>>> names = ["杭州甲科技有限公司", "绍兴乙纺织", "杭州甲乙电子", None]
>>> usccs = ["91330106A", "91330602B", "91330108C", "91330100D"]
>>> index = name_index(names)
>>> find(names, usccs, index, sorted(range(4), key=lambda i: usccs[i]), "杭州甲", [True] * 4, 5)
[2, 0]
>>> find(names, usccs, index, sorted(range(4), key=lambda i: usccs[i]), "913306", [True] * 4, 5)
[1]
>>> find(names, usccs, index, sorted(range(4), key=lambda i: usccs[i]), "杭州", [False, True, True, True], 5)
[2]
"""
from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

MIN_CHARS = 2
USCC_LIKE = re.compile(r"^[0-9A-Z]{2,18}$")


def bigrams(text: str) -> set[str]:
    """The two-character pieces of `text`.

    >>> sorted(bigrams("甲乙丙"))
    ['乙丙', '甲乙']
    """
    return {text[i:i + 2] for i in range(len(text) - 1)}


def name_index(names: list[str | None]) -> dict[str, np.ndarray]:
    """bigram -> the rows whose name holds it, ascending."""
    out: dict = defaultdict(list)
    for i, name in enumerate(names):
        for g in bigrams(name or ""):
            out[g].append(i)
    return {g: np.array(rows, dtype=np.int64) for g, rows in out.items()}


def find(names: list, usccs: list, index: dict, by_uscc: list[int], q: str, visible, limit: int,
         name_len: np.ndarray | None = None, rank: np.ndarray | None = None) -> list[int]:
    """Rows matching `q` that `visible[row]` allows, best first, at most `limit` (`name_len`
    and `rank`, each row's name length and USCC order, spare computing them).

    A USCC-like query (digits and capitals) matches USCC prefixes, in USCC order; otherwise
    names holding `q`, those starting with it first, then shorter names, then by USCC."""
    q = q.strip()
    if len(q) < MIN_CHARS:
        return []
    out: list[int] = []
    if USCC_LIKE.match(q.upper()) and not any("\u4e00" <= ch <= "\u9fff" for ch in q):
        key = q.upper()
        for i in by_uscc[_bisect(usccs, by_uscc, key):]:
            if not usccs[i].startswith(key) or len(out) >= limit:
                break
            if visible[i]:
                out.append(i)
        if out:
            return out
    postings = [index.get(g) for g in bigrams(q)]
    if any(p is None for p in postings):
        return []
    postings.sort(key=len)
    rows = postings[0]
    for p in postings[1:]:
        rows = np.intersect1d(rows, p, assume_unique=True)
    rows = rows[np.asarray(visible, dtype=bool)[rows]]
    # Walk the candidates shortest name first (then USCC), keeping those that start with `q`
    # apart: the answer is they, then the others, each in that order.
    lens = np.array([len(names[i] or "") for i in rows.tolist()]) if name_len is None else name_len[rows]
    key = np.array([usccs[i] for i in rows.tolist()], dtype=object) if rank is None else rank[rows]
    first, other = [], []
    for i in rows[np.lexsort((key, lens))].tolist():
        name = names[i] or ""
        if len(q) > 2 and q not in name:
            continue
        if name.startswith(q):
            first.append(i)
            if len(first) >= limit:
                break
        elif len(other) < limit:
            other.append(i)
    return (first + other)[:limit]


def _bisect(usccs: list, by_uscc: list[int], key: str) -> int:
    """The first position in `by_uscc` whose USCC is not below `key`."""
    lo, hi = 0, len(by_uscc)
    while lo < hi:
        mid = (lo + hi) // 2
        if usccs[by_uscc[mid]] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo
