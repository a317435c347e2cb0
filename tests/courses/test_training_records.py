from datetime import date
from decimal import Decimal

import pytest

from courses.models import SourceKind, TrainingRecord
from courses.records import record_training
from portal.models import PersonCategory
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_record_training_is_idempotent_per_source_and_person(enterprise):
    person = PersonFactory(enterprise=enterprise)
    other = PersonFactory(enterprise=enterprise)
    source = PersonFactory(enterprise=enterprise)  # any model instance serves as a source
    first = record_training(
        person=person,
        on=date(2026, 3, 1),
        hours=Decimal("2"),
        kind="topic",
        source=source,
        title="消防专题",
    )
    again = record_training(
        person=person,
        on=date(2026, 3, 2),
        hours=Decimal("5"),
        kind="topic",
        source=source,
        title="消防专题",
    )
    record_training(
        person=other,
        on=date(2026, 3, 1),
        hours=Decimal("2"),
        kind="topic",
        source=source,
        title="消防专题",
    )
    assert first.pk == again.pk
    assert again.hours == Decimal("2")
    assert TrainingRecord.objects.count() == 2


def test_record_keeps_category_and_enterprise_at_that_time(enterprise, other_enterprise):
    person = PersonFactory(enterprise=enterprise, category=PersonCategory.TEAM_LEADER)
    record = record_training(
        person=person,
        on=date(2026, 1, 5),
        hours=Decimal("1.5"),
        kind="refresher",
        source=None,
        title="外部培训",
    )
    person.enterprise = other_enterprise
    person.category = PersonCategory.OTHER
    person.save()
    record.refresh_from_db()
    assert record.enterprise == enterprise
    assert record.category == PersonCategory.TEAM_LEADER
    assert record.source_kind == SourceKind.EXTERNAL


def test_external_records_without_source_are_not_deduplicated(enterprise):
    person = PersonFactory(enterprise=enterprise)
    for _ in range(2):
        record_training(
            person=person,
            on=date(2026, 1, 5),
            hours=Decimal("1"),
            kind="topic",
            source=None,
            title="外部培训",
        )
    assert TrainingRecord.objects.filter(person=person).count() == 2


def test_negative_hours_are_refused(enterprise):
    person = PersonFactory(enterprise=enterprise)
    with pytest.raises(ValueError, match="negative"):
        record_training(
            person=person,
            on=date(2026, 1, 5),
            hours=Decimal("-1"),
            kind="topic",
            source=None,
            title="外部培训",
        )
