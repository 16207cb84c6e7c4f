"""Finding an enterprise by name or USCC (issue #15 item 4): the suggestion API scoped like every
other read, the search page with suggestions as one types in a real browser, and the contractor
page's manufacturer field using the same suggestions. Screenshot: tests/artifacts/enterprise_search.png."""
from __future__ import annotations


def _name(api, uscc):
    return api("admin").get(f"/api/v1/enterprises/{uscc}").json()["name"]


def _choose(pg, field: str, text: str, uscc: str) -> None:
    """Type `text` into `field` and choose the suggestion for `uscc`."""
    pg.fill(field, "")
    pg.type(field, text)
    pg.wait_for_selector(f".suggest-item[data-uscc='{uscc}']", timeout=15000)
    pg.dispatch_event(f".suggest-item[data-uscc='{uscc}']", "mousedown")


def test_suggestions_by_name_and_uscc_scoped(api, accounts):
    maker = accounts["maker"]["uscc"]
    name = _name(api, maker)
    hz = api("hz_bureau").get("/api/v1/enterprise-search", params={"q": name}).json()
    assert hz["items"][0]["uscc"] == maker and hz["note"] is None
    by_code = api("admin").get("/api/v1/enterprise-search", params={"q": maker[:12].lower()}).json()
    assert by_code["items"] and all(i["uscc"].startswith(maker[:12]) for i in by_code["items"])
    assert maker in {i["uscc"] for i in api("admin").get("/api/v1/enterprise-search",
                                                          params={"q": maker, "limit": 1}).json()["items"]}
    # 滨江 does not see the Hangzhou leader (西湖区): not suggested, not even by its full USCC.
    assert maker not in repr(api("bj_bureau").get("/api/v1/enterprise-search", params={"q": name}).json())
    assert api("bj_bureau").get("/api/v1/enterprise-search", params={"q": maker}).json()["items"] == []
    # A supplier finds only itself.
    provider = accounts["provider"]["uscc"]
    own = api("provider").get("/api/v1/enterprise-search", params={"q": provider[:8]}).json()["items"]
    assert [i["uscc"] for i in own] == [provider]
    short = api("admin").get("/api/v1/enterprise-search", params={"q": "杭"}).json()
    assert short["items"] == [] and "2" in short["note"]
    bad = api("admin").get("/api/v1/enterprise-search", params={"q": "x" * 61})
    assert bad.status_code == 400 and bad.json()["field"] == "q"


def _open(page_as, accounts, api, who: str, path: str):
    """(page session, page, the maker's USCC and name) with `path` open as `who`."""
    maker = accounts["maker"]["uscc"]
    ps = page_as(who)
    ps.goto(path)
    return ps, ps.page, maker, _name(api, maker)


def test_search_page_suggests_and_opens_the_profile(page_as, accounts, api):
    ps, pg, maker, name = _open(page_as, accounts, api, "hz_bureau", "/enterprises")
    pg.fill("#ent-q", "")
    pg.type("#ent-q", name[:4])
    pg.wait_for_selector(".suggest-item", timeout=15000)
    want = api("hz_bureau").get("/api/v1/enterprise-search", params={"q": name[:4], "limit": 10}).json()
    got = pg.eval_on_selector_all(".suggest-item", "els => els.map(e => e.dataset.uscc)")
    assert got == [i["uscc"] for i in want["items"]]
    ps.shot("enterprise_search")
    _choose(pg, "#ent-q", name, maker)
    pg.wait_for_url(f"**/enterprises/{maker}", timeout=30000)
    assert pg.inner_text("#ent-uscc") == maker
    # Without script: the form's own results link to the profiles.
    ps.goto("/enterprises?q=" + name)
    assert pg.locator(f"#search-results a[href='/enterprises/{maker}']").count() == 1
    ps.assert_no_console_errors()


def test_contractor_field_takes_a_suggested_uscc(page_as, accounts, api):
    ps, pg, maker, name = _open(page_as, accounts, api, "admin", "/contractors")
    _choose(pg, "#manufacturer", name, maker)
    assert pg.input_value("#manufacturer") == maker
    ps.assert_no_console_errors()
