"""How many requests run the app's Python at once in one worker (GRAPHSVC_COMPUTE_SLOTS).

A worker is one Python process: its threads take turns on one interpreter lock. With as many
requests inside the app as threads, they share the lock n ways — a recommendation that needs
7 ms of CPU took 45–60 ms at the median, as the serving bench's clients saw it, with 8 inside —
and every time a thread leaves the lock (a database read, a socket) it waits for the others'
turns to get it back. The threads stay, to read requests and send answers (which wait on
sockets, not the lock); at most `slots` of them run the app and the others wait at its door.
Measured with the serving bench: docs/projection.md §3c.

>>> import threading, time
>>> inside, most, count = [0], [0], threading.Lock()
>>> def app(environ, start_response):
...     with count: inside[0] += 1; most[0] = max(most[0], inside[0])
...     time.sleep(0.01)
...     with count: inside[0] -= 1
...     return [b"ok"]
>>> wrapped = ComputeSlots(app, 2)
>>> ts = [threading.Thread(target=wrapped, args=({"PATH_INFO": "/x"}, None)) for _ in range(6)]
>>> for t in ts: t.start()
>>> for t in ts: t.join()
>>> most[0]
2
"""
from __future__ import annotations

import threading

# Paths that never wait for a slot: a health probe must answer while the app is busy, or a
# loaded but healthy worker is restarted by its orchestrator.
UNSLOTTED = ("/api/v1/health",)
# Only reads take a slot. Writes queue on the store's write lock (one at a time) and an import
# can hold its request for minutes: counted, a few queued imports would shut every read out.
SLOTTED_METHODS = ("GET", "HEAD")


class ComputeSlots:
    """WSGI middleware: at most `slots` reads inside `app` at once (0: no limit). The answer's
    body is sent after the slot is handed on, as the app returns it whole (a Flask response)."""

    def __init__(self, app, slots: int):
        self.app = app
        self._sem = threading.BoundedSemaphore(slots) if slots > 0 else None

    def __call__(self, environ, start_response):
        if (self._sem is None or environ.get("REQUEST_METHOD", "GET") not in SLOTTED_METHODS
                or environ.get("PATH_INFO") in UNSLOTTED):
            return self.app(environ, start_response)
        with self._sem:
            return self.app(environ, start_response)
