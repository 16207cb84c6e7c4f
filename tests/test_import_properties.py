"""Generated import files (issue 22): every valid file imports and reads back exactly; a file
with one bad row fails as a whole, names that row and writes nothing.

Files are built from valid rows of each kind with any Unicode in text fields, lists of any
length, optional columns absent or empty on some, all or no rows, as CSV (UTF-8, UTF-8 with
BOM, GB18030, CRLF) and .xlsx, on both sides of the bulk-write threshold. They go through
`run_import` on a real LadybugDB, through the HTTP API of a real gunicorn, and through the
`graphsvc import` command.

Example counts come from a Hypothesis profile: `imports-suite` (bounded, `make test`) or
`imports-fuzz` (`make fuzz-imports`, GRAPHSVC_IMPORT_PROFILE=imports-fuzz).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from graphsvc.core import reference
from graphsvc.demo.generate import make_usccs
from loaders.importer import run_import
from loaders.kinds import DELIVERY_KINDS, LEVELS, RECOGNITION_KINDS, RECOGNITION_STATUSES, UNITS
from tests.conftest import ROOT, Server, _copy_data, make_settings, open_test_store

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture,
           HealthCheck.filter_too_much]
settings.register_profile("imports-suite", max_examples=15, deadline=None, suppress_health_check=_HEALTH)
settings.register_profile("imports-fuzz", max_examples=400, deadline=None, suppress_health_check=_HEALTH)
PROFILE = settings.get_profile(os.environ.get("GRAPHSVC_IMPORT_PROFILE", "imports-suite"))
FEW = settings(PROFILE, max_examples=max(3, PROFILE.max_examples // 4))

TODAY = dt.date.today()
REGIONS = ["330108", "330106", "330602", "330110"]
_bodies = itertools.count(80_000_001)


def new_usccs(n: int, region: str | None = None) -> list[str]:
    """Fresh valid USCCs (each example writes records no other example touches)."""
    bodies = np.array([next(_bodies) for _ in range(n)])
    regions = np.array([region or REGIONS[i % len(REGIONS)] for i in range(n)])
    return make_usccs(regions, bodies)


# -- cell strategies: each draws (cell text, value the graph must hold) ----------------------
_TRICKY = ["有限公司,分厂\"一\"", "a\nb", "制造\t车间", "=1+1", "+86", "-5", "@x", "'quoted'", "😀工厂",
           "（全角）：；，。", "\"", "\"\"", ",", "[1,5]", "O'Brien", "\\N", "NULL", "a\n\nb", "ä\u00a0b"]
_CONTROL = "".join(chr(c) for c in [*range(0, 32), *range(127, 160)] if chr(c) not in "\t\n")
_chars = st.characters(exclude_categories=("Cs",), exclude_characters=_CONTROL + "\r")
TEXT = st.one_of(st.sampled_from(_TRICKY), st.text(_chars, min_size=1, max_size=40)).map(str.strip).filter(bool)
LIST_ITEM = st.text(st.characters(exclude_categories=("Cs", "Zs", "Zl", "Zp", "Cc"),
                                  exclude_characters=";；,，、"), min_size=1, max_size=12)


def text_cell():
    return TEXT.map(lambda s: (s, s))


def number_cell():
    # 15 significant digits: what a spreadsheet cell holds (openpyxl writes 16, Excel shows 15).
    return st.floats(0, 1e12, allow_nan=False, allow_infinity=False).map(
        lambda x: float(f"{x:.15g}")).map(lambda x: (repr(x), x))


def int_cell(lo=0, hi=10**9):
    return st.integers(lo, hi).map(lambda i: (str(i), i))


def bool_cell():
    return st.sampled_from([("true", True), ("false", False), ("是", True), ("否", False), ("1", True),
                            ("0", False), ("Y", True), ("n", False)])


def date_cell():
    def fmt(d: dt.date, style: int) -> str:
        return [d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日"][style]
    return st.tuples(st.dates(dt.date(2000, 1, 1), TODAY), st.integers(0, 2)).map(
        lambda t: (fmt(*t), t[0].isoformat()))


def provider_types_cell():
    return st.tuples(st.lists(st.integers(1, 6), min_size=1, max_size=9), st.sampled_from([";", "；", "、", ","])
                     ).map(lambda t: (t[1].join(map(str, t[0])), sorted(set(t[0]))))


# mode of an optional column in one file
MODES = st.sampled_from(["absent", "empty", "full", "some"])


@st.composite
def optional(draw, mode: str, cell):
    if mode == "empty" or (mode == "some" and draw(st.booleans())):
        return ("", None)
    return draw(cell)


# -- per-kind files ------------------------------------------------------------------------
class Spec:
    """One generated file: header, rows of cells, and the expected stored values by key."""

    def __init__(self, kind: str, header: list[str], rows: list[list[str]], expected: dict, prereq=None):
        self.kind, self.header, self.rows, self.expected, self.prereq = kind, header, rows, expected, prereq


def _columns(draw, n: int, spec: dict[str, tuple]) -> tuple[list[str], list[dict]]:
    """spec: name -> (required, cell strategy). Returns (present names, rows of name -> (cell, value))."""
    present, rows = [], [{} for _ in range(n)]
    for name, (required, cell) in spec.items():
        mode = "full" if required else draw(MODES, label=f"mode {name}")
        if mode == "absent":
            continue
        present.append(name)
        for r in rows:
            r[name] = draw(optional(mode, cell)) if not required else draw(cell)
    return present, rows


def _spec(kind, present, rows, key, prereq=None, extra=None) -> Spec:
    expected = {key(r): {c: r[c][1] for c in present} | (extra(r) if extra else {}) for r in rows}
    return Spec(kind, present, [[r[c][0] for c in present] for r in rows], expected, prereq)


def enterprises_prereq(usccs, **cols) -> Spec:
    """A plain enterprises file other kinds' rows refer to."""
    header = ["uscc", "name", "region_code", "industry_code", "provider_types", *cols]
    rows = [[u, f"前置企业{u[-6:]}", u[2:8], "C39", "1;2;3;4;5;6", *cols.values()] for u in usccs]
    return Spec("enterprises", header, rows, {})


@st.composite
def enterprises(draw, n):
    usccs = new_usccs(n)
    segs = sorted(reference.segments())
    present, rows = _columns(draw, n, {
        "name": (True, text_cell()), "region_code": (False, st.sampled_from(REGIONS).map(lambda c: (c, c))),
        "industry_code": (False, st.sampled_from(["C39", "C26", "C34", "I65"]).map(lambda c: (c, c))),
        "industry_kind": (False, st.sampled_from(["discrete", "process"]).map(lambda c: (c, c))),
        "is_manufacturer": (False, bool_cell()), "provider_types": (False, provider_types_cell()),
        "high_tech": (False, bool_cell()), "credit_ok": (False, bool_cell()),
        "revenue_wan": (False, number_cell()), "rd_spend_wan": (False, number_cell()),
        "rd_staff": (False, int_cell()), "employees": (False, int_cell()),
        "segment_ids": (False, st.lists(st.sampled_from(segs), min_size=1, max_size=4).map(
            lambda xs: ("；".join(xs), sorted(set(xs))))),
    })
    for u, r in zip(usccs, rows):
        r["uscc"] = (u, u)
        if "region_code" not in present or r["region_code"][1] is None:
            r["region_code"] = ("", u[2:8])  # derived from the USCC's own digits
    present = ["uscc", *present]
    spec = _spec("enterprises", present, rows, lambda r: r["uscc"][1])
    for r in rows:
        spec.expected[r["uscc"][1]]["region_code"] = r["region_code"][1]
    return spec


@st.composite
def supplies(draw, n):
    firms = new_usccs(4)
    segs = sorted(reference.segments())
    pairs = [(a, b) for a in firms for b in firms if a != b]
    keys = draw(st.lists(st.tuples(st.sampled_from(pairs), st.integers(2015, 2030),
                                   st.one_of(st.just(""), st.sampled_from(segs))),
                         min_size=n, max_size=n, unique=True))
    present, rows = _columns(draw, n, {"amount_wan": (True, number_cell())})
    for (pair, year, seg), r in zip(keys, rows):
        r.update(supplier_uscc=(pair[0], pair[0]), buyer_uscc=(pair[1], pair[1]), year=(str(year), year),
                 segment_id=(seg, seg or None))
    present = ["supplier_uscc", "buyer_uscc", "year", *present, "segment_id"]
    return _spec("supplies", present, rows,
                 lambda r: (r["supplier_uscc"][1], r["buyer_uscc"][1], r["year"][1], r["segment_id"][1]),
                 enterprises_prereq(firms))


@st.composite
def deliveries(draw, n):
    supplier, *clients = new_usccs(3)
    # unique within the file by draw, across examples by the supplier's fresh USCC
    ids = [f"{supplier[-9:-1]}{i}" for i in draw(st.lists(st.from_regex(r"[A-Za-z0-9._-]{0,20}", fullmatch=True),
                                                         min_size=n, max_size=n, unique=True))]
    present, rows = _columns(draw, n, {
        "unit": (False, st.sampled_from(UNITS).map(lambda u: (u, u))),
        "quantity": (False, int_cell(1, 10**6)), "contract_amount_wan": (False, number_cell()),
        "rating": (False, st.sampled_from(["excellent", "good", "qualified"]).map(lambda u: (u, u))),
    })
    for i, r in zip(ids, rows):
        pt = draw(st.integers(1, 6))
        kind = draw(st.sampled_from(sorted(DELIVERY_KINDS[pt])))
        signed = draw(st.dates(dt.date(2018, 1, 1), TODAY))
        accepted = draw(st.one_of(st.none(), st.dates(signed, TODAY)))
        client = draw(st.sampled_from(clients))
        r.update(id=(i, i), supplier_uscc=(supplier, supplier), client_uscc=(client, client),
                 kind=(kind, kind), provider_type=(str(pt), pt), signed_date=(signed.isoformat(), signed.isoformat()),
                 accepted_date=(accepted.isoformat() if accepted else "", accepted.isoformat() if accepted else None))
        if "quantity" in present and r["quantity"][1] is None:
            r["quantity"] = ("", 1)  # the importer's default
    present = ["id", "supplier_uscc", "client_uscc", "kind", "provider_type", "signed_date", "accepted_date", *present]
    spec = _spec("deliveries", present, rows, lambda r: r["id"][1],
                 enterprises_prereq([supplier, *clients], industry_kind="discrete"),
                 extra=lambda r: {"status": "claimed"})
    return spec


@st.composite
def recognitions(draw, n):
    firms = new_usccs(3)
    chains = [c["id"] for c in reference.chains()]
    keys = draw(st.lists(st.tuples(st.sampled_from(firms), st.sampled_from(RECOGNITION_KINDS),
                                   st.sampled_from(LEVELS), st.sampled_from(RECOGNITION_STATUSES),
                                   st.integers(2015, 2030)), min_size=n, max_size=n, unique=True))
    present, rows = _columns(draw, n, {"rating": (False, text_cell())})
    for (u, kind, level, status, year), r in zip(keys, rows):
        chain = draw(st.sampled_from(chains)) if kind == "链主工厂" or draw(st.booleans()) else ""
        r.update(uscc=(u, u), kind=(kind, kind), level=(level, level), status=(status, status),
                 year=(str(year), year), chain_id=(chain, chain or None))
    present = ["uscc", "kind", "level", "status", "year", "chain_id", *present]
    return _spec("recognitions", present, rows,
                 lambda r: f"{r['uscc'][1]}/{r['kind'][1]}/{r['level'][1]}/{r['status'][1]}/{r['year'][1]}",
                 enterprises_prereq(firms))


@st.composite
def projects(draw, n):
    firms = new_usccs(3)
    ids = draw(st.lists(TEXT, min_size=n, max_size=n, unique=True))
    present, rows = _columns(draw, n, {
        "name": (True, text_cell()),
        "industry_code": (False, st.sampled_from(["C39", "C26"]).map(lambda c: (c, c))),
        "investment_wan": (False, number_cell()), "start_date": (False, date_cell()),
        "service_org_uscc": (False, st.sampled_from(firms).map(lambda u: (u, u))),
        "prior_city_subsidy": (False, bool_cell()),
    })
    grouped = draw(st.booleans())
    for i, r in zip(ids, rows):
        u = draw(st.sampled_from(firms))
        r.update(id=(i, i), owner_uscc=(u, u))
        if grouped:
            role = draw(st.sampled_from(["1", "N", ""]))
            group = draw(TEXT) if role else ""
            r.update(one_plus_n=(role, role or None), group_id=(group, group or None))
    present = ["id", "owner_uscc", *present, *(["one_plus_n", "group_id"] if grouped else [])]
    return _spec("projects", present, rows, lambda r: r["id"][1], enterprises_prereq(firms))


@st.composite
def memberships(draw, n):
    firms = new_usccs(5)
    pairs = draw(st.lists(st.tuples(st.sampled_from(firms), st.sampled_from(firms)).filter(lambda p: p[0] != p[1]),
                          min_size=n, max_size=n, unique=True))
    present, rows = _columns(draw, n, {
        "since": (False, date_cell()),
        "capabilities": (False, st.lists(LIST_ITEM.map(str.strip).filter(bool), min_size=1, max_size=5).map(
            lambda xs: ("；".join(xs), xs))),
    })
    for (a, b), r in zip(pairs, rows):
        r.update(platform_uscc=(a, a), member_uscc=(b, b))
    present = ["platform_uscc", "member_uscc", *present]
    return _spec("memberships", present, rows, lambda r: (r["platform_uscc"][1], r["member_uscc"][1]),
                 enterprises_prereq(firms))


KIND_FILES = {"enterprises": enterprises, "supplies": supplies, "deliveries": deliveries,
              "recognitions": recognitions, "projects": projects, "memberships": memberships}
FORMATS = ["utf-8", "utf-8-sig", "gb18030", "crlf", "xlsx"]
NUMERIC = {"revenue_wan", "rd_spend_wan", "rd_staff", "employees", "amount_wan", "year", "quantity",
           "contract_amount_wan", "investment_wan", "provider_type"}


def _number(cell: str):
    try:
        return float(cell) if "." in cell or "e" in cell else int(cell)
    except ValueError:
        return None  # a deliberately bad value stays text


def encode(spec: Spec, fmt: str) -> tuple[bytes, str]:
    if fmt == "xlsx":
        wb = Workbook()
        ws = wb.active
        ws.append(spec.header)
        for row in spec.rows:
            ws.append([None] * len(row))
            for j, (name, cell) in enumerate(zip(spec.header, row), start=1):
                c = ws.cell(ws.max_row, j)
                if cell == "":
                    continue
                if name in NUMERIC and _number(cell) is not None:  # number cells, as a spreadsheet holds them
                    c.value = _number(cell)
                else:
                    c.value = cell
                    c.data_type = "s"  # literal text even when it starts with "="
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue(), f"{spec.kind}.xlsx"
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n" if fmt == "crlf" else "\n")
    w.writerow(spec.header)
    w.writerows(spec.rows)
    data = buf.getvalue().encode("gb18030" if fmt == "gb18030" else "utf-8-sig" if fmt == "utf-8-sig" else "utf-8")
    if fmt == "gb18030":
        # A GB18030 file whose bytes also read as UTF-8 is read as UTF-8 (UTF-8 is tried first):
        # that ambiguity is the format's, not the importer's.
        try:
            data.decode("utf-8")
            assume(False)
        except UnicodeDecodeError:
            pass
    return data, f"{spec.kind}.csv"


# -- reading back ---------------------------------------------------------------------------
def stored(store, spec: Spec) -> dict:
    keys = list(spec.expected)
    if spec.kind == "enterprises":
        nodes = store.read_cypher("UNWIND $k AS k MATCH (n:Enterprise {uscc: k}) RETURN n", {"k": keys})
        out = {n["n"]["uscc"]: dict(n["n"]) for n in nodes}
        for row in store.read_cypher("UNWIND $k AS k MATCH (e:Enterprise {uscc: k})-[:IN_SEGMENT]->(s:Segment) "
                                     "RETURN e.uscc AS u, s.id AS s", {"k": keys}):
            out[row["u"]].setdefault("segment_ids", []).append(row["s"])
        for v in out.values():
            v["segment_ids"] = sorted(v["segment_ids"]) if "segment_ids" in v else None
        return out
    if spec.kind == "supplies":
        firms = sorted({k[0] for k in keys} | {k[1] for k in keys})
        rows = store.read_cypher("UNWIND $k AS k MATCH (a:Enterprise {uscc: k})-[e:SUPPLIES]->(b:Enterprise) "
                                 "RETURN a.uscc AS s, b.uscc AS b, e.year AS y, e.amount_wan AS amt, "
                                 "e.segment_id AS seg", {"k": firms})
        return {(r["s"], r["b"], r["y"], r["seg"]): {"supplier_uscc": r["s"], "buyer_uscc": r["b"], "year": r["y"],
                                                     "amount_wan": r["amt"], "segment_id": r["seg"]} for r in rows}
    if spec.kind == "memberships":
        firms = sorted({k[0] for k in keys})
        rows = store.read_cypher("UNWIND $k AS k MATCH (a:Enterprise {uscc: k})-[e:ORGANIZES]->(b:Enterprise) "
                                 "RETURN a.uscc AS a, b.uscc AS b, e.since AS since, e.capabilities AS caps",
                                 {"k": firms})
        return {(r["a"], r["b"]): {"platform_uscc": r["a"], "member_uscc": r["b"], "since": r["since"],
                                   "capabilities": r["caps"]} for r in rows}
    label = {"deliveries": "Delivery", "recognitions": "Recognition", "projects": "Project"}[spec.kind]
    rows = store.read_cypher(f"UNWIND $k AS k MATCH (n:{label} {{id: k}}) RETURN n", {"k": keys})
    return {r["n"]["id"]: dict(r["n"]) for r in rows}


def assert_reads_back(store, spec: Spec):
    got = stored(store, spec)
    assert set(got) == set(spec.expected), "records missing or extra"
    for key, want in spec.expected.items():
        have = {c: got[key].get(c) for c in want}
        assert have == want, f"{spec.kind} {key!r}"


def load(store, spec: Spec, fmt: str):
    if spec.prereq is not None:
        rep = run_import(store, "enterprises", *encode(spec.prereq, "utf-8"))
        assert rep.status == "ok", rep.errors
    data, name = encode(spec, fmt)
    return run_import(store, spec.kind, data, name)


def counts(store) -> dict:
    return store.counts()


# -- fixtures -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gen_store(tmp_path_factory):
    s = open_test_store(tmp_path_factory.mktemp("import-properties"))
    yield s
    s.close()


@st.composite
def any_file(draw, kinds=tuple(KIND_FILES), max_rows=8):
    kind = draw(st.sampled_from(kinds), label="kind")
    n = draw(st.integers(1, max_rows), label="rows")
    return draw(KIND_FILES[kind](n)), draw(st.sampled_from(FORMATS), label="format")


# -- the properties ------------------------------------------------------------------------
@PROFILE
@given(case=any_file(), threshold=st.sampled_from([1, 3, 2000]))
def test_every_valid_file_imports_and_reads_back_exactly(gen_store, case, threshold):
    spec, fmt = case
    gen_store.copy_threshold = threshold  # both sides of the bulk-write switch
    note(f"{spec.kind} {fmt} threshold={threshold} header={spec.header} rows={spec.rows}")
    rep = load(gen_store, spec, fmt)
    assert rep.status == "ok", rep.errors
    assert rep.accepted == len(spec.rows)
    assert_reads_back(gen_store, spec)


BREAKERS = {  # a column every kind has, and a value its parser must refuse
    "enterprises": ("uscc", "91330108MA2A#####0"), "supplies": ("year", "20２4年"),
    "deliveries": ("signed_date", "2024-02-30"), "recognitions": ("level", "乡"),
    "projects": ("owner_uscc", "123"), "memberships": ("member_uscc", "not-a-code"),
}


@PROFILE
@given(case=any_file(max_rows=6), which=st.integers(0, 10**6), threshold=st.sampled_from([1, 2000]),
       control=st.booleans())
def test_one_bad_row_fails_the_whole_file_naming_it_and_writes_nothing(gen_store, case, which, threshold,
                                                                       control):
    spec, fmt = case
    gen_store.copy_threshold = threshold
    if spec.prereq is not None:
        assert run_import(gen_store, "enterprises", *encode(spec.prereq, "utf-8")).status == "ok"
    bad = which % len(spec.rows)
    col, value = BREAKERS[spec.kind]
    text_cols = [c for c in spec.header if c in ("name", "rating", "group_id") and spec.rows[bad][spec.header.index(c)]]
    if control and text_cols and fmt != "xlsx":  # openpyxl itself refuses to write control characters
        col = text_cols[0]
        value = spec.rows[bad][spec.header.index(col)] + "\x07"
    spec.rows[bad][spec.header.index(col)] = value
    before = counts(gen_store)
    data, name = encode(spec, fmt)
    rep = run_import(gen_store, spec.kind, data, name)
    assert rep.status == "rejected"
    assert (bad + 2, col) in {(e["row"], e["field"]) for e in rep.errors}, rep.errors
    assert counts(gen_store) == before


# -- found examples and the issue's own files, kept as regular tests -------------------------
def _enterprise_rows(n: int, late: dict[int, str]) -> tuple[str, list[str]]:
    usccs = new_usccs(n, "330108")
    rows = [f"{u},企业{i},330108,C39,1,10" for i, u in enumerate(usccs)]
    for i, row in late.items():
        rows[i] = row.format(u=usccs[i])
    return "uscc,name,region_code,industry_code,provider_types,employees\n" + "\n".join(rows) + "\n", usccs


@pytest.mark.parametrize("late,field,want", [
    ('{u},企业X,330108,C39,1;5,10', "provider_types", [1, 5]),            # a list after row 2,000
    ('{u},"有限公司,分厂""一""",330108,C39,1,10', "name", '有限公司,分厂"一"'),  # comma and quotes
    ('{u},"有限公司\n分厂",330108,C39,1,10', "name", "有限公司\n分厂"),        # Alt+Enter line break
])
def test_issue_22_files_above_the_copy_threshold_import_and_read_back(empty_store, late, field, want):
    assert empty_store.copy_threshold == 2000
    text, usccs = _enterprise_rows(2300, {2290: late})
    rep = run_import(empty_store, "enterprises", text.encode(), "e.csv")
    assert rep.status == "ok" and rep.created == 2300, rep.errors
    got = {r["uscc"]: r for r in empty_store.dump_nodes("Enterprise")}
    assert got[usccs[2290]][field] == want
    assert got[usccs[0]]["provider_types"] == [1] and got[usccs[0]]["employees"] == 10


OPTIONAL = {kind: [c for c in spec.columns if not c.required] for kind, spec in
            __import__("loaders.kinds", fromlist=["KINDS"]).KINDS.items()}


@pytest.mark.parametrize("kind", list(KIND_FILES))
@pytest.mark.parametrize("threshold", [1, 2000])
def test_every_optional_column_empty_on_every_row_is_null(gen_store, kind, threshold):
    """Issue 13 item 4: a column present but empty on every row stores NULL; dry run and real run agree."""
    gen_store.copy_threshold = threshold
    firms = new_usccs(5)
    base = {
        "enterprises": ("uscc,name", [f"{u},空列企业" for u in firms[:3]], lambda i: firms[i]),
        "supplies": ("supplier_uscc,buyer_uscc,year,amount_wan", [f"{firms[0]},{firms[i]},2024,1.5" for i in (1, 2, 3)],
                     None),
        "deliveries": ("id,supplier_uscc,client_uscc,kind,provider_type",
                       [f"E{firms[i][-8:]},{firms[0]},{firms[i]},engineering_project,1" for i in (1, 2, 3)],
                       lambda i: f"E{firms[i + 1][-8:]}"),
        "recognitions": ("uscc,kind,level,status,year", [f"{firms[i]},智能工厂,市,认定,2023" for i in range(3)],
                         lambda i: f"{firms[i]}/智能工厂/市/认定/2023"),
        "projects": ("id,owner_uscc,name", [f"P{firms[i][-8:]},{firms[i]},空列项目" for i in range(3)],
                     lambda i: f"P{firms[i][-8:]}"),
        "memberships": ("platform_uscc,member_uscc", [f"{firms[0]},{firms[i]}" for i in (1, 2, 3)], None),
    }[kind]
    if kind != "enterprises":
        prereq = enterprises_prereq(firms)
        assert run_import(gen_store, "enterprises", *encode(prereq, "utf-8")).status == "ok"
    head, rows, _ = base
    cols = [c.name for c in OPTIONAL[kind] if c.name not in head.split(",")]
    text = ",".join([head, *cols]) + "\n" + "\n".join(r + "," * len(cols) for r in rows) + "\n"
    dry = run_import(gen_store, kind, text.encode(), "empty.csv", dry_run=True)
    real = run_import(gen_store, kind, text.encode(), "empty.csv")
    assert dry.status == "dry_run" and real.status == "ok", (dry.errors, real.errors)
    assert dry.accepted == real.accepted == 3
    typed = {c for c in cols if c not in ("segment_ids", "region_code")}
    if kind == "enterprises":
        got = stored(gen_store, Spec(kind, [], [], {u: {} for u in firms[:3]}))
    elif kind == "supplies":
        got = {k: v for k, v in stored(gen_store, Spec(kind, [], [], {(firms[0], firms[i], 2024, None): {}
                                                                    for i in (1, 2, 3)})).items()}
    elif kind == "memberships":
        got = stored(gen_store, Spec(kind, [], [], {(firms[0], firms[i]): {} for i in (1, 2, 3)}))
    else:
        got = stored(gen_store, Spec(kind, [], [], {base[2](i): {} for i in range(3)}))
    assert len(got) == 3
    defaults = {"quantity": 1, "status": "claimed"}  # the ledger's defaults, not empty cells
    for rec in got.values():
        for c in typed:
            assert rec.get(c) == defaults.get(c), (kind, c, rec.get(c))


# -- the same files through the HTTP API and the command line ------------------------------
@pytest.fixture(scope="module")
def low_server(demo_template, tmp_path_factory):
    """gunicorn on a copy of the demo graph with a bulk-write threshold of 2 rows."""
    d = _copy_data(demo_template, tmp_path_factory.mktemp("import-server"))
    srv = Server(d, d / "server.log", env={"GRAPHSVC_COPY_THRESHOLD": "2"})
    yield srv
    srv.stop()
    log = (d / "server.log").read_text()
    assert "Traceback" not in log, log[-3000:]


def _post(server, token, kind, data, name):
    import requests

    return requests.post(f"{server.url}/api/v1/imports/{kind}", files={"file": (name, data)},
                         headers={"Authorization": f"Bearer {token}"}, timeout=120)


@FEW
@given(case=any_file(), broken=st.booleans(), which=st.integers(0, 100))
def test_generated_files_through_the_http_api_never_500(low_server, accounts, case, broken, which):
    spec, fmt = case
    token = accounts["admin"]["token"]
    if spec.prereq is not None:
        r = _post(low_server, token, "enterprises", *encode(spec.prereq, "utf-8"))
        assert r.status_code == 200, r.text
    if broken:
        bad = which % len(spec.rows)
        col, value = BREAKERS[spec.kind]
        spec.rows[bad][spec.header.index(col)] = value
    r = _post(low_server, token, spec.kind, *encode(spec, fmt))
    assert r.status_code == (422 if broken else 200), r.text
    body = r.json()
    assert "Traceback" not in r.text
    if broken:
        assert body["status"] == "rejected" and any(e["row"] == bad + 2 for e in body["errors"])
    else:
        assert body["status"] == "ok" and body["accepted"] == len(spec.rows)
    if spec.kind == "enterprises" and not broken:
        for uscc, want in list(spec.expected.items())[:3]:
            got = __import__("requests").get(f"{low_server.url}/api/v1/enterprises/{uscc}", timeout=60,
                                            headers={"Authorization": f"Bearer {token}"}).json()
            assert got["name"] == want["name"]


@pytest.fixture(scope="module")
def cli_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("import-cli")
    open_test_store(d).close()
    return d


def _cli(data_dir, *args):
    env = {**os.environ, "GRAPHSVC_DATA_DIR": str(data_dir), "GRAPHSVC_COPY_THRESHOLD": "2",
           "GRAPHSVC_SECRET_KEY": "test-secret"}
    return subprocess.run([sys.executable, "-m", "graphsvc.cli", "import", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@settings(FEW, max_examples=max(2, PROFILE.max_examples // 6))
@given(case=any_file(), broken=st.booleans())
def test_generated_files_through_the_command_line(cli_dir, tmp_path_factory, case, broken):
    spec, fmt = case
    files = tmp_path_factory.mktemp("cli-files")
    if spec.prereq is not None:
        data, name = encode(spec.prereq, "utf-8")
        (files / f"pre-{name}").write_bytes(data)
        assert _cli(cli_dir, "enterprises", str(files / f"pre-{name}")).returncode == 0
    if broken:
        col, value = BREAKERS[spec.kind]
        spec.rows[0][spec.header.index(col)] = value
    data, name = encode(spec, fmt)
    (files / name).write_bytes(data)
    r = _cli(cli_dir, spec.kind, str(files / name))
    assert "Traceback" not in r.stderr + r.stdout
    assert r.returncode == (1 if broken else 0), r.stdout + r.stderr
    if broken:
        assert f"row 2, {BREAKERS[spec.kind][0]}" in r.stdout
        return
    store = open_test_store(cli_dir)
    try:
        assert_reads_back(store, spec)
    finally:
        store.close()


def test_cli_imports_a_file_larger_than_the_upload_limit(tmp_path):
    """GRAPHSVC_MAX_UPLOAD_MB bounds HTTP uploads only."""
    text, usccs = _enterprise_rows(2100, {2050: '{u},"大文件\n企业,甲",330108,C39,1;5,10'})
    path = tmp_path / "big.csv"
    path.write_text(text + "#" * 0, encoding="utf-8")
    env_dir = tmp_path / "data"
    env = {**os.environ, "GRAPHSVC_DATA_DIR": str(env_dir), "GRAPHSVC_MAX_UPLOAD_MB": "0",
           "GRAPHSVC_SECRET_KEY": "test-secret"}
    r = subprocess.run([sys.executable, "-m", "graphsvc.cli", "import", "enterprises", str(path)], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "accepted 2100" in r.stdout, r.stdout + r.stderr
    store = open_test_store(env_dir)
    try:
        got = {n["uscc"]: n for n in store.dump_nodes("Enterprise")}
        assert got[usccs[2050]]["name"] == "大文件\n企业,甲" and got[usccs[2050]]["provider_types"] == [1, 5]
    finally:
        store.close()


def test_engine_refusal_is_a_report_naming_the_file_exit_2_and_writes_nothing(tmp_path):
    """A write the engine refuses (here: the database opened read-only) is a report naming the
    file with the engine's message, exit status 2, no traceback, nothing written."""
    text, _ = _enterprise_rows(5, {})
    path = tmp_path / "e.csv"
    path.write_text(text, encoding="utf-8")
    data_dir = tmp_path / "data"
    open_test_store(data_dir).close()
    env = {**os.environ, "GRAPHSVC_DATA_DIR": str(data_dir), "GRAPHSVC_READ_ONLY": "1",
           "GRAPHSVC_SECRET_KEY": "test-secret"}
    r = subprocess.run([sys.executable, "-m", "graphsvc.cli", "import", "enterprises", str(path), "--json"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "Traceback" not in r.stdout + r.stderr, r.stdout + r.stderr
    import json

    rep = json.loads(r.stdout)
    assert rep["status"] == "failed" and rep["errors"][0]["file"] == "e.csv"
    assert "read" in rep["errors"][0]["reason"].lower()
    s = open_test_store(data_dir)
    try:
        assert s.counts()["Enterprise"] == 0
    finally:
        s.close()


def test_engine_message_quoting_a_value_names_its_row():
    from loaders.failures import engine_error

    err = engine_error(RuntimeError('Copy exception: Found duplicated primary key value "X1".'), "d.csv",
                       [{"_row": 2, "id": "X0"}, {"_row": 7, "id": "X1"}])
    assert err["row"] == 7 and err["field"] == "id" and "X1" in err["reason"]


def test_make_settings_threshold_is_used(tmp_path):
    from graphsvc.core.store import open_store

    s = open_store(make_settings(tmp_path, copy_threshold=7))
    assert s.copy_threshold == 7


# -- examples Hypothesis found ------------------------------------------------------------------
@pytest.mark.parametrize("threshold", [1, 2000])
def test_found_smallest_normal_float_amount_round_trips(gen_store, threshold):
    """Found: amount 1.1754943508222875e-38 (FLT_MIN) — exact through CSV on both write paths."""
    gen_store.copy_threshold = threshold
    firms = new_usccs(2)
    assert run_import(gen_store, "enterprises", *encode(enterprises_prereq(firms), "utf-8")).status == "ok"
    x = 1.1754943508222875e-38
    text = f"supplier_uscc,buyer_uscc,year,amount_wan\n{firms[0]},{firms[1]},2024,{x!r}\n"
    assert run_import(gen_store, "supplies", text.encode(), "s.csv").status == "ok"
    got = stored(gen_store, Spec("supplies", [], [], {(firms[0], firms[1], 2024, None): {}}))
    assert got[(firms[0], firms[1], 2024, None)]["amount_wan"] == x


def test_found_bulk_writes_do_not_exhaust_the_buffer_pool(tmp_path):
    """Found: every Arrow scan held buffer-pool pages until its connection closed, so a long
    run of bulk imports on one connection ended in "buffer pool is full"."""
    from graphsvc.core.reference_graph import ensure_reference
    from graphsvc.core.store import open_store

    s = open_store(make_settings(tmp_path, buffer_pool_mb=64, copy_threshold=1))
    ensure_reference(s)
    try:
        for _ in range(60):
            rep = run_import(s, "enterprises", *encode(enterprises_prereq(new_usccs(4)), "utf-8"))
            assert rep.status == "ok", rep.errors
        assert s.counts()["Enterprise"] == 240
    finally:
        s.close()


@pytest.mark.parametrize("threshold", [1, 2000])
def test_found_a_segment_named_twice_in_one_cell_is_one_membership(gen_store, threshold):
    """Found: `HZ01-01；HZ01-01` wrote two IN_SEGMENT edges."""
    gen_store.copy_threshold = threshold
    (u,) = new_usccs(1)
    text = f"uscc,name,segment_ids\n{u},甲,HZ01-01；HZ01-01\n"
    assert run_import(gen_store, "enterprises", text.encode(), "e.csv").status == "ok"
    assert stored(gen_store, Spec("enterprises", [], [], {u: {}}))[u]["segment_ids"] == ["HZ01-01"]


def test_found_bad_year_in_an_xlsx_is_named(gen_store):
    """Found: a non-numeric year in an .xlsx supplies file (the generator had to write it as text)."""
    firms = new_usccs(2)
    assert run_import(gen_store, "enterprises", *encode(enterprises_prereq(firms), "utf-8")).status == "ok"
    spec = Spec("supplies", ["supplier_uscc", "buyer_uscc", "year", "amount_wan"],
                [[firms[0], firms[1], "20２4年", "1.5"]], {})
    rep = run_import(gen_store, "supplies", *encode(spec, "xlsx"))
    assert rep.status == "rejected" and (2, "year") in {(e["row"], e["field"]) for e in rep.errors}
