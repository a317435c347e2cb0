"""System checks (tests/system): real processes — gunicorn, a django-q2 cluster, a private
PostgreSQL — against a throwaway database, plus the exam page in Chromium during an outage.
Every test here is marked `system`; shared process helpers are in bench/loadkit.py."""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import loadkit  # noqa: E402  (bench/loadkit.py: processes, throwaway databases, the HTTP client)

# Chromium through Playwright: browser, phone, screenshot come from tests/browser_support.py (one
# browser for the whole run, registered in tests/conftest.py).


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/system/" in str(item.fspath):
            item.add_marker(pytest.mark.system)


# The throwaway database is migrated once per session, in a background thread started as soon as
# collection shows a test that needs it: in the full suite the migration overlaps the tests that
# run before tests/system. Each test gets a copy (system_db); drops run in the background too and
# are waited for at the end of the session.
_template: dict = {}
_drops: list = []


def _prepare_template(base: Path) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        name = f"portal_systpl_{os.getpid()}"
        _template.update(kind="postgres", url=url, name=name)
        db_url = loadkit.create_pg_database(url, name)
    else:
        path = base / "template.sqlite3"
        _template.update(kind="sqlite", url=None, name=path)
        db_url = f"sqlite:///{path}"
    loadkit.migrate(loadkit.django_env(var_dir=base / "var", database_url=db_url))


def _start_template() -> None:
    if "thread" in _template:
        return
    base = Path(tempfile.mkdtemp(prefix="portal-system-"))

    def run():
        try:
            _prepare_template(base)
        except Exception as exc:  # noqa: BLE001 - reported by the fixture
            _template["error"] = exc

    _template.update(base=base, thread=threading.Thread(target=run, daemon=True))
    _template["thread"].start()


def pytest_collection_finish(session):
    if any("system_template" in getattr(item, "fixturenames", ()) for item in session.items):
        _start_template()


def pytest_sessionfinish(session):
    thread = _template.get("thread")
    if thread is None:
        return
    thread.join(timeout=900)
    for drop in _drops:
        drop.wait(timeout=120)
    if _template.get("kind") == "postgres":
        loadkit.drop_pg_database(_template["url"], _template["name"])
    shutil.rmtree(_template["base"], ignore_errors=True)


@pytest.fixture(scope="session")
def system_template():
    """A migrated throwaway database on the engine the suite runs on (DATABASE_URL: PostgreSQL,
    a new database on that server; otherwise an SQLite file): (kind, server URL, name or path)."""
    _start_template()
    _template["thread"].join(timeout=900)
    if "error" in _template:
        raise _template["error"]
    return _template["kind"], _template["url"], _template["name"]


@pytest.fixture
def system_db(system_template, tmp_path):
    """The URL of a fresh copy of the migrated throwaway database (dropped afterwards)."""
    kind, url, template = system_template
    if kind == "postgres":
        name = f"portal_sys_{os.getpid()}_{secrets.token_hex(3)}"
        db_url = loadkit.create_pg_database(url, name, template=template)
        try:
            yield db_url
        finally:
            _drops.append(loadkit.drop_pg_database(url, name, wait=False))
    else:
        path = tmp_path / "system.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{template}{suffix}")
            if source.exists():
                shutil.copy(source, f"{path}{suffix}")
        yield f"sqlite:///{path}"


@pytest.fixture
def system_env(system_db, tmp_path):
    return loadkit.django_env(var_dir=tmp_path / "var", database_url=system_db)


@pytest.fixture
def attempt(district, worker):
    """A worker's attempt in progress on a 3-question district paper (the outage tests)."""
    from django.utils import timezone

    from exams import engine
    from exams.models import QuestionBank
    from tests.exams.factories import make_paper, make_questions

    bank = QuestionBank.objects.create(name="区级题库", region=district)
    paper = make_paper(owner_region=district, questions=make_questions(bank, 3, "single"))
    attempt, _created = engine.start_or_resume(
        paper=paper, person=worker.person, now=timezone.now()
    )
    return attempt
