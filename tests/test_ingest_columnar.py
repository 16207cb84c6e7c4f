"""The columnar import path (issue #19) agrees with the row-by-row one it replaced.

- `plain_valid_usccs` (NumPy, whole column) against python-stdnum, the reference;
- the Arrow CSV reader against the strict `csv` module reader on the same bytes: same header,
  same spreadsheet row numbers, same cells, whatever the file holds (when the Arrow reader
  declines a file, the `csv` module reads it, so only agreement where it accepts matters);
- the vectorised supplies checks against the row-by-row rules, through `run_import`.
"""
from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from graphsvc.core.coercion import plain_valid_usccs
from graphsvc.demo.generate import make_usccs
from loaders.read import _read_csv_arrow, _read_csv_python, read_table

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _stdnum_plain(s: str) -> bool:
    try:
        return stdnum_uscc.validate(s) == s
    except Exception:
        return False


def _with_check(body: str) -> str:
    return body + stdnum_uscc.calc_check_digit(body)


usccs = st.one_of(
    # well formed, right check character
    st.text("0123456789", min_size=8, max_size=8).flatmap(
        lambda head: st.text(ALPHABET, min_size=9, max_size=9).map(lambda tail: _with_check(head + tail))),
    # 18 characters of digits and capitals, anything in any place (I, O, S, V, Z are not USCC letters)
    st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=18, max_size=18),
    # near misses: lower case, spaces, dashes, other lengths, full-width, anything
    st.text("0123456789ABCXYZabcxyz -－ ９", min_size=0, max_size=20),
    st.text(min_size=0, max_size=19),
)


@_SETTINGS
@given(st.lists(usccs, max_size=20))
def test_vectorised_uscc_check_agrees_with_stdnum(values):
    got = plain_valid_usccs(values).tolist()
    assert got == [_stdnum_plain(v) for v in values]


def test_vectorised_uscc_check_on_generated_codes():
    import numpy as np

    codes = make_usccs(np.array(["330108"] * 500), np.arange(10_000_000, 10_000_500))
    assert plain_valid_usccs(codes).all()
    broken = [c[:-1] + ("0" if c[-1] != "0" else "1") for c in codes]
    assert plain_valid_usccs(broken).tolist() == [_stdnum_plain(b) for b in broken]


# -- the reader ------------------------------------------------------------------------------
_cell_chars = st.characters(exclude_categories=("Cs",))
cells = st.one_of(st.sampled_from(["", " ", "  ", "名称", "a,b", "\"", "x\ny", "\t", "\u3000", "\x1c", "1.5"]),
                  st.text(_cell_chars, max_size=6))


@st.composite
def csv_files(draw):
    width = draw(st.integers(1, 4))
    header = draw(st.lists(st.text(_cell_chars, max_size=5), min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=width + 1), max_size=8))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    plain = draw(st.booleans())
    if plain:   # cells the plain reader takes: no quotes, separators or line breaks in a cell
        def clean(c):
            return c.replace('"', "").replace(",", "").replace("\n", "").replace("\r", "").replace("\x00", "")

        header = [clean(h) for h in header]
        rows = [[clean(c) for c in r] for r in rows]
        text = ending.join(",".join(r) for r in [header, *rows]) + draw(st.sampled_from(["", ending]))
    else:
        buf = io.StringIO()
        csv.writer(buf, lineterminator=ending).writerows([header, *rows])
        text = buf.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _as_lists(t):
    return t.header, list(t.rownos), [c.to_pylist() for c in t.columns]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_files())
def test_arrow_reader_reads_what_the_csv_module_reads(data):
    try:
        slow = _as_lists(_read_csv_python(data, arrow=False))
    except Exception as exc:   # the csv module refuses the file: the Arrow reader must decline it
        assert _read_csv_arrow(data) is None, exc
        return
    fast = _read_csv_arrow(data)
    if fast is not None:
        assert _as_lists(fast) == slow
    if any(slow[0]):
        assert _as_lists(read_table(data, "f.csv")) == slow


def test_plain_reader_numbers_rows_and_skips_blank_ones():
    data = "\ufeff名称,代码\r\n甲,1\r\n , \r\n乙,2\r\n".encode()
    t = _read_csv_arrow(data)
    assert _as_lists(t) == (["名称", "代码"], [2, 4], [["甲", "乙"], ["1", "2"]])
    assert _as_lists(read_table("名称,代码\n甲,1\n乙,2\n".encode("gb18030"), "g.csv")) == \
        (["名称", "代码"], [2, 3], [["甲", "乙"], ["1", "2"]])


@_SETTINGS
@given(st.lists(st.one_of(st.from_regex(r"\A[0-9]{1,15}(\.[0-9]{1,15})?\Z"), st.text("0123456789.,- e", max_size=8)),
                max_size=20))
def test_vectorised_numbers_agree_with_the_field_parser(texts):
    import pyarrow as pa

    from graphsvc.core.coercion import number
    from loaders.importer import _plain_numbers

    plain, values = _plain_numbers(pa.array(texts, pa.string()))
    for text, ok, value in zip(texts, plain.tolist(), values.to_pylist()):
        if ok:
            assert value == number(text)
        else:   # left to the field parser, which the row-by-row path always used
            assert value is None


# -- supplies read, checked and staged in batches ---------------------------------------------
_stream_bodies = iter(range(70_000_001, 80_000_000))


@pytest.fixture(scope="module")
def two_stores(tmp_path_factory):
    from tests.conftest import open_test_store

    stores = [open_test_store(tmp_path_factory.mktemp(f"stream-{side}")) for side in ("batches", "whole")]
    yield stores
    for s in stores:
        s.close()


@st.composite
def messy_supplies(draw):
    """A supplies file of stored firms, one firm never imported, bad and empty cells, blank
    rows and (from small domains) duplicate keys, some far apart."""
    import numpy as np

    from graphsvc.core import reference

    firms = make_usccs(np.array(["330108"] * 4), np.array([next(_stream_bodies) for _ in range(4)]))
    segs = sorted(reference.segments())[:2]
    codes = st.sampled_from([*firms, firms[0], firms[1]])
    cell = {"supplier_uscc": st.one_of(codes, st.sampled_from(["", "91330108MA2A#####0"])),
            "buyer_uscc": st.one_of(codes, st.just("")),
            "year": st.sampled_from(["2023", "2024", "2024", "20２4年", ""]),
            "amount_wan": st.sampled_from(["1.5", "7", "", "x", "1e3"]),
            "segment_id": st.sampled_from(["", *segs, "NOPE"])}
    header = ["supplier_uscc", "buyer_uscc", "year", "amount_wan"] + draw(st.sampled_from([[], ["segment_id"]]))
    lines = [",".join(header)]
    for _ in range(draw(st.integers(8, 60))):
        if draw(st.integers(0, 9)) == 0:
            lines.append("," * (len(header) - 1))
        else:
            lines.append(",".join(draw(cell[c]) for c in header))
    return firms, ("\n".join(lines) + "\n").encode()


def _edges(store, firms) -> list:
    return sorted((r["s"], r["b"], r["y"], r["amt"], r["seg"], r["reg"]) for r in store.read_cypher(
        "UNWIND $k AS k MATCH (a:Enterprise {uscc: k})-[e:SUPPLIES]->(b:Enterprise) RETURN a.uscc AS s, "
        "b.uscc AS b, e.year AS y, e.amount_wan AS amt, e.segment_id AS seg, e.supplier_region AS reg", {"k": firms}))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(case=messy_supplies(), partial=st.booleans(), block=st.sampled_from([64, 128, 256]),
       part_rows=st.sampled_from([1, 5, 250_000]))
def test_supplies_in_batches_report_and_write_what_the_whole_file_does(two_stores, case, partial, block, part_rows):
    """Checked batch by batch (duplicates across batches included) and written from staged
    part files, a file gives the same report, row for row, and the same edges as read whole,
    imported once and again."""
    import loaders.importer as importer
    import loaders.staging as staging
    from loaders.importer import run_import
    from loaders.read import FileError

    firms, data = case
    batches, whole = two_stores
    ent = ("uscc,name,region_code\n" + "".join(f"{u},企业{i},330106\n" for i, u in enumerate(firms))).encode()
    reports = []
    for store, stream_bytes in ((batches, block), (whole, 1 << 40)):
        assert run_import(store, "enterprises", ent, "e.csv").status == "ok"
        saved = importer.STREAM_BYTES, staging.PART_ROWS
        importer.STREAM_BYTES = stream_bytes   # the size above which a file is read in batches of it
        staging.PART_ROWS = part_rows          # several parts, and batches gathered into one
        try:
            # Twice: the second import replaces the edges the first wrote (found by one scan of
            # the stored edges when staged, by a lookup per row otherwise).
            for _ in range(2):
                reports.append(run_import(store, "supplies", data, "s.csv", partial=partial).as_dict())
        except FileError as exc:   # blank rows only: refused as a whole, either way
            reports.append(str(exc))
        finally:
            importer.STREAM_BYTES, staging.PART_ROWS = saved
    half = len(reports) // 2
    assert reports[:half] == reports[half:]
    assert _edges(batches, firms) == _edges(whole, firms)
