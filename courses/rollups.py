"""Training rollups: 培训人次 and 学时 summed per (enterprise, category, year), per (enterprise,
month) and per (person, enterprise, year), so that the dashboard and the annual report need not
read every training record of a district for a year.

    refresh() -> TrainingRollupState          rebuild the three tables (django-q2 schedule, 5 min)
    current(period) -> TrainingRollupState | None   the state when the rollups may answer `period`
    mark_stale(pk)                              a record at or below the watermark changed

The rollups are never the definition of a figure: `courses.statistics` computes every figure from
the training records, and reads the rollups only as a faster path to the same number:
- they answer whole calendar years only (the annual report, the dashboard's 全年); any other
  period is computed from the records;
- they hold the records with pk ≤ `watermark` as they were at the last refresh; the records
  inserted since (pk > watermark) are read live and added, so a new record counts at once;
- editing or deleting a record at or below the watermark (post_save / post_delete) marks the
  rollups stale, and the figures are computed from the records until the next refresh.
A person moving to another enterprise or category changes no rollup: a training record keeps the
enterprise and category of the day it was written (`record_training`), and 学时达标 reads the
person's current enterprise and category from the person, live.

tests/courses/test_rollups.py checks that every figure computed through the rollups equals the
one computed from the records after each kind of change.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from courses.models import (
    EnterpriseMonthTraining,
    EnterpriseYearTraining,
    PersonYearTraining,
    TrainingRecord,
    TrainingRollupState,
)
from portal.periods import Period

# Above this many records inserted since the last refresh, a figure is computed from the records
# (the rollups are behind: the schedule has not run).
MAX_DELTA_PEOPLE = 2000
REFRESH_MINUTES = 5


def _year_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS integer)"
    return f"CAST(substr({column}, 1, 4) AS integer)"


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"substr({column}, 1, 7) || '-01'"


def refresh() -> TrainingRollupState:
    """Rebuild the rollups from the training records, in one transaction: three INSERT … SELECT
    … GROUP BY over the records up to the current largest pk (the watermark)."""
    records = TrainingRecord._meta.db_table
    with transaction.atomic():
        state, _created = TrainingRollupState.objects.select_for_update().get_or_create(pk=1)
        watermark = TrainingRecord.objects.aggregate(m=Max("pk"))["m"] or 0
        for model in (EnterpriseYearTraining, EnterpriseMonthTraining, PersonYearTraining):
            model.objects.all().delete()
        year, month = _year_sql("date"), _month_sql("date")
        statements = [
            (
                EnterpriseYearTraining,
                "enterprise_id, category, year, count, hours",
                f"enterprise_id, category, {year}, COUNT(*), SUM(hours)",
                f"enterprise_id, category, {year}",
            ),
            (
                EnterpriseMonthTraining,
                "enterprise_id, month, count, hours",
                f"enterprise_id, {month}, COUNT(*), SUM(hours)",
                f"enterprise_id, {month}",
            ),
            (
                PersonYearTraining,
                "person_id, enterprise_id, year, count, hours",
                f"person_id, enterprise_id, {year}, COUNT(*), SUM(hours)",
                f"person_id, enterprise_id, {year}",
            ),
        ]
        with connection.cursor() as cur:
            for model, columns, select, group in statements:
                cur.execute(
                    f"INSERT INTO {model._meta.db_table} ({columns}) "  # nosec B608 # fixed names
                    f"SELECT {select} FROM {records} WHERE id <= %s GROUP BY {group}",
                    [watermark],
                )
        state.watermark = watermark
        state.refreshed_at = timezone.now()
        state.stale = False
        state.save()
    return state


def current(period: Period) -> TrainingRollupState | None:
    """The rollup state when the rollups may answer `period` (a whole calendar year, rollups
    built and not stale); None otherwise. One query for a whole year, none for other periods."""
    whole_year = (
        period.start.month,
        period.start.day,
        period.end.month,
        period.end.day,
    ) == (1, 1, 12, 31) and period.start.year == period.end.year
    if not whole_year:
        return None
    return TrainingRollupState.objects.filter(pk=1, stale=False).first()


def mark_stale(pk: int | None) -> None:
    """A record at or below the watermark was edited or deleted: compute live until refreshed."""
    if pk is None:
        return
    TrainingRollupState.objects.filter(watermark__gte=pk, stale=False).update(stale=True)


def _changed(sender, instance, created=False, **kwargs) -> None:
    if not created:
        mark_stale(instance.pk)


def _deleted(sender, instance, **kwargs) -> None:
    mark_stale(instance.pk)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_changed, sender=TrainingRecord, dispatch_uid="courses.rollups.changed")
    post_delete.connect(_deleted, sender=TrainingRecord, dispatch_uid="courses.rollups.deleted")
