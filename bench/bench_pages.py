"""Page server time (issue 18: every page ≤ 300 ms on the small demo): a real gunicorn.

    .venv/bin/python -m bench.bench_pages              # the small demo (what the target is about)
    .venv/bin/python -m bench.run pages                # the same, from the bench runner

On a private copy of the small demo graph (bench/common.py builds and caches it) with the demo
accounts, `graphsvc serve` is started; each demo account logs in through the login form and the
pages it is shown are found by following its links from its landing page, one page per route
shape (tests/conftest.py page_shape), as the page tests do. Each page's HTML is then requested
`repeat` times (after 2 warm-up requests) and the server time measured by the client on loopback;
the reference measured in the same run is GET /api/v1/health. Rows: median and p95 per page and
account, the page over the reference as `ratio`. Nothing is asserted: it measures.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import Context, start_server, timed, write_results

ACCOUNTS = ("admin", "hz_bureau", "bj_bureau", "maker", "provider")
HREF = re.compile(r'href="(/[^"#?]*)')
SKIP = ("/api/", "/logout", "/static/")
TARGET_MS = 300


def _shape(path: str) -> str:
    path = re.sub(r"^/users/[^/]+", "/users/<id>", path)
    return re.sub(r"/(?=[0-9A-Z]*\d)[0-9A-Z]{2,}(?=/|$)", "/<id>", path)


def _login(base: str, username: str, password: str):
    import requests

    s = requests.Session()
    tok = re.search(r'name="csrf_token" value="([^"]+)"', s.get(base + "/login", timeout=30).text).group(1)
    r = s.post(base + "/login", data={"username": username, "password": password, "csrf_token": tok}, timeout=60)
    return s, urlsplit(r.url).path


def _pages(s, base: str, start: str, limit: int = 60) -> list[str]:
    queue, seen, out = [start, "/"], set(), []
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if _shape(path) in seen:
            continue
        seen.add(_shape(path))
        r = s.get(base + path, timeout=60)
        if r.status_code != 200 or "html" not in r.headers.get("content-type", ""):
            continue
        out.append(path)
        for href in HREF.findall(r.text):
            if href.startswith(SKIP) or "." in href.rsplit("/", 1)[-1]:
                continue
            if _shape(href) not in seen:
                queue.append(href)
    return out


def measure(ctx: Context, repeat: int = 15) -> list[dict]:
    from graphsvc.demo.accounts import DEMO_PASSWORD, ensure

    tmp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    try:
        st = ctx.writable_copy(tmp)
        ensure(st)
        st.close()
        ctx.close()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "GRAPHSVC_DATA_DIR": str(tmp), "GRAPHSVC_SECRET_KEY": os.urandom(32).hex(),
               "GRAPHSVC_LOGIN_ATTEMPTS_PER_MINUTE": "1000"}
        proc, log = start_server(tmp, port, env, [], 180)
        base = f"http://127.0.0.1:{port}"
        try:
            load = os.getloadavg()[0]
            import requests

            ref = timed(lambda: requests.get(base + "/api/v1/health", timeout=30), repeat)
            dataset = f"{ctx.scale} demo (3,000 enterprises), load {load:.1f}"
            rows = [{"name": "pages: reference GET /api/v1/health", "dataset": dataset, **ref, "target": ""}]
            for username in ACCOUNTS:
                s, landing = _login(base, username, DEMO_PASSWORD)
                for path in _pages(s, base, landing):
                    t = timed(lambda p=path, s=s: s.get(base + p, timeout=60), repeat)
                    rows.append({"name": f"pages: {username} {_shape(path)}", "dataset": dataset, **t,
                                 "ratio": round(t["median"] / max(ref["median"], 0.01), 1),
                                 "target": f"<= {TARGET_MS} ms"})
            return rows
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
            log.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(ctx) -> list[dict]:
    """For `python -m bench.run pages`: always the small demo (the target is stated for it)."""
    return measure(Context("small"))


if __name__ == "__main__":
    rows = measure(Context("small"))
    write_results("bench_pages", rows)
    for r in rows:
        flag = "" if not r["target"] or r["median"] <= TARGET_MS else "  OVER"
        print(f"{r['name']:<52} median {r['median']:>8.1f} ms  p95 {r['p95']:>8.1f} ms  x{r.get('ratio', 1)}{flag}")
