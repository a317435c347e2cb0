"""Builders for dashboard tests (plain functions, imported by tests and by tests/dashboard/conftest.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from courses.models import TrainingRecord
from drills.models import Drill, Participation
from tests.drills.factories import make_drill
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
