"""Name matching in imports (issue #24): former names, rows naming a company instead of its USCC,
the review queue (accept with a chosen USCC, reject, audited, scoped)."""
from __future__ import annotations

import pytest

from graphsvc.core import projection
from graphsvc.core.access import Principal
from graphsvc.core.errors import Conflict, Invalid, NotFound
from graphsvc.matching import service as M
from loaders import service as imports
from loaders.importer import run_import

ADMIN = Principal("admin", "admin")
BJ = Principal("bj_bureau", "bureau", scope="330108")
HZ = Principal("hz_bureau", "bureau", scope="330100")


def _names(store):
    return store.read("matching/names")


def _in(store, district):
    return [r for r in _names(store) if r["region_code"] == district]


def _recognitions(rows: list[str]) -> bytes:
    return ("企业名称,所在地区,统一社会信用代码,类别,级别,状态,年度\n" + "\n".join(rows) + "\n").encode()


def _import(store, who, data, **kw):
    return imports.import_for(store, who, "recognitions", data, "list.csv", resolve=M.resolver(store, who), **kw)


def _recognition_count(store, uscc):
    return len([r for r in store.dump_nodes("Recognition") if r["uscc"] == uscc])


def test_former_names_are_stored_indexed_and_follow_renames(fresh_store):
    s = fresh_store
    e = _in(s, "330108")[0]
    old = e["name"].replace("示例", "示例旧", 1)
    csv = f"统一社会信用代码,企业名称,曾用名\n{e['uscc']},{e['name']},{old}；杭州老字号机械厂\n".encode()
    index_before = M.index_for(s)
    rep = run_import(s, "enterprises", csv, "e.csv")
    assert rep.status == "ok", rep.errors
    stored = next(r for r in s.dump_nodes("Enterprise") if r["uscc"] == e["uscc"])
    assert stored["former_names"] == [old, "杭州老字号机械厂"]
    index = M.index_for(s)
    assert index is index_before, "the index follows the write in place, not by a rebuild"
    found = M.match_rows(s, ADMIN, {"rows": [{"name": old}]})["results"][0]
    assert found["decision"] == "matched" and found["uscc"] == e["uscc"]
    assert "former_name" in found["candidates"][0]["why"]
    # A rename: the new name matches, the old one is now a former name; a file without the
    # column leaves the former names alone.
    new = e["name"].replace("示例", "示例新", 1)
    rep = run_import(s, "enterprises", f"uscc,name\n{e['uscc']},{new}\n".encode(), "r.csv")
    assert rep.status == "ok", rep.errors
    assert M.match_rows(s, ADMIN, {"rows": [{"name": new}]})["results"][0]["uscc"] == e["uscc"]
    assert M.match_rows(s, ADMIN, {"rows": [{"name": old}]})["results"][0]["uscc"] == e["uscc"]
    assert projection.status(s)["parts"]["matching"]["lag"] == 0


def test_former_names_refuse_an_overlong_name(fresh_store):
    e = _in(fresh_store, "330108")[0]
    rep = run_import(fresh_store, "enterprises",
                     f"uscc,name,former_names\n{e['uscc']},{e['name']},{'旧' * 201}\n".encode(), "e.csv")
    assert rep.status == "rejected" and rep.errors[0]["field"] == "former_names"


def test_names_in_an_import_apply_queue_and_report(fresh_store):
    s = fresh_store
    a, b = _in(s, "330108")[:2]
    n_a = _recognition_count(s, a["uscc"])
    bad = _recognitions([f"{a['name']},,,数字工厂,市,认定,2024",
                         ",,,数字工厂,市,认定,2024",
                         "（）——！,,,数字工厂,市,认定,2024",
                         f"{'示' * 201},,,数字工厂,市,认定,2024",
                         f"{b['name']},火星,,数字工厂,市,认定,2024"])
    rep = _import(s, ADMIN, bad)
    assert rep.status == "rejected"
    assert [(e["row"], e["field"]) for e in rep.errors] == [(3, "uscc"), (4, "name"), (5, "name"), (6, "name_region")]
    assert _recognition_count(s, a["uscc"]) == n_a and not s.dump_nodes("MatchReview"), "nothing applied"

    good = _recognitions([f"{a['name']},,,数字工厂,市,认定,2024",
                          f"{b['name']}萧山分公司,滨江区,,数字工厂,市,认定,2024",
                          "上海某某餐饮管理有限公司,,,数字工厂,市,认定,2024",
                          f",,{b['uscc']},数字工厂,市,认定,2024"])
    rep = _import(s, ADMIN, good)
    assert rep.status == "ok", rep.errors
    assert rep.by_name == {"matched": 1, "review": 1, "none": 1}
    assert rep.accepted == 2 and [h["row"] for h in rep.held] == [3, 4]
    assert _recognition_count(s, a["uscc"]) == n_a + 1
    queued = M.reviews(s, ADMIN)["items"]
    assert {q["row"] for q in queued} == {3, 4} and all(q["status"] == "pending" for q in queued)
    branch = next(q for q in queued if q["row"] == 3)
    assert branch["region_code"] == "330108" and branch["candidates"][0]["uscc"] == b["uscc"]


def test_review_queue_accept_reject_audited_and_scoped(fresh_store):
    s = fresh_store
    b = _in(s, "330108")[1]
    other = _in(s, "330106")[0]
    rep = _import(s, ADMIN, _recognitions([f"{b['name']}萧山分公司,滨江区,,数字工厂,市,认定,2024",
                                           f"{other['name']}滨江分公司,西湖区,,数字工厂,市,认定,2024"]))
    assert rep.status == "ok" and rep.by_name["review"] == 2, rep.as_dict()
    mine = M.reviews(s, BJ)["items"]
    assert [q["region_code"] for q in mine] == ["330108"], "a district bureau reviews its district's rows only"
    theirs = next(q for q in M.reviews(s, HZ)["items"] if q["region_code"] == "330106")
    with pytest.raises(NotFound):
        M.review(s, BJ, theirs["id"])
    with pytest.raises(Invalid):   # an enterprise outside the bureau's region cannot be chosen
        M.accept(s, BJ, mine[0]["id"], {"uscc": other["uscc"]}, _apply(BJ))
    n_b = _recognition_count(s, b["uscc"])
    done = M.accept(s, BJ, mine[0]["id"], {"uscc": b["uscc"]}, _apply(BJ))
    assert done["status"] == "accepted" and done["uscc"] == b["uscc"] and done["decided_by"] == "bj_bureau"
    assert _recognition_count(s, b["uscc"]) == n_b + 1
    with pytest.raises(Conflict):
        M.reject(s, BJ, mine[0]["id"])
    gone = M.reject(s, HZ, theirs["id"])
    assert gone["status"] == "rejected"
    assert M.reviews(s, HZ)["items"] == []
    actions = [e["action"] for e in s.dump_nodes("AuditEvent")]
    assert "match.accept" in actions and "match.reject" in actions


def _apply(who):
    def apply(item, uscc, also):
        s = _apply.store
        data = imports.row_with_uscc(item["kind"], item["data"], item["field"], item["name_field"], uscc)
        return imports.import_for(s, who, item["kind"], data, "review.csv", also=also).as_dict()
    return apply


@pytest.fixture(autouse=True)
def _bind(request):
    if "fresh_store" in request.fixturenames:
        _apply.store = request.getfixturevalue("fresh_store")


def test_profile_page_shows_former_names(fresh_store):
    from flask import g

    from graphsvc.core.config import load
    from web import create_app

    s = fresh_store
    e = _in(s, "330108")[0]
    rep = run_import(s, "enterprises", f"uscc,name,曾用名\n{e['uscc']},{e['name']},杭州老字号机械厂;杭州示例旧名有限公司\n"
                     .encode(), "e.csv")
    assert rep.status == "ok", rep.errors
    app = create_app(load(data_dir=s.path), store=s)
    app.extensions["graphsvc"]["reference_checked"] = True
    with app.test_request_context(f"/enterprises/{e['uscc']}"):
        g.principal, g.via = BJ, "session"
        html = app.full_dispatch_request().get_data(as_text=True)
    assert 'id="former-names"' in html and "曾用名：杭州老字号机械厂；杭州示例旧名有限公司" in html


def test_supplies_and_projects_take_names_for_each_party(fresh_store):
    s = fresh_store
    a, b = _in(s, "330108")[:2]
    c = _in(s, "330106")[0]
    supplies = (f"供应商名称,采购方统一社会信用代码,年度,采购金额（万元）\n{a['name']},{c['uscc']},2019,12.5\n"
                f"{b['name']}萧山分公司,{c['uscc']},2019,3\n").encode()
    rep = imports.import_for(s, ADMIN, "supplies", supplies, "s.csv", resolve=M.resolver(s, ADMIN))
    assert rep.status == "ok", rep.errors
    assert rep.by_name == {"matched": 1, "review": 1, "none": 0} and rep.accepted == 1
    edges = [r for r in s.dump_rels("SUPPLIES") if r["from"] == a["uscc"] and r["to"] == c["uscc"] and r["year"] == 2019]
    assert len(edges) == 1
    projects = (f"项目编号,企业名称,项目名称\nPX-1,{a['name']},示例改造项目\nPX-2,,示例改造项目二\n").encode()
    rep = imports.import_for(s, ADMIN, "projects", projects, "p.csv", resolve=M.resolver(s, ADMIN))
    assert rep.status == "rejected" and [(e["row"], e["field"]) for e in rep.errors] == [(3, "owner_uscc")]
    # Without a matcher (the CLI), a name cannot stand in for a USCC: said per row.
    rep = run_import(s, "projects", projects.replace(b"PX-2,,", b"PX-2," + a["name"].encode() + b","), "p.csv")
    assert rep.status == "rejected" and {e["field"] for e in rep.errors} == {"owner_name"}
