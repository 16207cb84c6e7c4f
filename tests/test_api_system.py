"""The service skeleton over real HTTP: health, OpenAPI, JSON errors, auth basics."""
from __future__ import annotations

import time

import requests


def test_health_reports_engine_and_counts(api):
    # Anonymous callers and non-admins learn only ok / fault (issue #25 finding 16).
    assert api(None).get("/api/v1/health").json() == {"status": "ok"}
    assert api("maker").get("/api/v1/health").json() == {"status": "ok"}
    r = api("admin").get("/api/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["engine"] in ("ladybug", "neo4j")
    assert body["counts"]["Enterprise"] >= 2500
    assert body["counts"]["Region"] > 3000


def test_projection_parts_are_built_at_worker_start(api):
    """#12: the worker builds the projection parts in the background when it starts, not on
    a user's first request; health shows the progress and then every part built — but the
    name-matching index, which builds on the first request that needs it
    (web.PROJECTION_ON_FIRST_USE) and answers that request as it would have."""
    admin = api("admin")
    deadline = time.time() + 300
    while True:
        warm = admin.get("/api/v1/health").json()["projection"]["warm"]
        if warm["state"] != "running" or time.time() > deadline:
            break
        assert warm["building"] in warm["waiting"]
        time.sleep(0.5)
    health = admin.get("/api/v1/health").json()
    # web/gunicorn_conf.py: the worker's threads hand the GIL over after 1 ms, not Python's 5
    assert health["worker"]["switch_interval_ms"] == 1.0
    assert health["worker"]["compute_slots"] == 3     # web/slots.py
    body = health["projection"]
    assert body["warm"]["state"] == "done", body["warm"]
    assert body["warm"]["waiting"] == [] and body["warm"]["building"] is None
    rss = body["warm"]["rss_mb"]     # the worker's resident memory around the build
    assert 0 < rss["before"] <= rss["after"], rss
    assert {"local_supply", "explore", "contractors.recommend", "enterprises.directory"} <= set(body["parts"])
    assert body["building"] == []
    # Other tests of this session may have asked for it already.
    assert "matching" in set(body["parts"]) | set(body["unbuilt"])
    ent = admin.get("/api/v1/enterprises?limit=1").json()["items"][0]
    r = admin.post("/api/v1/match", json={"rows": [{"name": ent["name"]}]})
    assert r.status_code == 200, r.text
    assert (r.json()["results"][0]["decision"], r.json()["results"][0]["uscc"]) == ("matched", ent["uscc"])
    body = admin.get("/api/v1/health").json()["projection"]
    assert "matching" in body["parts"] and "matching" not in body["unbuilt"]


def test_openapi_lists_every_api_route(server):
    doc = requests.get(server.url + "/api/v1/openapi.json", timeout=10).json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/health" in doc["paths"]
    assert "/api/v1/imports/{kind}" in doc["paths"]


def test_unknown_api_path_is_json_404(api):
    r = api(None).get("/api/v1/no-such-thing")
    assert r.status_code == 404
    assert set(r.json()) >= {"error", "detail"}


def test_protected_endpoint_needs_credentials(api):
    r = api(None).get("/api/v1/enterprises")
    assert r.status_code == 401
    assert r.json()["error"] == "unauthorized"


def test_bad_token_is_401_without_user_hint(server):
    r = requests.get(server.url + "/api/v1/me", headers={"Authorization": "Bearer gs_nope"}, timeout=10)
    assert r.status_code == 401
    assert "用户" not in r.json()["detail"]


def test_chains_are_public_reference_data(api):
    items = api(None).get("/api/v1/chains").json()["items"]
    assert len(items) >= 9
    seg = items[0]["segments"][0]
    assert set(seg) == {"id", "name", "stage"}
    assert seg["stage"] in ("upstream", "midstream", "downstream")


def test_landing_page_is_chinese(server):
    r = requests.get(server.url + "/", timeout=10)
    assert r.status_code == 200
    assert "智造供需图谱" in r.text
    assert 'lang="zh-CN"' in r.text


def test_me_with_token(api, accounts):
    body = api("maker").get("/api/v1/me").json()
    assert body == {"username": "maker", "role": "manufacturer", "scope": None,
                    "uscc": accounts["maker"]["uscc"]}


def test_compute_slots_hold_requests_at_the_door_but_not_health():
    """web/slots.py: with every slot taken, a read waits until one is handed on; a health probe
    and a write do not wait."""
    import threading

    from web.slots import ComputeSlots

    gate, seen = threading.Event(), []

    def app(environ, start_response):
        seen.append(environ["PATH_INFO"])
        if environ["PATH_INFO"] != "/api/v1/health":
            gate.wait(10)
        return [b"ok"]

    wrapped = ComputeSlots(app, 1)
    first = threading.Thread(target=wrapped, args=({"PATH_INFO": "/api/v1/a"}, None))
    second = threading.Thread(target=wrapped, args=({"PATH_INFO": "/api/v1/b"}, None))
    first.start()
    while not seen:
        time.sleep(0.01)
    second.start()
    time.sleep(0.3)
    assert seen == ["/api/v1/a"]                     # b waits for the slot
    assert wrapped({"PATH_INFO": "/api/v1/health"}, None) == [b"ok"]
    assert seen == ["/api/v1/a", "/api/v1/health"]   # health did not
    gate.set()
    first.join(5), second.join(5)
    assert seen == ["/api/v1/a", "/api/v1/health", "/api/v1/b"]
    gate.clear()
    held = threading.Thread(target=wrapped, args=({"PATH_INFO": "/api/v1/c"}, None))
    held.start()
    while len(seen) < 4:
        time.sleep(0.01)
    writer = threading.Thread(target=wrapped, args=({"PATH_INFO": "/api/v1/d", "REQUEST_METHOD": "POST"}, None))
    writer.start()
    time.sleep(0.3)
    assert seen[-1] == "/api/v1/d"                   # a write does not wait for a slot
    gate.set()
    held.join(5), writer.join(5)
    assert ComputeSlots(app, 0)({"PATH_INFO": "/api/v1/health"}, None) == [b"ok"]   # 0: no limit
