#!/usr/bin/env bash
# make run: migrate, load demo data on the first start, then serve the portal together with a
# django-q2 worker cluster. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${PORTAL_HOST:-127.0.0.1}
PORT=${PORTAL_PORT:-8000}

$PY manage.py migrate --noinput
$PY manage.py seed_demo --if-empty

$PY manage.py qcluster &
cluster=$!
cleanup() {
  kill -TERM "$cluster" 2>/dev/null || true
  wait "$cluster" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "The portal is at http://$HOST:$PORT/ (admin: http://$HOST:$PORT/admin/). Ctrl-C stops it."
$PY manage.py runserver "$HOST:$PORT"
