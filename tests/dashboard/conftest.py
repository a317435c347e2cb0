"""A known data set for the dashboard and annual report tests (hand-computed figures below).

Enterprise A (street 1) and B (street 2):
- training 2026: A — 2 × 主要负责人 (4 h each), 3 × 特种作业人员 (2 h each); B — 1 × 其他从业人员 (8 h)
  → 6 人次, 22 h; street 1: 5 人次 14 h; street 2: 1 人次 8 h.
- training 2025: A — 1 × 主要负责人 (4 h); B — 2 × 其他从业人员 (1 h each) → 3 人次.
- drills 2026 (held): A live, 1000.00 元, 2 participants; B tabletop, 500.00 元, 1 participant.
  Plus a planned (not held) drill of A, which is not counted.
- drills 2025 (held): A live, 400.00 元, 1 participant.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import TrainingRecord
from drills.models import Drill, Participation
from portal.models import PersonCategory
from tests.drills.conftest import make_drill
from tests.factories import PersonFactory


def add_record(person, on: date, hours: str, category: str | None = None) -> TrainingRecord:
    return TrainingRecord.objects.create(
        person=person,
        date=on,
        hours=Decimal(hours),
        kind="topic",
        source_kind="external",
        title="安全生产专题培训",
        category=category or person.category,
        enterprise=person.enterprise,
    )


def held_drill(enterprise, on: date, *, form: str, spent: str, people: int) -> Drill:
    start = timezone.make_aware(timezone.datetime(on.year, on.month, on.day, 9, 0))
    drill = make_drill(
        enterprise=enterprise,
        start=start,
        status="archived",
        form=form,
        spent=Decimal(spent),
        place=f"{enterprise.name}厂区{on:%Y%m%d}",
    )
    for _ in range(people):
        # 参演人次 counts attendance: these people checked in.
        Participation.objects.create(
            drill=drill,
            person=PersonFactory(enterprise=enterprise),
            checked_in_at=drill.planned_start,
        )
    return drill


@pytest.fixture
def known_data(enterprise, other_enterprise):
    principal = PersonFactory(enterprise=enterprise, category=PersonCategory.PRINCIPAL)
    operator = PersonFactory(enterprise=enterprise, category=PersonCategory.OTHER)
    other = PersonFactory(enterprise=other_enterprise, category=PersonCategory.OTHER)
    add_record(principal, date(2026, 3, 1), "4")
    add_record(principal, date(2026, 6, 1), "4")
    for day in (5, 6, 7):
        add_record(operator, date(2026, 6, day), "2", PersonCategory.SPECIAL_OPERATOR)
    add_record(other, date(2026, 9, 1), "8")
    add_record(principal, date(2025, 4, 1), "4")
    add_record(other, date(2025, 5, 1), "1")
    add_record(other, date(2025, 5, 2), "1")
    held_drill(enterprise, date(2026, 6, 10), form=Drill.Form.LIVE, spent="1000", people=2)
    held_drill(other_enterprise, date(2026, 7, 10), form=Drill.Form.TABLETOP, spent="500", people=1)
    held_drill(enterprise, date(2025, 6, 10), form=Drill.Form.LIVE, spent="400", people=1)
    make_drill(enterprise=enterprise, start=timezone.make_aware(timezone.datetime(2026, 8, 1, 9)))
    return {"principal": principal, "operator": operator, "other": other}
