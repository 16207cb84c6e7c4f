"""Reference data files and their loaders (graphsvc.core.reference), on the committed files."""
from __future__ import annotations

import csv
import re

import pytest
import yaml

from graphsvc.core import reference as ref
from graphsvc.core import regions

HANGZHOU = {
    "330102": "上城区", "330105": "拱墅区", "330106": "西湖区", "330108": "滨江区",
    "330109": "萧山区", "330110": "余杭区", "330111": "富阳区", "330112": "临安区",
    "330113": "临平区", "330114": "钱塘区", "330122": "桐庐县", "330127": "淳安县",
    "330182": "建德市",
}
SHAOXING = {
    "330602": "越城区", "330603": "柯桥区", "330604": "上虞区", "330624": "新昌县",
    "330681": "诸暨市", "330683": "嵊州市",
}
RETIRED = {
    "330103": "330105", "330104": "330102", "330183": "330111", "330185": "330112",
    "330621": "330603", "330682": "330604",
}


def test_regions_header_and_levels():
    with (ref.REFDATA / "regions.csv").open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == ["code", "name", "level", "parent", "successor"]
    rs = regions.regions()
    assert len(rs) > 3000
    for code, r in rs.items():
        assert re.fullmatch(r"\d{6}", code)
        assert r["level"] in {"province", "city", "district"}
        assert (r["parent"] == "") == (r["level"] == "province")
        if r["parent"]:
            assert r["parent"] in rs, code  # no dangling parent
        if r["successor"]:
            assert r["successor"] in rs and not rs[r["successor"]]["successor"], code


def test_zhejiang_complete():
    zj_cities = {c for c, r in regions.regions().items() if r["level"] == "city" and r["parent"] == "330000"}
    assert len(zj_cities) == 11
    for table, city in ((HANGZHOU, "330100"), (SHAOXING, "330600")):
        current = {c: r["name"] for c, r in regions.regions().items()
                   if r["parent"] == city and not r["successor"]}
        assert current == table


def test_retired_codes_map_to_successors():
    for old, new in RETIRED.items():
        assert regions.is_known_region(old)
        assert regions.current_code(old) == new
        assert regions.current_code(new) == new
    assert regions.district_name("330103") == "下城区"
    assert regions.current_code("123456") == "123456"


@pytest.mark.parametrize("region_code,scope,expected", [
    ("330103", "330105", True),     # retired 下城区 now in 拱墅区
    ("330105", "330103", True),     # scope given by a retired code is normalised too
    ("330104", "330105", False),
    ("330108", "330100", True),
    ("330108", "330000", True),
    ("330621", "330600", True),
    ("330621", "330603", True),
    ("330602", "330100", False),
    ("320505", "330000", False),
    ("330100", "330100", True),
    ("330100", "330108", False),    # a city is not inside one of its districts
    ("429004", "420000", True),     # county-level city directly under a province
    ("", "330000", False),
])
def test_in_scope(region_code, scope, expected):
    assert regions.in_scope(region_code, scope) is expected


def test_city_of():
    assert regions.city_of("330108") == "330100"
    assert regions.city_of("330185") == "330100"
    assert regions.city_of("330100") == "330100"
    assert regions.city_of("330000") is None
    assert regions.city_of("429004") == "429004"


def test_industries():
    ind = ref.industries()
    assert set(ind) == {f"C{n}" for n in range(13, 44)}
    assert ind["C39"]["name"] == "计算机、通信和其他电子设备制造业"
    assert ref.industry_kind("C39") == "discrete"
    for code in ("C13", "C14", "C22", "C26", "C27", "C31", "C32"):
        assert ref.industry_kind(code) == "process"
    assert ref.industry_kind("C3911") == "discrete"
    assert ref.industry_kind("I65") is None


def test_chains_well_formed():
    doc = yaml.safe_load((ref.REFDATA / "chains.yaml").read_text(encoding="utf-8"))
    assert {"document", "issuer", "date", "seed"} <= set(doc["source"])
    assert doc["version"]
    chains = ref.chains()
    assert len(chains) >= 9
    assert sum(1 for c in chains if c.get("signature")) == 9
    ids = [c["id"] for c in chains]
    assert len(set(ids)) == len(ids)
    industries = ref.industries()
    for c in chains:
        assert re.fullmatch(r"HZ\d{2}", c["id"])
        assert c["name"] and c["ecosystem"]
        assert c["industry_codes"] and set(c["industry_codes"]) <= set(industries)
        assert 4 <= len(c["segments"]) <= 8
        stages = set()
        for s in c["segments"]:
            assert re.fullmatch(rf"{c['id']}-\d{{2}}", s["id"])
            assert s["stage"] in {"upstream", "midstream", "downstream"}
            stages.add(s["stage"])
        assert "upstream" in stages
    segs = ref.segments()
    assert len(segs) == sum(len(c["segments"]) for c in chains)
    assert segs["HZ01-02"]["chain_id"] == "HZ01"
    assert ref.chain("HZ01")["name"].startswith("视觉智能")
    assert ref.chain("HZ99") is None


def test_manifest_lists_every_file():
    manifest = yaml.safe_load((ref.REFDATA / "manifest.yaml").read_text(encoding="utf-8"))
    paths = {f["path"] for f in manifest["files"]}
    assert {"regions.csv", "industries.csv", "chains.yaml"} <= paths
    for f in manifest["files"]:
        assert (ref.REFDATA / f["path"]).exists(), f["path"]
        assert f["version"] and f["source"] and f["what"]
    present = {p.name + ("/" if p.is_dir() else "") for p in ref.REFDATA.iterdir()
               if p.name != "manifest.yaml" and not p.name.startswith((".", "__"))}
    assert present <= paths, f"reference files missing from manifest.yaml: {sorted(present - paths)}"
