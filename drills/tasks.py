"""django-q2 tasks: take ids, call one service, safe to run twice."""

from __future__ import annotations

from django.utils import timezone

from drills import services


def send_reminders() -> int:
    return services.send_reminders(now=timezone.now())


def render_report(drill_id: int) -> None:
    services.render_report(drill_id=drill_id)


def record_training_for_drill(drill_id: int) -> int:
    return services.record_training_for_drill(drill_id=drill_id)


def requeue_stalled_reports() -> int:
    """Scheduled every 10 minutes (see apps.py): reports lost with a killed worker are queued again."""
    return services.requeue_stalled_reports(now=timezone.now())


def notify_unreported() -> int:
    """Scheduled hourly (see apps.py): drills a rule obliges to report, unreported after its days."""
    return services.notify_unreported(now=timezone.now())
