"""The explore API (issue #15) over real HTTP on the demo graph: the same numbers as the
service, scoping that counts but never names, and bad input naming the field."""
from __future__ import annotations

from graphsvc.core.access import Principal
from graphsvc.enterprises import service


def test_upstream_equals_the_service_and_totals_add_up(api, accounts, store):
    maker = accounts["maker"]["uscc"]
    r = api("admin").get(f"/api/v1/enterprises/{maker}/upstream?year=2024&tiers=3")
    assert r.status_code == 200
    body = r.json()
    assert body == service.upstream(store, Principal("admin", "admin"), maker, year=2024, tiers=3)
    assert body["items"], "the demo leader has suppliers in 2024"
    for t in body["tiers"]:
        at = [i for i in body["items"] if i["tier"] == t["tier"]]
        assert t["count"] == len(at)
        assert abs(t["amount_wan"] - sum(i["amount_wan"] for i in at)) < 1e-6
        assert abs(t["local_amount_wan"] - sum(i["amount_wan"] for i in at if i["local"])) < 1e-6
    assert len({i["uscc"] for i in body["items"]}) == len(body["items"])
    assert maker not in {i["uscc"] for i in body["items"]}


def test_bureau_gets_counts_without_names(api, accounts):
    maker = accounts["maker"]["uscc"]
    full = api("admin").get(f"/api/v1/enterprises/{maker}/upstream?year=2024&tiers=2").json()
    hz = api("hz_bureau").get(f"/api/v1/enterprises/{maker}/upstream?year=2024&tiers=2").json()
    assert hz["tiers"] == full["tiers"]
    outside = [i for i in full["items"] if not (i["region_code"] or "").startswith("3301")]
    assert hz["withheld"] == len(outside)
    assert all(i["uscc"] not in repr(hz) for i in outside)


def test_impact_and_paths_answer(api, accounts):
    provider, maker = accounts["provider"]["uscc"], accounts["maker"]["uscc"]
    imp = api("hz_bureau").get(f"/api/v1/enterprises/{provider}/impact?year=2024").json()
    for row in imp["items"]:
        assert 0 <= row["direct_share"] <= row["exposure_share"] <= 1
    paths = api("admin").get(f"/api/v1/paths?from={maker}&to={provider}&max_hops=4").json()
    assert len(paths["paths"]) <= 5
    hops = [p["hops"] for p in paths["paths"]]
    assert hops == sorted(hops) and all(1 <= h <= 4 for h in hops)
    for p in paths["paths"]:
        assert p["steps"][0]["from"]["uscc"] == maker and p["steps"][-1]["to"]["uscc"] == provider


def test_bad_input(api, accounts):
    maker = accounts["maker"]["uscc"]
    a = api("admin")
    assert a.get("/api/v1/enterprises/91330000000000000X/upstream").status_code == 404
    for path, field in ((f"/api/v1/enterprises/{maker}/upstream?tiers=0", "tiers"),
                        (f"/api/v1/enterprises/{maker}/downstream?tiers=5", "tiers"),
                        (f"/api/v1/paths?from={maker}&to={maker}&max_hops=7", "max_hops"),
                        (f"/api/v1/paths?from={maker}&to={maker}&max_hops=0", "max_hops"),
                        (f"/api/v1/paths?to={maker}", "from"),
                        (f"/api/v1/enterprises/{maker}/upstream?min_amount_wan=abc", "min_amount_wan")):
        r = a.get(path)
        assert r.status_code == 400 and r.json()["field"] == field, path
    empty = a.get(f"/api/v1/enterprises/{maker}/upstream?year=1999")
    assert empty.status_code == 200
    assert empty.json()["items"] == [] and empty.json()["note"] == "该年度无供货记录"
    assert a.get(f"/api/v1/enterprises/{maker}/impact?year=1999").json()["note"] == "该年度无供货记录"


def test_cli_graph(demo_template, tmp_path, accounts, api):
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import _copy_data

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "GRAPHSVC_DATA_DIR": str(_copy_data(demo_template, tmp_path / "cli"))}
    maker, provider = accounts["maker"]["uscc"], accounts["provider"]["uscc"]

    def run(*a):
        return subprocess.run([sys.executable, "-m", "graphsvc.cli", "graph", *a], cwd=root, env=env,
                              capture_output=True, text=True, timeout=180)

    r = run("upstream", maker, "--year", "2024", "--tiers", "3", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == api("admin").get(f"/api/v1/enterprises/{maker}/upstream?year=2024&tiers=3").json()
    r = run("upstream", maker, "--year", "2024")
    assert r.returncode == 0 and "第1层" in r.stdout and "第2层" in r.stdout
    r = run("impact", provider, "--year", "2024")
    assert r.returncode == 0 and "停止供货的影响" in r.stdout
    r = run("paths", maker, provider, "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["max_hops"] == 4
    r = run("downstream", maker, "--tiers", "9")
    assert r.returncode == 2 and "tiers" in r.stderr
    # --format xlsx: the members row by row after the header, formula-like names kept as text.
    from openpyxl import load_workbook

    out = tmp_path / "up.xlsx"
    r = run("upstream", maker, "--year", "2024", "--tiers", "2", "--format", "xlsx", "--output", str(out))
    assert r.returncode == 0, r.stderr
    body = api("admin").get(f"/api/v1/enterprises/{maker}/upstream?year=2024&tiers=2").json()
    ws = load_workbook(out).active
    assert [c.value for c in ws[2]][:2] == [body["items"][0]["tier"], body["items"][0]["uscc"]]
    assert ws.cell(row=len(body["items"]) + 1, column=2).value == body["items"][-1]["uscc"]
    out = tmp_path / "paths.xlsx"
    assert run("paths", maker, provider, "--format", "xlsx", "-o", str(out)).returncode == 0 and out.stat().st_size
