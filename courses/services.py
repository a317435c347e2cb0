"""Services of the courses app (training records, enrolment, progress, imports)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from courses.models import SourceKind, TrainingKind, TrainingRecord
from portal.models import Person

_SOURCE_KIND_BY_MODEL = {
    "courses.enrolment": SourceKind.COURSE,
    "courses.classregistration": SourceKind.CLASS,
    "courses.trainingclass": SourceKind.CLASS,
}


def _guess_source_kind(source: Any, kind: str) -> str:
    if source is None:
        return SourceKind.EXTERNAL
    label = source._meta.label_lower
    if label in _SOURCE_KIND_BY_MODEL:
        return _SOURCE_KIND_BY_MODEL[label]
    if source._meta.app_label == "drills" or kind == TrainingKind.DRILL:
        return SourceKind.DRILL
    return SourceKind.EXTERNAL


def record_training(
    *,
    person: Person,
    on: date,
    hours: Decimal,
    kind: str,
    source: Any,
    title: str,
    source_kind: str | None = None,
) -> TrainingRecord:
    """Write one training record (一人次) for `person`, idempotent per (source, person): a second
    call for the same source returns the existing record unchanged. `source` is any model instance
    (a course enrolment, a class registration, a drill participation) or None for an external
    record. The person's category and enterprise are copied as they are today."""
    if kind not in TrainingKind.values:
        kind = TrainingKind.OTHER
    hours = Decimal(hours)
    if hours < 0:
        raise ValueError("hours must not be negative")
    source_kind = source_kind or _guess_source_kind(source, kind)
    fields = {
        "date": on,
        "hours": hours,
        "kind": kind,
        "source_kind": source_kind,
        "title": str(title)[:200],
        "category": person.category,
        "enterprise_id": person.enterprise_id,
    }
    if source is None:
        return TrainingRecord.objects.create(person=person, **fields)
    ct = ContentType.objects.get_for_model(source)
    try:
        with transaction.atomic():
            record, _created = TrainingRecord.objects.get_or_create(
                content_type=ct, object_id=source.pk, person=person, defaults=fields
            )
    except IntegrityError:
        record = TrainingRecord.objects.get(content_type=ct, object_id=source.pk, person=person)
    return record
