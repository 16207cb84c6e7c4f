"""Shared fixtures: the real engine, the real demo data, a real gunicorn server.

The small demo graph is built once per session into a template directory; tests that need
a store get their own copy, and the HTTP server gets another (LadybugDB allows one
read-write process per database, so the server and the test process never share one).
With GRAPHSVC_NEO4J_URI set, the same fixtures run against Neo4j instead.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from graphsvc.core import config
from graphsvc.core.store import open_store

ROOT = Path(__file__).resolve().parents[1]
NEO4J = os.environ.get("GRAPHSVC_NEO4J_URI")
# The app refuses short or known keys (web/security.py): a fresh strong one per session.
TEST_SECRET = secrets.token_hex(32)

# The session's own Neo4j server and the fixtures that run tests on it (test_neo4j_*.py).
pytest_plugins = ["tests.engines"]


def pytest_configure(config):
    # A private temp root per session: pytest keeps only the last three and would otherwise
    # delete the data directories of another session running in the same checkout.
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        import tempfile

        config.option.basetemp = tempfile.mkdtemp(prefix="graphsvc-pytest-")
        config._graphsvc_own_basetemp = config.option.basetemp


def pytest_unconfigure(config):
    # The session's databases and generated files are several hundred MB: leave nothing behind.
    own = getattr(config, "_graphsvc_own_basetemp", None)
    if own:
        import shutil

        shutil.rmtree(own, ignore_errors=True)


# Fixtures that make a test slow, by marker: `pytest -m "not browser and not server and not engine"`
# runs only the pure tests (seconds).
MARKER_FIXTURES = {"browser": {"page_as", "browser"}, "server": {"server", "api"},
                   "engine": {"store", "fresh_store", "empty_store", "demo_template", "demo_files", "accounts"}}


def pytest_collection_modifyitems(config, items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for marker, fixtures in MARKER_FIXTURES.items():
            if used & fixtures:
                item.add_marker(marker)


# The Neo4j test files in the second of the two Neo4j units (xdist_scope), chosen so that the two
# take about as long (seconds per file measured serially on a loaded machine, 877 s in all): a
# new test_neo4j_* file joins the first unit unless named here.
NEO4J_SECOND_UNIT = {"test_neo4j_changelog.py", "test_neo4j_figures.py", "test_neo4j_store.py",
                     "test_neo4j_imports.py", "test_neo4j_import_properties.py"}


def xdist_scope(nodeid: str) -> str:
    """The unit `make test` hands to one pytest-xdist worker: a test file, and the Neo4j test
    files in two units ("neo4j", "neo4j-2"). The files of a unit run in one worker process, on
    that process's own Neo4j server (tests/engines.py), whose one database they share.

    >>> xdist_scope("tests/test_store.py::test_x[a::b]"), xdist_scope("tests/test_neo4j_access.py::test_y")
    ('tests/test_store.py', 'neo4j')
    >>> xdist_scope("tests/test_neo4j_store.py::test_y")
    'neo4j-2'
    """
    name = Path(nodeid.split("::", 1)[0]).name
    if name.startswith("test_neo4j_"):
        return "neo4j-2" if name in NEO4J_SECOND_UNIT else "neo4j"
    return nodeid.split("::", 1)[0]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """With `--dist loadfile`: whole files per worker, the Neo4j files as two units (xdist_scope).
    (Grouping by `xdist_group` marks does not work with pytest 9.2: pytest-xdist issue 1386.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FileScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_scope(nodeid)

    return FileScheduling(config, log)


# seconds of setup, call and teardown per xdist worker (or "main"), and how much of it the Neo4j
# unit took: `make test` ends when its busiest worker does, so the summary names each one's share.
_WORKER_SECONDS: dict[str, list[float]] = {}


def pytest_runtest_logreport(report):
    node = getattr(report, "node", None)
    worker = node.gateway.id if node is not None else "main"
    spent = _WORKER_SECONDS.setdefault(worker, [0.0, 0.0])
    spent[0] += report.duration
    if xdist_scope(report.nodeid).startswith("neo4j"):
        spent[1] += report.duration


def pytest_terminal_summary(terminalreporter, config):
    if len(_WORKER_SECONDS) > 1 or "main" not in _WORKER_SECONDS:
        terminalreporter.write_line("time per worker — " + "; ".join(
            f"{w}: {total:.0f} s" + (f" ({neo:.0f} s Neo4j)" if neo else "")
            for w, (total, neo) in sorted(_WORKER_SECONDS.items())))


def pytest_report_header(config):
    if NEO4J:
        return f"graph engine: Neo4j at {NEO4J}"
    return ("graph engine: LadybugDB (embedded). Neo4j runs of this suite are skipped: "
            "set GRAPHSVC_NEO4J_URI (+ GRAPHSVC_NEO4J_USER/PASSWORD) to run it against Neo4j 5")


def make_settings(data_dir: Path, **kw) -> config.Settings:
    return config.load(data_dir=Path(data_dir), secret_key=TEST_SECRET, **kw)


def open_test_store(data_dir: Path):
    from graphsvc.core.reference_graph import ensure_reference

    store = open_store(make_settings(data_dir))
    ensure_reference(store)
    return store


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """A data directory holding the small demo graph and one account + token per role.

    Built once per run: with pytest-xdist the first worker builds it under the run's shared
    temp root (the others wait on a lock) and every worker copies it from there."""
    if NEO4J or not os.environ.get("PYTEST_XDIST_WORKER"):
        return _build_demo(tmp_path_factory.mktemp("demo-template"))
    import fcntl

    shared = tmp_path_factory.getbasetemp().parent
    d = shared / "demo-template"
    with open(shared / "demo-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (d / "accounts.json").exists():
            shutil.rmtree(d, ignore_errors=True)  # a worker that failed half-way
            d.mkdir()
            _build_demo(d)
    return d


def _build_demo(d: Path) -> Path:
    from graphsvc.cli import load_demo
    from graphsvc.demo.accounts import ensure

    store = open_test_store(d)
    if NEO4J:
        store.drop_all()
        from graphsvc.core.reference_graph import ensure_reference

        ensure_reference(store)
    files = d / "files"
    load_demo(store, "small", files, progress=False)
    accounts = ensure(store, with_tokens=True)
    store.close()
    # Written last: its presence says the template is complete.
    (d / "accounts.json").write_text(json.dumps(accounts, ensure_ascii=False))
    return d


@pytest.fixture(scope="session")
def accounts(demo_template) -> dict:
    """username -> {role, scope, uscc, password, token} for the demo accounts."""
    rows = json.loads((demo_template / "accounts.json").read_text())
    return {r["username"]: r for r in rows}


@pytest.fixture(scope="session")
def demo_files(demo_template) -> Path:
    return demo_template / "files"


def _copy_data(template: Path, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for p in template.iterdir():
        if p.name.startswith("graph.lbdb"):
            (shutil.copytree if p.is_dir() else shutil.copy2)(p, dest / p.name)
    return dest


@pytest.fixture(scope="session")
def store(demo_template, tmp_path_factory):
    """A read-mostly store with the demo graph (session-wide: do not write to it)."""
    d = _copy_data(demo_template, tmp_path_factory.mktemp("store"))
    s = open_test_store(d)
    yield s
    s.close()


@pytest.fixture
def fresh_store(demo_template, tmp_path):
    """A private copy of the demo graph a test may change."""
    if NEO4J:
        pytest.skip("fresh copies need the embedded engine; Neo4j runs share one database")
    d = _copy_data(demo_template, tmp_path / "db")
    s = open_test_store(d)
    yield s
    s.close()


@pytest.fixture
def empty_store(tmp_path):
    s = open_test_store(tmp_path / "empty")
    if NEO4J:
        s.drop_all()
        from graphsvc.core.reference_graph import ensure_reference

        ensure_reference(s)
    yield s
    s.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A real gunicorn process serving the app over HTTP on loopback."""

    def __init__(self, data_dir: Path, log_path: Path, env: dict | None = None, workers: int | None = None):
        self.port, self.data_dir = free_port(), data_dir
        self.url = f"http://127.0.0.1:{self.port}"
        e = {**os.environ, "GRAPHSVC_DATA_DIR": str(data_dir), "GRAPHSVC_SECRET_KEY": TEST_SECRET,
             "GRAPHSVC_LOGIN_ATTEMPTS_PER_MINUTE": "1000", **(env or {})}
        self.log = open(log_path, "w")  # noqa: SIM115 — the server writes to it until stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "graphsvc.cli", "serve", "--port", str(self.port),
             *(["--workers", str(workers)] if workers else [])],
            cwd=ROOT, env=e, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {Path(log_path).read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/api/v1/health", timeout=30).status_code in (200, 503):
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("server did not start in 60 s")

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


@pytest.fixture(scope="session")
def server(demo_template, tmp_path_factory):
    """The app under gunicorn on the demo graph. Tests may write through the API."""
    d = _copy_data(demo_template, tmp_path_factory.mktemp("server"))
    srv = Server(d, d / "server.log")
    yield srv
    srv.stop()


class Client:
    """requests against the live server as one demo account (bearer token) or anonymous."""

    def __init__(self, base: str, token: str | None = None):
        self.base, self.s = base, requests.Session()
        if token:
            self.s.headers["Authorization"] = f"Bearer {token}"

    def get(self, path, **kw):
        return self.s.get(self.base + path, timeout=60, **kw)

    def post(self, path, **kw):
        return self.s.post(self.base + path, timeout=60, **kw)


@pytest.fixture(scope="session")
def api(server, accounts):
    """api("maker").get("/api/v1/...") — a client per demo account; api(None) is anonymous."""

    def make(username: str | None):
        return Client(server.url, accounts[username]["token"] if username else None)

    return make


# Re-exported for tests' module-level use.
if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([str(Path(__file__).parent)]))


# -- real browser (Debian chromium driven by Playwright; never `playwright install`) --------
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("GRAPHSVC_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium with apt")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


class PageSession:
    """A logged-in browser page that records console errors and failed requests."""

    def __init__(self, page, base: str):
        self._page, self.base = page, base
        # (path, password): the page a reused login still has to open before the test sees it
        self._landing: tuple[str, str] | None = None
        self.username: str | None = None
        self.role: str | None = None
        # When set, every opened page is also saved as it looks on the phone: <prefix><page shape>.png
        self.phone_shots: str | None = None
        self.console_errors: list[str] = []
        self.csp_violations: list[str] = []
        self.dialogs: list[str] = []
        # Pages wider than the phone, and serious or critical axe-core findings (page_checks).
        self.layout_problems: list[str] = []
        self.pending: set = set()  # the page's requests in flight (settle)
        page.on("request", lambda r: self.pending.add(r))
        page.on("requestfinished", lambda r: self.pending.discard(r))
        page.on("requestfailed", lambda r: self.pending.discard(r))
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.console_errors.append(f"{e} (on {page.url})"))
        # A script that runs where it should not (stored XSS) most often opens a dialog.
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def _console(self, m):
        if m.type == "error":
            self.console_errors.append(m.text)
        if m.text.startswith(CSP_MARK) or "Content Security Policy" in m.text:
            self.csp_violations.append(m.text)

    @property
    def page(self):
        """The Playwright page; with a reused login, first opened on the page login led to."""
        if self._landing:
            (path, password), self._landing = self._landing, None
            self.goto(path)
            if urlsplit(self._page.url).path == "/login":  # that session has ended: log in again
                self.login(self.username, password)
        return self._page

    def goto(self, path: str, settle: bool = True):
        """Open `path` and render it at both page sizes (phone, then back to desktop). Waits until
        no request of the page is in flight across two frames (settle), or with settle=False for
        the network to be quiet for 500 ms (Playwright's networkidle)."""
        self._landing = None  # the test opens its own page: no need for the landing one
        resp = self._page.goto(self.base + path, wait_until="load" if settle else "networkidle")
        if settle:
            self.settle()
        shot = None
        if self.phone_shots:
            name = page_shape(urlsplit(self.page.url).path).strip("/").replace("/", "_").replace("<id>", "id")
            shot = ARTIFACTS / f"{self.phone_shots}{name or 'home'}.png"
        self.layout_problems += render_at_both_sizes(self.page, self.role, shot, self.settle if settle else None)
        return resp

    def settle(self, rounds: int = 600):
        """Let the page's scripts run until none of its requests is in flight across two animation
        frames (a fetch that fills a table, the chart data): what networkidle waits for, without its
        500 ms of quiet after the last request."""
        for _ in range(rounds):
            self.page.evaluate(_TWO_FRAMES)
            if not self.pending:
                return

    def login(self, username: str, password: str):
        """Log in through the real login form."""
        self.username = username
        self.goto("/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("#login-form button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def shot(self, name: str):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def assert_no_console_errors(self, allow_status: tuple[int, ...] = ()):
        """No JavaScript errors. `allow_status` lets through only Chromium's "Failed to load
        resource … status of N" line for responses the test expects (a 403 page, a 422)."""
        def expected(msg: str) -> bool:
            return msg.startswith("Failed to load resource") and any(
                f"status of {code}" in msg for code in allow_status)

        errors = [m for m in self.console_errors if not expected(m)]
        assert not errors, f"JavaScript console errors: {errors}"


# Every page a browser test opens is laid out at both sizes the service supports: a desktop
# and a phone. Tests then act on the desktop layout.
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
_TWO_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def render_at_both_sizes(page, role: str | None = None, phone_shot: Path | None = None, settle=None) -> list[str]:
    """Lay the loaded page out again at phone width and let its scripts react (charts resize
    on the window's resize event), then go back to the desktop size. A CSP violation or a script
    error at either size is recorded by the page's listeners; the layout and accessibility
    problems found at each size (page_checks) are returned."""
    problems = []
    # the pointer off the content: a chart under a pointer left by an earlier click gets hover
    # events while it is re-laid out, which ECharts' graph series does not always survive
    page.mouse.move(0, 0)
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.evaluate(_TWO_FRAMES)
        problems += page_checks(page, size, role)
        if phone_shot and size is PHONE:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(phone_shot))  # the first screen: a full page costs seconds
    if settle:
        settle()
    else:
        page.wait_for_load_state("networkidle")
    return problems


# axe-core (npm, copied to web/static/vendor by `make install`) checks each page shape once per
# role (admin, bureau, manufacturer, supplier) and size in a test process: a second visit of the
# same page adds no finding, only time.
AXE_URL = "/static/vendor/axe.min.js"
AXE_IMPACTS = ("serious", "critical")
_AXE_SEEN: set[tuple] = set()
# At the desktop size every rule but 'region' (content outside landmarks: a moderate finding, and
# the slowest rule on long tables). At the phone size the rules whose outcome the layout can change
# (what is visible, its colours, what scrolls, how big a target is) - the others read the markup,
# which is the same at both sizes.
AXE_PHONE_RULES = ["color-contrast", "scrollable-region-focusable", "target-size", "button-name", "link-name",
                   "label", "select-name", "input-button-name", "aria-hidden-focus", "nested-interactive",
                   "meta-viewport", "image-alt", "frame-title", "aria-progressbar-name", "aria-dialog-name"]
_AXE_RUN = """async ([impacts, only]) => {
    const opts = only ? {resultTypes: ['violations'], runOnly: {type: 'rule', values: only}}
                      : {resultTypes: ['violations'], rules: {region: {enabled: false}}};
    const r = await axe.run(document, opts);
    return r.violations.filter(v => impacts.includes(v.impact)).map(v =>
        v.impact + ' ' + v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


def page_shape(path: str) -> str:
    """One representative per route: ids (USCCs, chain ids, numbers) become a placeholder.

    >>> page_shape("/local-supply/91330100MA2B3C4D5E"), page_shape("/chains/C01/x"), page_shape("/users/maker2")
    ('/local-supply/<id>', '/chains/<id>/x', '/users/<id>')
    """
    import re

    path = re.sub(r"^/users/[^/]+", "/users/<id>", path)
    return re.sub(r"/(?=[0-9A-Z]*\d)[0-9A-Z]{2,}(?=/|$)", "/<id>", path)


def page_checks(page, size: dict, role: str | None) -> list[str]:
    """What is wrong with the page as laid out now: wider than a phone screen (at phone size), and
    serious or critical axe-core violations (each page shape once per role and size)."""

    path = urlsplit(page.url).path
    out = []
    if size is PHONE:
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            out.append(f"{path} at {PHONE['width']} px is {width} px wide")
    key = (role, page_shape(path), size["width"])
    if key in _AXE_SEEN or path.startswith("/api/"):
        return out
    _AXE_SEEN.add(key)
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(url=AXE_URL)
    out += [f"{path} at {size['width']} px: axe {v}" for v in page.evaluate(_AXE_RUN, [list(AXE_IMPACTS), AXE_PHONE_RULES if size is PHONE else None])]
    return out


CSP_MARK = "CSP violation:"
# Reports every violation the browser sees (blocked inline script or style, foreign source).
CSP_HOOK = ("document.addEventListener('securitypolicyviolation', function (e) { console.error('" + CSP_MARK +
            " ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + e.lineNumber); });")


@pytest.fixture
def page_as(browser, server, accounts):
    """page_as("hz_bureau") -> PageSession logged in through the real login form once per
    account and test process, later by that login's session cookie, on the page login led to (1366×768;
    every page it opens is also rendered 390 wide). A test fails if any page it opened reported
    a Content-Security-Policy violation, was wider than the phone at 390 px, or had a serious or
    critical axe-core violation at either size."""
    contexts, sessions = [], []

    def make(username: str | None):
        known = _LOGINS.get((server.url, username))
        ctx, ps = open_page(browser, server.url, known[0] if known else None)
        contexts.append(ctx)
        sessions.append(ps)
        if username:
            ps.role = accounts[username]["role"]
            if known:
                # the account logged in through the form earlier in this process: its session
                # cookie opens the page that login led to, when the test first looks at the page
                # (a test that starts with .goto opens only its own); the form if it has ended
                ps.username = username
                ps._landing = (known[1], accounts[username]["password"])
                return ps
            ps.login(username, accounts[username]["password"])
            _LOGINS[(server.url, username)] = (ctx.storage_state(), urlsplit(ps.page.url).path)
        return ps

    yield make
    for ctx in contexts:
        ctx.close()
    violations = [v for ps in sessions for v in ps.csp_violations]
    assert not violations, f"Content-Security-Policy violations: {violations}"
    problems = [p for ps in sessions for p in ps.layout_problems]
    assert not problems, f"pages too wide for a phone or failing axe-core: {problems}"


# (server url, username) -> (browser storage state after logging in, the page login led to)
_LOGINS: dict[tuple, tuple] = {}


def open_page(browser, base: str, storage_state: dict | None = None):
    """A new browser context (desktop size, Chinese locale, CSP violations reported, cookies
    from `storage_state`) and a PageSession on it. The caller closes the context."""
    ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN", storage_state=storage_state)
    ctx.add_init_script(CSP_HOOK)
    return ctx, PageSession(ctx.new_page(), base)
