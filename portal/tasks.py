from __future__ import annotations

from django.utils import timezone

from portal.models import Heartbeat


def heartbeat() -> None:
    """Scheduled every minute: proves to /healthz that the worker cluster runs."""
    Heartbeat.objects.update_or_create(name="qcluster", defaults={"beat_at": timezone.now()})
