"""System checks (tests/system): real processes — gunicorn, a django-q2 cluster, a private
PostgreSQL — against a throwaway database, plus the exam page in Chromium during an outage.
Every test here is marked `system`; shared process helpers are in bench/loadkit.py."""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import loadkit  # noqa: E402  (bench/loadkit.py: processes, throwaway databases, the HTTP client)

from tests import template_db  # noqa: E402

# Chromium through Playwright: browser, phone, screenshot come from tests/browser_support.py (one
# browser for the whole run, registered in tests/conftest.py).


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/system/" in str(item.fspath):
            item.add_marker(pytest.mark.system)


# The throwaway databases are copies of the run's one migrated database (tests/template_db.py,
# which the test databases are copies of too); their drops run in the background and are waited
# for at the end of the session.
_drops: list = []


def pytest_sessionfinish(session):
    for drop in _drops:
        drop.wait(timeout=120)


@pytest.fixture(scope="session")
def system_template():
    """The run's migrated database on the engine the suite runs on (DATABASE_URL: PostgreSQL, a
    database on that server; otherwise an SQLite file): (kind, server URL, name or path)."""
    return template_db.template()


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
