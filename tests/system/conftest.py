"""System checks (tests/system): real processes — gunicorn, a django-q2 cluster, a private
PostgreSQL — against a throwaway database, plus the exam page in Chromium during an outage.
Every test here is marked `system`; shared process helpers are in bench/loadkit.py."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
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


def seed(env: dict, people: int) -> tuple[int, list[str]]:
    data = json.loads(loadkit.run_django(env, "seed", "--people", str(people)))
    return data["paper"], data["keys"]


def start_attempts(port: int, paper: int, keys: list[str]) -> list[tuple[str, int, list[dict]]]:
    """Starts the exam for every key; returns (key, attempt id, questions)."""
    out = []
    for key in keys:
        status, body, _took = loadkit.request(port, "POST", f"/api/v1/exams/{paper}/attempts", key)
        assert status == 201, body[:500]
        data = json.loads(body)
        out.append((key, data["id"], data["questions"]))
    return out


def assert_acknowledged_saves_stored(env: dict, acked: dict) -> int:
    """acked: {(attempt, question): (seq, response)} acknowledged by the server. Every one must be
    in the database: its seq or a later one, and the same response when the seq is the same."""
    attempts = sorted({a for a, _q in acked})
    saved = json.loads(loadkit.run_django(env, "answers", *map(str, attempts)))
    missing = []
    for (attempt, question), (seq, response) in acked.items():
        held_seq, held_response = saved[str(attempt)][str(question)]
        if held_seq < seq or (held_seq == seq and held_response != response):
            missing.append((attempt, question, seq, response, held_seq, held_response))
    assert not missing, f"acknowledged saves not in the database: {missing[:10]}"
    return len(acked)


class Saver:
    """Client threads that save answers with a rising seq (one thread per attempt, keep-alive
    connections), retry each save until it is acknowledged (HTTP 200) and remember what was
    acknowledged and every refusal they met."""

    def __init__(self, port: int, attempts, *, pause: float = 0.02, retry_pause: float = 0.2):
        self.port, self.attempts = port, attempts
        self.pause, self.retry_pause = pause, retry_pause
        self.acked: dict = {}
        self.failures: list[tuple[int, str, bytes, str | None]] = []
        self.saves = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, args=(a,), daemon=True) for a in attempts
        ]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def finish(self, timeout: float = 60) -> None:
        self.stop.set()
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(timeout=max(0.1, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in self.threads), "a client is still retrying"

    def _run(self, attempt) -> None:
        key, attempt_id, questions = attempt
        seq = 0
        give_up = None
        while not self.stop.is_set():
            seq += 1
            question = questions[seq % len(questions)]
            response = [question["options"][seq % len(question["options"])]["key"]]
            path = loadkit.save_path(attempt_id, question["id"])
            while True:  # until acknowledged; after stop(), for at most 45 s more
                status, body, _took = loadkit.request(
                    self.port, "PUT", path, key, {"response": response, "seq": seq}, timeout=20
                )
                if status == 200:
                    data = json.loads(body)
                    with self.lock:
                        self.saves += 1
                        self.acked[(attempt_id, question["id"])] = (data["seq"], data["response"])
                    break
                with self.lock:
                    self.failures.append((status, path, body[:300], None))
                if self.stop.is_set():
                    give_up = give_up or time.monotonic() + 45
                    if time.monotonic() > give_up:
                        return
                time.sleep(self.retry_pause)
            time.sleep(self.pause)


@pytest.fixture
def attempt(district, worker):
    """A worker's attempt in progress on a 3-question district paper (the outage tests)."""
    from django.utils import timezone

    from exams import services
    from exams.models import QuestionBank
    from tests.exams.conftest import make_paper, make_questions

    bank = QuestionBank.objects.create(name="区级题库", region=district)
    paper = make_paper(owner_region=district, questions=make_questions(bank, 3, "single"))
    attempt, _created = services.start_or_resume(
        paper=paper, person=worker.person, now=timezone.now()
    )
    return attempt
