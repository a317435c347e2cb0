"""django-q2 tasks: take ids, call one service, safe to run twice."""

from __future__ import annotations

from django.utils import timezone

from drills import reminders, reports


def send_reminders() -> int:
    return reminders.send_reminders(now=timezone.now())


def render_report(drill_id: int) -> None:
    reports.render_report(drill_id=drill_id)


def record_training_for_drill(drill_id: int) -> int:
    return reports.record_training_for_drill(drill_id=drill_id)


def requeue_stalled_reports() -> int:
    """Scheduled every 10 minutes (see apps.py): reports lost with a killed worker are queued again."""
    return reports.requeue_stalled_reports(now=timezone.now())


def notify_unreported() -> int:
    """Scheduled hourly (see apps.py): drills a rule obliges to report, unreported after its days."""
    return reminders.notify_unreported(now=timezone.now())
