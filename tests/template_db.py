"""One migrated database per test run, copied wherever a migrated database is needed.

Migrating this project from nothing takes ≈ 45 s of one core; a run of the suite used to do it
once per pytest-xdist worker for the test database and once more per worker for tests/system's
throwaway template, all at the start of the run on two cores. Now the first process that needs a
migrated database builds this one (`manage.py migrate` in a subprocess, on the engine the suite
runs on) while the others wait on a file lock; then
- each worker's test database is a copy: PostgreSQL creates it from this one as its TEMPLATE,
  SQLite loads this file into the worker's in-memory database (the backup API) before Django's
  `migrate` runs, which then has nothing to apply and only sends post_migrate, as it always does;
- tests/system's throwaway databases are copies of it (`template()`).

The run is named by PORTAL_TEST_RUN, set by the first process (pytest's main process, before it
starts the xdist workers, which inherit it); in a pytest-xdist run that process starts building
the template at once, while the workers start and collect, and drops it when the run ends.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import sqlite3
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import loadkit  # noqa: E402  (bench/loadkit.py: subprocesses and throwaway PostgreSQL databases)

RUN = "PORTAL_TEST_RUN"
_keepers: list[sqlite3.Connection] = []  # each keeps a loaded in-memory test database open
_builder: list[threading.Thread] = []


def start_run() -> None:
    """Names this run (pytest's main process, before any worker starts)."""
    os.environ.setdefault(RUN, secrets.token_hex(6))


def build_in_background() -> None:
    """Starts building the template at once (pytest's main process of a pytest-xdist run): the
    migration then overlaps the workers' start and collection instead of following them. A
    distributed run in which no test needs a database still waits for it at the end (≈ 45 s):
    run those with PYTEST_WORKERS=1."""
    start_run()

    def build():
        try:
            template()
        except Exception:  # noqa: BLE001 - the first worker that needs it builds it and reports
            pass

    _builder.append(threading.Thread(target=build, daemon=True))
    _builder[0].start()


def _run_dir() -> Path:
    path = Path(tempfile.gettempdir()) / f"portal-tests-{os.environ[RUN]}"
    path.mkdir(exist_ok=True)
    return path


def template() -> tuple[str, str | None, str]:
    """The run's migrated database, built by whichever process asks first: ("postgres", server
    URL, database name) when DATABASE_URL is a PostgreSQL one, else ("sqlite", None, file path)."""
    start_run()  # a process started without pytest's main process (pytest -p no:xdist …)
    run = _run_dir()
    with open(run / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        built = run / "template.json"
        if built.exists():
            return tuple(json.loads(built.read_text()))
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            name = f"portal_tpl_{os.environ[RUN]}"
            db_url = loadkit.create_pg_database(url, name)
            # thrown away at the end of the run: commits need not wait for the WAL flush
            db_url += ("&" if "?" in db_url else "?") + "options=-c%20synchronous_commit%3Doff"
            found = ("postgres", url, name)
        else:
            path = run / "template.sqlite3"
            db_url = f"sqlite:///{path}"
            found = ("sqlite", None, str(path))
        loadkit.migrate(loadkit.django_env(var_dir=run / "var", database_url=db_url))
        built.write_text(json.dumps(found))
        return found


def end_run(test_database: str) -> None:
    """Drops the run's template and, on PostgreSQL, what is left of the workers' test databases
    (`test_database` and its `_gw<N>` copies: pytest-django cannot drop one that a thread of a
    test still holds a connection to), in pytest's main process once every worker is done."""
    if RUN not in os.environ:
        return
    for builder in _builder:
        builder.join(timeout=900)
    run = Path(tempfile.gettempdir()) / f"portal-tests-{os.environ[RUN]}"
    built = run / "template.json"
    if built.exists():
        kind, url, name = json.loads(built.read_text())
        if kind == "postgres":
            loadkit.drop_pg_database(url, name)
            left = loadkit.pg_databases(url, like=f"{test_database}_gw%")
            for database in [*left, test_database]:
                loadkit.drop_pg_database(url, database)
    shutil.rmtree(run, ignore_errors=True)


def use_for_test_database() -> None:
    """Makes Django's test database of this process a copy of the template (called just before
    the test databases are set up)."""
    from django.conf import settings
    from django.db import connections

    kind, _url, name = template()
    connection = connections["default"]
    if kind == "postgres":
        settings.DATABASES["default"].setdefault("TEST", {})["TEMPLATE"] = name
        connection.settings_dict.setdefault("TEST", {})["TEMPLATE"] = name
        return
    creation = connection.creation
    create = creation._create_test_db

    def create_from_template(verbosity, autoclobber, keepdb=False):
        test_name = create(verbosity, autoclobber, keepdb)
        target = sqlite3.connect(test_name, uri=True)
        if creation.is_in_memory_db(test_name):
            _keepers.append(target)  # the shared in-memory database lives while one is open
        source = sqlite3.connect(name)
        try:
            source.backup(target)
        finally:
            source.close()
            if not creation.is_in_memory_db(test_name):
                target.close()
        return test_name

    creation._create_test_db = create_from_template
