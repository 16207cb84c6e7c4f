"""Programme targets against recognitions: B2–B5 (Hangzhou), E1/E2 (Shaoxing), D10 (province).

``progress(region_code, year, recognitions)`` picks the targets that apply to
the region and counts recognitions ``{uscc, region_code, kind, level, status,
year}`` against them.  Counts are of distinct enterprises (uscc): a
recognition record carries no workshop identity, and a firm cultivated in one
year and recognised in the next must count once.  A record without a region
or year cannot be placed and is left out; the row's note says how many.

Each row is ``{target_id, rule_id, indicator, target, aim, actual, shortfall,
note}``; ``shortfall = max(0, target − actual)`` (None where the text sets no
number), ``aim`` is the “争” figure of a “保X争Y” allocation (else None).

Example — 杭州 链主工厂, cultivated vs recognised (B4):

>>> recs = [{"uscc": "A", "region_code": "330106", "kind": "链主工厂", "level": "市", "status": "认定", "year": 2022},
...         {"uscc": "B", "region_code": "330103", "kind": "链主工厂", "level": "市", "status": "培育", "year": 2023}]
>>> rows = {r["target_id"]: r for r in progress("330100", 2023, recs)}
>>> rows["hz-2025-B4-lz-cultivated"]["actual"], rows["hz-2025-B4-lz-recognised"]["actual"]
(2, 1)
>>> rows["hz-2025-B4-lz-cultivated"]["shortfall"]
28
"""

from __future__ import annotations

import numpy as np

from graphsvc.core.regions import current_code, in_scope, region
from graphsvc.programmes import catalogue as _cat

HANGZHOU, SHAOXING, ZHEJIANG = "330100", "330600", "330000"


def b4_target(catalogue: dict | None = None) -> float:
    """B4's local-supply target from the rules data (parameter ``local_supply_ratio``).

    >>> b4_target()
    0.6
    """
    return float(_cat.params("B4", catalogue)["local_supply_ratio"])


def b4_meets_target(ratio, catalogue: dict | None = None) -> bool:
    """B4: does a local-supply ratio reach the 60% target (parameter ``local_supply_ratio``)?

    Exactly 60.0% meets it; the comparison ignores float noise below 1e-9.

    >>> b4_meets_target(0.6), b4_meets_target(0.5999), b4_meets_target(0.1 * 6)
    (True, False, True)
    """
    if ratio is None:
        raise ValueError("b4_meets_target needs a ratio")
    return round(float(ratio), 9) >= round(b4_target(catalogue), 9)


def b4_local_supply(ratio, catalogue: dict | None = None) -> dict:
    """B4 as a rule evaluation (pass / fail / unknown) for reports.

    >>> b4_local_supply(0.6)["outcome"], b4_local_supply(None)["outcome"]
    ('pass', 'unknown')
    """
    target = _cat.params("B4", catalogue)["local_supply_ratio"]
    used = {"local_supply_ratio": ratio}
    if ratio is None:
        return {"rule_id": "B4", "outcome": "unknown", "facts_used": used,
                "reason": "缺少“供应链本地化配套比例”，无法判断"}
    ok = b4_meets_target(ratio, catalogue)
    return {"rule_id": "B4", "outcome": "pass" if ok else "fail", "facts_used": used,
            "reason": f"供应链本地化配套比例为{ratio * 100:.1f}%，{'达到' if ok else '未达到'}{target * 100:g}%左右的目标"}


def _name(code: str) -> str:
    r = region(code)
    return r["name"] if r else code


class Recognitions:
    """Recognition records with their fields as code columns, made once, so that each target's
    count is a few array operations rather than a pass over every record (a province holds
    tens of thousands, and a region's targets count them up to nine times). `tables`: per
    field, value -> code (codes below the table's length); `cols`: per field, the codes;
    `year`: the years, -1 where none.

    >>> recs = Recognitions([{"uscc": "A", "region_code": "330106", "kind": "智能工厂", "status": "认定", "year": 2022},
    ...                      {"uscc": "A", "region_code": "330106", "kind": "智能工厂", "status": "认定", "year": 2023},
    ...                      {"uscc": "B", "region_code": None, "kind": "智能工厂", "status": "认定", "year": 2023}])
    >>> len(recs.year), count(recs, "330100", ["智能工厂"], ["认定"])
    (3, (1, 1))
    """

    FIELDS = ("uscc", "region_code", "kind", "status", "level")

    def __init__(self, rows=()):
        self.tables: dict[str, dict] = {k: {} for k in self.FIELDS}
        cols: dict[str, list] = {k: [] for k in self.FIELDS}
        years = []
        for r in rows:
            for k in self.FIELDS:
                t = self.tables[k]
                cols[k].append(t.setdefault(r.get(k), len(t)))
            y = r.get("year")
            years.append(-1 if y is None else int(y))
        self.cols = {k: np.array(v, dtype=np.int64) for k, v in cols.items()}
        self.year = np.array(years, dtype=np.int64)
        self.values: dict[str, list] = {}
        self._inside: dict[str, np.ndarray] = {}

    @classmethod
    def from_columns(cls, tables: dict, cols: dict, year: np.ndarray, values: dict | None = None) -> Recognitions:
        """The same from columns already coded (an in-memory projection holds them); `values`:
        per field, the list of values by code where the caller has it (else made from `tables`)."""
        out = cls()
        out.tables, out.cols, out.year, out.values = tables, cols, year, dict(values or {})
        return out

    def decode(self, field: str) -> list:
        """The values of `field` by code."""
        hit = self.values.get(field)
        if hit is None:
            hit = self.values[field] = list(self.tables[field])
        return hit

    def codes(self, field: str, values) -> np.ndarray:
        t = self.tables[field]
        return np.array([t[v] for v in values if v in t], dtype=np.int64)

    def inside(self, scope: str) -> np.ndarray:
        """Per region code of the records: does it lie in `scope` (None never)."""
        hit = self._inside.get(scope)
        if hit is None:
            hit = self._inside[scope] = np.array(
                [code is not None and in_scope(current_code(str(code)), scope) for code in self.decode("region_code")],
                dtype=bool)
        return hit

    def count(self, scope: str, kinds, statuses, levels=None, year_from=None, year_to=None) -> tuple[int, int]:
        c = self.cols
        sel = np.isin(c["kind"], self.codes("kind", kinds)) & np.isin(c["status"], self.codes("status", statuses))
        if levels is not None:
            sel &= np.isin(c["level"], self.codes("level", levels))
        placed = (c["region_code"] != self.tables["region_code"].get(None, -1)) & (self.year >= 0)
        unplaced = int((sel & ~placed).sum())
        sel &= placed
        if year_from is not None:
            sel &= self.year >= year_from
        if year_to is not None:
            sel &= self.year <= year_to
        sel &= self.inside(scope)[c["region_code"]]
        return len(np.unique(c["uscc"][sel])), unplaced


def count(recognitions, scope: str, kinds, statuses, levels=None, year_from=None, year_to=None) -> tuple[int, int]:
    """Distinct enterprises with a matching recognition in *scope*; also the unplaceable records.

    >>> count([{"uscc": "A", "region_code": "330682", "kind": "智能工厂", "level": "市",
    ...         "status": "认定", "year": 2022}], "330604", ["智能工厂"], ["认定"])
    (1, 0)
    """
    if isinstance(recognitions, Recognitions):
        return recognitions.count(scope, kinds, statuses, levels, year_from, year_to)
    seen, unplaced = set(), 0
    for r in recognitions:
        if r.get("kind") not in kinds or r.get("status") not in statuses:
            continue
        if levels is not None and r.get("level") not in levels:
            continue
        if r.get("region_code") is None or r.get("year") is None:
            unplaced += 1
            continue
        y = int(r["year"])
        if (year_from is not None and y < year_from) or (year_to is not None and y > year_to):
            continue
        if in_scope(current_code(str(r["region_code"])), scope):
            seen.add(r.get("uscc"))
    return len(seen), unplaced


def _row(target_id, rule_id, indicator, target, actual, notes, aim=None) -> dict:
    shortfall = None if target is None else max(0, target - actual)
    return {"target_id": target_id, "rule_id": rule_id, "indicator": indicator, "target": target, "aim": aim,
            "actual": actual, "shortfall": shortfall, "note": "；".join(n for n in notes if n),
            "applies_to": None, "district_actual": None}


def _unplaced(n: int) -> str:
    return f"另有{n}条记录缺少地区或年度，未计入" if n else ""


def hangzhou(scope: str, year: int, recognitions, catalogue=None) -> list[dict]:
    """B2–B5 2025 targets.  They are city-wide (“全市”) and not divided among districts, so a
    district is never compared with them: for a district the row compares the city's count
    with the city's target and gives the district's own count apart (``district_actual``)."""
    doc = _cat.default() if catalogue is None else catalogue
    doc_id = _cat.targets_document("B2", catalogue)
    valid_until = doc["documents"][doc_id].get("valid_until")
    rows = []
    for t in _cat.targets(doc_id, catalogue) or []:
        actual, unplaced = count(recognitions, HANGZHOU, t["kinds"], t["statuses"], t.get("levels"), None, year)
        own = None
        if scope != HANGZHOU:
            own, _ = count(recognitions, scope, t["kinds"], t["statuses"], t.get("levels"), None, year)
        notes = [f"{t['by_year']}年目标" + ("（约数，“左右”）" if t.get("approx") else ""),
                 f"统计截至{year}年",
                 None if own is None else f"全市目标，未分解到区县：目标与实际均为全市，其中{_name(scope)}{own}",
                 t.get("note"), _unplaced(unplaced),
                 f"政策有效期至{valid_until.isoformat()}" if valid_until and year > valid_until.year else None]
        row = _row(t["id"], t["rule_id"], t["indicator"], t["target"], actual, notes)
        row.update(applies_to=HANGZHOU, district_actual=own)
        rows.append(row)
    return rows


def applicable(region_code: str) -> list[dict]:
    """The target sets a region is compared with, and for which region each is set: a
    region is compared only with targets set for it (a Hangzhou district has none of its own:
    B2–B5 are city-wide; a Shaoxing district has its E2 share).

    >>> [(a["rule_ids"], a["set_for"], a["own"]) for a in applicable("330106")]
    [(['B2', 'B3', 'B4', 'B5'], '330100', False)]
    >>> [(a["rule_ids"], a["set_for"], a["own"]) for a in applicable("330602")]
    [(['E2'], '330602', True)]
    """
    scope = current_code(str(region_code))
    if in_scope(scope, HANGZHOU):
        return [{"rule_ids": ["B2", "B3", "B4", "B5"], "set_for": HANGZHOU, "own": scope == HANGZHOU}]
    if scope == SHAOXING:
        return [{"rule_ids": ["E1"], "set_for": SHAOXING, "own": True}]
    if in_scope(scope, SHAOXING):
        return [{"rule_ids": ["E2"], "set_for": scope, "own": True}]
    if scope == ZHEJIANG:
        return [{"rule_ids": ["D10"], "set_for": ZHEJIANG, "own": True}]
    return []


def shaoxing_city(year: int, recognitions, catalogue=None) -> list[dict]:
    """E1: cumulative additions 2021..year against the yearly table (indicators recognitions can measure)."""
    p = _cat.params("E1", catalogue)
    first, last = p["first_year"], p["last_year"]
    if year < first:
        return []
    upto = min(year, last)
    rows = []
    for t in _cat.targets(_cat.targets_document("E1", catalogue), catalogue)["e1"]:
        m = t.get("match")
        if not m:
            continue
        target = sum(v for y, v in t["yearly"].items() if first <= int(y) <= upto)
        actual, unplaced = count(recognitions, SHAOXING, m["kinds"], m["statuses"], m.get("levels"), first, year)
        new_this_year, _ = count(recognitions, SHAOXING, m["kinds"], m["statuses"], m.get("levels"), year, year)
        base = t.get("base")
        notes = [f"{first}—{upto}年累计新增目标（当年目标{t['yearly'].get(upto)}，当年新增{new_this_year}）",
                 t.get("base_note") or (f"{p['base_year']}年基数{base}，按存量计目标为{base + target}"
                                        if base is not None and t.get("kind") == "stock" else None),
                 f"五年目标{t['five_year']}",
                 f"规划期至{last}年，按{last}年目标统计" if year > last else None,
                 _unplaced(unplaced)]
        rows.append(_row(f"sx-E1-{t['seq']}", "E1", t["indicator"], target, actual, notes))
    return rows


def shaoxing_district(district: str, year: int, recognitions, catalogue=None) -> list[dict]:
    """E2: a district's share of the 2021–2025 additions (floor/aim for “保1争2”)."""
    p = _cat.params("E2", catalogue)
    table = _cat.targets(_cat.targets_document("E2", catalogue), catalogue)["e2"]
    if district not in {d["code"] for d in table["districts"]}:
        return []
    rows = []
    for i, t in enumerate(table["rows"], start=1):
        m = t.get("match")
        if not m:
            continue
        alloc = t["allocation"][district]
        target, aim = (alloc["floor"], alloc["aim"]) if isinstance(alloc, dict) else (alloc, None)
        actual, unplaced = count(recognitions, district, m["kinds"], m["statuses"], m.get("levels"),
                                 p["first_year"], year)
        notes = [f"{p['first_year']}—{p['by_year']}年新增目标（全市{t['city_target']}"
                 + (f"，现有基数{t['base']}" if t.get("base") is not None else "") + "）",
                 f"统计截至{year}年",
                 f"保{target}争{aim}：保底{target}，力争{aim}" + (f"，距力争目标差{max(0, aim - actual)}" if aim else "")
                 if aim is not None else None,
                 _unplaced(unplaced)]
        rows.append(_row(f"sx-E2-{district}-{i}", "E2", t["indicator"], target, actual, notes, aim))
    return rows


def zhejiang(year: int, recognitions, catalogue=None) -> list[dict]:
    """D10: about 10 数字工厂 recognised and 30 piloted each year from 2022."""
    if year < _cat.params("D10", catalogue)["from_year"]:
        return []
    rows = []
    for t in _cat.targets(_cat.targets_document("D10", catalogue), catalogue) or []:
        actual, unplaced = count(recognitions, ZHEJIANG, t["kinds"], t["statuses"], t.get("levels"), year, year)
        notes = [f"{year}年当年" + ("（约数，“左右”）" if t.get("approx") else ""), _unplaced(unplaced)]
        rows.append(_row(t["id"], t["rule_id"], t["indicator"], t["target"], actual, notes))
    return rows


def progress(region_code: str, year: int, recognitions: list[dict], catalogue: dict | None = None) -> list[dict]:
    """Targets that apply to *region_code* in *year*, each with the actual count.

    - 杭州 (330100 or any Hangzhou district, retired codes included) → B2–B5, city-wide
      (a district sees the city's figures and its own count apart, see ``hangzhou``);
    - 绍兴 330600 → E1 cumulative targets for *year*;
    - a Shaoxing district → its E2 allocation;
    - 浙江 330000 → D10;
    - anywhere else → [].
    """
    scope = current_code(str(region_code))
    year = int(year)
    if not isinstance(recognitions, Recognitions):
        recognitions = Recognitions(recognitions or [])
    if in_scope(scope, HANGZHOU):
        return hangzhou(scope, year, recognitions, catalogue)
    if scope == SHAOXING:
        return shaoxing_city(year, recognitions, catalogue)
    if in_scope(scope, SHAOXING):
        return shaoxing_district(scope, year, recognitions, catalogue)
    if scope == ZHEJIANG:
        return zhejiang(year, recognitions, catalogue)
    return []
