"""Offline classes (培训班): registration, attendance (marked, signed in with the QR code, or
imported from .xlsx) and a programme's figures."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.learning import CourseError
from courses.models import ClassRegistration, SourceKind, TrainingClass, TrainingRecord
from courses.records import record_training
from portal import progress, xlsx
from portal.columns import clean_row, match_person
from portal.importing import record_created
from portal.models import Person
from portal.scoping import visible_people
from portal.validators import normalize_id_number

# Offline classes

SIGN_IN_SALT = "courses.class-sign-in"


SIGN_IN_MAX_AGE = 10 * 60  # a QR code shown by the organiser is valid for ten minutes


def register_for_class(*, person: Person, training_class: TrainingClass) -> ClassRegistration:
    """A person registers for a class they may see, while places are left (idempotent)."""
    with transaction.atomic():
        locked = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        existing = ClassRegistration.objects.filter(training_class=locked, person=person).first()
        if existing is not None:
            return existing
        if locked.ends_on < timezone.localdate():
            raise CourseError(_("培训班已结束，不能报名。"))
        if locked.enterprise_id and locked.enterprise_id != person.enterprise_id:
            raise CourseError(_("这是其他企业的内部培训班。"))
        if locked.registrations.count() >= locked.capacity:
            raise CourseError(_("名额已满。"))
        return ClassRegistration.objects.create(training_class=locked, person=person)


def mark_attendance(
    *, registration: ClassRegistration, method: str, now: datetime
) -> ClassRegistration:
    """Marks a registrant present and writes their training record (idempotent)."""
    with transaction.atomic():
        if registration.attended_at is None:
            registration.attended_at = now
            registration.attendance_method = method
            registration.save(update_fields=["attended_at", "attendance_method"])
        training_class = registration.training_class
        record_training(
            person=registration.person,
            on=training_class.starts_on,
            hours=training_class.hours,
            kind=training_class.kind,
            source=registration,
            title=training_class.title,
            source_kind=SourceKind.CLASS,
        )
    return registration


def unmark_attendance(*, registration: ClassRegistration) -> None:
    """Undoes a wrongly ticked attendance, with its training record."""
    with transaction.atomic():
        registration.attended_at = None
        registration.attendance_method = ""
        registration.save(update_fields=["attended_at", "attendance_method"])
        TrainingRecord.objects.filter(
            content_type=ContentType.objects.get_for_model(ClassRegistration),
            object_id=registration.pk,
        ).delete()


def sign_in_code(*, training_class: TrainingClass) -> str:
    return signing.TimestampSigner(salt=SIGN_IN_SALT).sign(str(training_class.pk))


def sign_in_with_code(
    *, person: Person, training_class: TrainingClass, code: str, now: datetime
) -> ClassRegistration:
    """A participant scanned the organiser's QR code: checks the signature and age, then marks
    them present (registering them first if places are left)."""
    try:
        value = signing.TimestampSigner(salt=SIGN_IN_SALT).unsign(code, max_age=SIGN_IN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise CourseError(_("签到码已过期，请扫描现场最新的二维码。")) from exc
    except signing.BadSignature as exc:
        raise CourseError(_("签到码无效。")) from exc
    if value != str(training_class.pk):
        raise CourseError(_("签到码不属于这个培训班。"))
    today = timezone.localdate()
    if not (training_class.starts_on <= today <= training_class.ends_on):
        raise CourseError(_("不在培训班举办日期内，不能签到。"))
    registration = register_for_class(person=person, training_class=training_class)
    return mark_attendance(registration=registration, method=ClassRegistration.Method.QR, now=now)


def sign_in_svg(url: str) -> str:
    """A standalone SVG document (with its namespace, so it renders in an <img>)."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=6, dark="#1f2937", xmldecl=False)
    return buffer.getvalue().decode()


ATTENDANCE_COLUMNS = ["姓名", "身份证号"]


def import_attendance(
    *, upload, user, training_class: TrainingClass, now: datetime, dry_run: bool = False
) -> xlsx.ImportReport:
    """Attendance from an .xlsx (姓名, 身份证号): each person must be one the organiser may see;
    unregistered people are registered. Any bad row: nothing is saved, every bad row listed."""
    report = xlsx.ImportReport(dry_run=dry_run)
    try:
        rows = list(xlsx.read_rows(upload, ATTENDANCE_COLUMNS))
    except xlsx.SpreadsheetError as exc:
        report.errors.append(xlsx.RowError(row=1, message=str(exc)))
        return report
    numbers = {normalize_id_number(r.text("身份证号")) for r in rows}
    people = {p.id_number: p for p in visible_people(user).filter(id_number__in=numbers)}
    if training_class.enterprise_id:
        people = {
            k: p for k, p in people.items() if p.enterprise_id == training_class.enterprise_id
        }
    registered = dict(training_class.registrations.values_list("person_id", "attended_at"))
    seen: set[int] = set()
    chosen: list[Person] = []
    for row in rows:
        values, problems = clean_row(row, ATTENDANCE_COLUMNS, required=ATTENDANCE_COLUMNS)
        person, problem = match_person(values, people)
        if problem:
            problems.insert(0, problem)
        elif person is not None and person.pk in seen:
            problems.append(_("与前面的行重复"))
        if problems:
            report.errors.append(
                xlsx.RowError(row=row.number, message="；".join(str(p) for p in problems))
            )
            continue
        seen.add(person.pk)
        chosen.append(person)
    if not rows:
        report.errors.append(xlsx.RowError(row=2, message=str(_("表格中没有数据行"))))
    new_people = [p for p in chosen if p.pk not in registered]
    if len(registered) + len(new_people) > training_class.capacity and not report.errors:
        report.errors.append(
            xlsx.RowError(
                row=1,
                message=str(_("签到人数超过培训班名额（%(n)s）") % {"n": training_class.capacity}),
            )
        )
    if not report.errors:
        report.created = len(new_people)
        report.unchanged = sum(1 for p in chosen if registered.get(p.pk) is not None)
        report.updated = len(chosen) - report.created - report.unchanged
    if report.errors or dry_run:
        return report
    with transaction.atomic():
        record_created(
            ClassRegistration.objects.bulk_create(
                [ClassRegistration(training_class=training_class, person=p) for p in new_people]
            )
        )
        for registration in training_class.registrations.filter(person__in=chosen).select_related(
            "person", "training_class"
        ):
            progress.row_written()
            mark_attendance(
                registration=registration, method=ClassRegistration.Method.IMPORT, now=now
            )
    return report


def attendance_importer(batch, user):
    """A class's attendance runner (portal.registry.ImportRunner): who manages the class the batch
    was previewed for."""
    prefix, _sep, pk = batch.target.partition(":")
    training_class = (
        TrainingClass.objects.managed_by(user).filter(pk=pk).first()
        if prefix == "class" and pk.isdigit()
        else None
    )
    if training_class is None:
        raise PermissionDenied
    return partial(import_attendance, user=user, training_class=training_class, now=timezone.now())
