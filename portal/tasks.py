from __future__ import annotations

from django.utils import timezone

from portal.models import Heartbeat

HEARTBEAT_FUNC = "portal.tasks.heartbeat"


def heartbeat() -> str:
    """Scheduled every minute. The task only answers; the heartbeat /healthz reads is written once
    its result has been recorded (heartbeat_recorded), so it proves the whole path: scheduler,
    broker, worker, monitor, database. Written by the worker, it kept beating while the cluster
    recorded no result at all (issue 13 finding 16)."""
    return timezone.now().isoformat()


def heartbeat_recorded(sender, task: dict, **kwargs) -> None:
    """django-q2's post_execute receiver: runs in the cluster's monitor after it saved (and, with
    the ORM broker, acknowledged) a task's result."""
    from django_q.utils import get_func_repr

    if task.get("success") and get_func_repr(task.get("func")) == HEARTBEAT_FUNC:
        Heartbeat.objects.update_or_create(name="qcluster", defaults={"beat_at": timezone.now()})


def seed_demo_later(paths: list[str], reindex: bool = True) -> int:
    """Queued by seed_demo once the demo district has committed: the seeders' slow parts (their
    `later`, e.g. finished exam attempts), in seeder order, each all or nothing; then the indexes
    seed_demo left out (rebuild_indexes), in the same task so that on SQLite nothing waits for
    another writer. Returns how many parts ran."""
    from django.db import transaction
    from django.utils.module_loading import import_string

    from portal.demo import existing_context

    ctx = existing_context()
    if ctx is None:
        return 0
    for path in paths:
        with transaction.atomic():
            import_string(path)(ctx)
    if reindex:
        rebuild_indexes()
    return len(paths)


def rebuild_indexes() -> None:
    """After seed_demo, which saves its pages without updating the indexes: Wagtail's search
    index (the site search) and reference index (the admin's "usage" counts), rebuilt once."""
    from django.core.management import call_command

    call_command("update_index", verbosity=0)
    call_command("rebuild_references_index", verbosity=0)
