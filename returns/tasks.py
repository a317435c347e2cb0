"""django-q2 tasks: take ids, call one service, safe to run twice."""

from __future__ import annotations

from django.utils import timezone

from returns import reminders


def send_reminders() -> int:
    """Scheduled hourly (see apps.py): the before / after due date notices, once each."""
    return reminders.send_reminders(now=timezone.now())
