#!/usr/bin/env bash
# make run: migrate, load demo data on the first start, then serve the portal together with a
# django-q2 worker cluster and the render cluster (PDFs, under nice). Ctrl-C, SIGTERM (make
# forwards it) or the end of any process stops them all within RUN_STOP_SECONDS (8 s): each runs
# in its own process group, gets the signal, and
# whatever of its group is still alive at the deadline is killed (the cluster's workers too).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${PORTAL_HOST:-127.0.0.1}
PORT=${PORTAL_PORT:-8000}
STOP_SECONDS=${RUN_STOP_SECONDS:-8}

set -m # job control: every background job gets its own process group (its pid)
pids=()

group_alive() {
  local pid
  for pid in "${pids[@]}"; do
    kill -0 -- "-$pid" 2>/dev/null && return 0
  done
  return 1
}

stop() {
  local status=$?
  trap - INT TERM EXIT
  local pid tick
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true # the leader stops its own children gracefully...
  done
  for ((tick = 0; tick < STOP_SECONDS * 10; tick++)); do
    group_alive || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    kill -KILL -- "-$pid" 2>/dev/null || true # ...or its whole group is killed at the deadline
  done
  wait 2>/dev/null || true
  exit "$status"
}
trap stop EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# Each step runs in the background and is waited for, so a signal is handled at once (bash runs
# a trap only after a foreground command has finished).
run() {
  "$@" &
  pids=($!)
  wait "$!"
  pids=()
}
echo "Migrating the database…"
run $PY manage.py migrate --noinput -v 0 # quiet: one line per migration is ~240 lines on a first start
run $PY manage.py seed_demo --if-empty

$PY manage.py qcluster &
pids+=($!)
# PDF renders: a cluster of their own at the lowest CPU priority, so they never starve requests
Q_CLUSTER_NAME=render nice -n 19 $PY manage.py qcluster &
pids+=($!)
$PY manage.py runserver --noreload "$HOST:$PORT" &
pids+=($!)
echo "The portal is at http://$HOST:$PORT/ (admin: http://$HOST:$PORT/admin/). Ctrl-C stops it."
# When one process ends, stop the others too.
wait -n "${pids[@]}"
