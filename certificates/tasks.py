"""django-q2 tasks: take ids, call one service, safe to run twice."""

from __future__ import annotations

from django.utils import timezone

from certificates import services


def render_certificate_pdf(certificate_id: int) -> bool:
    return services.render_certificate(certificate_id=certificate_id)


def run_bulk_issue(bulk_id: int, progress_id: str | None = None) -> int:
    return services.run_bulk_issue(bulk_id=bulk_id, progress_id=progress_id)


def requeue_stalled_renders() -> int:
    """Scheduled every 10 minutes (see apps.py): renders lost with a killed worker are queued again."""
    return services.requeue_stalled_renders(now=timezone.now())


def send_expiry_reminders() -> int:
    """Scheduled daily-ish (see apps.py); each reminder is sent once however often it runs."""
    return services.send_expiry_reminders(today=timezone.localdate())


def render_template_preview(template_id: int, version: str) -> bool:
    return services.render_template_preview(template_id=template_id, version=version)
