"""Every figure is identical on both engines for the demo graph.

`figures(store)` computes, through the same functions the API calls, the local-supply table
(every year) and every leader's detail, the coverage of every chain, the top-10 recommendations
for a sample of manufacturers, the assessments of a sample of suppliers, the targets of every
region that has some, and every government form cell by cell (the .xlsx read back). It runs on
the embedded demo store and on Neo4j, twice: once with the demo moved there the way a
deployment moves (`graphsvc backup` on LadybugDB, restore on Neo4j), once with the same demo
files loaded through the importers.
"""
from __future__ import annotations

import json
import math

import openpyxl
import pytest

from graphsvc.deliveries import assessment
from graphsvc.local_supply import coverage
from graphsvc.core import cache
from graphsvc.local_supply import ratios
from graphsvc.core import reference
from graphsvc.programmes import reports as pg
from graphsvc.contractors import recommend as R
from graphsvc.programmes import forms

SAMPLE = 12        # manufacturers and suppliers sampled (every k-th, deterministic)
YEARS = (2022, 2023, 2024, 2025)
TARGET_REGIONS = ("330100", "330108", "330600", "330683")


def _sample(rows: list[str], n: int = SAMPLE) -> list[str]:
    rows = sorted(rows)
    step = max(1, len(rows) // n)
    return rows[::step][:n]


def _cells(path) -> list[list]:
    return [list(r) for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]


def figures(store, tmp_path) -> dict:
    """Every figure the service shows for the demo graph, as plain data."""
    cache.clear_cache()   # figures of the other engine, or of an earlier state, must not be reused
    out: dict = {"counts": store.counts()}
    for year in YEARS:
        out[f"table/{year}"] = ratios.fetch_table(store, year)
        out[f"table/{year}/330100"] = ratios.fetch_table(store, year, scope="330100")
    leaders = ratios.fetch_leaders(store)
    out["leaders"] = leaders
    for leader in leaders:
        for year in (2023, 2024):
            out[f"leader/{leader['uscc']}/{year}"] = ratios.fetch_leader(store, leader, year)
    for chain in reference.chains():
        for scope in ("330100", "330600", "33"):
            out[f"coverage/{chain['id']}/{scope}"] = coverage.fetch_coverage(
                store, chain["id"], 2024, scope, "admin_default")
    makers = _sample([r["uscc"] for r in store.read_cypher(
        "MATCH (e:Enterprise)-[:HAS]->(:Recognition {kind: '链主工厂'}) RETURN DISTINCT e.uscc AS uscc")])
    for uscc in makers:
        for q in (R.Query(1, unit="line"), R.Query(1, unit="workshop"), R.Query(2), R.Query(5, recognised_only=True)):
            out[f"recommend/{uscc}/{q}"] = R.fetch_recommendation(store, uscc, q)
    suppliers = _sample([r["u"] for r in store.read_cypher(
        "MATCH (d:Delivery) RETURN DISTINCT d.supplier_uscc AS u")])
    for uscc in suppliers:
        a = assessment.fetch_assessment(store, uscc, "2023-01-01", "2025-12-31")
        a.pop("generated_at")   # the clock, not a figure
        out[f"assessment/{uscc}"] = a
    for region in TARGET_REGIONS:
        for year in (2023, 2024):
            out[f"targets/{region}/{year}"] = pg.target_progress(store, region, year)
    for form_id in forms.FORMS:
        for region in ("330100", "330108", "330600"):
            for year in (2022, 2023):
                data = pg.form_data(store, form_id, region, year)
                out[f"form/{form_id}/{region}/{year}"] = data
                path = pg.write_export(data, tmp_path / f"{store.engine}-{form_id}-{region}-{year}.xlsx",
                                       filled_on="2026-01-01")
                out[f"form-cells/{form_id}/{region}/{year}"] = _cells(path)
    # JSON both ways: tuples and lists, and dict order, must not count as differences.
    return json.loads(json.dumps(out, ensure_ascii=False, default=str, sort_keys=True))


def _first_difference(a, b, path: str = "") -> str | None:
    if type(a) is not type(b):
        return f"{path}: {a!r:.300} != {b!r:.300}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}/{k}: only on {'ladybug' if k in a else 'neo4j'}"
            d = _first_difference(a[k], b[k], f"{path}/{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = _first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return f"{path}: {len(a)} items != {len(b)} items" if len(a) != len(b) else None
    if isinstance(a, float) and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9):
        return None  # each engine sums floats in its own order: the last bits may differ
    return f"{path}: {a!r:.300} != {b!r:.300}" if a != b else None


def _assert_same(ladybug: dict, neo4j: dict) -> None:
    assert ladybug.keys() == neo4j.keys()
    diffs = [d for k in ladybug if ladybug[k] != neo4j[k] and (d := _first_difference(ladybug[k], neo4j[k], k))]
    assert not diffs, f"{len(diffs)} of {len(ladybug)} figures differ (ladybug != neo4j):\n" + "\n".join(diffs[:10])


@pytest.fixture(scope="module")
def ladybug_figures(store, tmp_path_factory) -> dict:
    figs = figures(store, tmp_path_factory.mktemp("figures-ladybug"))
    # A sample too small or empty would make the equality vacuous.
    assert len([k for k in figs if k.startswith("recommend/")]) == 4 * SAMPLE
    assert sum(len(v["rows"]) for k, v in figs.items() if k.startswith("form/")) > 20
    assert any(v["items"] for k, v in figs.items() if k.startswith("recommend/"))
    return figs


def test_figures_identical_after_backup_on_ladybug_and_restore_on_neo4j(ladybug_figures, neo4j_demo, tmp_path):
    _assert_same(ladybug_figures, figures(neo4j_demo, tmp_path))


@pytest.mark.slow  # imports the demo files into Neo4j twice (~30 s on an idle machine)
def test_figures_identical_with_the_demo_imported_into_neo4j(ladybug_figures, neo4j_empty, demo_files, tmp_path):
    """The same demo files through the importers on Neo4j; importing them again changes nothing."""
    from graphsvc.cli import DEMO_ORDER, load_demo_files
    from graphsvc.demo.accounts import ensure
    from loaders.importer import run_import

    # What conftest's demo_template does on LadybugDB, file for file.
    load_demo_files(neo4j_empty, {kind: demo_files / f"{kind}.csv" for kind in DEMO_ORDER}, progress=False)
    ensure(neo4j_empty, with_tokens=False)
    figs = figures(neo4j_empty, tmp_path)
    # Accounts differ by their random hashes only; audit events by their times and ids.
    counts = lambda f: {k: v for k, v in f["counts"].items() if k not in ("AuditEvent", "Token")}
    assert counts(figs) == counts(ladybug_figures)
    _assert_same({k: v for k, v in ladybug_figures.items() if k != "counts"},
                 {k: v for k, v in figs.items() if k != "counts"})
    before = {k: v for k, v in neo4j_empty.counts().items() if k != "AuditEvent"}
    nodes = {lbl: neo4j_empty.dump_nodes(lbl) for lbl in ("Enterprise", "Delivery", "Project", "Recognition")}
    for kind in DEMO_ORDER:
        assert run_import(neo4j_empty, kind, (demo_files / f"{kind}.csv").read_bytes(), f"{kind}.csv").status == "ok"
    assert {k: v for k, v in neo4j_empty.counts().items() if k != "AuditEvent"} == before
    assert {lbl: neo4j_empty.dump_nodes(lbl) for lbl in nodes} == nodes
