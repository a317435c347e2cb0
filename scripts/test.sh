#!/usr/bin/env bash
# make test: the whole pytest suite, on one pytest-xdist worker per core (PYTEST_WORKERS=1 for one
# process; each worker has its own test database and, with REDIS_URL, its own Redis database).
# Extra arguments: PYTEST_ARGS="-k exam -x" make test
set -uo pipefail
cd "$(dirname "$0")/.."
workers=${PYTEST_WORKERS:-auto}
if [ "$workers" = 1 ]; then
  .venv/bin/python -m pytest ${PYTEST_ARGS:-}
else
  .venv/bin/python -m pytest -n "$workers" --dist loadfile ${PYTEST_ARGS:-}
fi
status=$?
if [ $status -eq 5 ]; then
  echo "pytest collected no tests" >&2
fi
exit $status
