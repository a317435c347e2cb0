"""Creates or updates the django-q2 schedules the apps registered (portal.registry.schedules)."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS


def sync_schedules(*, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    from django_q.models import Schedule

    from portal.registry import schedules

    for spec in schedules.values():
        Schedule.objects.using(using).update_or_create(
            name=spec.name,
            defaults={
                "func": spec.func,
                "schedule_type": Schedule.MINUTES,
                "minutes": spec.minutes,
                "kwargs": spec.kwargs,
                "repeats": -1,
            },
        )
