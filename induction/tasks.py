"""Task cluster entry points (ids in, one service call, safe to run twice)."""

from __future__ import annotations

from django.utils import timezone


def render_card(induction_id: int, *, progress_id: str | None = None) -> str:
    """Queued on the render cluster by induction.cards.request_card."""
    from induction.cards import render

    return render(induction_id, progress_id=progress_id)


def purge_cards() -> int:
    """Scheduled hourly: deletes the rendered cards past induction.cards.KEEP_HOURS."""
    from induction.cards import purge

    return purge(now=timezone.now())
