"""The token's last use (shown in 我的 → devices) is written on first use and then at most every
five minutes, through portal.api._touch_token's SQL (written once, prepared on PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from portal.models import ApiToken

pytestmark = pytest.mark.django_db


def test_last_use_is_written_on_first_use_then_at_most_every_five_minutes(client, token):
    row = ApiToken.objects.get()
    assert row.last_used_at is None
    first = timezone.now().replace(microsecond=0)
    with mock.patch("django.utils.timezone.now", return_value=first):
        assert client.get("/api/v1/exams/", **token).status_code == 200
    row.refresh_from_db()
    assert row.last_used_at == first

    with mock.patch("django.utils.timezone.now", return_value=first + timedelta(minutes=4)):
        assert client.get("/api/v1/exams/", **token).status_code == 200
    row.refresh_from_db()
    assert row.last_used_at == first  # within five minutes: not written again

    cache.clear()  # a node whose cache lost the row reads it (last use included) from the table
    later = first + timedelta(minutes=6)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert client.get("/api/v1/exams/", **token).status_code == 200
    row.refresh_from_db()
    assert row.last_used_at == later


def test_another_token_is_not_touched(client, token, worker):
    other = ApiToken.objects.create(
        user=worker, key_hash="x" * 64, expires_at=timezone.now() + timedelta(days=1)
    )
    assert client.get("/api/v1/exams/", **token).status_code == 200
    other.refresh_from_db()
    assert other.last_used_at is None


def test_first_use_reads_and_writes_the_token_in_one_statement_on_postgresql(
    client, token, queries
):
    def statements():
        with queries.capture() as captured:
            assert client.get("/api/v1/exams/", **token).status_code == 200
        return len(captured)

    first = statements()  # the token read and its last use written
    assert ApiToken.objects.get().last_used_at is not None
    again = statements()  # the token's row from the cache, its last use not due
    assert first - again == (1 if connection.vendor == "postgresql" else 2)


def test_a_token_refused_until_the_password_is_changed_is_not_touched(client, token, worker):
    worker.must_change_password = True
    worker.save(update_fields=["must_change_password"])
    response = client.get("/api/v1/exams/", **token)
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"
    assert ApiToken.objects.get().last_used_at is None
