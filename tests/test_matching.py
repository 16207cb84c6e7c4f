"""Name matching (issue #24): the must-holds on a generated set, per-row errors, the API."""
from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from graphsvc.matching.index import NameIndex
from graphsvc.matching.match import match_name
from graphsvc.matching.normalise import clean, parse
from graphsvc.matching.service import check_row
from graphsvc.matching.variants import evaluate, generate, split, with_former_names


def _demo_rows(store):
    return store.read("matching/names")


def _evaluated(store, per_kind=150):
    rows, held = split(_demo_rows(store), share=0.05, seed=3)
    rows = with_former_names(rows, share=0.2, seed=3)
    index = NameIndex(rows)
    cases = generate(rows, seed=3, per_kind=per_kind, held_out=held)
    return cases, [match_name(index, c["name"]) if not c["region"] else
                   match_name(index, c["name"], [(c["region"],)]) for c in cases]


def test_generated_set_must_holds(store):
    cases, results = _evaluated(store)
    report = evaluate(cases, results)
    by = report["by_kind"]
    assert by["branch"]["matched"] == 0, "a branch was matched to its parent"
    assert by["other_city"]["matched"] == 0, "a trade name was matched across cities"
    assert by["absent"]["matched"] == 0 and by["unrelated"]["matched"] == 0
    assert report["overall"]["precision"] >= 0.995
    assert report["overall"]["recall"] >= 0.90
    wrong = [(c, r) for c, r in zip(cases, results) if r["decision"] == "matched" and r["uscc"] != c["expect"]]
    assert not wrong


def test_branch_of_an_indexed_branch_and_parent(store):
    rows = _demo_rows(store)[:50]
    parent = rows[0]
    branch = {"uscc": "BRANCH", "name": parent["name"] + "萧山分公司", "region_code": parent["region_code"]}
    index = NameIndex(rows + [branch])
    assert match_name(index, parent["name"])["uscc"] == parent["uscc"]
    assert match_name(index, parent["name"] + "萧山区分公司")["uscc"] == "BRANCH"
    assert match_name(index, parent["name"] + "滨江分公司")["decision"] == "review"


def test_row_errors_name_the_field():
    assert check_row({"name": ""})[1]["field"] == "name"
    assert check_row({"name": "示" * 201})[1]["field"] == "name"
    assert check_row({"name": "（）——！ …"})[1]["field"] == "name"
    assert check_row({"name": "杭州示例", "region": "999999"})[1]["field"] == "region"
    assert check_row({"name": "杭州示例", "region": "滨江区"})[1] is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
@example("A{´")   # a dropped bracket left a combining accent uncomposed
def test_any_text_parses_and_cleaning_is_stable(text):
    name = parse(text)
    assert clean(name.text) == name.text
    assert check_row({"name": text})[0] is not None or check_row({"name": text})[1]["field"] == "name"


def test_api_match(api, store):
    row = _demo_rows(store)[0]
    body = {"rows": [{"name": row["name"]}, {"name": "  "}, {"name": "x", "region": "火星"},
                     {"name": row["name"] + "萧山分公司"}]}
    r = api("admin").post("/api/v1/match", json=body)
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert [x["row"] for x in res] == [1, 2, 3, 4]
    assert res[0]["decision"] == "matched" and res[0]["uscc"] == row["uscc"]
    assert res[1]["decision"] == "error" and res[1]["error"]["field"] == "name"
    assert res[2]["decision"] == "error" and res[2]["error"]["field"] == "region"
    assert res[3]["decision"] == "review" and "uscc" not in res[3]
    assert api("maker").post("/api/v1/match", json=body).status_code == 403
