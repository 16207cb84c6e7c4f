"""Every page a role can reach, as it shows in the browser, in the words of its readers: no
internal field keys (snake_case), no schema or design-note names (SUPPLIES, DESIGN) and no
English jargon (What-if) in the visible text (issue #13 item 11).

The pages are found by following the links the role is shown, from its landing page, one
page per route shape (one 链主工厂, one chain), so a new page is checked without listing it.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from loaders.kinds import KINDS

# The import page lists the headers a file may use: an English column key (or a kind's name) is
# there a word the reader types into the file, so it is part of the file format, not jargon.
FILE_FORMAT = {"/imports": {k.name for k in KINDS.values()} | {c.name for k in KINDS.values() for c in k.columns}}

SNAKE = re.compile(r"(?<![\w/.=&?-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/])")
WORDS = re.compile(r"SUPPLIES|DESIGN|What-if", re.IGNORECASE)
URLISH = re.compile(r"\S*/\S*")  # paths and query strings shown as API links are addresses, not words
SKIP = ("/api/", "/logout", "/static/")
MAX_PAGES = 60


def shape(path: str) -> str:
    """One representative per route: ids (USCCs, chain ids, numbers) become a placeholder."""
    return re.sub(r"/(?=[0-9A-Z]*\d)[0-9A-Z]{2,}(?=/|$)", "/<id>", path)


def offending(text: str) -> list[str]:
    """The internal tokens in a page's visible text.

    >>> offending("口径（规则 B4）：本页数据 /api/v1/x?leader_uscc=1 与 local_amount、SUPPLIES")
    ['local_amount', 'SUPPLIES']
    """
    text = URLISH.sub(" ", text)
    return SNAKE.findall(text) + WORDS.findall(text)


def crawl(ps) -> dict[str, list[str]]:
    """{path: offending tokens} for every page shape reachable from the landing page."""
    ps.goto("/")
    to_visit, seen, found = [urlsplit(ps.page.url).path], set(), {}
    while to_visit and len(seen) < MAX_PAGES:
        path = to_visit.pop(0)
        if shape(path) in seen:
            continue
        seen.add(shape(path))
        resp = ps.goto(path)
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


@pytest.mark.parametrize("username", ["admin", "bj_bureau"])
def test_visible_text_has_no_internal_names(page_as, api, accounts, username):
    ps = page_as(username)
    pages = crawl(ps)
    # account names (hz_bureau …) are data people chose, shown as written: the demo accounts and
    # those other test files created on the shared server
    names = set(accounts) | {u["username"] for u in api("admin").get("/api/v1/users").json()["items"]}
    found = {p: [t for t in ts if t not in names and t not in FILE_FORMAT.get(p, ())]
             for p, ts in pages.items()}
    assert len(found) >= 8, f"too few pages reached: {sorted(found)}"
    assert any(p.startswith("/local-supply/") for p in found), sorted(found)
    bad = {p: t for p, t in found.items() if t}
    assert not bad, f"internal names on pages: {bad}"


def test_offending_finds_keys_not_addresses():
    assert offending("本页数据 /api/v1/x?leader_uscc=1 与 local_amount、SUPPLIES；补链测算") == ["local_amount", "SUPPLIES"]
    assert offending("What-if 与 DESIGN §2") == ["What-if", "DESIGN"]
    assert offending("市内本地配套比例（按金额）：本地 = 同一设区市") == []
