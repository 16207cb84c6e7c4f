"""gunicorn settings for `graphsvc serve` (issue #25 finding 10).

gunicorn is not the edge: a reverse proxy (nginx, deploy/nginx.conf) buffers whole requests
and bounds header and body time, so slow clients never hold one of gunicorn's threads. These
settings bound what still reaches gunicorn directly (a loopback client, a misconfigured proxy).
"""
import os

# Seconds a worker may spend on one request before the master replaces it.
timeout = int(os.environ.get("GRAPHSVC_WORKER_TIMEOUT", "300"))
graceful_timeout = 30
# An idle keep-alive connection is closed after this long instead of holding a connection slot.
keepalive = 5
# Request line, header count and header size: a few KiB is plenty for this API.
limit_request_line = 4094
limit_request_fields = 60
limit_request_field_size = 8190
# Connections per worker beyond the threads wait in the poller, not in a thread.
worker_connections = 200


# How long a thread may hold the GIL while another waits for it (Python's default: 5 ms): a
# request that let it go for a socket or the database waits up to that long per busy thread to
# get it back. A small gain under the serving bench's writer (docs/projection.md §3c).
SWITCH_INTERVAL_MS = float(os.environ.get("GRAPHSVC_SWITCH_INTERVAL_MS", "1"))


def post_fork(server, worker):
    # No banner: gunicorn otherwise writes "Server: gunicorn" into every response.
    import sys

    import gunicorn.http.wsgi

    gunicorn.http.wsgi.SERVER = "graphsvc"
    sys.setswitchinterval(SWITCH_INTERVAL_MS / 1000)


def post_worker_init(worker):
    # The app is loaded (after the fork: the store opens in this process): build the in-memory
    # projection's parts in a background thread, so no user pays for a build
    # (GRAPHSVC_PROJECTION_WARM, docs/projection.md).
    from web import warm_projection

    warm_projection(worker.wsgi)
