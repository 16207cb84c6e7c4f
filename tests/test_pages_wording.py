"""Every page each demo account can reach, as it shows in the browser: in the words of its
readers (no internal field keys in snake_case, no schema or design-note names such as SUPPLIES or
DESIGN, no English jargon such as What-if: issue #13 item 11), and usable on a phone (issue #18).

The pages are found by following the links the role is shown, from its landing page, one
page per route shape (one 链主工厂, one chain), so a new page is checked without listing it.
Each visit is also laid out at 390×844 and checked there and at 1366×768 by `page_as`
(tests/conftest.py: no page wider than the phone, no serious or critical axe-core finding, no
CSP violation); the phone screenshots go to tests/artifacts/phone_<account>_<page>.png. On the
phone, every navigation entry is reached through the 菜单 drawer.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from graphsvc.core import vocabulary
from loaders.kinds import KINDS
from tests.conftest import ARTIFACTS, DESKTOP, PHONE
from tests.conftest import page_shape as shape

# The import page lists the headers a file may use: an English column key (or a kind's name) is
# there a word the reader types into the file, so it is part of the file format, not jargon.
FILE_FORMAT = {"/imports": {k.name for k in KINDS.values()} | {c.name for k in KINDS.values() for c in k.columns}}

SNAKE = re.compile(r"(?<![\w/.=&?-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/])")
WORDS = re.compile(r"SUPPLIES|DESIGN|What-if", re.IGNORECASE)
# a stored key shown as the value of a Chinese label (类别=engineering_project, 原状态=claimed):
# snake_case, or a word the vocabulary names such values by; a query string shown as data
# (查询参数=max_hops=7&role=x) is not a label's value
VOCABULARY_KEYS = {k for names in vocabulary.AUDIT_DETAIL_VALUES.values() for k in names}
VALUE_KEY = re.compile(r"(?<=[\u4e00-\u9fff）)]=)[a-z][a-z0-9_]*(?![\w/.=])")
URLISH = re.compile(r"\S*/\S*")  # paths and query strings shown as API links are addresses, not words
SKIP = ("/api/", "/logout", "/static/")
MAX_PAGES = 60


def offending(text: str) -> list[str]:
    """The internal tokens in a page's visible text.

    >>> offending("口径（规则 B4）：本页数据 /api/v1/x?leader_uscc=1 与 local_amount、SUPPLIES")
    ['local_amount', 'SUPPLIES']
    """
    text = URLISH.sub(" ", text)
    return SNAKE.findall(text) + WORDS.findall(text) + [
        k for k in VALUE_KEY.findall(text) if "_" in k or k in VOCABULARY_KEYS]


def crawl(ps) -> dict[str, list[str]]:
    """{path: offending tokens} for every page shape reachable from the landing page."""
    # from the page login led to (the home page is linked from every page's brand)
    to_visit, seen, found = [urlsplit(ps.page.url).path, "/"], set(), {}
    while to_visit and len(seen) < MAX_PAGES:
        path = to_visit.pop(0)
        if shape(path) in seen:
            continue
        seen.add(shape(path))
        resp = ps.goto(path, settle=True)
        if resp is None or "html" not in (resp.headers.get("content-type") or ""):
            continue
        found[path] = offending(ps.page.inner_text("body"))
        for href in ps.page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            u = urlsplit(href)
            # files (a template .csv, an .xlsx) are downloads, not pages
            if u.netloc or not u.path.startswith("/") or u.path.startswith(SKIP) or "." in u.path.rsplit("/", 1)[-1]:
                continue
            if shape(u.path) not in seen:
                to_visit.append(u.path)
    return found


RESOURCE = re.compile(r"Failed to load resource: the server responded with a status of (403|404)")


def check_phone_menu(ps) -> list[str]:
    """On the phone the navigation is folded into the 菜单 drawer: closed at first, and once opened
    every entry the desktop shows is visible and can be clicked (Playwright's actionability check).
    Returns the entries' paths; opens the last one for real."""
    pg = ps.page
    desktop = pg.eval_on_selector_all("#site-nav a", "els => els.map(e => e.getAttribute('href'))")
    pg.set_viewport_size(PHONE)
    try:
        assert pg.is_visible("#menu-toggle") and not pg.is_visible("#site-nav")
        pg.click("#menu-toggle")
        assert pg.get_attribute("#menu-toggle", "aria-expanded") == "true"
        pg.screenshot(path=str(ARTIFACTS / f"phone_menu_{ps.username}.png"))
        links = pg.locator("#site-nav a")
        assert links.count() == len(desktop)
        for i in range(links.count()):
            links.nth(i).click(trial=True, timeout=5000)
            box = links.nth(i).bounding_box()
            assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (desktop[i], box)
        with pg.expect_navigation():
            links.nth(links.count() - 1).click()
        assert urlsplit(pg.url).path == desktop[-1]
    finally:
        pg.set_viewport_size(DESKTOP)
    return desktop


# One account per role; the bureau's is a district's (its pages narrow more than a city's, and
# the city bureau's pages are opened by tests/test_pages_shell.py and the feature page tests,
# where the same per-page checks run).
@pytest.mark.parametrize("username", ["admin", "bj_bureau", "maker", "provider"])
def test_every_page_in_plain_words_and_on_a_phone(page_as, api, accounts, username):
    ps = page_as(username)
    ps.phone_shots = f"phone_{username}_"
    pages = crawl(ps)
    ps.phone_shots = None
    nav = check_phone_menu(ps)
    assert set(nav) <= {shape(p) for p in pages} | set(pages), "a menu entry the crawl did not reach"
    # account names (hz_bureau …) are data people chose, shown as written: the demo accounts and
    # those other test files created on the shared server
    names = set(accounts) | {u["username"] for u in api("admin").get("/api/v1/users").json()["items"]}
    found = {p: [t for t in ts if t not in names and t not in FILE_FORMAT.get(p, ())]
             for p, ts in pages.items()}
    assert len(found) >= 5, f"too few pages reached: {sorted(found)}"
    bad = {p: t for p, t in found.items() if t}
    assert not bad, f"internal names on pages: {bad}"
    assert [e for e in ps.console_errors if not RESOURCE.search(e)] == [], ps.console_errors


def test_offending_finds_keys_not_addresses():
    assert offending("本页数据 /api/v1/x?leader_uscc=1 与 local_amount、SUPPLIES；补链测算") == ["local_amount", "SUPPLIES"]
    assert offending("What-if 与 DESIGN §2") == ["What-if", "DESIGN"]
    assert offending("市内本地配套比例（按金额）：本地 = 同一设区市") == []
    assert offending("类别=engineering_project；原状态=claimed；行数=3；文件=deliveries.csv；担保人=demo；"
                     "查询参数=max_hops=7&role=supplier&status=claimed") == ["engineering_project", "claimed"]
