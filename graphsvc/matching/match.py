"""Scoring candidates and deciding: `matched`, `review` or `none`.

The score is the Levenshtein similarity of the cores (rapidfuzz), less penalties for what
disagrees. Some disagreements block `matched` whatever the score, because a high similarity
there is exactly the mistake to avoid: a branch is not its parent, the same trade name in
another city is another company, 有限公司 is not 股份有限公司, and a core one character off may
be a typing slip or another company.

>>> idx = NameIndex([
...     {"uscc": "A", "name": "杭州示例恒达精密机械有限公司", "region_code": "330108"},
...     {"uscc": "B", "name": "宁波示例恒达精密机械有限公司", "region_code": "330203"},
...     {"uscc": "C", "name": "杭州示例华鼎纺织有限公司", "region_code": "330106"},
... ])
>>> r = match_name(idx, "示例恒达（杭州）精密機械有限责任公司")
>>> r["decision"], r["uscc"], r["candidates"][0]["why"]
('matched', 'A', ['same_name', 'region_agrees'])
>>> match_name(idx, "示例恒达精密机械有限公司")["decision"]   # which city's?
'review'
>>> match_name(idx, "杭州示例恒达精密机械有限公司滨江分公司")["decision"]
'review'
>>> match_name(idx, "温州示例恒达精密机械有限公司")["decision"]
'review'
>>> match_name(idx, "上海某某餐饮管理有限公司")["decision"]
'none'

A core one character off is another company's name as often as a slip, except when the
character is one no indexed name uses at all (恒达 typed 恒垚): then it is read as a slip.

>>> r = match_name(idx, "杭州示例恒达精密机垚有限公司")
>>> r["decision"], r["uscc"], r["candidates"][0]["why"]
('matched', 'A', ['typing_slip', 'region_agrees'])
>>> match_name(idx, "杭州示例恒达精密机纺有限公司")["decision"]   # 纺 is in a name: maybe another company
'review'
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from graphsvc.core import regions as R
from graphsvc.matching.index import Entry, NameIndex
from graphsvc.matching.normalise import Name, parse

MATCHED = 0.85     # a clear match scores at least this …
MARGIN = 0.10      # … and this much above the next candidate
REVIEW = 0.60      # below this nothing is worth a person's look
SHOWN = 3
SCORED = 12    # candidates given full reasons, by core similarity
SLIP_MIN_CORE = 6   # a slip is read only in a core this long: one character is a small part of it
PENALTY = {"region_differs": 0.15, "district_differs": 0.02, "form_differs": 0.03,
           "branch_of": 0.20, "is_branch": 0.20, "other_branch": 0.20, "industry_differs": 0.05}
# One character is all that tells 恒腾化纤 from 恒城化纤, and a slip looks the same as another
# company's name: only an identical core may decide `matched`; near cores go to review.
BLOCKERS = {"similar_name", "region_differs", "form_differs", "branch_of", "is_branch", "other_branch"}
STATED = {"district_differs", "industry_differs"} | BLOCKERS


@lru_cache(maxsize=1 << 16)
def _region_reason(places: tuple[str, ...], region_code: str) -> str | None:
    """How the candidate's registered region sits with one place the query names."""
    if not places or not region_code:
        return None
    if any(R.in_scope(region_code, p) for p in places):
        return "region_agrees"
    city = R.city_of(region_code)
    if city and any(R.city_of(p) == city for p in places):
        return "district_differs"
    return "region_differs"


def is_slip(q: str, d: str, known_chars) -> bool:
    """q differs from d in one character that no indexed core contains (known_chars: counts).

    >>> is_slip("示例恒垚精密机械", "示例恒达精密机械", {"达": 3})
    True
    >>> is_slip("示例恒纺精密机械", "示例恒达精密机械", {"纺": 1, "达": 3})
    False
    """
    if len(q) != len(d) or len(q) < SLIP_MIN_CORE:
        return False
    diff = [i for i in range(len(q)) if q[i] != d[i]]
    return len(diff) == 1 and known_chars.get(q[diff[0]], 0) <= 0


def score(q: Name, places: list[tuple[str, ...]], industry: str | None, e: Entry,
          sim: float | None = None, known_chars=None) -> tuple[float, list[str]]:
    """(score in 0..1, reasons) for entry e against query q.

    places: the query's place constraints (from its name and from the row's region); sim: the
    cores' similarity when already computed.
    """
    d = e.parsed
    if q.core == d.core:
        why = ["same_name"]
    elif known_chars is not None and is_slip(q.core, d.core, known_chars):
        why = ["typing_slip"]
    else:
        why = ["similar_name"]
    why += sorted({r for p in places if (r := _region_reason(p, e.region_code))})
    if "region_differs" in why and "region_agrees" in why:
        why.remove("region_agrees")
    if q.form and d.form and q.form != d.form:
        why.append("form_differs")
    if q.branch_key != d.branch_key:
        why.append("branch_of" if not d.branch else "is_branch" if not q.branch else "other_branch")
    if industry and e.industry_code:
        why.append("industry_agrees" if e.industry_code.startswith(industry) else "industry_differs")
    if not e.current:
        why.append("former_name")
    if sim is None:
        sim = Levenshtein.normalized_similarity(q.core, d.core)
    s = sim - sum(PENALTY.get(w, 0.0) for w in why)
    return round(max(0.0, s), 3), why


def decide(scored: list[tuple[float, list[str], Entry]]) -> str:
    """matched / review / none for candidates sorted best first (one per enterprise)."""
    if not scored or scored[0][0] < REVIEW:
        return "none"
    best, why, _ = scored[0]
    runner_up, other_why = (scored[1][0], set(scored[1][1])) if len(scored) > 1 else (0.0, set())
    # A slip in a long core scores under MATCHED by its one character: judged by the margin alone.
    if (best < MATCHED and "typing_slip" not in why) or BLOCKERS & set(why):
        return "review"
    # Scores are rounded to 3 places: compare the margin on the same grid.
    if round(best - runner_up, 3) >= MARGIN:
        return "matched"
    # Everything the name says agrees with the best, and the runner-up contradicts something it
    # says (股份有限公司 where the name says 有限公司, another district): the name tells them apart.
    if best == 1.0 and other_why & STATED:
        return "matched"
    return "review"


def match_parsed(index: NameIndex, q: Name, places: list[tuple[str, ...]] = (), industry: str | None = None,
                 prefix: str = "") -> dict:
    """Decision and up to three candidates for an already parsed name.

    prefix: only enterprises whose region code starts with it are considered (the caller's view).
    """
    places = [p for p in [q.regions, *places] if p]
    best: dict[str, tuple[float, list[str], Entry]] = {}
    entries = index.entries
    ids = index.candidates(q)
    # Which characters the query has that no indexed name has (a slip's mark), counted once.
    chars = {c: index.chars.get(c, 0) for c in set(q.core)}
    unknown = [k for k, c in enumerate(q.core) if chars[c] <= 0]
    peers: set[int] = set()
    if len(unknown) == 1 and len(q.core) >= SLIP_MIN_CORE:
        # Every name the slip may stand for is scored, so two of them in one place tie.
        peers = set(index.peers(q.core, unknown[0]))
        ids = list(dict.fromkeys([*ids, *peers]))
    # Entries are taken once: an enterprise re-indexed meanwhile (a write folded in by another
    # thread) leaves None in its old place.
    found = {i: e for i in ids if (e := entries[i]) is not None and (not prefix or e.region_code.startswith(prefix))}
    ids = list(found)
    sims = process.cdist([q.core], [found[i].parsed.core for i in ids], scorer=Levenshtein.normalized_similarity,
                         dtype=np.float64)[0].tolist() if ids else []
    # Penalties only lower a score: the most similar cores are the only ones worth the reasons.
    ranked = sorted(zip(sims, ids), key=lambda t: -t[0])
    for sim, i in ranked[:SCORED] + [t for t in ranked[SCORED:] if t[1] in peers]:
        # Sims come in descending order and a score is at most its sim rounded: once that is below the
        # third best score so far, no candidate left can reach what is shown or decided.
        if len(best) >= SHOWN and round(sim, 3) < sorted(t[0] for t in best.values())[-SHOWN]:
            break
        e = found[i]
        s, why = score(q, places, industry, e, sim, chars)
        if e.uscc not in best or s > best[e.uscc][0]:
            best[e.uscc] = (s, why, e)   # an enterprise counts once, by its best-scoring name
    scored = sorted(best.values(), key=lambda t: (-t[0], t[2].uscc))
    decision = decide(scored)
    out = {"decision": decision,
           "candidates": [{"uscc": e.uscc, "name": e.name, "region_code": e.region_code, "score": s, "why": why}
                          for s, why, e in scored[:SHOWN] if s >= REVIEW or decision == "none" and s > 0]}
    if decision == "matched":
        out["uscc"] = scored[0][2].uscc
    return out


def match_name(index: NameIndex, name: str, places: list[tuple[str, ...]] = (), industry: str | None = None,
               prefix: str = "") -> dict:
    return match_parsed(index, parse(name), places, industry, prefix)
