"""Drill fixtures: a drill of enterprise A (organised by `manager`), one of enterprise B, and a
district drill."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from drills.models import Drill, DrillStatus, ParticipantRole, Participation


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


@pytest.fixture
def drill(enterprise, manager):
    return make_drill(enterprise=enterprise, created_by=manager)


@pytest.fixture
def other_drill(other_enterprise, other_manager):
    return make_drill(
        enterprise=other_enterprise, created_by=other_manager, title="B企业火灾演练", place="B厂区"
    )


@pytest.fixture
def worker_participation(drill, worker):
    return Participation.objects.create(
        drill=drill, person=worker.person, role=ParticipantRole.PLAYER
    )
