"""Deterministic synthetic Zhejiang for demos, tests and benchmarks (docs/domain-model.md §8).

``generate(scale, out_dir, seed)`` writes the import files of docs/domain-model.md §7 (and the
factories' process capacities, issue #16) and returns
their paths. The same (scale, seed) gives the same bytes on every run: every random draw
comes from a numpy Generator seeded by (seed, section), never from global state or time,
and nothing iterates over a set of strings (their order changes with PYTHONHASHSEED).

>>> import tempfile
>>> tmp = tempfile.TemporaryDirectory(prefix="graphsvc-doctest-")
>>> paths = generate("small", Path(tmp.name))
>>> sorted(paths)
['capacities', 'deliveries', 'enterprises', 'memberships', 'projects', 'recognitions', 'supplies']
>>> paths["enterprises"].read_text(encoding="utf-8").splitlines()[0][:40]
'uscc,name,region_code,industry_code,indu'
>>> tmp.cleanup()

What the data is shaped for (each is exercised by a feature):
- local-supply ratio (rule B4): Hangzhou 链主工厂 whose tier-1 local share in each year is
  drawn around 0.60, one leader exactly on the line, one just below; tier-2 supplies into
  the tier-1 suppliers; a few leaders with no supply in some year;
- chain coverage: a few upstream segments with no Hangzhou member (gaps) and a few with a
  single Hangzhou member that dominates what leaders buy locally there;
- contractor ranking: deliveries drawn from a softmax over providers on industry
  specialisation, locality, ties to chain leaders already served, size, plus noise;
- assessment (C1, C3.5): statuses and ratings in realistic proportions, clients that are
  recognised after the delivery;
- eligibility (A2.4, A2.5, A2.6, A2.7, C2.3): values on both sides of every line and
  exactly on it; retired region codes in old USCCs.
"""
from __future__ import annotations

import argparse
import math
import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from graphsvc.core import reference as ref
from graphsvc.core import regions

KINDS = ("enterprises", "supplies", "deliveries", "recognitions", "projects", "memberships", "capacities")

COLUMNS = {
    "enterprises": ["uscc", "name", "region_code", "industry_code", "industry_kind", "is_manufacturer",
                    "provider_types", "high_tech", "credit_ok", "revenue_wan", "rd_spend_wan", "rd_staff",
                    "employees", "segment_ids"],
    "supplies": ["supplier_uscc", "buyer_uscc", "year", "amount_wan", "segment_id"],
    "deliveries": ["id", "supplier_uscc", "client_uscc", "kind", "provider_type", "unit", "quantity",
                   "contract_amount_wan", "signed_date", "accepted_date", "status", "rating"],
    "recognitions": ["uscc", "kind", "level", "status", "year", "chain_id", "rating"],
    "projects": ["id", "owner_uscc", "name", "industry_code", "investment_wan", "start_date", "one_plus_n",
                 "group_id", "service_org_uscc", "prior_city_subsidy"],
    "memberships": ["platform_uscc", "member_uscc", "since", "capabilities"],
    "capacities": ["uscc", "process", "units_per_week", "unit_cost_yuan", "setup_cost_yuan", "valid_from",
                   "valid_to"],
}

LAST_DAY = np.datetime64("2025-12-31")
YEARS = np.array([2022, 2023, 2024, 2025])
HANGZHOU, SHAOXING, BINJIANG = "330100", "330600", "330108"


@dataclass(frozen=True)
class Scale:
    enterprises: int
    leaders: int           # Hangzhou 链主工厂
    tier1_mean: int        # suppliers per leader (log-normal around this)
    tier2_mean: float      # suppliers per tier-1 supplier (Poisson)
    deliveries: int
    projects: int
    groups: int            # 1+N groups among the projects
    platforms: int         # 聚能工厂
    hz_share: float        # share of manufacturers registered in Hangzhou
    sx_share: float        # … in Shaoxing
    out_share: float       # … outside Zhejiang
    per_year_batch: int    # 智造供给培育 per year (C3.1: at most 10 a batch)


SCALES = {
    "small": Scale(3_000, 35, 40, 3.0, 1_500, 300, 25, 6, 0.55, 0.22, 0.12, 4),
    "province": Scale(200_000, 260, 560, 4.9, 50_000, 6_000, 400, 15, 0.34, 0.13, 0.12, 10),
}

# A whole country's graph is 10-20x the province: `national` is 10x, `--scale N` any multiple.
NATIONAL = 10


def scale_of(name: str) -> Scale:
    """The Scale called `name`: "small", "province", "national" (10x province) or a number N,
    N times the province. Counts grow (enterprises, leaders, hence supply edges, deliveries,
    projects, groups, platforms); the shares and per-enterprise means, the statistics, stay.

    >>> scale_of("national").enterprises, scale_of("2").leaders, scale_of("0.5").tier1_mean
    (2000000, 520, 560)
    >>> scale_of("province") is SCALES["province"]
    True
    """
    if name in SCALES:
        return SCALES[name]
    try:
        factor = NATIONAL if name == "national" else float(name)
    except ValueError:
        raise ValueError(f"unknown scale {name!r}; expected one of {sorted(SCALES)}, national, or a number") from None
    if not 0 < factor <= 1000:
        raise ValueError(f"scale multiplier {name!r} out of range (0, 1000]")
    p = SCALES["province"]
    grow = {f: max(1, round(getattr(p, f) * factor))
            for f in ("enterprises", "leaders", "deliveries", "projects", "groups", "platforms")}
    return dataclasses.replace(p, **grow)


# Where manufacturers sit inside Hangzhou and Shaoxing (relative weights).
HZ_DISTRICTS = {"330109": 18, "330110": 12, "330113": 10, "330114": 10, "330111": 8, "330112": 6,
                "330108": 6, "330106": 4, "330105": 4, "330102": 3, "330122": 6, "330182": 5, "330127": 3}
SX_DISTRICTS = {"330603": 30, "330602": 15, "330604": 20, "330681": 20, "330683": 8, "330624": 7}
ZJ_CITIES = {"330200": 30, "330300": 18, "330400": 14, "330500": 10, "330700": 14, "330800": 3,
             "330900": 2, "331000": 12, "331100": 3}
OUT_CITIES = {"320500": 25, "320200": 12, "320100": 8, "320400": 8, "310100": 20, "440300": 10,
              "441900": 5, "440600": 5, "340100": 7}
# Old enterprises keep the region code of their registration (USCC characters 3–8).
RETIRED_OF = {"330105": "330103", "330102": "330104", "330111": "330183", "330112": "330185",
              "330603": "330621", "330604": "330682"}
RETIRED_SHARE = 0.08

# Shaoxing's manufacturing leans to textiles and chemical fibre (柯桥, 上虞).
CHAIN_WEIGHT = {"HZ01": 1.2, "HZ02": 0.8, "HZ03": 0.8, "HZ04": 0.6, "HZ05": 0.5, "HZ06": 1.0, "HZ07": 1.4,
                "HZ08": 1.0, "HZ09": 0.9, "HZ10": 1.2, "HZ11": 1.3, "HZ12": 0.9, "HZ13": 0.7, "HZ14": 0.8}
SX_CHAIN_BOOST = {"HZ11": 4.0, "HZ08": 1.5}
STAGE_MEMBER_WEIGHT = {"upstream": 1.2, "midstream": 1.0, "downstream": 0.8}
STAGE_BUY_WEIGHT = {"upstream": 0.45, "midstream": 0.40, "downstream": 0.15}

PROVIDER_TYPE_WEIGHT = np.array([0.42, 0.15, 0.10, 0.11, 0.11, 0.11])  # types 1..6
DELIVERY_TYPE_WEIGHT = np.array([0.50, 0.15, 0.08, 0.09, 0.09, 0.09])
AMOUNT_MEDIAN = np.array([300.0, 40.0, 20.0, 80.0, 150.0, 200.0])      # 万元, by type
STATUS = np.array(["confirmed", "claimed", "disputed", "withdrawn"])
STATUS_P = np.array([0.84, 0.10, 0.04, 0.02])
RATING = np.array(["excellent", "good", "qualified", ""])
RATING_P = np.array([0.20, 0.45, 0.25, 0.10])

SCENARIOS = ["数字化设计", "智能化生产", "网络化协同", "共享化制造", "个性化定制", "服务化延伸"]  # B1
CAPABILITIES = ["注塑", "冲压", "CNC加工", "钣金", "焊接", "喷涂", "电镀", "压铸", "锻造", "热处理",
                "表面处理", "SMT贴片", "组装", "包装", "印染", "缝制", "织造", "模具制造", "3D打印", "检测"]

BRAND_A = list("恒瑞华鼎新远中宏泰盛金德嘉昌永安立达海康星联博创天锦润祥兴明晨启云亿信和丰凯正")
BRAND_B = list("达源通诚科普辉腾越峰衡力成美邦城翔宇辰航驰睿锐凌皓益汇隆泽恩杰铭")
INDUSTRY_WORDS = {
    "C13": ["农产品加工", "粮油"], "C14": ["食品", "乳业"], "C15": ["饮料", "茶业"], "C16": ["烟草制品"],
    "C17": ["纺织", "织造", "印染"], "C18": ["服饰", "制衣"], "C19": ["鞋业", "皮革"], "C20": ["木业"],
    "C21": ["家具", "家居"], "C22": ["纸业", "包装材料"], "C23": ["印务"], "C24": ["文体用品"],
    "C25": ["能源化工"], "C26": ["化工", "新材料"], "C27": ["药业", "生物医药"], "C28": ["化纤"],
    "C29": ["塑业", "橡塑"], "C30": ["建材", "玻璃"], "C31": ["钢铁", "特钢"], "C32": ["铜业", "铝业"],
    "C33": ["五金", "金属制品"], "C34": ["机械", "精密机械", "泵阀"], "C35": ["装备", "智能装备"],
    "C36": ["汽车零部件", "汽车"], "C37": ["航空部件", "轨道交通设备"], "C38": ["电气", "电器", "新能源"],
    "C39": ["电子", "通信", "微电子", "智能科技"], "C40": ["仪器仪表", "传感技术"], "C41": ["工艺制品"],
    "C42": ["再生资源"], "C43": ["设备维修"],
}
PROVIDER_WORDS = ["数字科技", "智能系统", "工业互联网", "信息技术", "物联网科技", "数字工程", "软件"]
CLOUD_WORDS = ["电子商务", "工业设计", "品牌管理", "网络科技", "创新孵化"]


# ---------------------------------------------------------------- small pure helpers

def _rng(seed: int, section: str) -> np.random.Generator:
    """An independent stream per section, so changing one section leaves the others alone."""
    return np.random.default_rng([seed, *section.encode("utf-8")])


def org_code_check(body: str) -> str:
    """GB 11714 organisation-code check character for an 8-character body.

    >>> org_code_check("60003734")
    '1'
    """
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(body, weights))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])


def make_usccs(region_codes: np.ndarray, bodies: np.ndarray) -> list[str]:
    """'91' + region + organisation code (8 digits + its check) + USCC check character.

    Vectorised over numpy digit matrices: the province scale needs 200k of them.

    >>> make_usccs(np.array(["110000"]), np.array([60003734]))
    ['91110000600037341L']
    """
    n = len(bodies)
    body = np.asarray(bodies, dtype=np.int64)
    body_digits = (body[:, None] // 10 ** np.arange(7, -1, -1)) % 10
    org = 11 - (body_digits @ np.array([3, 7, 9, 10, 5, 8, 4, 2])) % 11
    org_value = np.where(org == 11, 0, org)            # 10 is written 'X' (USCC value 29)
    org_char = np.where(org == 10, "X", org_value.astype(str))
    org_value = np.where(org == 10, _USCC_ALPHABET.index("X"), org_value)
    region = np.asarray(region_codes).astype("U6")
    region_digits = np.frombuffer(region.tobytes(), dtype=np.uint32).reshape(n, 6).astype(np.int64) - ord("0")
    values = np.column_stack([np.full(n, 9), np.full(n, 1), region_digits, body_digits, org_value])
    checks = (31 - (values @ _USCC_WEIGHTS) % 31) % 31
    return [f"91{r}{b:08d}{o}{_USCC_ALPHABET[k]}"
            for r, b, o, k in zip(region.tolist(), body.tolist(), org_char.tolist(), checks.tolist())]


def _dates(rng: np.random.Generator, start: str | np.datetime64, end: str | np.datetime64, size: int) -> np.ndarray:
    lo, hi = np.datetime64(start), np.datetime64(end)
    return lo + rng.integers(0, (hi - lo).astype(int) + 1, size=size).astype("timedelta64[D]")


def _date_str(d: np.ndarray) -> np.ndarray:
    """ISO strings; NaT becomes an empty cell."""
    out = np.datetime_as_string(d, unit="D").astype(object)
    out[np.isnat(d)] = ""
    return out


def _bool_str(b: np.ndarray) -> np.ndarray:
    return np.where(b, "true", "false")


def _cents(x: np.ndarray) -> np.ndarray:
    """Amounts in 万元 kept as integer hundredths, so sums and ratios are exact."""
    return np.maximum(1, np.round(np.asarray(x) * 100)).astype(np.int64)


def _csr(keys: np.ndarray, values: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group values by integer key: (start, size, values sorted by key, stable)."""
    order = np.argsort(keys, kind="stable")
    size = np.bincount(keys, minlength=n_keys)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    return start, size, values[order]


def _pick(rng, start, size, members, keys) -> np.ndarray:
    """One uniform member per key (keys must have size > 0)."""
    off = np.floor(rng.random(len(keys)) * size[keys]).astype(np.int64)
    return members[start[keys] + off]


# ---------------------------------------------------------------- the world

class World:
    """Arrays describing the enterprises; built step by step by generate()."""

    def __init__(self, scale: Scale, seed: int):
        self.scale, self.seed = scale, seed
        self.chains = ref.chains()
        self.chain_ids = [c["id"] for c in self.chains]
        self.segs = [s for c in self.chains for s in c["segments"]]
        self.seg_ids = np.array([s["id"] for s in self.segs])
        self.seg_chain = np.array([ci for ci, c in enumerate(self.chains) for _ in c["segments"]])
        self.seg_stage = np.array([s["stage"] for s in self.segs])
        self.industry_codes = list(ref.industries())


def _district_pool(city: str) -> list[str]:
    kids = [c for c, r in regions.regions().items()
            if r["parent"] == city and r["level"] == "district" and not r["successor"]]
    return sorted(kids) or [city]


def _region_table(weights_by_group: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Flatten group shares × within-group weights into (codes, probabilities)."""
    codes, probs = [], []

    def add(table: dict[str, float], share: float):
        total = sum(table.values())
        for code, w in table.items():
            codes.append(code)
            probs.append(share * w / total)

    for group, share in weights_by_group.items():
        if share <= 0:
            continue
        if group == "hz":
            add(HZ_DISTRICTS, share)
        elif group == "hz_no_bj":
            add({k: v for k, v in HZ_DISTRICTS.items() if k != BINJIANG}, share)
        elif group == "bj":
            add({BINJIANG: 1}, share)
        elif group == "sx":
            add(SX_DISTRICTS, share)
        else:
            cities = ZJ_CITIES if group == "zj" else OUT_CITIES
            total = sum(cities.values())
            for city, w in cities.items():
                pool = _district_pool(city)
                add({d: 1 for d in pool}, share * w / total)
    p = np.array(probs)
    return np.array(codes), p / p.sum()


def _place(w: World, rng: np.random.Generator) -> None:
    s = w.scale
    n = s.enterprises
    n_prov = round(0.03 * n)
    n_cloud = round(0.008 * n)
    role = np.zeros(n, dtype=np.int8)          # 0 manufacturer, 1 provider, 2 云端 candidate
    role[rng.permutation(n)[: n_prov + n_cloud]] = np.repeat([1, 2], [n_prov, n_cloud])
    region = np.empty(n, dtype=object)
    tables = {
        0: _region_table({"hz": s.hz_share, "sx": s.sx_share,
                          "zj": 1 - s.hz_share - s.sx_share - s.out_share, "out": s.out_share}),
        # Providers concentrate in 滨江 (rule C: Binjiang's 智造供给 policy).
        1: _region_table({"bj": 0.45, "hz_no_bj": 0.27, "sx": 0.08, "zj": 0.08, "out": 0.12}),
        2: _region_table({"hz": 1.0}),
    }
    for r, (codes, p) in tables.items():
        idx = np.flatnonzero(role == r)
        region[idx] = codes[rng.choice(len(codes), size=len(idx), p=p)]
    # A share of old enterprises in merged districts still carry the retired code.
    for new, old in RETIRED_OF.items():
        idx = np.flatnonzero(region == new)
        region[idx[rng.random(len(idx)) < RETIRED_SHARE]] = old
    w.role, w.region = role, region.astype(str)
    codes, inverse = np.unique(w.region, return_inverse=True)
    current = np.array([regions.current_code(c) for c in codes])
    w.city = np.array([regions.city_of(c) or c for c in current])[inverse]
    w.district = current[inverse]
    w.is_hz = w.city == HANGZHOU
    w.is_sx = w.city == SHAOXING


def _segments(w: World, rng: np.random.Generator) -> None:
    """Primary/secondary segment and industry; Hangzhou keeps out of gap/single segments."""
    n = w.scale.enterprises
    n_seg = len(w.segs)
    upstream = np.flatnonzero(w.seg_stage == "upstream")
    # Gap and single segments: upstream ones in distinct chains, drawn once per seed.
    cand = rng.permutation(upstream)
    chosen, used = [], set()
    for sgi in cand:
        if int(w.seg_chain[sgi]) not in used:
            chosen.append(int(sgi))
            used.add(int(w.seg_chain[sgi]))
        if len(chosen) == 6:
            break
    w.gap_segs, w.single_segs = np.array(sorted(chosen[:3])), np.array(sorted(chosen[3:]))
    restricted = np.zeros(n_seg, dtype=bool)
    restricted[chosen] = True

    base = np.array([CHAIN_WEIGHT.get(c, 1.0) for c in w.chain_ids])
    sx = base * np.array([SX_CHAIN_BOOST.get(c, 1.0) for c in w.chain_ids])
    chain = np.full(n, -1)
    mfr = w.role == 0
    for mask, weights in ((mfr & ~w.is_sx, base), (mfr & w.is_sx, sx)):
        idx = np.flatnonzero(mask)
        chain[idx] = rng.choice(len(weights), size=len(idx), p=weights / weights.sum())
    # Some providers also make things (type 4 module makers, integrators with a factory).
    prov = np.flatnonzero(w.role == 1)
    prov_mfr = prov[rng.random(len(prov)) < 0.2]
    tech = np.array([w.chain_ids.index(c) for c in ("HZ01", "HZ03", "HZ05", "HZ07", "HZ12")
                     if c in w.chain_ids])
    chain[prov_mfr] = rng.choice(tech, size=len(prov_mfr))
    is_mfr = chain >= 0
    is_maker = np.zeros(n, dtype=bool)
    is_maker[prov_mfr] = True

    member_w = np.array([STAGE_MEMBER_WEIGHT[s] for s in w.seg_stage])
    seg1 = np.full(n, -1)
    seg2 = np.full(n, -1)
    industry = np.full(n, -1)
    ind_index = {c: i for i, c in enumerate(w.industry_codes)}
    for ci, c in enumerate(w.chains):
        segs = np.flatnonzero(w.seg_chain == ci)
        in_chain = chain == ci
        for hz in (True, False):
            for maker in (False, True):
                idx = np.flatnonzero(in_chain & (w.is_hz == hz) & (is_maker == maker))
                pw = member_w[segs] * (~restricted[segs] if hz else 1)
                if maker:   # provider-makers sell systems, not upstream parts
                    pw = pw * (w.seg_stage[segs] != "upstream")
                seg1[idx] = segs[rng.choice(len(segs), size=len(idx), p=pw / pw.sum())]
        codes = np.array([ind_index[x] for x in c["industry_codes"]])
        idx = np.flatnonzero(chain == ci)
        industry[idx] = codes[rng.integers(0, len(codes), size=len(idx))]

    # Second segment: same chain (60%) or another chain sharing the industry (40%).
    segs_by_industry = {i: np.flatnonzero(np.isin(w.seg_chain, [ci for ci, c in enumerate(w.chains)
                                                                if code in c["industry_codes"]]))
                        for code, i in ind_index.items()}
    two = np.flatnonzero(is_mfr & (rng.random(n) < 0.3))
    same = rng.random(len(two)) < 0.6
    u = rng.random(len(two))
    for k, e in enumerate(two):
        pool = (np.flatnonzero(w.seg_chain == chain[e]) if same[k]
                else segs_by_industry[industry[e]])
        pool = pool[pool != seg1[e]]
        if w.is_hz[e]:
            pool = pool[~restricted[pool]]
        if len(pool):
            seg2[e] = pool[int(u[k] * len(pool))]
    w.chain, w.seg1, w.seg2, w.industry, w.is_mfr = chain, seg1, seg2, industry, is_mfr
    w.restricted = restricted


def _attributes(w: World, rng: np.random.Generator) -> None:
    n = w.scale.enterprises
    emp = np.clip(np.round(rng.lognormal(math.log(80), 1.1, n)), 5, 50_000)
    revenue = emp * rng.lognormal(math.log(60), 0.5, n)
    rd = revenue * rng.uniform(0.005, 0.06, n)
    rd_staff = np.round(emp * rng.uniform(0.03, 0.2, n))
    high_tech = rng.random(n) < np.clip(0.15 + 0.05 * np.log10(emp), 0, 0.6)
    credit = rng.random(n) >= 0.025
    prov = np.flatnonzero(w.role == 1)
    # Providers straddle C2.3 (R&D ≥ 500 万元, ≥ 30 R&D staff), a few exactly on the line.
    emp[prov] = np.clip(np.round(rng.lognormal(math.log(150), 0.9, len(prov))), 10, 20_000)
    revenue[prov] = rng.lognormal(math.log(8_000), 1.1, len(prov))
    rd[prov] = rng.lognormal(math.log(500), 0.7, len(prov))
    rd_staff[prov] = np.round(rng.lognormal(math.log(30), 0.6, len(prov)))
    on_line = prov[rng.random(len(prov)) < 0.05]
    rd[on_line], rd_staff[on_line] = 500.0, 30
    high_tech[prov] = rng.random(len(prov)) < 0.6
    credit[prov] = rng.random(len(prov)) >= 0.08
    w.employees, w.revenue, w.rd, w.rd_staff = emp, revenue, rd, rd_staff
    w.high_tech, w.credit = high_tech, credit
    types = np.zeros((n, 6), dtype=bool)
    k = rng.choice([1, 2, 3], size=len(prov), p=[0.55, 0.3, 0.15])
    for j, e in enumerate(prov):
        types[e, rng.choice(6, size=k[j], replace=False, p=PROVIDER_TYPE_WEIGHT)] = True
    w.ptypes = types


def _leaders(w: World, rng: np.random.Generator) -> None:
    """Hangzhou 链主工厂: at least one per chain, the rest by chain weight; large firms."""
    s = w.scale
    n_chain = len(w.chains)
    weight = np.array([CHAIN_WEIGHT.get(c, 1.0) * (1.5 if ch.get("signature") else 1.0)
                       for c, ch in zip(w.chain_ids, w.chains)])
    extra = rng.multinomial(max(0, s.leaders - n_chain), weight / weight.sum())
    counts = 1 + extra
    eligible = ((w.role == 0) & w.is_hz & w.credit & (w.seg1 >= 0)
                & (w.seg_stage[np.maximum(w.seg1, 0)] != "upstream"))
    leaders, lchain = [], []
    for ci in range(n_chain):
        pool = np.flatnonzero(eligible & (w.chain == ci))
        take = rng.choice(pool, size=min(counts[ci], len(pool)), replace=False)
        leaders.extend(take.tolist())
        lchain.extend([ci] * len(take))
    w.leaders = np.array(leaders)
    w.leader_chain = np.array(lchain)
    w.is_leader = np.zeros(s.enterprises, dtype=bool)
    w.is_leader[w.leaders] = True
    m = len(w.leaders)
    w.employees[w.leaders] = np.round(rng.lognormal(math.log(4_000), 0.8, m))
    w.revenue[w.leaders] = rng.lognormal(math.log(300_000), 0.9, m)
    w.rd[w.leaders] = w.revenue[w.leaders] * rng.uniform(0.03, 0.08, m)
    w.rd_staff[w.leaders] = np.round(w.employees[w.leaders] * rng.uniform(0.08, 0.2, m))
    w.high_tech[w.leaders] = True
    # 聚能工厂 platforms: other large Hangzhou manufacturers (B3: 2000 亿元 output together).
    pool = np.flatnonzero((w.role == 0) & w.is_hz & w.credit & ~w.is_leader & (w.seg1 >= 0))
    w.platforms = np.sort(rng.choice(pool, size=s.platforms, replace=False))
    w.employees[w.platforms] = np.round(rng.lognormal(math.log(8_000), 0.5, s.platforms))
    w.revenue[w.platforms] = rng.lognormal(math.log(4_000_000), 0.3, s.platforms)
    w.rd[w.platforms] = w.revenue[w.platforms] * 0.03
    # Single-supplier segments: exactly one Hangzhou member, a non-leader of that chain.
    for sg in w.single_segs:
        pool = np.flatnonzero((w.role == 0) & w.is_hz & ~w.is_leader & (w.chain == w.seg_chain[sg]))
        pool = np.setdiff1d(pool, w.platforms)
        e = rng.choice(pool)
        w.seg2[e] = sg
        w.employees[e] = max(w.employees[e], 600)
        w.revenue[e] = max(w.revenue[e], 50_000)
    w.single_members = w.seg2[np.isin(w.seg2, w.single_segs)]


# ---------------------------------------------------------------- supplies

def _member_pools(w: World):
    n_seg = len(w.segs)
    ent = np.concatenate([np.flatnonzero(w.seg1 >= 0), np.flatnonzero(w.seg2 >= 0)])
    seg = np.concatenate([w.seg1[w.seg1 >= 0], w.seg2[w.seg2 >= 0]])
    keep = ~w.is_leader[ent]
    ent, seg = ent[keep], seg[keep]
    order = np.argsort(ent, kind="stable")
    ent, seg = ent[order], seg[order]
    hz = w.is_hz[ent]
    local = _csr(seg[hz], ent[hz], n_seg)
    other = _csr(seg[~hz], ent[~hz], n_seg)
    return local, other


def _years_active(rng, n: int) -> np.ndarray:
    """Boolean (n, 4) matrix of the years 2022–2025 in which a pair trades."""
    start = rng.choice(4, size=n, p=[0.7, 0.15, 0.1, 0.05])
    end = np.where(rng.random(n) < 0.85, 3, start + np.floor(rng.random(n) * (4 - start)).astype(int))
    end = np.maximum(end, start)
    yi = np.arange(4)
    return (yi >= start[:, None]) & (yi <= end[:, None])


def _share_cents(local: np.ndarray, nonlocal_: np.ndarray, share: float,
                 exact: bool) -> tuple[np.ndarray, np.ndarray]:
    """Rescale local cents so local/(local+non-local) == share (to the cent).

    With exact=True and share 0.6 the ratio is exactly 3/5: the non-local total is made
    even and the local total set to 1.5 times it.

    >>> l, n = _share_cents(np.array([10, 30]), np.array([101]), 0.6, exact=True)
    >>> int(l.sum()), int(n.sum()), float(l.sum() / (l.sum() + n.sum()))
    (153, 102, 0.6)
    """
    nonlocal_ = nonlocal_.copy()
    if exact and nonlocal_.sum() % 2:
        nonlocal_[np.argmax(nonlocal_)] += 1
    total_nl = int(nonlocal_.sum())
    target = total_nl * 3 // 2 if exact else round(total_nl * share / (1 - share))
    w = local / local.sum()
    out = np.maximum(1, np.floor(w * target)).astype(np.int64)
    out[np.argmax(out)] += target - int(out.sum())
    return out, nonlocal_


def _supplies(w: World, rng: np.random.Generator) -> pd.DataFrame:
    s = w.scale
    (ls, lz, lm), (os_, oz, om) = _member_pools(w)
    buy_w = np.array([STAGE_BUY_WEIGHT[x] for x in w.seg_stage])
    m = len(w.leaders)
    # Local-share targets per leader: spread around 0.60 (B4); #0 exactly on it, #1 just below.
    # Stratified rather than sampled, so every seed puts about half of them on each side.
    q = np.linspace(-1, 1, m)
    target = rng.permutation(0.60 + 0.30 * np.sign(q) * np.abs(q) ** 1.5)
    order = rng.permutation(m)
    exact_leader, below_leader = order[0], order[1]
    target[exact_leader], target[below_leader] = 0.60, 0.5996
    no_year = {int(order[4]): 0, int(order[5]): 3, int(order[6]): 1}  # leaders idle in a year
    w.exact_leader = int(w.leaders[exact_leader])
    w.below_leader = int(w.leaders[below_leader])

    rows_s, rows_b, rows_y, rows_c, rows_seg = [], [], [], [], []
    tier1_pairs = []
    for li, leader in enumerate(w.leaders):
        ci = w.leader_chain[li]
        segs = np.flatnonzero(w.seg_chain == ci)
        k1 = int(np.clip(rng.lognormal(math.log(s.tier1_mean), 0.5), 6, 4 * s.tier1_mean))
        seg = segs[rng.choice(len(segs), size=k1, p=buy_w[segs] / buy_w[segs].sum())]
        p_local = rng.uniform(0.35, 0.8)
        use_local = ((rng.random(k1) < p_local) & (lz[seg] > 0)) | (oz[seg] == 0)
        # Every leader buys at least one thing locally and one from outside.
        if not use_local.any():
            ok = np.flatnonzero(lz[seg] > 0)
            use_local[ok[0] if len(ok) else 0] = len(ok) > 0
        if use_local.all():
            ok = np.flatnonzero(oz[seg] > 0)
            if len(ok):
                use_local[ok[0]] = False
        sup = np.where(use_local,
                       _pick(rng, ls, np.maximum(lz, 1), lm, seg) if len(lm) else -1,
                       _pick(rng, os_, np.maximum(oz, 1), om, seg) if len(om) else -1)
        _, first = np.unique(sup, return_index=True)
        first = np.sort(first)
        sup, seg, use_local = sup[first], seg[first], use_local[first]
        base = rng.lognormal(math.log(300), 1.3, len(sup))
        base[np.isin(seg, w.single_segs) & use_local] *= 6   # the single local supplier dominates
        active = _years_active(rng, len(sup))
        for flag in (True, False):   # the biggest local and non-local pair trade every year
            idx = np.flatnonzero(use_local == flag)
            if len(idx):
                active[idx[np.argmax(base[idx])]] = True
        if li in no_year:
            active[:, no_year[li]] = False
        growth = rng.lognormal(0, 0.2, active.shape) * 1.06 ** np.arange(4)
        tier1_pairs.append(np.column_stack([sup, np.full(len(sup), leader)]))
        for yi, year in enumerate(YEARS):
            on = active[:, yi]
            if not on.any():
                continue
            cents = _cents(base[on] * growth[on, yi])
            loc = use_local[on]
            if loc.any() and (~loc).any():
                share = 0.6 if li == exact_leader else (
                    target[li] if li == below_leader else float(np.clip(target[li] + rng.normal(0, 0.03),
                                                                         0.15, 0.95)))
                cents[loc], cents[~loc] = _share_cents(cents[loc], cents[~loc], share,
                                                       exact=li == exact_leader)
            rows_s.append(sup[on])
            rows_b.append(np.full(on.sum(), leader))
            rows_y.append(np.full(on.sum(), year))
            rows_c.append(cents)
            rows_seg.append(seg[on])
    t1 = np.concatenate(tier1_pairs)
    w.tier1 = t1

    # Tier 2: suppliers of the tier-1 suppliers, in a segment of the buyer's own chain.
    buyers = np.unique(t1[:, 0])
    buyers = buyers[w.chain[buyers] >= 0]
    k2 = rng.poisson(s.tier2_mean, len(buyers))
    b = np.repeat(buyers, k2)
    bchain = w.chain[b]
    # Draw a segment of the buyer's chain, upstream-heavy, via per-chain cumulative weights.
    n_chain = len(w.chains)
    width = max(len(c["segments"]) for c in w.chains)
    cum = np.ones((n_chain, width))
    seg_of = np.zeros((n_chain, width), dtype=np.int64)
    for ci in range(n_chain):
        segs = np.flatnonzero(w.seg_chain == ci)
        p = buy_w[segs] / buy_w[segs].sum()
        cum[ci, : len(segs)] = np.cumsum(p)
        seg_of[ci, : len(segs)] = segs
        seg_of[ci, len(segs):] = segs[-1]
    slot = (rng.random(len(b))[:, None] > cum[bchain]).sum(1)
    seg = seg_of[bchain, np.minimum(slot, width - 1)]
    loc = ((rng.random(len(b)) < 0.5) & (lz[seg] > 0)) | (oz[seg] == 0)
    sup = np.where(loc, _pick(rng, ls, np.maximum(lz, 1), lm, seg), _pick(rng, os_, np.maximum(oz, 1), om, seg))
    keep = sup != b
    sup, b, seg = sup[keep], b[keep], seg[keep]
    key = sup.astype(np.int64) * s.enterprises + b
    _, first = np.unique(key, return_index=True)
    first = np.sort(first)
    sup, b, seg = sup[first], b[first], seg[first]
    active = _years_active(rng, len(sup))
    base = rng.lognormal(math.log(60), 1.2, len(sup))
    growth = rng.lognormal(0, 0.2, active.shape) * 1.05 ** np.arange(4)
    pi, yi = np.nonzero(active)
    rows_s.append(sup[pi])
    rows_b.append(b[pi])
    rows_y.append(YEARS[yi])
    rows_c.append(_cents(base[pi] * growth[pi, yi]))
    rows_seg.append(seg[pi])

    return pd.DataFrame({
        "supplier": np.concatenate(rows_s), "buyer": np.concatenate(rows_b),
        "year": np.concatenate(rows_y), "cents": np.concatenate(rows_c),
        "segment": np.concatenate(rows_seg),
    })


# ---------------------------------------------------------------- deliveries

# Log-odds of each signal in the choice of contractor (Gumbel noise is the rest). Strong enough
# that the next contractor is predictable from industry, place and chain ties far better than
# by popularity, weak enough that no single signal decides (issue 4's offline evaluation).
SPECIALISATION, SAME_DISTRICT, SAME_CITY, LEADER_TIE, CHAIN_TIE, SIZE = 4.0, 3.0, 1.6, 4.0, 1.4, 0.8
# The day the phase-2 deliveries (everyone but the leaders' own projects) begin.
PHASE2_START = np.datetime64("2021-07-01")


def _deliveries(w: World, rng: np.random.Generator) -> pd.DataFrame:
    """Softmax choice of provider per delivery; learnable from industry, place and chain ties."""
    s = w.scale
    n = s.enterprises
    prov = np.flatnonzero((w.role == 1) & w.ptypes.any(1))
    n_ind = len(w.industry_codes)
    # Each provider specialises in 2–3 industries, drawn by how common they are among clients.
    mfr_ind = w.industry[(w.role == 0) & (w.industry >= 0)]
    ind_p = np.bincount(mfr_ind, minlength=n_ind) + 0.5
    ind_p = ind_p / ind_p.sum()
    spec = np.zeros((len(prov), n_ind), dtype=np.float32)
    for j in range(len(prov)):
        spec[j, rng.choice(n_ind, size=rng.integers(2, 4), replace=False, p=ind_p)] = 1
    size = np.log(w.revenue[prov]).astype(np.float32)
    size = (size - size.mean()) / (size.std() + 1e-9)
    has_type = w.ptypes[prov]
    kind_disc = np.array([ref.industry_kind(c) == "discrete" for c in w.industry_codes])

    clients = np.flatnonzero((w.role == 0) & (w.industry >= 0))
    cw = np.log1p(w.employees[clients]) * np.where(w.is_hz[clients], 2.0,
                                                   np.where(w.city[clients].astype("U2") == "33", 1.2, 0.3))
    cw = cw / cw.sum()
    n_lead = len(w.leaders)
    leader_pos = {int(e): i for i, e in enumerate(w.leaders)}
    # client -> leaders it supplies directly (tier 1), as a CSR table.
    t1 = w.tier1
    t1_lead = np.array([leader_pos[int(x)] for x in t1[:, 1]])
    t1_start, t1_size, t1_vals = _csr(t1[:, 0], t1_lead, n)
    chain_leader = np.zeros((len(w.chains), n_lead), dtype=np.float32)
    chain_leader[w.leader_chain, np.arange(n_lead)] = 1

    dist_id = np.unique(w.district, return_inverse=True)[1]
    city_id = np.unique(w.city, return_inverse=True)[1]
    pdist, pcity = dist_id[prov], city_id[prov]

    def choose(cl: np.ndarray, ptype: np.ndarray, served: np.ndarray | None) -> np.ndarray:
        """Sample from softmax(score) over the providers offering the type.

        Exponential race: argmax(exp(score) / E) with E ~ Exp(1) is a softmax draw, and
        exp(score) is a product of per-term factors, so no logarithm per element.
        """
        out = np.empty(len(cl), dtype=np.int64)
        e = np.float32(math.e)
        for t in range(6):
            cand = np.flatnonzero(has_type[:, t])
            rows_t = np.flatnonzero(ptype == t)
            if not len(cand):
                raise ValueError(f"no provider offers type {t + 1}")
            f_spec = np.where(spec[cand].T > 0, e ** SPECIALISATION, np.float32(1)).astype(np.float32)  # (ind, cand)
            f_base = np.exp(SIZE * size[cand]).astype(np.float32)
            cd, cc = pdist[cand], pcity[cand]
            sv = served[:, cand] if served is not None else None
            if sv is not None:
                chain_tie = (chain_leader @ sv) > 0          # (chain, cand): served a leader of it
            for lo in range(0, len(rows_t), 1024):
                r = rows_t[lo: lo + 1024]
                c = cl[r]
                weight = f_spec[w.industry[c]] * f_base[None, :]
                weight[dist_id[c][:, None] == cd[None, :]] *= e ** SAME_DISTRICT
                weight[city_id[c][:, None] == cc[None, :]] *= e ** SAME_CITY
                if sv is not None:
                    # Direct tie: the provider served a leader this client supplies.
                    has = np.flatnonzero(t1_size[c] > 0)
                    if len(has):
                        cols = np.concatenate([t1_vals[t1_start[x]: t1_start[x] + t1_size[x]] for x in c[has]])
                        starts = np.concatenate([[0], np.cumsum(t1_size[c[has]])[:-1]])
                        tie = np.add.reduceat(sv[cols.astype(np.int64)], starts, axis=0) > 0
                        sub = weight[has]
                        sub[tie] *= e ** LEADER_TIE
                        weight[has] = sub
                    weight[chain_tie[w.chain[c]]] *= e ** CHAIN_TIE
                weight /= np.maximum(rng.standard_exponential(weight.shape, dtype=np.float32), np.float32(1e-30))
                out[r] = prov[cand[np.argmax(weight, axis=1)]]
        return out

    # Phase 1: the leaders' own projects, signed before any phase-2 choice (which favours the
    # providers they chose, so a phase-2 choice must not precede them: issue 17).
    n1 = min(s.deliveries // 6, 6 * n_lead)
    cl1 = rng.choice(w.leaders, size=n1)
    ty1 = rng.choice(6, size=n1, p=DELIVERY_TYPE_WEIGHT)
    pr1 = choose(cl1, ty1, None)
    d1 = _dates(rng, "2021-01-01", PHASE2_START - np.timedelta64(1, "D"), n1)
    served = np.zeros((n_lead, len(prov)), dtype=np.float32)
    prov_pos = np.searchsorted(prov, pr1)
    served[[leader_pos[int(x)] for x in cl1], prov_pos] = 1
    # The model's inputs, kept for the offline evaluation's oracle (bench/oracle.py); no draw.
    w.truth = {"prov": prov, "spec": spec, "size": size, "served": served, "leader_pos": leader_pos,
               "tier1": (t1_start, t1_size, t1_vals), "chain_leader": chain_leader}
    # Phase 2: everyone else; providers that served a leader are favoured by its suppliers.
    n2 = s.deliveries - n1
    cl2 = clients[rng.choice(len(clients), size=n2, p=cw)]
    ty2 = rng.choice(6, size=n2, p=DELIVERY_TYPE_WEIGHT)
    pr2 = choose(cl2, ty2, served)
    d2 = _dates(rng, PHASE2_START, "2025-10-31", n2)

    cl, ty, pr, signed = (np.concatenate(x) for x in ((cl1, cl2), (ty1, ty2), (pr1, pr2), (d1, d2)))
    m = len(cl)
    ptype = ty + 1
    kind = np.array(["engineering_project", "platform_onboarding", "security_contract", "module_transfer",
                     "iot_project", "system_integration"], dtype=object)[ty]
    kind[(ptype == 2) & (rng.random(m) < 0.4)] = "industrial_app"
    discrete = kind_disc[w.industry[cl]]
    unit = np.where(discrete, rng.choice(["cell", "line", "workshop", "factory"], size=m, p=[0.25, 0.35, 0.3, 0.1]),
                    rng.choice(["workshop", "factory"], size=m, p=[0.7, 0.3])).astype(object)
    unit[ptype != 1] = ""
    qty = np.ones(m, dtype=np.int64)
    qty[ptype == 1] = rng.choice([1, 2, 3], size=(ptype == 1).sum(), p=[0.7, 0.2, 0.1])
    app = kind == "industrial_app"
    qty[app] = rng.integers(1, 6, app.sum())
    for t, lo, hi in ((4, 1, 13), (5, 2, 31), (6, 2, 11)):
        qty[ptype == t] = rng.integers(lo, hi, (ptype == t).sum())
    amount = np.round(AMOUNT_MEDIAN[ty] * rng.lognormal(0, 0.9, m), 2)
    status = rng.choice(STATUS, size=m, p=STATUS_P)
    # Acceptance 45–400 days after signing, squeezed (not clipped) into the data window.
    room = np.minimum(400, (LAST_DAY - signed).astype(int))
    accepted = signed + (45 + np.floor(rng.random(m) * (room - 44))).astype("timedelta64[D]")
    no_accept = (status == "withdrawn") | ((status == "claimed") & (rng.random(m) < 0.5))
    accepted = np.where(no_accept, np.datetime64("NaT"), accepted)
    rating = np.where(status == "confirmed", rng.choice(RATING, size=m, p=RATING_P), "")
    order = np.lexsort((np.arange(m), signed))
    df = pd.DataFrame({
        "supplier": pr, "client": cl, "kind": kind, "provider_type": ptype, "unit": unit, "quantity": qty,
        "amount": amount, "signed": signed, "accepted": accepted, "status": status, "rating": rating,
    }).iloc[order].reset_index(drop=True)
    df.insert(0, "id", [f"D{i:06d}" for i in range(1, m + 1)])
    return df


# ---------------------------------------------------------------- recognitions

def _recognitions(w: World, rng: np.random.Generator, dl: pd.DataFrame) -> pd.DataFrame:
    s = w.scale
    rows: list[tuple] = []   # (ent, kind, level, status, year, chain_id, rating)
    taken: dict[tuple[int, str, int], bool] = {}

    def add(e, kind, level, status, year, chain="", rating=""):
        key = (int(e), kind, int(year))
        if key not in taken:
            taken[key] = True
            rows.append((int(e), kind, level, status, int(year), chain, rating))

    def status_of(p_recognised: float) -> str:
        return "认定" if rng.random() < p_recognised else "培育"

    # 链主工厂 (B4: ≥30, about 20 recognised), naming their chain; some came up the ladder (A1.4).
    for li, e in enumerate(w.leaders):
        cid = w.chain_ids[w.leader_chain[li]]
        year = int(rng.integers(2021, 2024))
        st = status_of(0.6)
        if st == "认定" and year > 2021 and rng.random() < 0.4:
            add(e, "链主工厂", "市", "培育", year - 1, cid)
        add(e, "链主工厂", "市", st, year, cid)
        if rng.random() < 0.25 and year > 2021:
            add(e, "智能工厂", "市", "认定", int(rng.integers(2021, year)))
    for e in w.platforms:                                    # 聚能工厂 (B3: ≥ 5)
        add(e, "聚能工厂", "市", status_of(0.7), int(rng.integers(2021, 2024)))

    hz_mfr = np.flatnonzero((w.role == 0) & w.is_hz & ~w.is_leader)
    sx_mfr = np.flatnonzero((w.role == 0) & w.is_sx)
    # Clients of confirmed engineering projects are often recognised afterwards.
    eng = dl[(dl["provider_type"] == 1) & (dl["status"] == "confirmed")]
    later = eng.groupby("client")["signed"].min()
    later_year = {int(e): int(str(d)[:4]) for e, d in later.items()}

    def cohort(pool: np.ndarray, ratio: float) -> np.ndarray:
        k = min(len(pool), round(ratio * len(pool)))
        from_clients = pool[np.isin(pool, list(later_year))]
        k_cl = min(len(from_clients), int(0.4 * k))
        a = rng.choice(from_clients, size=k_cl, replace=False) if k_cl else np.array([], dtype=np.int64)
        rest = np.setdiff1d(pool, a)
        b = rng.choice(rest, size=k - k_cl, replace=False)
        return np.concatenate([a, b]).astype(np.int64)

    def year_for(e: int, lo: int = 2021) -> int:
        if e in later_year and later_year[e] < 2025:
            return int(rng.integers(max(lo, later_year[e] + 1), 2026))
        return int(rng.integers(lo, 2026))

    for pool, city_level in ((hz_mfr, "市"), (sx_mfr, "市")):
        smart_ratio, shop_ratio = (0.075, 0.22) if pool is hz_mfr else (0.05, 0.15)
        smart = cohort(pool, smart_ratio)                     # 智能工厂 (B5: ≥120, ~80 recognised)
        for e in smart:
            y = year_for(int(e), 2022)
            if rng.random() < 0.25 and y >= 2023:             # ladder: 数字化车间 first
                add(e, "数字化车间", city_level, "认定", int(rng.integers(2021, 2023)))
            add(e, "智能工厂", city_level, status_of(0.65), y)
        shops = cohort(np.setdiff1d(pool, smart), shop_ratio)  # 数字化车间 (≥1000, ~200 recognised)
        for e in shops:
            level = "区" if rng.random() < 0.15 else city_level
            add(e, "数字化车间", level, status_of(0.55), year_for(int(e)))

    zj_big = np.flatnonzero((w.role == 0) & (w.city.astype("U2") == "33") & (w.employees >= 300))
    n_future = max(8, round(0.004 * len(hz_mfr)))
    for e in rng.choice(np.union1d(zj_big, w.leaders), size=n_future, replace=False):
        add(e, "未来工厂", "省", "认定", int(rng.integers(2022, 2026)))   # provincial
    for e in rng.choice(zj_big, size=max(6, round(0.003 * len(hz_mfr))), replace=False):
        add(e, "数字工厂", "省", "认定", int(rng.integers(2022, 2026)))   # D10
    type2 = np.flatnonzero((w.role == 1) & w.ptypes[:, 1] & (w.city.astype("U2") == "33"))
    pool = np.concatenate([type2, w.platforms])
    for e in rng.choice(pool, size=min(len(pool), max(7, round(0.003 * len(hz_mfr)))), replace=False):
        add(e, "工业互联网平台", "国家" if rng.random() < 0.3 else "省", "认定", int(rng.integers(2021, 2026)))
    cloud = np.flatnonzero(w.role == 2)
    for e in rng.choice(cloud, size=min(300, len(cloud) // 2), replace=False):
        add(e, "云端工厂", "市", status_of(0.5), int(rng.integers(2022, 2026)))
    # 智造供给培育: one batch a year of at most 10 Binjiang providers (C3.1), from 2023.
    bj = np.flatnonzero((w.role == 1) & (w.district == BINJIANG) & w.credit)
    picks = rng.choice(bj, size=min(len(bj), 3 * s.per_year_batch), replace=False)
    for i, e in enumerate(picks):
        year = 2023 + i // s.per_year_batch
        rating = rng.choice(["excellent", "good", "qualified"]) if year == 2023 and rng.random() < 0.7 else ""
        add(e, "智造供给培育", "区", "培育", year, "", rating)
    return pd.DataFrame(rows, columns=["ent", "kind", "level", "status", "year", "chain_id", "rating"])


# ---------------------------------------------------------------- projects and memberships

def _projects(w: World, rng: np.random.Generator) -> pd.DataFrame:
    s = w.scale
    eng_prov = np.flatnonzero((w.role == 1) & w.ptypes[:, 0])
    eng_w = np.where(w.is_hz[eng_prov], 3.0, 1.0)
    hz_mfr = np.flatnonzero((w.role == 0) & w.is_hz & (w.industry >= 0))
    other_mfr = np.flatnonzero((w.role == 0) & ~w.is_hz & (w.industry >= 0))
    t1 = w.tier1
    rows = []   # owner, one_plus_n, group, investment
    for g in range(1, s.groups + 1):
        head = int(rng.choice(w.leaders) if rng.random() < 0.6 else rng.choice(hz_mfr))
        sups = t1[t1[:, 1] == head, 0]
        sups = sups[w.is_hz[sups] & (w.role[sups] == 0)]
        if len(sups) < 5:
            sups = np.concatenate([sups, hz_mfr[w.chain[hz_mfr] == w.chain[head]]])
        k = int(rng.integers(2, 6))
        members = rng.choice(np.unique(sups[sups != head]), size=k, replace=False)
        gid = f"G{g:04d}"
        rows.append((head, "1", gid, rng.lognormal(math.log(800), 0.6)))
        rows.extend((int(m), "N", gid, rng.lognormal(math.log(120), 0.7)) for m in members)
    singles = s.projects - len(rows)
    owners = np.where(rng.random(singles) < 0.9, rng.choice(hz_mfr, size=singles),
                      rng.choice(other_mfr, size=singles))
    rows.extend((int(o), "", "", rng.lognormal(math.log(230), 0.6)) for o in owners)
    df = pd.DataFrame(rows, columns=["owner", "one_plus_n", "group_id", "investment"])
    m = len(df)
    inv = np.round(df["investment"].to_numpy(), 2)
    u = rng.random(m)
    inv[u < 0.06] = 200.0                 # exactly the A2.5 line
    inv[(u >= 0.06) & (u < 0.09)] = 199.99
    start = _dates(rng, "2021-07-01", "2023-06-30", m)
    v = rng.random(m)
    start[v < 0.05] = np.datetime64("2022-01-01")   # exactly the A2.4 line
    start[(v >= 0.05) & (v < 0.08)] = np.datetime64("2021-12-31")
    service = eng_prov[rng.choice(len(eng_prov), size=m, p=eng_w / eng_w.sum())]
    has_service = rng.random(m) >= 0.08
    prior = rng.random(m) < np.where(df["one_plus_n"] == "1", 0.4, 0.2)
    scen = rng.choice(SCENARIOS, size=m)
    df["id"] = [f"P{i:05d}" for i in range(1, m + 1)]
    df["investment"] = inv
    df["start"] = start
    df["service"] = np.where(has_service, service, -1)
    df["prior"] = prior
    df["scenario"] = scen
    return df


def _memberships(w: World, rng: np.random.Generator) -> pd.DataFrame:
    """Each 聚能工厂 organises 20–200 distributed factories (B3, B9)."""
    pool = np.flatnonzero((w.role == 0) & (w.industry >= 0) & ~w.is_leader)
    zj = w.city[pool].astype("U2") == "33"
    pw = np.where(zj, 1.0, 0.4)
    pw = pw / pw.sum()
    rows = []
    for p in w.platforms:
        k = int(rng.integers(20, 201))
        members = rng.choice(pool, size=k, replace=False, p=pw)
        members = members[members != p]
        since = _dates(rng, "2020-01-01", "2025-06-30", len(members))
        for m, d in zip(members, since):
            caps = rng.choice(CAPABILITIES, size=int(rng.integers(1, 5)), replace=False)
            rows.append((int(p), int(m), d, ";".join(caps)))
    return pd.DataFrame(rows, columns=["platform", "member", "since", "capabilities"])


# What a member factory of each industry plausibly offers as a process (refdata/processes.yaml);
# industries not listed offer packaging and assembly.
INDUSTRY_PROCESSES = {
    "C17": ["weaving", "dyeing"], "C18": ["sewing", "packaging"], "C19": ["sewing", "packaging"],
    "C21": ["cnc", "painting", "assembly"], "C22": ["packaging"], "C24": ["injection", "assembly", "packaging"],
    "C29": ["injection", "mould_making", "assembly"], "C31": ["forging", "heat_treatment"],
    "C32": ["die_casting", "surface_treatment"],
    "C33": ["stamping", "sheet_metal", "welding", "surface_treatment", "painting"],
    "C34": ["cnc", "heat_treatment", "welding", "assembly", "testing"],
    "C35": ["cnc", "sheet_metal", "welding", "assembly", "painting", "testing"],
    "C36": ["die_casting", "stamping", "cnc", "painting", "assembly"],
    "C37": ["cnc", "forging", "heat_treatment", "assembly", "testing"],
    "C38": ["sheet_metal", "injection", "assembly", "painting", "testing"],
    "C39": ["smt", "injection", "assembly", "testing"], "C40": ["cnc", "smt", "assembly", "testing"],
    "C41": ["additive", "painting", "packaging"], "C43": ["cnc", "welding", "testing"],
}
# Typical (units per week, unit cost 元, setup cost 元) per process for a 200-person factory.
PROCESS_ECONOMICS = {
    "cnc": (800, 45.0, 6_000), "injection": (20_000, 3.5, 12_000), "sheet_metal": (2_000, 18.0, 5_000),
    "smt": (30_000, 6.0, 15_000), "assembly": (3_000, 12.0, 3_000), "painting": (5_000, 8.0, 4_000),
    "heat_treatment": (4_000, 10.0, 8_000), "testing": (10_000, 4.0, 2_000), "stamping": (30_000, 2.5, 9_000),
    "welding": (2_000, 15.0, 3_000), "die_casting": (3_000, 20.0, 20_000), "forging": (1_500, 35.0, 15_000),
    "surface_treatment": (10_000, 5.0, 6_000), "mould_making": (2, 30_000.0, 10_000),
    "additive": (100, 120.0, 1_000), "weaving": (8_000, 9.0, 5_000), "dyeing": (10_000, 6.0, 8_000),
    "sewing": (3_000, 14.0, 2_000), "packaging": (20_000, 1.5, 1_000),
}


def _capacities(w: World, memberships: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Process capacities of every member factory: one to three processes of its industry,
    preferring those its membership already names as capabilities; capacity grows with size
    and costs scatter ±30% around the process's typical figures."""
    words = ref.process_words()
    caps_of: dict[int, set] = {}
    since_of: dict[int, np.datetime64] = {}
    for m, d, caps in zip(memberships["member"].to_numpy(), memberships["since"].to_numpy(),
                          memberships["capabilities"]):
        caps_of.setdefault(int(m), set()).update(words[c] for c in caps.split(";") if c in words)
        since_of[int(m)] = min(since_of.get(int(m), d), d)
    rows = []
    for m in sorted(caps_of):
        code = w.industry_codes[w.industry[m]]
        offered = INDUSTRY_PROCESSES.get(code, ["packaging", "assembly"])
        named = [p for p in offered if p in caps_of[m]]
        others = [p for p in offered if p not in named]
        k = int(rng.integers(1, min(3, len(offered)) + 1))
        extra = list(rng.choice(others, size=max(0, min(k - len(named), len(others))), replace=False)) \
            if others else []
        size = math.sqrt(max(int(w.employees[m]), 20) / 200)
        since = str(np.datetime64(since_of[m], "D"))
        for p in (named + extra)[:3]:
            units, unit_cost, setup = PROCESS_ECONOMICS[p]
            rows.append((int(m), p, max(1, int(round(units * size * rng.lognormal(0, 0.4)))),
                         round(unit_cost * rng.uniform(0.7, 1.3), 2), round(setup * rng.uniform(0.7, 1.3), -1),
                         since, ""))
    return pd.DataFrame(rows, columns=["member", "process", "units_per_week", "unit_cost_yuan",
                                       "setup_cost_yuan", "valid_from", "valid_to"])


# ---------------------------------------------------------------- names and output

def _names(w: World, rng: np.random.Generator) -> list[str]:
    """Unique fictional names, all containing 示例, e.g. 杭州示例恒达精密机械有限公司."""
    n = w.scale.enterprises
    city_short = {c: regions.region(c)["name"].removesuffix("市") for c in np.unique(w.city)}
    for c, r in list(city_short.items()):
        if len(r) > 4:   # long autonomous-prefecture names: keep the head
            city_short[c] = r[:2]
    words = np.empty(n, dtype=object)
    for i, code in enumerate(w.industry_codes):
        idx = np.flatnonzero((w.industry == i) & (w.role != 1))
        opts = INDUSTRY_WORDS.get(code, ["制造"])
        words[idx] = np.array(opts, dtype=object)[rng.integers(0, len(opts), len(idx))]
    prov = np.flatnonzero(w.role == 1)
    words[prov] = np.array(PROVIDER_WORDS, dtype=object)[rng.integers(0, len(PROVIDER_WORDS), len(prov))]
    cloud = np.flatnonzero(w.role == 2)
    words[cloud] = np.array(CLOUD_WORDS, dtype=object)[rng.integers(0, len(CLOUD_WORDS), len(cloud))]
    suffix = np.where(rng.random(n) < 0.15, "股份有限公司", "有限公司")
    suffix[w.is_leader] = "股份有限公司"
    names = np.empty(n, dtype=object)
    brands = np.empty(n, dtype=object)
    pending = np.arange(n)
    for attempt in range(20):
        k = 2 if attempt < 2 else 3
        brand = ["".join(x) for x in zip(*[np.array(BRAND_A if j == 0 else BRAND_B)[
            rng.integers(0, len(BRAND_A) if j == 0 else len(BRAND_B), len(pending))] for j in range(k)])]
        brands[pending] = brand
        names[pending] = [f"{city_short[w.city[e]]}示例{b}{words[e]}{suffix[e]}" for e, b in zip(pending, brand)]
        dup = pd.Series(names).duplicated(keep="first").to_numpy()
        pending = np.flatnonzero(dup)
        if not len(pending):
            break
    for j, e in enumerate(pending):   # practically never reached
        names[e] = names[e].replace("示例", f"示例{j}号", 1)
    w.brand = brands
    return list(names)


def _write(df: pd.DataFrame, kind: str, out_dir: Path) -> Path:
    path = out_dir / f"{kind}.csv"
    df = df[COLUMNS[kind]]
    # Amounts are already rounded to 0.01; numpy's shortest repr writes them as e.g. 61.2.
    df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


def world(scale: str, seed: int = 2023) -> tuple[World, dict]:
    """The World (with ``truth``, the delivery model's inputs) and the tables generate() writes."""
    w = World(scale_of(scale), seed)
    _place(w, _rng(seed, "place"))
    _segments(w, _rng(seed, "segments"))
    _attributes(w, _rng(seed, "attributes"))
    _leaders(w, _rng(seed, "leaders"))
    t = {"supplies": _supplies(w, _rng(seed, "supplies"))}
    t["deliveries"] = _deliveries(w, _rng(seed, "deliveries"))
    t["recognitions"] = _recognitions(w, _rng(seed, "recognitions"), t["deliveries"])
    t["projects"] = _projects(w, _rng(seed, "projects"))
    t["memberships"] = _memberships(w, _rng(seed, "memberships"))
    t["capacities"] = _capacities(w, t["memberships"], _rng(seed, "capacities"))
    t["names"] = _names(w, _rng(seed, "names"))
    # Distinct organisation-code bodies, kept in the order they were drawn.
    drawn = _rng(seed, "uscc").integers(0, 10**8, int(w.scale.enterprises * 1.2))
    body = np.sort(np.unique(drawn, return_index=True)[1])[: w.scale.enterprises]
    t["uscc"] = np.array(make_usccs(w.region, drawn[body]))
    return w, t


def generate(scale: str, out_dir: Path, seed: int = 2023) -> dict[str, Path]:
    """Write the import files for `scale` ('small', 'province', 'national' or a multiple of
    the province, see `scale_of`); return {kind: path}."""
    scale_of(scale)   # an unknown scale fails before anything is written
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    w, t = world(scale, seed)
    supplies, deliveries, recognitions = t["supplies"], t["deliveries"], t["recognitions"]
    projects, memberships, names, uscc = t["projects"], t["memberships"], t["names"], t["uscc"]
    capacities = t["capacities"]

    n = w.scale.enterprises
    seg_ids = np.where(w.seg1 >= 0, w.seg_ids[np.maximum(w.seg1, 0)], "").astype(object)
    two = w.seg2 >= 0
    seg_ids[two] = seg_ids[two] + ";" + w.seg_ids[w.seg2[two]]
    ind_code = np.where(w.industry >= 0, np.array(w.industry_codes)[np.maximum(w.industry, 0)], "")
    kinds = {c: ref.industry_kind(c) for c in w.industry_codes}
    mask = w.ptypes @ (1 << np.arange(6))
    label = {int(k): ";".join(str(t + 1) for t in range(6) if k >> t & 1) for k in np.unique(mask)}
    ptypes = [label[k] for k in mask.tolist()]
    ent = pd.DataFrame({
        "uscc": uscc, "name": names, "region_code": w.region, "industry_code": ind_code,
        "industry_kind": [kinds.get(c, "") for c in ind_code], "is_manufacturer": _bool_str(w.is_mfr),
        "provider_types": ptypes, "high_tech": _bool_str(w.high_tech), "credit_ok": _bool_str(w.credit),
        "revenue_wan": np.round(w.revenue, 2), "rd_spend_wan": np.round(w.rd, 2),
        "rd_staff": w.rd_staff.astype(np.int64), "employees": w.employees.astype(np.int64),
        "segment_ids": seg_ids,
    })
    paths = {"enterprises": _write(ent, "enterprises", out_dir)}

    sup = pd.DataFrame({
        "supplier_uscc": uscc[supplies["supplier"].to_numpy()], "buyer_uscc": uscc[supplies["buyer"].to_numpy()],
        "year": supplies["year"].to_numpy(), "amount_wan": supplies["cents"].to_numpy() / 100,
        "segment_id": w.seg_ids[supplies["segment"].to_numpy()],
    })
    paths["supplies"] = _write(sup, "supplies", out_dir)

    dl = deliveries
    dlv = pd.DataFrame({
        "id": dl["id"], "supplier_uscc": uscc[dl["supplier"].to_numpy()], "client_uscc": uscc[dl["client"].to_numpy()],
        "kind": dl["kind"], "provider_type": dl["provider_type"], "unit": dl["unit"], "quantity": dl["quantity"],
        "contract_amount_wan": dl["amount"], "signed_date": _date_str(dl["signed"].to_numpy()),
        "accepted_date": _date_str(dl["accepted"].to_numpy()), "status": dl["status"], "rating": dl["rating"],
    })
    paths["deliveries"] = _write(dlv, "deliveries", out_dir)

    rec = recognitions.assign(uscc=uscc[recognitions["ent"].to_numpy()])
    paths["recognitions"] = _write(rec, "recognitions", out_dir)

    pj = projects
    owner = pj["owner"].to_numpy()
    brand = [w.brand[o] for o in owner]
    svc = pj["service"].to_numpy()
    prj = pd.DataFrame({
        "id": pj["id"], "owner_uscc": uscc[owner],
        "name": [f"示例{b}{sc}数字化改造项目" for b, sc in zip(brand, pj["scenario"])],
        "industry_code": ind_code[owner], "investment_wan": pj["investment"],
        "start_date": _date_str(pj["start"].to_numpy()), "one_plus_n": pj["one_plus_n"],
        "group_id": pj["group_id"], "service_org_uscc": np.where(svc >= 0, uscc[np.maximum(svc, 0)], ""),
        "prior_city_subsidy": _bool_str(pj["prior"].to_numpy()),
    })
    paths["projects"] = _write(prj, "projects", out_dir)

    ms = memberships
    mem = pd.DataFrame({
        "platform_uscc": uscc[ms["platform"].to_numpy()], "member_uscc": uscc[ms["member"].to_numpy()],
        "since": _date_str(ms["since"].to_numpy().astype("datetime64[D]")), "capabilities": ms["capabilities"],
    })
    paths["memberships"] = _write(mem, "memberships", out_dir)
    paths["capacities"] = _write(capacities.assign(uscc=uscc[capacities["member"].to_numpy()]), "capacities",
                                 out_dir)
    assert len(ent) == n
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write the synthetic demo import files.")
    ap.add_argument("scale", help="small, province, national, or N (N times the province)")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=2023)
    args = ap.parse_args(argv)
    for kind, path in generate(args.scale, args.out_dir, args.seed).items():
        print(f"{kind}\t{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
