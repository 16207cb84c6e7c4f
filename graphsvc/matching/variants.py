"""A generated evaluation set: variants of known enterprises' names, and look-alikes that must not match.

Each case is {kind, name, region (or None), expect}: `expect` is the USCC a correct matcher
returns as `matched`, or None when `matched` would be wrong (a branch, the same trade name in
another city, an unrelated company, or a name that dropped the only thing telling two
enterprises apart). Used by bench/eval_matching.py and the tests.

>>> rows = [{"uscc": "A", "name": "杭州示例恒达精密机械有限公司", "region_code": "330108"},
...         {"uscc": "B", "name": "宁波示例华鼎纺织股份有限公司", "region_code": "330203"}]
>>> cases = generate(with_former_names(rows, share=1.0), seed=1, held_out=[{"uscc": "C", "name": "杭州示例恒远精密机械有限公司"}])
>>> sorted({c["kind"] for c in cases}) == sorted(POSITIVE + DISTRACTOR)
True
>>> next(c for c in cases if c["kind"] == "region_in_brackets" and c["expect"] == "A")["name"]
'示例恒达（杭州）精密机械有限公司'
"""
from __future__ import annotations

import random
from collections import Counter

from graphsvc.core import regions as R
from graphsvc.matching.normalise import FORMS, parse

POSITIVE = ("exact", "region_in_brackets", "region_in_halfwidth_brackets", "region_dropped",
            "region_dropped_row_region", "full_region_prefix", "form_variant", "form_dropped", "traditional",
            "spaces_punctuation", "typo", "former_name")
DISTRACTOR = ("branch", "other_city", "unrelated", "absent")
BRANCH_TAILS = ("萧山分公司", "分厂", "杭州办事处", "宁波分公司", "第一分厂")
# Characters that no demo name uses: a slip to one of them cannot turn a name into another's.
SLIPS = "甲乙丙丁戊己庚辛壬癸寅卯巳午未申酉戌亥"
UNRELATED_A = "甬瓯婺衢舟丽湖嘉台温"
UNRELATED_B = ("餐饮管理", "物业服务", "文化传媒", "房地产开发", "医疗器械", "农业开发", "旅游发展", "教育咨询")
_FORM_SWAP = {"有限公司": "有限责任公司", "股份有限公司": "股份公司"}
# Trade names a company may have had before a rename (曾用名), built from these two-character halves.
OLD_BRANDS_A = "宏昌兴盛裕丰隆泰永康瑞祥"
OLD_BRANDS_B = "源茂达利德华通安和顺发成"


def with_former_names(rows: list[dict], share: float = 0.2, seed: int = 7) -> list[dict]:
    """A copy of rows where a share of enterprises were renamed: each gets a former name (its old
    trade name and the old 厂 form) that is no other enterprise's name, current or former.

    >>> out = with_former_names([{"uscc": "A", "name": "杭州示例恒达精密机械有限公司", "region_code": "330108"}],
    ...                         share=1.0, seed=1)
    >>> out[0]["former_names"][0].startswith("杭州示例") and out[0]["former_names"][0].endswith("精密机械厂")
    True
    """
    rng = random.Random(seed)
    taken = {parse(r["name"]).core for r in rows}
    out = []
    for r in rows:
        p = parse(r["name"])
        city = _city_short(r["region_code"])
        if rng.random() < share and p.core.startswith("示例") and len(p.core) > 4 and r["name"].startswith(city):
            old_core = "示例" + rng.choice(OLD_BRANDS_A) + rng.choice(OLD_BRANDS_B) + p.core[4:]
            if old_core not in taken:
                taken.add(old_core)
                r = {**r, "former_names": [f"{city}{old_core}厂"]}
        out.append(r)
    return out


def _traditional(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


def _city_short(code: str) -> str:
    name = R.region(R.city_of(code) or code)["name"]
    return name.removesuffix("市") if len(name) <= 5 else name[:2]


def _form_of(name: str) -> str:
    return next((s for s, _ in FORMS if name.endswith(s)), "")


def split(rows: list[dict], share: float = 0.1, seed: int = 7) -> tuple[list[dict], list[dict]]:
    """(rows to index, rows held out): a held-out enterprise's exact name must match nothing,
    however close its indexed neighbours (恒腾化纤 vs 恒城化纤) are."""
    rng = random.Random(seed)
    out = set(rng.sample(range(len(rows)), int(share * len(rows))))
    return [r for i, r in enumerate(rows) if i not in out], [r for i, r in enumerate(rows) if i in out]


def generate(rows: list[dict], seed: int = 7, per_kind: int | None = None,
             held_out: list[dict] = ()) -> list[dict]:
    """Cases for `rows` ({uscc, name, region_code}), the enterprises in the index, and `held_out`,
    enterprises left out of it; per_kind samples that many enterprises per kind."""
    rng = random.Random(seed)
    parsed = {r["uscc"]: parse(r["name"]) for r in rows}
    key_count = Counter((p.core, p.form) for p in parsed.values())
    city_count = Counter((parsed[r["uscc"]].core, R.city_of(r["region_code"])) for r in rows)
    taken = {(p.core, R.city_of(r["region_code"])) for r, p in ((r, parsed[r["uscc"]]) for r in rows)}
    cities = sorted({R.city_of(r["region_code"]) for r in rows if R.city_of(r["region_code"])})
    cases: list[dict] = []

    def add(kind, name, expect, region=None):
        cases.append({"kind": kind, "name": name, "region": region, "expect": expect})

    def sample(kind):
        pool = [r for r in rows if r.get("former_names")] if kind == "former_name" else rows
        return pool if per_kind is None or per_kind >= len(pool) else rng.sample(pool, per_kind)

    absent = held_out if per_kind is None else held_out[:per_kind]
    for r in absent:
        add("absent", r["name"], None)
    for kind in POSITIVE + DISTRACTOR[:-1]:
        for r in sample(kind):
            p, name, u = parsed[r["uscc"]], r["name"], r["uscc"]
            city = _city_short(r["region_code"])
            form = _form_of(name)
            body = name[len(city):] if name.startswith(city) else name   # without the leading place
            unique = key_count[(p.core, p.form)] == 1   # else only the dropped place told them apart
            # … and only the dropped form tells 杭州示例X有限公司 from 杭州示例X股份有限公司 apart
            form_unique = city_count[(p.core, R.city_of(r["region_code"]))] == 1
            if kind == "exact":
                add(kind, name, u)
            elif kind == "region_in_brackets" and name.startswith(city):
                add(kind, f"{body[:4]}（{city}）{body[4:]}", u)   # after 示例 and the brand's first two
            elif kind == "region_in_halfwidth_brackets" and name.startswith(city):
                add(kind, f"{body[:4]}({city}){body[4:]}", u)
            elif kind == "region_dropped":
                add(kind, body, u if unique else None)
            elif kind == "region_dropped_row_region":
                add(kind, body, u, region=r["region_code"])
            elif kind == "full_region_prefix" and name.startswith(city):
                add(kind, R.label(r["region_code"]) + body, u)
            elif kind == "form_variant" and form in _FORM_SWAP:
                add(kind, name[: -len(form)] + _FORM_SWAP[form], u)
            elif kind == "form_dropped" and form:
                add(kind, name[: -len(form)], u if form_unique else None)
            elif kind == "traditional":
                add(kind, _traditional(name), u)
            elif kind == "spaces_punctuation":
                cut = len(city) + 2
                add(kind, f" {name[:cut]} ·{name[cut:-len(form) or None]} {form}。", u)
            elif kind == "typo":
                start = name.find(p.core) + 2   # after 示例: the trade name and business words
                at = rng.randrange(start, start + len(p.core) - 2) if len(p.core) > 3 else start
                add(kind, name[:at] + rng.choice(SLIPS) + name[at + 1:], u)
            elif kind == "former_name" and r.get("former_names"):
                add(kind, r["former_names"][0], u)
            elif kind == "branch":
                add(kind, name + rng.choice(BRANCH_TAILS), None)
            elif kind == "other_city":
                others = [c for c in cities if c != R.city_of(r["region_code"]) and (p.core, c) not in taken]
                if others:
                    add(kind, _city_short(rng.choice(others)) + body, None)
            elif kind == "unrelated":
                add(kind, f"{city}{''.join(rng.sample(UNRELATED_A, 2))}{rng.choice(UNRELATED_B)}有限公司", None)
    return cases


def evaluate(cases: list[dict], results: list[dict]) -> dict:
    """Precision and recall of `matched` (overall and per kind) and the share sent to review.

    >>> evaluate([{"kind": "exact", "expect": "A"}, {"kind": "branch", "expect": None}],
    ...          [{"decision": "matched", "uscc": "A"}, {"decision": "review", "candidates": []}])["overall"]
    {'cases': 2, 'matched': 1, 'correct': 1, 'wrong': 0, 'review': 1, 'precision': 1.0, 'recall': 1.0, 'review_share': 0.5, 'review_first_right': None}
    """
    def tally(pairs):
        n = len(pairs)
        matched = [(c, r) for c, r in pairs if r["decision"] == "matched"]
        correct = sum(1 for c, r in matched if r.get("uscc") == c["expect"])
        positives = sum(1 for c, _ in pairs if c["expect"])
        review = sum(1 for _, r in pairs if r["decision"] == "review")
        # A positive sent to review is cheap when the right enterprise is the first candidate shown.
        top = [c["expect"] == (r["candidates"] or [{}])[0].get("uscc")
               for c, r in pairs if c["expect"] and r["decision"] == "review"]
        return {"cases": n, "matched": len(matched), "correct": correct, "wrong": len(matched) - correct,
                "review": review, "precision": round(correct / len(matched), 4) if matched else None,
                "recall": round(correct / positives, 4) if positives else None,
                "review_share": round(review / n, 4) if n else None,
                "review_first_right": round(sum(top) / len(top), 4) if top else None}

    pairs = list(zip(cases, results))
    kinds = sorted({c["kind"] for c in cases})
    return {"overall": tally(pairs), "by_kind": {k: tally([(c, r) for c, r in pairs if c["kind"] == k]) for k in kinds}}
