"""Tasks of the courses app run by the django-q2 cluster."""

from __future__ import annotations


def refresh_training_rollups() -> int:
    """Scheduled every courses.rollups.REFRESH_MINUTES (see apps.py): rebuilds the training
    rollups the dashboard and the annual report read; returns the watermark."""
    from courses import rollups

    return rollups.refresh().watermark
