"""Browser and whole-system test support, registered once for the whole run from tests/conftest.py
(`pytest_plugins`), so every test directory shares the same fixtures:

- ONE session-scoped Playwright browser (Debian's Chromium) for the run: `browser`, `phone`,
  `desktop`, `open_page`, `screenshot`, `run_tasks_inline`, and the helpers `login`, `sign_in`,
  `download`, `pdf_text`, `record_video` (import them from here). Playwright's sync API cannot be
  started twice in one thread, so no other module may define or import a `browser` fixture.
- `_migrated_data` (autouse): every transactional test (transaction=True, live_server) starts with
  the data the migrations made — the page tree, the default Site, the root Collection, the
  editorial groups and workflow, the role groups, the drill evaluation templates, the seeded
  catalogues. A transactional test empties every table when it ends, and the post_migrate handlers
  the flush runs cannot rebuild what needs the page tree; this recreates it idempotently with the
  project's own migration and post_migrate functions, whatever ran before.

Screenshots go to artifacts/screenshots/ (git-ignored). Never downloads a browser."""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from django.core.signals import request_finished, request_started

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# expect() waits up to 15 s for a condition (its default is 5 s): the machine is shared and slow.
EXPECT_TIMEOUT = 15_000
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
PHONE = {
    "viewport": {"width": 375, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}

# The project's data migrations whose function recreates their rows idempotently (get_or_create /
# update_or_create, or "return if it exists"): (module, function).
SEED_MIGRATIONS = (
    ("cms.migrations.0002_create_homepage", "create_homepage"),
    ("portal.migrations.0002_seed_special_operations", "seed"),
    ("courses.migrations.0003_seed_requirements", "seed"),
    ("drills.migrations.0002_seed_frequency_rules_and_templates", "load"),
    ("portal.migrations.0006_seed_high_risk_industries_and_migrate_enterprises", "seed_industries"),
    ("courses.migrations.0011_requirements_from_corrected_table", "forwards"),
    ("drills.migrations.0006_seed_rule_reporting_days_and_linked_roles", "load"),
    ("operators.migrations.0002_seed_catalogue_and_rules", "seed"),
)


# --- the data the migrations made -----------------------------------------------------------------


def ensure_migrated_data() -> None:
    """Recreates, where missing, what `migrate` put in an empty database. Idempotent: on an intact
    database it only reads."""
    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.sql import emit_post_migrate_signal
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Collection, Locale, Page

    from cms import services as cms_services
    from portal.roles import sync_role_groups
    from portal.schedules import sync_schedules

    if not Permission.objects.exists():
        # Emptied by a flush that ran no post_migrate: content types and permissions first.
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    # wagtailcore 0054_initial_locale
    locale, _created = Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    # wagtailcore 0002_initial_data (the root; cms 0002 below replaces the welcome page)
    if Page.get_first_root_node() is None:
        root = Page(
            title="Root",
            draft_title="Root",
            slug="root",
            content_type=ContentType.objects.get_for_model(Page),
            path="0001",
            depth=1,
            numchild=0,
            url_path="/",
            locale=locale,
        )
        root.save(clean=False)
    # wagtailcore 0025_collection_initial_data
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    for module, function in SEED_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)
    # The post_migrate handlers (the editorial one needs the page tree and the root collection).
    sync_role_groups()
    cms_services.setup_editorial()
    sync_schedules()


def _is_transactional(node) -> bool:
    marker = node.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    ):
        return True
    names = getattr(node, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


@pytest.fixture(autouse=True)
def _migrated_data(request):
    if not _is_transactional(request.node):
        yield
        return
    request.getfixturevalue("transactional_db")
    ensure_migrated_data()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test's flush, put back what migrate made, so that the ordinary tests
    after it in the same process find the page tree, the groups and the seeded catalogues
    (pytest-xdist hands each worker whole files in any order, so transactional tests do not all
    come last)."""
    yield
    # nextitem None: the session ends here and the test database is already gone.
    if nextitem is not None and _is_transactional(item):
        from pytest_django.plugin import blocking_manager_key

        # Outside the test's output capture: Wagtail's "Page created" lines would go to a stream
        # pytest has closed.
        logging.disable(logging.INFO)
        try:
            with item.config.stash[blocking_manager_key].unblock():
                ensure_migrated_data()
        finally:
            logging.disable(logging.NOTSET)


# --- Playwright -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed (make test installs it)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself are
    # still synchronous and safe. Only once a browser test has run: restored at the end.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Requests the (live) server is handling now: a browser context is closed only once none is left,
# so no request writes while the transactional test's database is being flushed.
_in_flight = [0]
_in_flight_lock = threading.Lock()


def _request_started(**kwargs) -> None:
    with _in_flight_lock:
        _in_flight[0] += 1


def _request_finished(**kwargs) -> None:
    with _in_flight_lock:
        _in_flight[0] = max(0, _in_flight[0] - 1)


request_started.connect(_request_started, dispatch_uid="browser-support-in-flight")
request_finished.connect(_request_finished, dispatch_uid="browser-support-in-flight")


def _wait_for_quiet_server(timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while _in_flight[0] > 0 and time.monotonic() < deadline:
        time.sleep(0.05)


def _close(context) -> None:
    """Closes a browser context without letting it write to the test database: closing a page fires
    visibilitychange (the exam page then posts a blur event, the lesson page a heartbeat), and such
    a request reaching the live server while the transactional test's database is being flushed
    breaks the flush. Every request from here on is aborted in the browser, and the close returns
    once the server has finished the requests already in flight."""
    try:
        for page in context.pages:
            page.unroute_all(behavior="ignoreErrors")
            page.route("**/*", lambda route: route.abort())
        context.route("**/*", lambda route: route.abort())
    finally:
        context.close()
        _wait_for_quiet_server()


def one_request_at_a_time(live_server) -> None:
    """On SQLite the live server's request threads share the test's one in-memory connection
    (Django's connections_override), so two requests the browser sends at once (an exam page
    replaying its queued saves after a network loss) would interleave their savepoints on it
    ("no such savepoint"). There the server's application runs one request at a time; PostgreSQL
    gives each thread its own connection and is left as it is. Applied once, to the session's
    server, by the `live_server` fixture of tests/conftest.py: every test using it is covered."""
    if not live_server.thread.connections_override:
        return
    httpd = live_server.thread.httpd
    app = httpd.get_app()
    if getattr(app, "one_at_a_time", False):
        return
    lock = threading.Lock()

    def serialized(environ, start_response):
        with lock:
            return app(environ, start_response)

    serialized.one_at_a_time = True
    httpd.set_app(serialized)


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", **PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    _close(context)


@pytest.fixture
def desktop(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    _close(context)


@pytest.fixture
def open_page(browser, live_server):
    """open_page("phone" | "desktop") → a page in a fresh browser context (its own cookies), for a
    journey where several people act; every context is closed afterwards."""
    contexts = []

    def _open(kind: str = "phone"):
        options = PHONE if kind == "phone" else {"viewport": {"width": 1280, "height": 900}}
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield _open
    for context in contexts:
        _close(context)


@pytest.fixture
def screenshot(request):
    def take(page, name: str, *, full_page: bool = True) -> Path:
        """full_page=False keeps what the phone shows (sticky bars where the user sees them)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def run_tasks_inline(monkeypatch):
    """django-q2 runs each queued task at once, in the process that queues it (the live server's
    thread), as a cluster would shortly after: the PDFs the journeys download exist when asked for."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


def login(page, username: str, password: str = "secret-pass-1") -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    # a click only waits for its navigation to start; this waits for the next page to have loaded
    # (right or wrong password, the form posts and a page comes back)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def sign_in(page, username: str, password: str = "secret-pass-1") -> None:
    """login() for a journey: returns only once the login has gone through (the page has left the
    login form), so the next navigation carries the session."""
    login(page, username, password)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def pdf_text(data: bytes) -> str:
    """The text of a PDF (every page), after checking it is one."""
    import io

    from pypdf import PdfReader

    assert data[:5] == b"%PDF-", data[:40]
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def download(page, trigger) -> bytes:
    """Clicks `trigger` (a locator) and returns the bytes of the download it starts."""
    with page.expect_download(timeout=60_000) as info:
        trigger.click()
    path = info.value.path()
    return Path(path).read_bytes()


_RECORD_VIDEO_JS = """async (millis) => {
  const canvas = document.createElement('canvas');
  canvas.width = 160; canvas.height = 90;
  const ctx = canvas.getContext('2d');
  const types = ['video/mp4;codecs=avc1', 'video/mp4', 'video/webm;codecs=vp8', 'video/webm'];
  const type = types.find((t) => MediaRecorder.isTypeSupported(t));
  const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: type });
  const chunks = [];
  recorder.ondataavailable = (e) => chunks.push(e.data);
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  let frame = 0;
  const paint = setInterval(() => {
    ctx.fillStyle = frame++ % 2 ? '#c62828' : '#1565c0';
    ctx.fillRect(0, 0, 160, 90);
  }, 40);
  recorder.start(100);
  await new Promise((resolve) => setTimeout(resolve, millis));
  recorder.stop();
  clearInterval(paint);
  await stopped;
  const bytes = new Uint8Array(await new Blob(chunks, { type }).arrayBuffer());
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return [type, btoa(binary)];
}"""


def record_video(browser, seconds: float = 1.5) -> tuple[str, bytes]:
    """A real video clip of about `seconds` recorded by the browser itself (MediaRecorder on a canvas), so a
    lesson's video can be played to its end without shipping a binary file. Returns (extension,
    bytes): mp4 when this Chromium records MP4, else webm."""
    import base64

    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content("<!doctype html><title>rec</title>")
        mime, data = page.evaluate(_RECORD_VIDEO_JS, int(seconds * 1000))
    finally:
        context.close()
    return ("mp4" if "mp4" in mime else "webm"), base64.b64decode(data)
