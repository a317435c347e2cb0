from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from portal.models import Heartbeat
from portal.tasks import HEARTBEAT_FUNC


def heartbeat():
    """The heartbeat task through django-q2 in sync mode: a worker runs it, the monitor records
    its result (and so writes the heartbeat /healthz reads)."""
    from django_q.tasks import async_task

    async_task(HEARTBEAT_FUNC, sync=True)


def test_healthz_is_503_until_the_worker_has_beaten(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert body["down"] == ["worker"]


def test_healthz_is_ok_after_a_heartbeat(client, db):
    heartbeat()
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ok"


def test_a_stale_heartbeat_is_reported_down(client, db, settings):
    Heartbeat.objects.create(
        name="qcluster", beat_at=timezone.now() - timedelta(seconds=settings.HEARTBEAT_MAX_AGE + 5)
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False


def test_a_broken_broker_is_reported_down(client, db, settings, monkeypatch):
    heartbeat()
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there

    import django_q.brokers

    class DeadBroker:
        class connection:  # noqa: N801
            @staticmethod
            def ping():
                raise ConnectionError("down")

    monkeypatch.setattr(django_q.brokers, "get_broker", lambda: DeadBroker())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]


def test_the_heartbeat_schedule_exists_after_migrate(db):
    from django_q.models import Schedule

    assert Schedule.objects.filter(func="portal.tasks.heartbeat", minutes=1).exists()
