#!/usr/bin/env bash
# make run: migrate, load demo data on the first start, then serve the portal together with a
# django-q2 worker cluster. Ctrl-C (or the end of either process) stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${PORTAL_HOST:-127.0.0.1}
PORT=${PORTAL_PORT:-8000}

$PY manage.py migrate --noinput
$PY manage.py seed_demo --if-empty

pids=()
stop() {
  trap - INT TERM EXIT
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

$PY manage.py qcluster &
pids+=($!)
$PY manage.py runserver --noreload "$HOST:$PORT" &
pids+=($!)
echo "The portal is at http://$HOST:$PORT/ (admin: http://$HOST:$PORT/admin/). Ctrl-C stops it."
# When either process ends, stop the other one too.
wait -n "${pids[@]}"
