#!/bin/sh
# The image's entrypoint (Dockerfile); also runs as is on a host with graphsvc installed
# (tests/test_container.py does that). Commands:
#   serve        (default) check the settings, create the schema, serve on 0.0.0.0:$PORT
#   demo         load the small demo graph and its accounts once (a no-op when data exists)
#   healthcheck  exit 0 when /api/v1/health on $PORT answers "ok"
#   anything else is a graphsvc command: `docker compose run --rm app user add …`
set -eu

die() { echo "graphsvc-entrypoint: $*" >&2; exit 64; }

check_settings() {
  # Known example values are refused here too, before the first connection is tried.
  if [ -n "${GRAPHSVC_NEO4J_URI:-}" ]; then
    case "${GRAPHSVC_NEO4J_PASSWORD:-}" in
      "") die "GRAPHSVC_NEO4J_PASSWORD is empty: set NEO4J_PASSWORD in .env (openssl rand -hex 24)" ;;
      neo4j|password|changeme|change-me|secret) die "GRAPHSVC_NEO4J_PASSWORD is a default value: choose another" ;;
    esac
    [ -n "${GRAPHSVC_SECRET_KEY:-}" ] || die "GRAPHSVC_SECRET_KEY is missing: with Neo4j every worker must share one key (openssl rand -hex 32)"
  fi
  data="${GRAPHSVC_DATA_DIR:-./data}"
  mkdir -p "$data" 2>/dev/null || die "cannot create the data directory $data"
  [ -w "$data" ] || die "the data directory $data is not writable by uid $(id -u): chown the volume"
}

cmd="${1:-serve}"
[ $# -gt 0 ] && shift
case "$cmd" in
  serve)
    check_settings
    graphsvc init >/dev/null
    if [ -n "${GRAPHSVC_NEO4J_URI:-}" ]; then
      exec graphsvc serve --host 0.0.0.0 --port "${PORT:-8000}" --workers "${GRAPHSVC_WORKERS:-4}" "$@"
    fi
    exec graphsvc serve --host 0.0.0.0 --port "${PORT:-8000}" "$@"
    ;;
  demo)
    check_settings
    exec python -m graphsvc.demo.accounts --ensure-demo
    ;;
  healthcheck)
    exec python -c "import json, os, sys, urllib.request
url = 'http://127.0.0.1:%s/api/v1/health' % os.environ.get('PORT', '8000')
try:
    ok = json.load(urllib.request.urlopen(url, timeout=5)).get('status') == 'ok'
except Exception:
    ok = False
sys.exit(0 if ok else 1)"
    ;;
  *)
    exec graphsvc "$cmd" "$@"
    ;;
esac
