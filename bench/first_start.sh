#!/usr/bin/env bash
# First start as a new user sees it: a fresh clone of this repository (the venv linked, so the
# packages are already installed), then the command README says starts the portal (`make run`),
# timed until `curl /` answers 200, then until the task cluster has caught up (no task queued, every
# certificate has its PDF). Prints both times and the number of log lines. Results in BENCHMARKS.md.
#
#   bash bench/first_start.sh [PORT]      (default 8790; the clone goes to /tmp/portal-first-start)
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
PORT=${1:-8790}
DIR=/tmp/portal-first-start
LOG=$DIR.log
rm -rf "$DIR"
git clone -q "$SRC" "$DIR" && ln -s "$SRC/.venv" "$DIR/.venv"
cd "$DIR" || exit 1
start=$(date +%s.%N)
PORTAL_PORT=$PORT setsid make run >"$LOG" 2>&1 &
pid=$!
trap 'kill -TERM -- -$pid 2>/dev/null; sleep 10; kill -KILL -- -$pid 2>/dev/null' EXIT
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" = "200" ]; do
  kill -0 $pid 2>/dev/null || { echo "make run ended; see $LOG"; exit 1; }
  sleep 0.5
done
first=$(date +%s.%N)
echo "first 200 after $(echo "$first - $start" | bc) s; log lines so far: $(wc -l <"$LOG")"
check='from django_q.models import OrmQ
from certificates.models import Certificate
from exams.models import Attempt
print(OrmQ.objects.count(), Certificate.objects.filter(pdf="").count(), Attempt.objects.count())'
while true; do
  read -r queued missing attempts < <(.venv/bin/python manage.py shell -v 0 -c "$check" 2>/dev/null | tail -1)
  if [ "${queued:-1}" = "0" ] && [ "${missing:-1}" = "0" ] && [ "${attempts:-0}" != "0" ]; then
    break
  fi
  sleep 5
done
done_at=$(date +%s.%N)
echo "worker caught up after $(echo "$done_at - $start" | bc) s ($attempts attempts, every certificate rendered); log lines: $(wc -l <"$LOG")"
