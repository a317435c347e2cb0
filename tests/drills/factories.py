"""Builders for drills tests (plain functions, imported by tests and by tests/drills/conftest.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from drills.models import Drill, DrillStatus


def make_drill(
    *, enterprise=None, region=None, days: float = 10, status=DrillStatus.PLANNED, **fields
) -> Drill:
    start = fields.pop("start", None) or timezone.now().replace(microsecond=0) + timedelta(
        days=days
    )
    defaults = {
        "title": "液氯泄漏处置演练",
        "form": Drill.Form.LIVE,
        "content": Drill.Content.SINGLE,
        "accident_type": "chemical_leak",
        "place": "一号罐区",
        "budget": Decimal("10000"),
        "spent": Decimal("9000.50"),
        "plan_type": "onsite",
    }
    defaults.update(fields)
    return Drill.objects.create(
        enterprise=enterprise,
        organiser_region=region,
        level=Drill.Level.ENTERPRISE if enterprise else Drill.Level.DISTRICT,
        planned_start=start,
        planned_end=start + timedelta(hours=2),
        status=status,
        **defaults,
    )


def drill_post(enterprise, **fields) -> dict:
    """The planning form's POST data for a drill of `enterprise` (fields override or add)."""
    data = {
        "title": "有限空间救援演练",
        "enterprise": enterprise.pk,
        "level": "enterprise",
        "form": "live",
        "content": "single",
        "purpose": "inspection",
        "accident_type": "confined_space",
        "planned_start": "2026-12-10T09:00",
        "planned_end": "2026-12-10T11:00",
        "place": "污水池",
        "budget": "5000",
        "training_hours": "2",
    }
    data.update(fields)
    return data
