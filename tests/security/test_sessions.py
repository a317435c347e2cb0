"""Sessions expire: one shift (SESSION_COOKIE_AGE, 8 h) from login, not extended by activity; a
password change or a logout ends them; an expired API token is refused.

The clock is moved with a patched django.utils.timezone.now (what the session backends compare
expire_date with). With the cached_db engine the cached copy lives in Redis with a TTL of the
session's age, so it is gone at the same moment: the tests clear the cache to stand for that.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

pytestmark = [pytest.mark.security, pytest.mark.django_db]

LOGIN = "/accounts/login/"
ME = reverse("portal:me")


def _login(client, user):
    response = client.post(LOGIN, {"username": user.username, "password": "secret-pass-1"})
    assert response.status_code == 302, response.content.decode()
    return response


@contextmanager
def _clock_at(moment):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        cache.clear()  # the cached copy's TTL (the session's age) has run out as well
        yield


def _refused(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))


def test_the_session_cookie_and_the_stored_session_last_eight_hours(client, worker):
    assert django_settings.SESSION_COOKIE_AGE == 8 * 3600
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is False
    before = timezone.now()
    response = _login(client, worker)
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == 8 * 3600
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    stored = Session.objects.get(session_key=cookie.value)
    age = stored.expire_date - before
    assert timedelta(hours=8) <= age < timedelta(hours=8, minutes=1)


def test_a_session_older_than_its_age_is_logged_out(client, worker):
    _login(client, worker)
    login_time = timezone.now()
    assert client.get(ME).status_code == 200

    with _clock_at(login_time + timedelta(hours=7, minutes=59)):
        assert client.get(ME).status_code == 200
    with _clock_at(login_time + timedelta(hours=8, minutes=1)):
        assert _refused(client.get(ME))
        api = client.get("/api/v1/exams/")
        assert api.status_code == 401


def test_activity_does_not_extend_the_session(client, worker):
    """Absolute lifetime: requests in the seventh hour do not move the end of the shift."""
    _login(client, worker)
    login_time = timezone.now()
    for hours in (2, 5, 7):
        with _clock_at(login_time + timedelta(hours=hours)):
            assert client.get(ME).status_code == 200
    with _clock_at(login_time + timedelta(hours=8, minutes=1)):
        assert _refused(client.get(ME))


def test_closing_the_browser_ends_the_session_when_configured(client, worker, settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    response = _login(client, worker)
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == ""  # a browser-session cookie: gone when the browser closes
    assert cookie["expires"] == ""
    # the server-side record still ends after one shift
    stored = Session.objects.get(session_key=cookie.value)
    assert stored.expire_date - timezone.now() < timedelta(hours=8, minutes=1)


def test_a_password_change_ends_the_other_sessions(client, worker):
    from django.test import Client

    _login(client, worker)
    elsewhere = Client()
    _login(elsewhere, worker)
    worker.set_password("a-new-pass-2026")
    worker.save()
    cache.clear()
    assert _refused(client.get(ME))
    assert _refused(elsewhere.get(ME))


def test_logout_ends_the_session_on_the_server(client, worker):
    response = _login(client, worker)
    key = response.cookies[django_settings.SESSION_COOKIE_NAME].value
    response = client.post(reverse("portal:logout"))
    assert response.status_code in (200, 302)
    assert not Session.objects.filter(session_key=key).exists()
    # the old cookie replayed is a stranger
    client.cookies[django_settings.SESSION_COOKIE_NAME] = key
    assert _refused(client.get(ME))


def test_login_gives_a_new_session_key(client, worker):
    """No session fixation: a key planted before login is not the one that ends up logged in."""
    client.get(LOGIN)
    planted = client.session.session_key or "planted-key-0123456789abcdef01234"
    client.cookies[django_settings.SESSION_COOKIE_NAME] = planted
    response = _login(client, worker)
    assert response.cookies[django_settings.SESSION_COOKIE_NAME].value != planted


def test_an_expired_api_token_is_refused(client, worker):
    from portal.api import _hash
    from portal.models import ApiToken

    ApiToken.objects.create(
        user=worker, key_hash=_hash("old-token"), expires_at=timezone.now() - timedelta(seconds=1)
    )
    ApiToken.objects.create(
        user=worker, key_hash=_hash("new-token"), expires_at=timezone.now() + timedelta(days=1)
    )
    assert client.get("/api/v1/exams/", HTTP_AUTHORIZATION="Bearer old-token").status_code == 401
    assert client.get("/api/v1/exams/", HTTP_AUTHORIZATION="Bearer new-token").status_code == 200


def test_an_issued_api_token_lives_seven_days(client, worker):
    from portal.api import TOKEN_LIFETIME

    before = timezone.now()
    response = client.post(
        "/api/v1/auth/token",
        {"username": worker.username, "password": "secret-pass-1"},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert TOKEN_LIFETIME == timedelta(days=7)
    with mock.patch(
        "django.utils.timezone.now", return_value=before + TOKEN_LIFETIME + timedelta(minutes=1)
    ):
        refused = client.get("/api/v1/exams/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert refused.status_code == 401


def test_the_api_refuses_a_session_request_without_csrf_but_not_a_token_request(worker):
    """Cookie-authenticated writes need the CSRF token (a cross-site form cannot post to the API);
    Bearer-token clients are not cookie-based and need none."""
    from django.test import Client

    from portal.api import _hash
    from portal.models import ApiToken

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(worker)
    body = {"code": "not-a-real-code"}
    refused = browser.post("/api/v1/drills/checkin", body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"

    ApiToken.objects.create(
        user=worker, key_hash=_hash("app-token"), expires_at=timezone.now() + timedelta(days=1)
    )
    app = Client(enforce_csrf_checks=True)
    answered = app.post(
        "/api/v1/drills/checkin",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer app-token",
    )
    assert answered.status_code == 400  # past authentication: the code itself is refused
    assert answered.json()["code"] == "checkin_refused"
