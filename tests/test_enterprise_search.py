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


def test_suggestions_by_name_and_uscc_scoped(api, accounts, store):
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
    # A supplier finds itself, the clients its ledger names and any manufacturer (a client it
    # may register a delivery for): not another supplier that makes nothing.
    provider = accounts["provider"]["uscc"]
    ledger = api("provider").get("/api/v1/deliveries", params={"limit": 500}).json()["items"]
    clients = {d["client_uscc"]: d["client_name"] for d in ledger}
    assert clients and ledger and len(ledger) < 500
    client, client_name = sorted(clients.items())[0]
    found = api("provider").get("/api/v1/enterprise-search", params={"q": client_name}).json()["items"]
    assert found[0]["uscc"] == client
    rows = {r["uscc"]: r for r in store.dump_nodes("Enterprise")}
    new_client = next(u for u, r in sorted(rows.items()) if r["is_manufacturer"] and u not in clients and r["name"])
    found = api("provider").get("/api/v1/enterprise-search", params={"q": rows[new_client]["name"]}).json()["items"]
    assert found and found[0]["uscc"] == new_client and set(found[0]) == {"uscc", "name", "region_code", "region_name"}
    other = next(u for u, r in sorted(rows.items()) if not r["is_manufacturer"] and u != provider
                 and u not in clients and r["name"])
    assert api("provider").get("/api/v1/enterprise-search", params={"q": other}).json()["items"] == []
    assert other not in repr(api("provider").get("/api/v1/enterprise-search",
                                                 params={"q": rows[other]["name"], "limit": 50}).json()["items"])
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


def test_project_suggestions_by_id_and_owner_scoped(api):
    every = api("admin").get("/api/v1/project-search", params={"q": "P0", "limit": 50}).json()["items"]
    assert len(every) == 50 and [i["id"] for i in every] == sorted(i["id"] for i in every)
    regions = {i["owner_uscc"]: api("admin").get(f"/api/v1/enterprises/{i['owner_uscc']}").json()["region_code"]
               for i in every}
    # a project of a Hangzhou enterprise outside 滨江
    pick = next(i for i in every if regions[i["owner_uscc"]].startswith("3301") and regions[i["owner_uscc"]] != "330108")
    pid, owner, name = pick["id"], pick["owner_uscc"], pick["owner_name"]
    hz = api("hz_bureau").get("/api/v1/project-search", params={"q": pid}).json()
    assert hz["items"][0]["id"] == pid and hz["items"][0]["owner_uscc"] == owner and hz["note"] is None
    by_owner = api("hz_bureau").get("/api/v1/project-search", params={"q": name}).json()["items"]
    assert pid in {i["id"] for i in by_owner} and by_owner[0]["owner_name"] == name
    # 滨江 does not see it, by id or by its owner's name; 绍兴 sees none of Hangzhou's
    assert api("bj_bureau").get("/api/v1/project-search", params={"q": pid}).json()["items"] == []
    assert owner not in repr(api("bj_bureau").get("/api/v1/project-search", params={"q": name}).json()["items"])
    sx = api("sx_bureau").get("/api/v1/project-search", params={"q": "P0", "limit": 50}).json()["items"]
    assert all(not regions.get(i["owner_uscc"], "3306").startswith("3301") for i in sx)
    none = api("hz_bureau").get("/api/v1/project-search", params={"q": "没有这样的企业名"}).json()
    assert none["items"] == [] and none["note"] == "没有找到匹配的项目"


def test_self_check_project_found_by_its_owner(page_as, api):
    """A bureau's self-check asks for a project: found by its owner's name, its id filled in."""
    every = api("hz_bureau").get("/api/v1/project-search", params={"q": "P0", "limit": 50}).json()["items"]
    pick = every[0]
    ps = page_as("hz_bureau")
    ps.goto("/eligibility")
    pg = ps.page
    pg.check("input[name=subject][value=project]")
    pg.type("#project_id", pick["owner_name"])
    pg.wait_for_selector(f"#project_id-suggestions .suggest-item[data-value='{pick['id']}']", timeout=15000)
    assert pick["owner_name"] in pg.inner_text("#project_id-suggestions")
    ps.shot("eligibility-project-suggestions")
    pg.dispatch_event(f"#project_id-suggestions .suggest-item[data-value='{pick['id']}']", "mousedown")
    assert pg.input_value("#project_id") == pick["id"]
    with pg.expect_navigation():
        pg.click("#check-button")
    assert pg.locator("#overall-outcome").count() == 1
    assert pick["id"] in pg.inner_text("#result")
    ps.assert_no_console_errors()
