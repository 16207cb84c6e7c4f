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

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from graphsvc.matching.normalise import Name, parse, parse_many

CANDIDATES = 30        # entries scored per query
COMMON_SHARE = 0.01    # a bigram in more than this share of entries is not used for lookup
COMMON_MIN = 1000      # … unless the index is small enough that it costs nothing
# What the index keeps of each enterprise's row (a tuple, not the row's dict: 200,000 of them).
ROW_KEYS = ("uscc", "name", "region_code", "industry_code", "former_names")


@dataclass(frozen=True, slots=True)
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


def _names(r: dict) -> list[tuple[str, bool]]:
    """(name, current) for each name of an enterprise row: its name, then its former names."""
    return [(r["name"], True)] + [(n, False) for n in r.get("former_names") or () if n and n != r["name"]]


def bigram_postings(cores: list[str]) -> dict[str, array]:
    """{bigram: ids of the cores holding it, ascending} for cores numbered 0, 1, … (`grams` of
    each core), counted over all of them at once in NumPy: a dict and a list append per bigram
    were most of the index's build after parsing.

    >>> {g: ids.tolist() for g, ids in sorted(bigram_postings(["恒达精密", "", "达", "精密精密"]).items())}
    {'密精': [3], '恒达': [0], '精密': [0, 3], '达': [2], '达精': [0]}
    """
    if not cores:
        return {}
    lens = np.fromiter(map(len, cores), dtype=np.int64, count=len(cores))
    cp = np.frombuffer("".join(cores).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    owner = np.repeat(np.arange(len(cores), dtype=np.int64), lens)
    ends = np.cumsum(lens)
    inside = np.arange(len(cp) - 1) + 1 < ends[owner[:-1]] if len(cp) else np.zeros(0, dtype=bool)
    single = np.flatnonzero(lens == 1)
    # A bigram as one int (code points < 2**21 each); a one-character core's gram is marked apart.
    code = np.concatenate((((cp[:-1] << 21) | cp[1:])[inside], (1 << 42) | cp[ends[single] - 1]))
    ids = np.concatenate((owner[:-1][inside], single))
    order = np.lexsort((ids, code))
    code, ids = code[order], ids[order]
    keep = np.ones(len(code), dtype=bool)
    keep[1:] = (code[1:] != code[:-1]) | (ids[1:] != ids[:-1])   # a bigram twice in one core
    code, ids = code[keep], ids[keep].astype(np.int32)
    cuts = np.flatnonzero(np.diff(code)) + 1
    out = {}
    for c, part in zip(code[np.concatenate(([0], cuts))].tolist(), np.split(ids, cuts)):
        g = chr(c & 0x1FFFFF) if c >> 42 else chr(c >> 21) + chr(c & 0x1FFFFF)
        a = out[g] = array("i")
        a.frombytes(part.tobytes())
    return out


class NameIndex:
    def __init__(self, rows: Iterable[dict]):
        """rows: {uscc, name, region_code, industry_code?, former_names? (list)}."""
        self.entries: list[Entry | None] = []   # None: a name no longer current or former
        # Entry ids per bigram, as 4-byte ints (a list held an int object per id: 1.6M of them).
        self.postings: dict[str, array] = {}
        self._arrays: dict[str, np.ndarray] = {}  # postings as arrays, for counting; see _array
        self.by_core: dict[str, list[int]] = {}
        self.by_uscc: dict[str, list[int]] = {}
        self.rows: dict[str, tuple] = {}         # what each enterprise was indexed from (ROW_KEYS)
        self.chars: Counter = Counter()           # characters of every live core, with counts
        self.live = 0
        rows = list(rows)
        names = [_names(r) for r in rows]
        # Every name parsed at once (parse_many: most of the build was parsing one by one).
        parsed = iter(parse_many([n for ns in names for n, _ in ns]))
        for r, ns in zip(rows, names):
            self._add(r, [(n, current, next(parsed)) for n, current in ns], bulk=True)
        cores = [e.parsed.core for e in self.entries]
        self.chars = Counter("".join(cores))
        self.postings = bigram_postings(cores)
        self.common = max(COMMON_MIN, int(COMMON_SHARE * len(self.entries)))

    def _add(self, r: dict, names: list | None = None, bulk: bool = False) -> None:
        """Index r's names: (name, current, parsed) given, else parsed here. `bulk`: leave
        the characters and bigrams to the caller (the build counts them all at once)."""
        uscc = r["uscc"]
        self.rows[uscc] = tuple(r.get(k) for k in ROW_KEYS)
        if names is None:
            names = [(n, current, parse(n)) for n, current in _names(r)]
        for name, current, parsed in names:
            if not parsed.text:
                continue
            i = len(self.entries)
            self.entries.append(Entry(uscc, name, parsed, r.get("region_code") or "",
                                      r.get("industry_code") or "", current))
            self.by_uscc.setdefault(uscc, []).append(i)
            self.by_core.setdefault(parsed.core, []).append(i)
            self.live += 1
            if bulk:
                continue
            self.chars.update(parsed.core)
            postings = self.postings
            for g in grams(parsed.core):
                ids = postings.get(g)
                if ids is None:
                    ids = postings[g] = array("i")
                ids.append(i)

    def _remove(self, uscc: str) -> None:
        for i in self.by_uscc.pop(uscc, ()):
            e = self.entries[i]
            self.entries[i] = None
            self.chars.subtract(e.parsed.core)
            self.live -= 1
            ids = self.by_core.get(e.parsed.core)
            if ids is not None:
                ids.remove(i)
                if not ids:
                    del self.by_core[e.parsed.core]
            # postings keep the dead id; lookups skip it (rebuilding the lists would cost more)
        self.rows.pop(uscc, None)

    def upsert(self, rows: Iterable[dict]) -> bool:
        """Fold enterprise rows as written (uscc plus the properties written) into the index.

        A row without a name for an enterprise the index does not hold cannot be indexed:
        False, and the caller rebuilds.

        >>> idx = NameIndex([{"uscc": "A", "name": "杭州示例恒达精密机械有限公司", "region_code": "330108"}])
        >>> idx.upsert([{"uscc": "A", "name": "杭州示例恒远精密机械有限公司",
        ...              "former_names": ["杭州示例恒达精密机械有限公司"]}])
        True
        >>> [(e.name, e.current, e.region_code) for e in idx.entries if e]
        [('杭州示例恒远精密机械有限公司', True, '330108'), ('杭州示例恒达精密机械有限公司', False, '330108')]
        """
        for r in rows:
            uscc = r.get("uscc")
            if not uscc:
                return False
            kept = self.rows.get(uscc)
            if kept is None and not r.get("name"):
                return False
            old = dict(zip(ROW_KEYS, kept)) if kept is not None else {}
            merged = {**old, **{k: v for k, v in r.items()
                                        if k in ("uscc", "name", "region_code", "industry_code", "former_names")
                                        and (v is not None or k == "former_names")}}
            self._remove(uscc)
            self._add(merged)
        self.common = max(COMMON_MIN, int(COMMON_SHARE * len(self.entries)))
        return True

    def __len__(self) -> int:
        return self.live

    def peers(self, core: str, k: int) -> list[int]:
        """Live entries whose core equals `core` but at position k (every name a slip there may
        stand for), found through the rarest bigram that does not touch position k.

        >>> idx = NameIndex([{"uscc": "A", "name": "杭州示例恒达精密机械有限公司", "region_code": "330108"},
        ...                  {"uscc": "B", "name": "杭州示例恒远精密机械有限公司", "region_code": "330108"}])
        >>> [idx.entries[i].uscc for i in idx.peers("示例恒垚精密机械", 3)]
        ['A', 'B']
        """
        lists = [self.postings.get(core[i: i + 2], []) for i in range(len(core) - 1) if k not in (i, i + 1)]
        if not lists:
            return []
        lists.sort(key=len)
        pool = set(lists[0]).intersection(lists[1]) if len(lists) > 1 else lists[0]
        out = []
        for i in sorted(pool):
            e = self.entries[i]
            if e is not None and len(e.parsed.core) == len(core) and e.parsed.core[:k] == core[:k] \
                    and e.parsed.core[k + 1:] == core[k + 1:]:
                out.append(i)
        return out

    def _array(self, g: str, ids: array) -> np.ndarray:
        """The posting list of g as an array, made again when the list has grown.

        Postings only ever grow (a removed entry leaves its id behind), so an array as long as
        the list holds the same ids.
        """
        a = self._arrays.get(g)
        if a is None or len(a) != len(ids):
            a = self._arrays[g] = np.frombuffer(ids, dtype=np.int32).astype(np.int64)
        return a

    def candidates(self, q: Name, limit: int = CANDIDATES) -> list[int]:
        """Entry ids worth scoring for q: exact cores first, then most shared bigrams (of
        entries sharing as many, the earlier indexed first).

        >>> idx = NameIndex([{"uscc": u, "name": n, "region_code": "330108"} for u, n in
        ...                  [("A", "示例恒达精密机械"), ("B", "示例华鼎纺织"), ("C", "示例恒达纺织"), ("D", "恒达精密")]])
        >>> [idx.entries[i].uscc for i in idx.candidates(parse("示例恒达纺织"))]
        ['C', 'A', 'B', 'D']
        """
        exact = self.by_core.get(q.core, [])
        arrays = [self._array(g, ids) for g in grams(q.core)
                  if (ids := self.postings.get(g)) and len(ids) <= self.common]
        out = list(exact)
        if not arrays:
            return out
        # Count the shared bigrams of every entry at once: each entry id appears once per
        # bigram it shares (a core's bigrams are distinct), so its count is its run length.
        ids, counts = np.unique(np.concatenate(arrays), return_counts=True)
        want = limit + len(exact)
        top = ids[np.argsort(-counts, kind="stable")[: want + 8]].tolist()
        entries = self.entries
        seen = set(exact)
        for i in top:
            if i not in seen and entries[i] is not None:
                out.append(i)
                seen.add(i)
            if len(out) >= want:
                break
        return out
