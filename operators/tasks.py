"""django-q2 tasks of the register: safe to run twice."""

from __future__ import annotations

from django.utils import timezone

from operators import services


def send_reminders() -> int:
    """Scheduled hourly (see wiring.py); each reminder is sent once however often it runs."""
    return services.send_reminders(today=timezone.localdate())
