"""Training records (培训记录): the one way a record is written (record_training, idempotent per
source and person, from courses, classes, drills and exams), and the .xlsx import of records of
training held elsewhere."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from courses.models import SourceKind, TrainingKind, TrainingRecord
from portal import progress, xlsx
from portal.columns import clean_row, match_person
from portal.models import Person
from portal.scoping import scope_for, visible_people
from portal.validators import normalize_id_number

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


# External records import

IMPORT_COLUMNS = ["姓名", "身份证号", "培训名称", "培训类型", "培训日期", "学时"]


TRAINING_KIND_ALIASES = {"三级安全教育": TrainingKind.LEVEL_PLANT, "专题": TrainingKind.TOPIC}


def import_training_records(*, upload, user, dry_run: bool = False) -> xlsx.ImportReport:
    """Imports external training records from an .xlsx with the columns IMPORT_COLUMNS (all
    required), validated by the column vocabulary (portal.columns). People are matched by 身份证号
    among those `user` may see, and the 姓名 beside it must be theirs. Any bad row: nothing is
    saved and every bad row is reported."""
    report = xlsx.ImportReport(dry_run=dry_run)
    try:
        rows = list(xlsx.read_rows(upload, IMPORT_COLUMNS))
    except xlsx.SpreadsheetError as exc:
        report.errors.append(xlsx.RowError(row=1, message=str(exc)))
        return report
    if not rows:
        report.errors.append(xlsx.RowError(row=2, message=str(_("表格中没有数据行。"))))
        return report
    numbers = {normalize_id_number(r.text("身份证号")) for r in rows}
    people = {
        p.id_number: p
        for p in visible_people(user).filter(id_number__in=numbers).select_related("enterprise")
    }
    parsed = []
    for row in rows:
        values, problems = clean_row(row, IMPORT_COLUMNS, required=IMPORT_COLUMNS)
        person, problem = match_person(values, people)
        if problem:
            problems.insert(0, problem)
        if problems:
            report.errors.append(
                xlsx.RowError(row=row.number, message="；".join(str(p) for p in problems))
            )
        else:
            parsed.append(
                (person, values["培训日期"], values["学时"], values["培训类型"], values["培训名称"])
            )
    if report.errors or dry_run:
        if not report.errors:
            report.created = len(parsed)
        return report
    with transaction.atomic():
        for person, on, hours, kind, title in parsed:
            progress.row_written()
            record_training(
                person=person,
                on=on,
                hours=hours,
                kind=kind,
                source=None,
                title=title,
                source_kind=SourceKind.EXTERNAL,
            )
    report.created = len(parsed)
    return report


def records_importer(batch, user):
    """The external records' runner (portal.registry.ImportRunner: the page and, for a big file,
    the task cluster): enterprise managers and supervisors (each row is checked against the people
    they may see)."""
    if not scope_for(user).is_staff_scope:
        raise PermissionDenied
    return partial(import_training_records, user=user)
