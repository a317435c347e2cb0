"""portal.db.postgresql: the per-request health check sends no query while the connection is
sound and still finds a connection the server closed (a restarted database: the node reconnects
instead of failing the request); the API token's one-query read (portal.api._active_token)."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoPostgres
from django.utils import timezone

from portal.api import _active_token, _hash
from portal.models import ApiToken

POSTGRES = connection.vendor == "postgresql"
needs_postgres = pytest.mark.skipif(not POSTGRES, reason="the PostgreSQL engine only")


def _checks(monkeypatch) -> list[int]:
    """Counts Django's SELECT 1 health checks."""
    calls = []
    usable = DjangoPostgres.is_usable

    def counted(self):
        calls.append(1)
        return usable(self)

    monkeypatch.setattr(DjangoPostgres, "is_usable", counted)
    return calls


def _new_request():
    connection.health_check_done = False  # what request_started does (close_if_unusable…)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_sound_idle_connection_is_not_asked(monkeypatch):
    calls = _checks(monkeypatch)
    connection.ensure_connection()
    assert connection.health_check_enabled
    _new_request()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)
    assert calls == []


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_closed_is_replaced_before_the_first_query(monkeypatch):
    calls = _checks(monkeypatch)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        # waits (up to 5 s) until the backend has gone: what a restart does to every connection
        assert other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone() == (True,)
    _new_request()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (new_pid,) = cursor.fetchone()
    assert new_pid != pid
    assert calls == [1]  # the socket said something: Django's SELECT 1 found it closed


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_check_is_djangos(monkeypatch):
    calls = _checks(monkeypatch)
    connection.ensure_connection()
    connection.connection.execute("BEGIN")
    try:
        _new_request()
        connection.close_if_health_check_failed()
        assert calls == [1]
    finally:
        connection.connection.execute("ROLLBACK")


@pytest.mark.django_db
def test_the_token_read_is_the_orms(worker):
    now = timezone.now()
    token = ApiToken.objects.create(
        user=worker, key_hash=_hash("k1"), expires_at=now + timedelta(days=1), user_agent="手机"
    )
    read = _active_token(_hash("k1"), now)
    expected = ApiToken.objects.select_related("user").get(pk=token.pk)
    for field in ApiToken._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(expected, field.attname)
    for field in type(worker)._meta.concrete_fields:
        assert getattr(read.user, field.attname) == getattr(expected.user, field.attname)
    assert _active_token(_hash("k2"), now) is None  # someone else's / no such token


@pytest.mark.django_db
def test_an_expired_token_or_an_inactive_login_is_not_read(worker):
    now = timezone.now()
    ApiToken.objects.create(user=worker, key_hash=_hash("old"), expires_at=now)
    assert _active_token(_hash("old"), now) is None
    ApiToken.objects.create(user=worker, key_hash=_hash("new"), expires_at=now + timedelta(1))
    type(worker).objects.filter(pk=worker.pk).update(is_active=False)
    assert _active_token(_hash("new"), now) is None
