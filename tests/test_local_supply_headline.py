"""The B4 headline on the ratio table (issue #13 items 10, 13). Seed 002: “到2025年，力争全市……
供应链本地化配套比例达60%左右” — a city-wide aim, so the headline pools the city's 链主工厂 by
amount (本地 = same city) and each leader's own comparison is for reference only."""
from __future__ import annotations

import math

import pytest

from graphsvc.core.access import Principal
from graphsvc.local_supply import service

HZ = Principal("hz", "bureau", scope="330100")
BJ = Principal("bj", "bureau", scope="330108")
SX = Principal("sx", "bureau", scope="330600")
ADMIN = Principal("admin", "admin")


def test_headline_pools_the_city_by_amount(store):
    t = service.ratio_table(store, HZ, 2024)
    h = t["headline"]
    with_data = [i for i in t["items"] if i["suppliers"]]
    local = math.fsum(i["local_amount"] for i in with_data)
    total = math.fsum(i["total_amount"] for i in with_data)
    assert h["city"] == "330100" and h["aim"] == 0.6 and h["aim_year"] == 2025
    assert h["ratio_amount"] == pytest.approx(local / total, abs=1e-6)
    assert h["meets_aim"] == (round(local / total, 9) >= 0.6)
    assert h["measure_name"] == "市内本地配套比例（按金额）" and "同一设区市" in h["definition"]
    assert "仅供参考" in h["note"]
    assert [m["measure"] for m in t["measures"]] == ["city"]
    assert {i["measure_name"] for i in t["items"]} == {"市内本地配套比例（按金额）"}


def test_district_bureau_sees_the_city_headline_and_names_its_district_measure(store):
    hz = service.ratio_table(store, HZ, 2024)["headline"]
    bj = service.ratio_table(store, BJ, 2024)
    assert bj["headline"]["ratio_amount"] == hz["ratio_amount"] and "滨江区" in bj["headline"]["note"]
    same_district = service.ratio_table(store, BJ, 2024, scope="330108")
    assert [m["measure_name"] for m in same_district["measures"]] == ["区内配套比例（按金额）"]
    assert same_district["headline"]["ratio_amount"] == hz["ratio_amount"]  # filters never change the city figure
    assert service.ratio_table(store, ADMIN, 2024, chain="HZ02")["headline"]["ratio_amount"] == hz["ratio_amount"]


def test_no_headline_where_the_aim_does_not_apply(store):
    # B4 is Hangzhou's aim (seed 002); 绍兴 has none.
    assert service.ratio_table(store, SX, 2024)["headline"] is None


def test_pages_show_the_city_figure_and_name_the_measures(page_as):
    ps = page_as("bj_bureau")
    ps.goto("/local-supply?year=2024")
    head = ps.page.inner_text("#headline")
    assert "杭州市市内本地配套比例（按金额）" in head and "2025年全市目标 60.0% 左右" in head
    assert "同一设区市" in ps.page.inner_text("#measures") and "仅供参考" in ps.page.inner_text("#measures")
    ps.goto("/local-supply?year=2024&scope=330108")
    assert "区内配套比例（按金额）" in ps.page.inner_text("#measures")
    ps.goto("/bureau?year=2024")
    assert "市内本地配套比例（按金额）（全市合计）" in ps.page.inner_text("#city-headline")
    assert "同一设区市" in ps.page.inner_text("#measure-definition")
    assert "全市目标，未分解到滨江区" in ps.page.inner_text("body")
    ps.goto("/targets?region=330108&year=2024")
    assert "没有单独分解的目标" in ps.page.inner_text("#targets-scope")
    ps.assert_no_console_errors()
