"""Shared fixtures: a district with two streets and enterprises A (street 1) and B (street 2), and
the people of STYLE.md — every permission test has someone who must be refused."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from portal import roles
from tests import template_db
from tests.factories import (
    EnterpriseFactory,
    RegionFactory,
    StreetFactory,
    UserFactory,
    make_manager,
    make_supervisor,
    make_worker,
)
from tests.queries import QueryCounter

# One Playwright browser for the whole run and the data migrate made, put back before every
# transactional test (tests/browser_support.py); only the root conftest may register plugins.
pytest_plugins = ["tests.browser_support"]


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # pytest's main process, before any xdist worker
        if getattr(config.option, "numprocesses", None):
            template_db.build_in_background()  # the workers will need it; they start now
        else:
            template_db.start_run()  # built when (if) a test first needs a database
    # A test user's password needs no 1,000,000 PBKDF2 rounds (0.4 s each, a few users per test):
    # the suite hashes with MD5; gunicorn, the clusters and `make run` keep the real hashers.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Every query kept by portal.db.prepared is built again and compared at each use: a key that
    # misses something its query depends on fails the test that shows it.
    settings.PREPARED_SQL_CHECK = True
    # The PostgreSQL run: the test databases are thrown away, so a commit of the suite's own
    # connections need not wait for the WAL flush (synchronous_commit=off: 17.6 → 2.5 ms a commit
    # measured on the shared machine). Commits are what the migrations (one a migration, ~400 a
    # worker) and the transactional tests (their flush, post_migrate, reseeding, every save) spend
    # their time on; rolled-back tests commit nothing and are unchanged. Nothing is less durable
    # than a crash could make it, nothing is read differently; the processes tests/system and the
    # backup tests start read their own settings and keep the server's default.
    database = settings.DATABASES["default"]
    if "postgresql" in database["ENGINE"]:
        options = database.setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c synchronous_commit=off").strip()


def pytest_sessionfinish(session):
    if not hasattr(session.config, "workerinput"):  # the main process, after every worker
        from django.db import connection

        template_db.end_run(connection.creation._get_test_db_name())


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Each process's test database is a copy of the run's one migrated database
    (tests/template_db.py), not migrated again."""
    template_db.use_for_test_database()


@pytest.fixture(autouse=True)
def _clear_cache():
    from exams.engine import SAVE_SHAPES  # what this process knows of the attempts' items
    from portal.db import memo  # values kept while their tables do not change

    cache.clear()
    SAVE_SHAPES.clear()
    memo.clear()
    yield
    cache.clear()
    SAVE_SHAPES.clear()
    memo.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a request with another Accept-Language leaves
    its language active in the thread, and the next test in the same process (pytest-xdist runs
    files in any order) would read English messages."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(scope="session")
def live_server(live_server):
    """pytest-django's live server; on SQLite its application runs one request at a time
    (tests/browser_support.one_request_at_a_time), whichever fixture or test opens a page on it."""
    from tests.browser_support import one_request_at_a_time

    one_request_at_a_time(live_server)
    return live_server


@pytest.fixture
def district(db):
    return RegionFactory(name="测试区", code="330100")


@pytest.fixture
def street(district):
    return StreetFactory(name="一号街道", code="330100001", parent=district)


@pytest.fixture
def other_street(district):
    return StreetFactory(name="二号街道", code="330100002", parent=district)


@pytest.fixture
def enterprise(street):
    return EnterpriseFactory(name="企业A化工有限公司", street=street)


@pytest.fixture
def other_enterprise(other_street):
    return EnterpriseFactory(name="企业B机械有限公司", street=other_street)


@pytest.fixture
def worker(enterprise):
    """A worker of enterprise A."""
    return make_worker(enterprise, name="王小明")


@pytest.fixture
def other_worker(other_enterprise):
    """A worker of enterprise B."""
    return make_worker(other_enterprise, name="李小红")


@pytest.fixture
def manager(enterprise):
    """Enterprise A's safety manager."""
    return make_manager(enterprise)


@pytest.fixture
def other_manager(other_enterprise):
    """Enterprise B's safety manager."""
    return make_manager(other_enterprise)


@pytest.fixture
def supervisor(district):
    """The district supervisor: sees both streets."""
    return make_supervisor(district)


@pytest.fixture
def street_supervisor(street):
    """Supervisor of street 1 only: sees enterprise A, not B."""
    return make_supervisor(street)


@pytest.fixture
def editor(db):
    return UserFactory(roles=[roles.EDITOR])


@pytest.fixture
def reviewer(db):
    return UserFactory(roles=[roles.REVIEWER])


@pytest.fixture
def examiner(district):
    user = UserFactory(roles=[roles.EXAMINER])
    user.region = district
    user.save()
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def queued_tasks(monkeypatch):
    """The django-q2 tasks queued during the test, as (func, *args) tuples, instead of queuing
    (options such as `cluster=` are left out)."""
    calls = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args, **_opts: calls.append(args))
    return calls


@pytest.fixture
def queries(db) -> QueryCounter:
    """Counts SQL: `queries.page(client, url)` (warm, without the session read) and
    `with queries.capture() as ctx` for anything else (tests/queries.py)."""
    return QueryCounter()
