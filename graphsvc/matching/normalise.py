"""Chinese company names brought to one comparable form.

A name is split into what identifies the company (the `core`: trade name and business words),
where it says it is (`regions`: current region codes, wherever the place stood), its company
form (`form`, with 有限责任公司 read as 有限公司) and, for a branch, the branch part. The
variants a published list shows — full-width brackets, the region in front or in brackets,
traditional characters, stray spaces and punctuation — come out the same:

>>> a = parse("杭州示例恒达精密机械有限公司")
>>> b = parse(" 示例恒達（杭州）精密機械有限責任公司 ")
>>> (a.core, a.regions, a.form) == (b.core, b.regions, b.form)
True
>>> a.core, a.regions, a.form, a.branch
('示例恒达精密机械', ('330100',), '有限公司', '')
>>> c = parse("杭州示例恒达精密机械有限公司萧山分公司")
>>> c.core, c.branch, c.branch_key
('示例恒达精密机械', '萧山分公司', '330109|分公司')
>>> parse("浙江省杭州市滨江区示例科技股份有限公司").regions
('330108',)
>>> parse("…… ！").text
''
"""
from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from graphsvc.core import regions as R

# Longest first: 有限责任公司 must be seen before 有限公司, 有限公司 before 公司.
FORMS = (("股份有限公司", "股份有限公司"), ("股份公司", "股份有限公司"), ("有限责任公司", "有限公司"),
         ("有限公司", "有限公司"), ("公司", "公司"), ("厂", "厂"))
BRANCH_MARKERS = ("分公司", "分厂", "办事处")
# Brackets NFKC leaves alone; all of them mean the same in a company name.
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "［": "(", "］": ")", "[": "(",
                           "]": ")", "﹝": "(", "﹞": ")", "「": "(", "」": ")", "{": "(", "}": ")",
                           "〈": "(", "〉": ")", "《": "(", "》": ")"})
# Administrative suffixes, longest first, stripped to give the short form people write (杭州, 萧山).
_ADMIN_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
                   "地区", "省", "市", "区", "县", "盟", "旗")
_MAX_TOKEN = 12


@dataclass(frozen=True, slots=True)
class Name:
    raw: str
    text: str                 # canonical full text, no brackets, spaces or punctuation
    core: str                 # without regions, company form and branch part
    regions: tuple[str, ...]  # current codes the name's place tokens point to (ambiguous: several)
    form: str                 # canonical company form, '' when none
    branch: str               # '' for a company itself, else e.g. '萧山分公司'

    @property
    def is_branch(self) -> bool:
        return bool(self.branch)

    @property
    def branch_key(self) -> str:
        """萧山区分公司 and 萧山分公司 name the same branch."""
        return _branch_key(self.branch) if self.branch else ""


@lru_cache(maxsize=1)
def _converter():
    import opencc  # the maintained OpenCC binding; loading its dictionaries takes a moment

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified characters.

    >>> to_simplified("恆達精密機械有限責任公司")
    '恒达精密机械有限责任公司'
    """
    return _converter().convert(text)


def _short(name: str) -> str:
    """杭州市 → 杭州, 景宁畲族自治县 → 景宁; '' when nothing of two characters is left."""
    if "族自治" in name:
        return name[:2]
    for s in _ADMIN_SUFFIXES:
        if name.endswith(s) and len(name) - len(s) >= 2:
            return name[: -len(s)]
    return ""


@lru_cache(maxsize=1)
def place_tokens() -> dict[str, tuple[str, ...]]:
    """Place text (full and short names, retired ones too) → current codes it may mean."""
    out: dict[str, set[str]] = {}
    for code, r in R.regions().items():
        current = R.current_code(code)
        for tok in {r["name"], _short(r["name"])} - {""}:
            out.setdefault(tok, set()).add(current)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _narrow(found: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The most specific codes consistent with every token: 浙江 + 杭州 + 滨江 → 330108 only."""
    best: tuple[str, ...] = ()
    for codes in found:
        inside = tuple(c for c in codes if any(R.in_scope(c, b) for b in best)) if best else codes
        if inside:
            best = inside
        # else: broader than, or contradicting, what came before — the earlier reading stands
    return best


@lru_cache(maxsize=1)
def _token_lengths() -> dict[str, int]:
    """First two characters of a place token → the longest token starting with them (up to
    _MAX_TOKEN): a name's leading text is looked up at those lengths only, not at every length
    down from _MAX_TOKEN (most of the matching index's build went to those lookups)."""
    out: dict[str, int] = {}
    for tok in place_tokens():
        if len(tok) >= 2:
            out[tok[:2]] = min(_MAX_TOKEN, max(out.get(tok[:2], 0), len(tok)))
    return out


def leading_places(text: str) -> tuple[list[tuple[str, ...]], int]:
    """Place tokens at the start of text, longest match each time; (codes per token, end).

    >>> toks, end = leading_places("浙江杭州示例")
    >>> toks, end
    ([('330000',), ('330100',)], 4)
    """
    tokens, table, longest, i = [], place_tokens(), _token_lengths(), 0
    while i < len(text):
        for n in range(min(longest.get(text[i: i + 2], 0), len(text) - i), 1, -1):
            codes = table.get(text[i: i + n])
            if codes:
                tokens.append(codes)
                i += n
                break
        else:
            break
    return tokens, i


def resolve_place(text: str) -> tuple[str, ...]:
    """A place as a person writes it (杭州, 杭州市滨江区, 330108) → current codes; () if unknown.

    >>> resolve_place("杭州市滨江区"), resolve_place("330103"), resolve_place("火星")
    (('330108',), ('330105',), ())
    """
    text = clean(text)
    if re.fullmatch(r"\d{6}", text):
        return (R.current_code(text),) if R.is_known_region(text) else ()
    tokens, end = leading_places(text)
    return _narrow(tokens) if tokens and end == len(text) else ()


def clean(raw: str) -> str:
    """NFKC, simplified, lower case, one kind of bracket, no spaces or other punctuation.

    >>> clean("Ａｂｃ 【杭州】 恆達·科技")
    'abc(杭州)恒达科技'
    """
    text = to_simplified(unicodedata.normalize("NFKC", raw or "")).translate(_BRACKETS).casefold()
    kept = "".join(ch for ch in text if ch in "()" or unicodedata.category(ch)[0] not in "PSZC")
    # Dropping a character can bring a combining mark next to a letter it now composes with.
    return unicodedata.normalize("NFKC", kept)


_SEP = "\n"


def clean_many(raws: list[str]) -> list[str]:
    """`clean` of each name, done on all of them joined by a line break: one OpenCC call and
    one normalisation instead of 200,000, and each distinct character's category looked up
    once. Every step leaves a line break alone and works within a line (OpenCC's phrases and
    NFKC's compositions never span one), so each line comes out as `clean` gives it; names
    holding a line break themselves are cleaned one by one.

    >>> clean_many(["Ａｂｃ 【杭州】 恆達·科技", "", "a\\nb"]) == [clean("Ａｂｃ 【杭州】 恆達·科技"), "", "ab"]
    True
    """
    raws = [r or "" for r in raws]
    if any(_SEP in r for r in raws):
        return [clean(r) for r in raws]
    text = to_simplified(unicodedata.normalize("NFKC", _SEP.join(raws))).translate(_BRACKETS).casefold()
    drop = {ord(ch): None for ch in set(text)
            if ch != _SEP and ch not in "()" and unicodedata.category(ch)[0] in "PSZC"}
    out = unicodedata.normalize("NFKC", text.translate(drop)).split(_SEP)
    return out if len(out) == len(raws) else [clean(r) for r in raws]


def _split_branch(text: str) -> tuple[str, str]:
    """(parent text, branch part) for a name ending in a branch marker."""
    if not text.endswith(BRANCH_MARKERS):
        return text, ""
    marker = next(m for m in BRANCH_MARKERS if text.endswith(m))
    head = text[: -len(marker)]
    cut = max((head.rfind(f) + len(f) for f, _ in FORMS if head.rfind(f) >= 0), default=-1)
    if cut > 0:
        return head[:cut], head[cut:] + marker
    # No company form before the marker (杭州示例萧山分公司): a trailing place is the branch's.
    for n in range(min(_MAX_TOKEN, len(head) - 1), 1, -1):
        if head[-n:] in place_tokens():
            return head[:-n], head[-n:] + marker
    return head, marker


def _branch_key(branch: str) -> str:
    tokens, end = leading_places(branch)
    if not tokens:
        return branch
    return "|".join(",".join(t) for t in tokens) + "|" + branch[end:]


def parse(raw: str) -> Name:
    return parse_clean(raw, clean(raw))


def parse_many(raws: list[str]) -> list[Name]:
    """`parse` of each name (the names cleaned together: `clean_many`)."""
    return [parse_clean(r, t) for r, t in zip(raws, clean_many(raws))]


def parse_clean(raw: str, text: str) -> Name:
    """`parse(raw)` given text = clean(raw)."""
    if "(" not in text and ")" not in text:
        # Nothing in brackets: `text` is already NFKC (clean's last step), so the steps below
        # that drop brackets and normalise again would give it back unchanged.
        text = sys.intern(text)
        return _parsed(raw, text, text, [])
    found: list[tuple[str, ...]] = []

    def bracket(m: re.Match) -> str:
        inner = m.group(1)
        codes = resolve_place(inner)
        if codes:
            found.append(codes)
            return ""
        return inner

    # Brackets that hold a place are taken out; others just lose their brackets.
    flat = re.sub(r"\(([^()]*)\)", bracket, text)
    # Dropping a bracket can bring a combining mark next to a letter it composes with.
    flat = unicodedata.normalize("NFKC", flat.replace("(", "").replace(")", ""))
    canonical_text = unicodedata.normalize("NFKC", text.replace("(", "").replace(")", ""))
    # Interned: most names are their own canonical text, so the index holds one string, not two.
    return _parsed(raw, sys.intern(canonical_text), flat, found)


def _parsed(raw: str, canonical_text: str, flat: str, found: list[tuple[str, ...]]) -> Name:
    """The Name of `flat` (the cleaned text without brackets, places in brackets taken out
    into `found`)."""
    parent, branch = _split_branch(flat)
    lead, end = leading_places(parent)
    if lead and end < len(parent):
        found = lead + found
        parent = parent[end:]
    form = ""
    for suffix, canonical in FORMS:
        if parent.endswith(suffix) and len(parent) > len(suffix):
            parent, form = parent[: -len(suffix)], canonical
            break
    return Name(raw, canonical_text, parent, _narrow(found), form, branch)

