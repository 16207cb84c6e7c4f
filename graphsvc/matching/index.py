"""Candidate generation: an inverted index from character bigrams of name cores to names.

Every name an enterprise is known by (its current name; former names when the graph has them)
is one entry. A query looks up its core's bigrams, leaving out the very common ones (示例,
科技, 机械 …: they say little and would touch a large part of the index), and keeps the entries
sharing most bigrams, after every entry whose core is exactly the query's.

>>> idx = NameIndex([
...     {"uscc": "A", "name": "杭州示例恒达精密机械有限公司", "region_code": "330108"},
...     {"uscc": "B", "name": "宁波示例恒达精密机械有限公司", "region_code": "330203"},
...     {"uscc": "C", "name": "杭州示例华鼎纺织有限公司", "region_code": "330106"},
... ])
>>> [idx.entries[i].uscc for i in idx.candidates(parse("示例恒達精密机械"))]
['A', 'B', 'C']
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from collections.abc import Iterable

from graphsvc.matching.normalise import Name, parse

CANDIDATES = 30        # entries scored per query
COMMON_SHARE = 0.01    # a bigram in more than this share of entries is not used for lookup
COMMON_MIN = 1000      # … unless the index is small enough that it costs nothing


@dataclass(frozen=True)
class Entry:
    uscc: str
    name: str            # as recorded
    parsed: Name
    region_code: str
    industry_code: str
    current: bool        # False for a former name


def grams(core: str) -> set[str]:
    """Character bigrams (the single character for a one-character core).

    >>> sorted(grams("恒达精密"))
    ['恒达', '精密', '达精']
    """
    if len(core) < 2:
        return {core} if core else set()
    return {core[i: i + 2] for i in range(len(core) - 1)}


class NameIndex:
    def __init__(self, rows: Iterable[dict]):
        """rows: {uscc, name, region_code, industry_code?, former_names? (list)}."""
        self.entries: list[Entry] = []
        self.postings: dict[str, list[int]] = {}
        self.by_core: dict[str, list[int]] = {}
        for r in rows:
            names = [(r["name"], True)] + [(n, False) for n in r.get("former_names") or () if n]
            for name, current in names:
                parsed = parse(name)
                if not parsed.text:
                    continue
                i = len(self.entries)
                self.entries.append(Entry(r["uscc"], name, parsed, r.get("region_code") or "",
                                          r.get("industry_code") or "", current))
                self.by_core.setdefault(parsed.core, []).append(i)
                for g in grams(parsed.core):
                    self.postings.setdefault(g, []).append(i)
        self.common = max(COMMON_MIN, int(COMMON_SHARE * len(self.entries)))

    def __len__(self) -> int:
        return len(self.entries)

    def candidates(self, q: Name, limit: int = CANDIDATES) -> list[int]:
        """Entry ids worth scoring for q: exact cores first, then most shared bigrams."""
        exact = self.by_core.get(q.core, [])
        counts: Counter = Counter()
        for g in grams(q.core):
            ids = self.postings.get(g)
            if ids and len(ids) <= self.common:
                counts.update(ids)
        out = list(exact)
        seen = set(exact)
        for i, _ in counts.most_common(limit + len(exact)):
            if i not in seen:
                out.append(i)
                seen.add(i)
            if len(out) >= limit + len(exact):
                break
        return out
