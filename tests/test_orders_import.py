"""Import kind `capacities` (issue #16): per-row errors naming row, field and reason,
all-or-nothing, English or Chinese headers, re-import idempotent; a Hypothesis property over
generated files (the reader must reject exactly the bad rows)."""
from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphsvc.core import reference
from loaders.importer import run_import


def _csv(header, rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _members(store, n=3) -> list[str]:
    rows = store.read_cypher("MATCH (:Enterprise)-[:ORGANIZES]->(e:Enterprise) RETURN DISTINCT e.uscc AS u "
                             "ORDER BY u LIMIT $n", {"n": n})
    return [r["u"] for r in rows]


def _capacity(store, uscc, process):
    return store.read_cypher("MATCH (e:Enterprise {uscc: $u})-[:HAS_CAPACITY]->(c:Capacity {process: $p}) "
                             "RETURN c.units_per_week AS units, c.unit_cost_yuan AS unit, c.setup_cost_yuan AS setup, "
                             "c.valid_from AS valid_from", {"u": uscc, "p": process})


def test_chinese_headers_write_capacities_and_reimport_replaces(fresh_store):
    a, b = _members(fresh_store, 2)
    header = ["统一社会信用代码", "工序", "周产能（件）", "单件成本（元）", "准备费（元）", "有效期起", "有效期止"]
    data = _csv(header, [[a, "数控机加工", "120", "45.5", "6000", "", ""],
                         [b, "smt", "9000", "5", "0", "2025-01-01", "2026-12-31"]])
    rep = run_import(fresh_store, "capacities", data, "产能.csv")
    assert rep.status == "ok" and rep.accepted == 2, rep.errors
    assert _capacity(fresh_store, a, "cnc") == [{"units": 120, "unit": 45.5, "setup": 6000.0, "valid_from": None}]
    before = fresh_store.counts()
    again = _csv(header, [[a, "cnc", "150", "44", "6000", "", ""]])
    assert run_import(fresh_store, "capacities", again, "产能.csv").status == "ok"
    assert _capacity(fresh_store, a, "cnc") == [{"units": 150, "unit": 44.0, "setup": 6000.0, "valid_from": None}]
    after = fresh_store.counts()
    assert after["Capacity"] == before["Capacity"] and after["HAS_CAPACITY"] == before["HAS_CAPACITY"]


def test_negative_and_non_numeric_values_are_rejected_per_row_and_nothing_is_written(fresh_store):
    a, b, c = _members(fresh_store, 3)
    header = ["uscc", "process", "units_per_week", "unit_cost_yuan", "setup_cost_yuan", "valid_from", "valid_to"]
    data = _csv(header, [
        [a, "cnc", "100", "10", "500", "", ""],              # row 2: fine
        [b, "cnc", "-5", "10", "500", "", ""],               # row 3: negative capacity
        [c, "cnc", "100", "十元", "500", "", ""],             # row 4: non-numeric cost
        [a, "smt", "100", "10", "-1", "", ""],               # row 5: negative setup cost
        [b, "widgets", "0", "10", "1", "", ""],              # row 6: unknown process, zero capacity
        [c, "testing", "10", "1", "1", "2025-06-01", "2025-01-01"],  # row 7: period ends before it starts
        [a, "cnc", "100", "10", "500", "", ""],              # row 8: repeats row 2
        ["91330000MA0000000X", "cnc", "1", "1", "1", "", ""],  # row 9: not a valid USCC
    ])
    before = fresh_store.counts()
    rep = run_import(fresh_store, "capacities", data, "caps.csv")
    assert rep.status == "rejected" and rep.accepted == 0
    got = {(e["row"], e["field"]) for e in rep.errors}
    assert got == {(3, "units_per_week"), (4, "unit_cost_yuan"), (5, "setup_cost_yuan"), (6, "process"),
                   (6, "units_per_week"), (7, "valid_to"), (8, "process"), (9, "uscc")}
    reasons = {(e["row"], e["field"]): e["reason"] for e in rep.errors}
    assert "不能小于" in reasons[(5, "setup_cost_yuan")] and "应为数字" in reasons[(4, "unit_cost_yuan")]
    assert "未知的工序" in reasons[(6, "process")] and "第 2 行重复" in reasons[(8, "process")]
    assert fresh_store.counts() == before  # a failed import writes nothing (not even the good row)


def test_unknown_enterprise_is_named(store):
    data = _csv(["uscc", "process", "units_per_week", "unit_cost_yuan", "setup_cost_yuan"],
                [["91330106MA2CFQQQ14", "cnc", "1", "1", "1"]])
    rep = run_import(store, "capacities", data, "x.csv", dry_run=True)
    assert rep.status == "rejected"
    assert rep.errors[0]["row"] == 2 and rep.errors[0]["field"] == "uscc"


# -- property: the reader rejects exactly the rows a cell of which is bad -------------------
WORDS = sorted(reference.process_words())
JUNK = st.text(alphabet="abcxyz中文！?#", min_size=1, max_size=6)


def _cell(good, bad):
    """(raw text, is it acceptable)"""
    return st.one_of(good.map(lambda v: (v, True)), bad.map(lambda v: (v, False)))


def _row(usccs):
    return st.tuples(
        _cell(st.sampled_from(usccs), st.sampled_from(["", "12345", "91330106MA2CF###1Y"])),
        _cell(st.sampled_from(WORDS), JUNK.filter(lambda s: s not in reference.process_words())),
        _cell(st.integers(1, 10**7).map(str),
              st.one_of(st.integers(-10**6, 0).map(str), JUNK, st.just("1.5"), st.just(""))),
        _cell(st.decimals(0, 10**6, places=2, allow_nan=False).map(str),
              st.one_of(st.integers(-10**6, -1).map(str), JUNK)),
        _cell(st.decimals(0, 10**6, places=1, allow_nan=False).map(str),
              st.one_of(st.integers(-10**7, -1).map(lambda x: f"{x / 10:.1f}"), JUNK)),
    )


FIELDS = ("uscc", "process", "units_per_week", "unit_cost_yuan", "setup_cost_yuan")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data(), chinese=st.booleans())
def test_property_capacities_reader_rejects_exactly_the_bad_rows(store, data, chinese):
    usccs = _members(store, 4)
    rows = data.draw(st.lists(_row(usccs), min_size=1, max_size=12))
    header = (["统一社会信用代码", "工序", "周产能", "单件成本", "准备费"] if chinese else list(FIELDS))
    raw = _csv(header, [[v for v, _ in r] for r in rows])
    rep = run_import(store, "capacities", raw, "p.csv", dry_run=True)
    expected, seen = set(), set()
    for i, r in enumerate(rows, start=2):
        for name, (_, ok) in zip(FIELDS, r):
            if not ok:
                expected.add((i, name))
        if r[0][1] and r[1][1]:
            key = (r[0][0], reference.process_words()[r[1][0]])
            if key in seen:
                expected.add((i, "process"))
            seen.add(key)
    got = {(e["row"], e["field"]) for e in rep.errors}
    assert got == expected
    assert all(e["reason"] for e in rep.errors)
    assert rep.status == ("rejected" if expected else "dry_run")
    assert rep.accepted == (0 if expected else len(rows))
