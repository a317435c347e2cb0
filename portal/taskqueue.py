"""What /healthz needs to know about the django-q2 task queue (issue 13 finding 16).

The age of the oldest task still waiting for a result, for both brokers, from the time django-q2
itself writes into every task package when it is queued (``async_task`` sets
``task["started"]``; the scheduler queues through ``async_task`` too):

- ORM broker (the default): the oldest row of django_q's OrmQ table for this cluster. A row stays
  there until the cluster's monitor acknowledges the task's result, so a task a worker took but
  whose result was never recorded keeps ageing too (it is delivered again after ``retry``). A task
  whose failure was recorded and that waits for its next attempt (``max_attempts``) is skipped:
  the cluster is working on it.
- Redis broker (REDIS_URL): the head of the cluster's Redis list (``LINDEX key 0``: tasks are
  pushed on the right and taken from the left). Redis has no receipts: a task a worker took is no
  longer in the list, which is why /healthz also requires the heartbeat's *result* to have been
  recorded (portal.tasks), not only the heartbeat to have run.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

PAGE = 50  # OrmQ rows read at a time
MAX_PAGES = 10


def _load(payload) -> dict | None:
    from django_q.signing import SignedPackage

    try:
        task = SignedPackage.loads(payload)
    except Exception:  # noqa: BLE001 - a bad signature or an unpicklable package has no age
        return None
    return task if isinstance(task, dict) and isinstance(task.get("started"), datetime) else None


def queue_names() -> list[str]:
    """Every queue the portal's clusters take tasks from: the main cluster's and, when renders
    have a cluster of their own (settings.Q_RENDER_CLUSTER), the render cluster's."""
    from django_q.conf import Conf

    names = [Conf.CLUSTER_NAME]
    render = getattr(settings, "Q_RENDER_CLUSTER", "")
    if render and render not in names:
        names.append(render)
    return names


def _oldest_in_redis(name: str) -> datetime | None:
    from django_q.brokers import get_broker

    broker = get_broker(list_key=name)
    payload = broker.connection.lindex(broker.list_key, 0)
    task = _load(payload) if payload is not None else None
    return task["started"] if task else None


def _oldest_in_orm(name: str) -> datetime | None:
    from django_q.models import OrmQ, Task

    # The ORM broker's list key is the cluster name (django_q.brokers.Broker).
    rows = OrmQ.objects.filter(key=name).order_by("pk")
    last_pk = 0
    for _page in range(MAX_PAGES):
        page = list(rows.filter(pk__gt=last_pk).values_list("pk", "payload")[:PAGE])
        if not page:
            return None
        last_pk = page[-1][0]
        tasks = [task for task in (_load(payload) for _pk, payload in page) if task]
        retrying = set(
            Task.objects.filter(id__in=[t["id"] for t in tasks]).values_list("id", flat=True)
        )
        for task in tasks:
            if task["id"] not in retrying:
                return task["started"]
    return None


def oldest_queued_at(name: str | None = None) -> datetime | None:
    """When the oldest task still waiting for a result was queued, in the queue `name` or, by
    default, in any of `queue_names()`; None when there is none. Queries per queue: ORM broker 2
    per page of 50 rows (almost always one page); Redis one LINDEX."""
    read = _oldest_in_redis if settings.REDIS_URL else _oldest_in_orm
    found = [at for at in (read(n) for n in ([name] if name else queue_names())) if at]
    return min(found, default=None)


def queue_length(name: str) -> int:
    """Tasks waiting for a worker in the queue `name` (ORM broker: its rows no worker holds;
    Redis: the length of its list). One query or one LLEN."""
    from django_q.brokers import get_broker

    return int(get_broker(list_key=name).queue_size() or 0)
