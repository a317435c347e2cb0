"""What the portal recorded for one enterprise and period, by return item key: read from the apps'
statistics functions (courses.statistics, drills.statistics) for the enterprise's Scope and the
form's Period, never recomputed here.

    recorded_values(enterprise_id, period) -> dict[item key, Decimal]      6 queries
"""

from __future__ import annotations

from decimal import Decimal

from courses.statistics import three_level_education, training_statistics
from drills.models import Drill
from drills.statistics import drill_statistics
from portal.periods import Period
from portal.scoping import Scope


def recorded_values(enterprise_id: int, period: Period) -> dict[str, Decimal]:
    scope = Scope.of_enterprise(enterprise_id)
    values: dict[str, Decimal] = {}
    training = training_statistics(scope, period)
    for row in training.by_category:
        values[f"training.{row['key']}.person_times"] = Decimal(row["count"])
        values[f"training.{row['key']}.hours"] = Decimal(row["hours"] or 0)
    values["three_level.person_times"] = Decimal(three_level_education(scope, period))
    drills = drill_statistics(scope, period)
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
