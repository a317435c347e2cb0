# The two commands a new user needs:  make run  and  make test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed

.PHONY: run test setup system-deps test-system-deps messages lint format worker render-worker clean-db

run: setup
	bash scripts/run.sh

test: setup test-system-deps
	bash scripts/test.sh

setup: system-deps $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv -v 0

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $(STAMP)

system-deps:
	bash scripts/system_deps.sh runtime

test-system-deps:
	bash scripts/system_deps.sh test

messages: setup
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=media --ignore=tests --ignore=bench --ignore=artifacts --no-obsolete --no-location

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

worker: setup
	$(PY) manage.py qcluster

render-worker: setup
	Q_CLUSTER_NAME=render nice -n 19 $(PY) manage.py qcluster
