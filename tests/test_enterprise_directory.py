"""The in-memory enterprise directory (issue 12) answers exactly as queries/enterprises/list.cypher,
on the demo graph and after writes through the importer."""
from __future__ import annotations

import random

from graphsvc.enterprises import directory
from loaders.importer import run_import


def _params(rnd: random.Random, d: directory.Directory) -> list[dict]:
    names = [n for n in d.cols["name"] if n]
    out = []
    for _ in range(60):
        name = rnd.choice(names)
        a = rnd.randrange(len(name))
        out.append({"prefix": rnd.choice(["", "33", "3301", "330108", "330602", "3306"]),
                    "uscc": rnd.choice([None] * 8 + [rnd.choice(d.usccs)]),
                    "q": rnd.choice([None, name[a:a + rnd.randint(1, 3)], "有限公司", "不存在的名字"]),
                    "provider_type": rnd.choice([None, None, 1, 3, 6]),
                    "after": rnd.choice([None, None, rnd.choice(d.usccs)]),
                    "limit": rnd.choice([1, 20, 101])})
    return out


def _same_as_cypher(store, params: list[dict]) -> None:
    d = directory.current(store)
    for p in params:
        assert directory.search(d, **p) == store.read("enterprises/list", **p), p


def test_directory_answers_as_the_list_query(store):
    rnd = random.Random(5)
    _same_as_cypher(store, _params(rnd, directory.current(store)))


def test_directory_follows_enterprise_imports(fresh_store):
    rnd = random.Random(9)
    d0 = directory.current(fresh_store)
    moved = rnd.sample(d0.usccs, 5)
    csv = "uscc,name,region_code,provider_types\n" + "".join(
        f"{u},新名称机械{i}有限公司,{rnd.choice(['330108', '330602'])},{rnd.choice(['1', '3;6', ''])}\n"
        for i, u in enumerate(moved))
    rep = run_import(fresh_store, "enterprises", csv.encode(), "e.csv", actor="test")
    assert rep.status == "ok", rep.errors
    d1 = directory.current(fresh_store)
    assert d1 is not d0 and len(d1.usccs) == len(d0.usccs)
    _same_as_cypher(fresh_store, _params(rnd, d1) + [{"prefix": "", "uscc": None, "q": "新名称机械",
                                                        "provider_type": None, "after": None, "limit": 50}])
