"""Task cluster entry points (ids in, one service call, safe to run twice)."""

from __future__ import annotations

from django.utils import timezone


def build_dossier(dossier_id: int, *, progress_id: str | None = None) -> str:
    from dossiers.services import build

    return build(dossier_id, progress_id=progress_id)


def purge_expired() -> int:
    """Scheduled: deletes the generated files past DOSSIER_KEEP_HOURS."""
    from dossiers.services import purge_expired as purge

    return purge(now=timezone.now())


def requeue_stalled() -> int:
    """Scheduled every 10 minutes: requests whose task was lost (a killed worker, a lost Redis
    queue) are queued again (dossiers.services.requeue_stalled)."""
    from dossiers.services import requeue_stalled as requeue

    return requeue(now=timezone.now())
