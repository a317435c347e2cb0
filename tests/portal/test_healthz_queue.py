"""Issue 13 finding 16: the task queue stalled unseen. After the cluster's child processes were
killed, no result was recorded any more while /healthz said ok, because the heartbeat task kept
writing its row. Now the heartbeat counts only once its result is recorded, and /healthz reports
the age of the oldest queued task and fails above QUEUE_MAX_AGE (the ORM broker here; Redis is
read the same way from the head of its list)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ, Task
from django_q.signing import SignedPackage
from django_q.tasks import async_task

from portal import taskqueue
from portal.tasks import HEARTBEAT_FUNC, heartbeat
from tests.portal.test_healthz import heartbeat as recorded_heartbeat


def queue_task(*, age: float, **options) -> OrmQ:
    """A task queued on the ORM broker `age` seconds ago (its package as django-q2 wrote it);
    `options` go to async_task (cluster="render": the render cluster's queue)."""
    async_task("portal.tasks.heartbeat", **options)
    return make_older(OrmQ.objects.latest("pk"), age=age)


def make_older(row: OrmQ, *, age: float) -> OrmQ:
    """As if `age` seconds had passed since the task was queued (the package holds the time)."""
    package = SignedPackage.loads(row.payload)
    package["started"] = timezone.now() - timedelta(seconds=age)
    row.payload = SignedPackage.dumps(package)
    row.save(update_fields=["payload"])
    return row


@pytest.fixture(autouse=True)
def orm_broker(settings, monkeypatch):
    """These tests read the ORM broker's table, also when the suite runs with REDIS_URL (CI's
    PostgreSQL + Redis run): tasks are queued on, and /healthz reads, the ORM broker."""
    from django_q.conf import Conf

    settings.REDIS_URL = ""
    monkeypatch.setattr(Conf, "ORM", "default")


@pytest.fixture
def beating(db):
    recorded_heartbeat()


def test_finding_16_healthz_fails_when_the_oldest_queued_task_is_older_than_the_limit(
    client, beating, settings
):
    settings.QUEUE_MAX_AGE = 600
    oldest = queue_task(age=30)
    queue_task(age=20)
    assert client.get("/healthz").status_code == 200

    make_older(oldest, age=601)  # ten minutes later, nothing has taken it
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["queue"]
    assert body["checks"]["queue"]["oldest_task_age_seconds"] >= 601
    assert body["checks"]["queue"]["max_age_seconds"] == 600


def test_a_stalled_render_queue_fails_healthz_too(client, beating, settings):
    # Renders wait in the render cluster's queue (settings.Q_RENDER_CLUSTER): a render cluster
    # that is down must show as plainly as a main cluster that is down.
    settings.QUEUE_MAX_AGE = 600
    settings.Q_RENDER_CLUSTER = "render"
    queue_task(age=30)
    render = queue_task(age=30, cluster="render")
    assert render.key == "render"
    assert client.get("/healthz").status_code == 200
    make_older(render, age=601)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["queue"]["oldest_task_age_seconds"] >= 601


def test_healthz_reports_the_age_of_the_oldest_queued_task(client, beating):
    assert client.get("/healthz").json()["checks"]["queue"] == {
        "ok": True,
        "oldest_task_age_seconds": None,
    }
    queue_task(age=42)
    queue_task(age=5)
    queue = client.get("/healthz").json()["checks"]["queue"]
    assert queue["ok"] is True
    assert 42 <= queue["oldest_task_age_seconds"] < 60


def test_finding_16_a_task_taken_by_a_worker_whose_result_is_never_recorded_keeps_ageing(
    client, beating, settings
):
    from django_q.brokers import get_broker

    row = queue_task(age=settings.QUEUE_MAX_AGE + 1)
    taken = get_broker().dequeue()  # a worker took it (locked until retry), nothing recorded
    assert [pk for pk, _payload in taken] == [row.pk]
    assert client.get("/healthz").json()["down"] == ["queue"]


def test_a_task_whose_failure_was_recorded_and_awaits_its_next_attempt_is_not_a_stall(
    client, beating, settings
):
    row = queue_task(age=settings.QUEUE_MAX_AGE + 1)
    package = SignedPackage.loads(row.payload)
    Task.objects.create(
        id=package["id"],
        name=package["name"],
        func=package["func"],
        started=package["started"],
        stopped=timezone.now(),
        success=False,
        attempt_count=1,
    )
    fresh = queue_task(age=3)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["queue"]["oldest_task_age_seconds"] in (3, 4)
    assert fresh.pk > row.pk


def test_finding_16_a_heartbeat_whose_result_is_never_recorded_leaves_healthz_down(client, db):
    heartbeat()  # a worker ran the task, but no monitor recorded its result
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["worker"]

    recorded_heartbeat()  # the same task through the worker and the monitor
    assert client.get("/healthz").status_code == 200


def test_a_failed_heartbeat_does_not_count(client, db):
    from portal.tasks import heartbeat_recorded

    heartbeat_recorded(sender="django_q", task={"func": HEARTBEAT_FUNC, "success": False})
    assert client.get("/healthz").json()["down"] == ["worker"]
    heartbeat_recorded(sender="django_q", task={"func": HEARTBEAT_FUNC, "success": True})
    assert client.get("/healthz").status_code == 200


def test_the_redis_broker_is_read_from_the_head_of_its_list(settings, monkeypatch):
    """Redis (REDIS_URL): LINDEX 0 of the cluster's list, the next task a worker would take."""
    import django_q.brokers

    queued_at = timezone.now() - timedelta(seconds=77)
    head = SignedPackage.dumps({"id": "x", "func": HEARTBEAT_FUNC, "started": queued_at})

    class FakeRedis:
        def lindex(self, key, index):
            assert (key, index) == ("django_q:portal:q", 0)
            return head

    class FakeBroker:
        list_key = "django_q:portal:q"
        connection = FakeRedis()

    settings.REDIS_URL = "redis://127.0.0.1:6379/4"
    settings.Q_RENDER_CLUSTER = ""  # one queue: the main cluster's
    monkeypatch.setattr(django_q.brokers, "get_broker", lambda list_key=None: FakeBroker())
    assert taskqueue.oldest_queued_at() == queued_at
    head = None
    assert taskqueue.oldest_queued_at() is None
