"""Training statistics for dashboards: 人次 (records) and hours by category, enterprise, street and
period, scoped to what a user may see.

    training_statistics(*, user, start: date, end: date, period: str = "month") -> TrainingStats

`start`/`end` are inclusive dates; `period` is "month" or "year". Always five queries whatever
the data size: totals, by category, by enterprise, by street, by period. Each breakdown is a list
of dicts with "key", "label", "count" (人次) and "hours" (Decimal), ordered by hours descending
(by period: chronological).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncYear

from courses.models import TrainingRecord
from portal.models import PersonCategory
from portal.scoping import enterprise_q, scope_for


@dataclass
class TrainingStats:
    count: int = 0
    hours: Decimal = Decimal("0")
    people: int = 0
    by_category: list[dict] = field(default_factory=list)
    by_enterprise: list[dict] = field(default_factory=list)
    by_street: list[dict] = field(default_factory=list)
    by_period: list[dict] = field(default_factory=list)


def scoped_records(user) -> QuerySet[TrainingRecord]:
    """Training records a user may see: their enterprise's / region's, or a worker's own."""
    scope = scope_for(user)
    if scope.kind == "self":
        return TrainingRecord.objects.filter(person_id=scope.person_id)
    if scope.kind == "none":
        return TrainingRecord.objects.none()
    return TrainingRecord.objects.filter(enterprise_q(user, "enterprise"))


def _rows(qs, key: str, label: str | None = None) -> list[dict]:
    fields = [key] if label is None else [key, label]
    return [
        {
            "key": row[key],
            "label": row[label] if label else row[key],
            "count": row["n"],
            "hours": row["h"] or Decimal("0"),
        }
        for row in qs.values(*fields).annotate(n=Count("pk"), h=Sum("hours")).order_by("-h", key)
    ]


def training_statistics(*, user, start: date, end: date, period: str = "month") -> TrainingStats:
    records = scoped_records(user).filter(date__gte=start, date__lte=end)
    totals = records.aggregate(n=Count("pk"), h=Sum("hours"), p=Count("person", distinct=True))
    labels = dict(PersonCategory.choices)
    by_category = _rows(records, "category")
    for row in by_category:
        row["label"] = str(labels.get(row["key"], row["key"]))
    trunc = TruncYear("date") if period == "year" else TruncMonth("date")
    by_period = [
        {
            "key": row["p"],
            "label": f"{row['p']:%Y}" if period == "year" else f"{row['p']:%Y-%m}",
            "count": row["n"],
            "hours": row["h"] or Decimal("0"),
        }
        for row in records.annotate(p=trunc)
        .values("p")
        .annotate(n=Count("pk"), h=Sum("hours"))
        .order_by("p")
    ]
    return TrainingStats(
        count=totals["n"],
        hours=totals["h"] or Decimal("0"),
        people=totals["p"],
        by_category=by_category,
        by_enterprise=_rows(records, "enterprise_id", "enterprise__name"),
        by_street=_rows(records, "enterprise__street_id", "enterprise__street__name"),
        by_period=by_period,
    )
