#!/usr/bin/env bash
# make test: the whole pytest suite. Extra arguments: PYTEST_ARGS="-k exam -x" make test
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest ${PYTEST_ARGS:-}
status=$?
if [ $status -eq 5 ]; then
  echo "pytest collected no tests" >&2
fi
exit $status
