"""Tasks of the courses app run by the django-q2 cluster."""

from __future__ import annotations


def refresh_training_rollups() -> int:
    """Scheduled every courses.rollups.REFRESH_MINUTES (see apps.py): rebuilds the training
    rollups the dashboard and the annual report read, unless nothing they hold changed since
    the last refresh (a rebuild of 1,000,000 records' rollups takes 10–40 s); returns the
    watermark."""
    from courses import rollups

    state = rollups.unchanged_state()
    return (state or rollups.refresh()).watermark
