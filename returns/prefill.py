"""What the portal recorded for one enterprise and period, by return item key: read from the apps'
statistics functions (courses.statistics, drills.statistics) for the enterprise's Scope and the
form's Period, never recomputed here.

    recorded_values(enterprise_id, period) -> dict[item key, Decimal]      6 queries
    recorded_from(training, drills, three_level) -> the same, from results already computed
"""

from __future__ import annotations

from decimal import Decimal

from courses.statistics import TrainingStats, three_level_education, training_statistics
from drills.models import Drill
from drills.statistics import DrillStatistics, drill_statistics
from portal.periods import Period
from portal.scoping import Scope


def recorded_values(enterprise_id: int, period: Period) -> dict[str, Decimal]:
    scope = Scope.of_enterprise(enterprise_id)
    return recorded_from(
        training_statistics(scope, period),
        drill_statistics(scope, period),
        three_level_education(scope, period),
    )


def recorded_from(training: TrainingStats, drills: DrillStatistics, three_level: int) -> dict:
    """The recorded values by item key, plus the totals ("training.person_times",
    "training.hours", "drills.count", "drills.person_times", "drills.money"), picked out of what
    the statistics functions returned."""
    values: dict[str, Decimal] = {
        "training.person_times": Decimal(training.count),
        "training.hours": Decimal(training.hours or 0),
        "drills.count": Decimal(drills.total.drills),
        "drills.person_times": Decimal(drills.total.person_times),
        "drills.money": Decimal(drills.total.money),
        "three_level.person_times": Decimal(three_level),
    }
    for row in training.by_category:
        values[f"training.{row['key']}.person_times"] = Decimal(row["count"])
        values[f"training.{row['key']}.hours"] = Decimal(row["hours"] or 0)
    for group, choices, buckets in (
        ("form", Drill.Form.choices, drills.by_form),
        ("level", Drill.Level.choices, drills.by_level),
    ):
        for value, label in choices:
            bucket = buckets.get(str(label))
            if bucket is None:
                continue
            values[f"drills.{group}.{value}.count"] = Decimal(bucket.drills)
            values[f"drills.{group}.{value}.person_times"] = Decimal(bucket.person_times)
            values[f"drills.{group}.{value}.money"] = Decimal(bucket.money)
    return values
