"""Services of the courses app (training records, enrolment, progress, imports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from courses import study
from courses.models import (
    ClassRegistration,
    CoursePage,
    Enrolment,
    LessonPage,
    LessonProgress,
    SourceKind,
    TrainingClass,
    TrainingKind,
    TrainingRecord,
)
from courses.statistics import (  # noqa: F401 (re-export)
    ProgrammeFigures,
    programme_figures,
    requirement_people,
    requirement_table,
)
from portal import xlsx
from portal.columns import clean_row, match_person
from portal.importing import record_created
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


# ---------------------------------------------------------------------------------------------
# Requirements and compliance


@dataclass
class ComplianceRow:
    person: Person
    required: Decimal | None
    hours: Decimal
    initial: bool
    review_on: date | None = None  # 特种作业: the certificate review the hours are due before

    @property
    def has_requirement(self) -> bool:
        return self.required is not None

    @property
    def is_compliant(self) -> bool:
        """达标: a requirement, met. People with no requirement are neither 达标 nor 未达标."""
        return self.required is not None and self.hours >= self.required

    @property
    def is_short(self) -> bool:
        return self.required is not None and self.hours < self.required

    @property
    def shortfall(self) -> Decimal:
        if self.required is None:
            return Decimal("0")
        return max(Decimal("0"), self.required - self.hours)

    @property
    def requirement_label(self) -> str:
        if self.required is None:
            return str(_("无要求"))
        if self.review_on is not None:
            return str(_("复审前培训（%(day)s 复审）") % {"day": f"{self.review_on:%Y-%m-%d}"})
        return str(_("初次培训")) if self.initial else str(_("年度再培训"))


def compliance_rows(*, people: QuerySet[Person], year: int) -> list[ComplianceRow]:
    """Each person's training hours in `year` against their requirement, as defined once in
    `courses.statistics.requirement_people`. Two queries: the requirement table, the people
    (with enterprise, requirement and hours annotated)."""
    annotated = requirement_people(people.select_related("enterprise"), year).order_by(
        "enterprise__name", "name"
    )
    return [
        ComplianceRow(
            person=p,
            required=p.required,
            hours=p.got,
            initial=p.initial,
            review_on=_day_of_key(p.review_key),
        )
        for p in annotated
    ]


def _day_of_key(key: int | None) -> date | None:
    """yyyymmdd → the date; 29 February in a common year is 28 February."""
    if key is None:
        return None
    year, month, day = key // 10000, key // 100 % 100, key % 100
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, 28)


def compliance_workbook(rows: list[ComplianceRow], *, year: int, summary=None) -> bytes:
    """The people with their requirement, hours and status; with `summary` (a
    courses.statistics.ComplianceCounts) a first sheet with the 学时达标率 figures."""
    columns = [
        str(_("企业")),
        str(_("姓名")),
        str(_("人员类别")),
        str(_("要求类型")),
        str(_("要求学时")),
        str(_("%(year)s年已完成学时") % {"year": year}),
        str(_("差额")),
        str(_("是否达标")),
    ]
    data = [
        [
            row.person.enterprise.name,
            row.person.name,
            row.person.get_category_display(),
            row.requirement_label,
            float(row.required) if row.required is not None else "",
            float(row.hours),
            float(row.shortfall),
            str(_("无要求"))
            if not row.has_requirement
            else str(_("达标"))
            if row.is_compliant
            else str(_("未达标")),
        ]
        for row in rows
    ]
    people = xlsx.Sheet(
        title=str(_("培训学时达标")),
        columns=columns,
        rows=data,
        formats={4: xlsx.ONE_PLACE, 5: xlsx.ONE_PLACE, 6: xlsx.ONE_PLACE},
    )
    if summary is None:
        return xlsx.build_sheets([people])
    figures = xlsx.Sheet(
        title=str(_("汇总")),
        columns=[str(_("项目")), str(_("数值"))],
        rows=[
            [str(_("有学时要求人数")), summary.required],
            [str(_("学时达标人数")), summary.compliant],
            [str(_("学时达标率（%）")), float(summary.rate) if summary.rate is not None else "—"],
            [str(_("无学时要求人数")), summary.no_requirement],
        ],
        formats={1: xlsx.INTEGER},
        row_formats={2: xlsx.PERCENT},
    )
    return xlsx.build_sheets([people, figures])


# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# Enrolment and progress


class CourseError(Exception):
    """A refused course action; the message is for the user."""


def course_matches_person(course: CoursePage, person: Person) -> bool:
    audience_ok = not course.audience or person.category in course.audience
    industry_ok = not course.industries or person.enterprise.industry in course.industries
    return audience_ok and industry_ok


def enrol(*, person: Person, course: CoursePage) -> Enrolment:
    """Self-enrolment by a worker in an open, live course (idempotent)."""
    if not course.live or not course.open_enrolment:
        raise CourseError(_("该课程未开放报名。"))
    enrolment, _created = Enrolment.objects.get_or_create(person=person, course=course)
    return enrolment


def assign_course(
    *,
    user,
    course: CoursePage,
    people: QuerySet[Person],
    due_on: date | None,
    today: date | None = None,
) -> int:
    """A manager (or supervisor) assigns `course` to `people` with a due date. Every person must be
    one the user may see, otherwise nothing is assigned. Existing enrolments get the new due date
    unless completed. Returns how many people were assigned."""
    today = today or timezone.localdate()
    if not course.live:
        raise CourseError(_("课程未发布，不能指派。"))
    if due_on is not None and due_on < today:
        raise CourseError(_("完成期限不能早于今天。"))
    ids = set(people.values_list("pk", flat=True))
    if not ids:
        raise CourseError(_("没有选中任何人员。"))
    allowed = set(visible_people(user).filter(pk__in=ids).values_list("pk", flat=True))
    if ids - allowed or not scope_for(user).is_staff_scope:
        raise PermissionDenied(_("只能给本单位（辖区）人员指派课程。"))
    with transaction.atomic():
        existing = {
            e.person_id: e for e in Enrolment.objects.filter(course=course, person_id__in=ids)
        }
        new = [
            Enrolment(person_id=pid, course=course, due_on=due_on, assigned_by=user)
            for pid in sorted(ids - existing.keys())
        ]
        Enrolment.objects.bulk_create(new)
        Enrolment.objects.filter(
            pk__in=[e.pk for e in existing.values()], status=Enrolment.Status.IN_PROGRESS
        ).update(due_on=due_on, assigned_by=user)
    return len(ids)


def minutes_per_hour() -> int:
    """Minutes of measured study that make one 学时 (STUDY_MINUTES_PER_HOUR, 45 by default: the
    class hour of the training rules the district follows)."""
    return max(1, int(getattr(settings, "STUDY_MINUTES_PER_HOUR", 45)))


def measured_hours(seconds: int) -> Decimal:
    """Measured seconds as 学时, rounded down to a tenth (never more than was measured)."""
    hours = Decimal(int(seconds)) / Decimal(60 * minutes_per_hour())
    return hours.quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def credited_hours(*, course: CoursePage, seconds: int) -> Decimal:
    """The 学时 a course's training record carries: the measured hours, at most its nominal
    credit hours."""
    return min(Decimal(course.credit_hours), measured_hours(seconds))


def maybe_complete(*, enrolment: Enrolment, now: datetime) -> bool:
    """Completes the enrolment when every live lesson is studied (its time measured, its video
    watched) and the final exam, if any, passed: writes the training record with the measured
    学时 (capped at the course's nominal hours) and asks for the course certificate when the
    course has a template. Idempotent."""
    course = enrolment.course
    lesson_ids = set(course.lessons().values_list("pk", flat=True))
    done = set(
        enrolment.progress.filter(completed_at__isnull=False).values_list("lesson_id", flat=True)
    )
    if not lesson_ids or lesson_ids - done:
        return False
    if course.final_exam_id and not exam_passed(person_id=enrolment.person_id, course=course):
        return False
    with transaction.atomic():
        locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if locked.status != Enrolment.Status.COMPLETED:
            locked.status = Enrolment.Status.COMPLETED
            locked.completed_at = now
            locked.save(update_fields=["status", "completed_at"])
        enrolment.status, enrolment.completed_at = locked.status, locked.completed_at
        person = locked.person
        seconds = locked.progress.filter(lesson_id__in=lesson_ids).aggregate(s=Sum("seconds"))["s"]
        hours = credited_hours(course=course, seconds=seconds or 0)
        record_training(
            person=person,
            on=timezone.localtime(locked.completed_at).date(),
            hours=hours,
            kind=course.training_kind,
            source=locked,
            title=course.title,
            source_kind=SourceKind.COURSE,
        )
        if course.certificate_template_id:
            from certificates.services import issue_certificate

            issue_certificate(
                person=person,
                source=locked,
                template=course.certificate_template,
                title=course.title,
                details={"subject": course.title, "hours": str(hours)},
                reason=str(_("完成线上课程")),
            )
    return True


def exam_passed(*, person_id: int, course: CoursePage) -> bool:
    from exams.models import Attempt

    return Attempt.objects.filter(
        paper_id=course.final_exam_id,
        person_id=person_id,
        state=Attempt.State.FINISHED,
        passed=True,
    ).exists()


def complete_after_exam(*, attempt_id: int) -> int:
    """A finished, passed attempt may complete the courses whose final exam that paper is.
    Returns how many enrolments were completed."""
    from exams.models import Attempt

    attempt = Attempt.objects.get(pk=attempt_id)
    if attempt.state != Attempt.State.FINISHED or not attempt.passed:
        return 0
    count = 0
    for enrolment in Enrolment.objects.filter(
        person_id=attempt.person_id,
        course__final_exam_id=attempt.paper_id,
        status=Enrolment.Status.IN_PROGRESS,
    ).select_related("course"):
        count += maybe_complete(enrolment=enrolment, now=attempt.finished_at or timezone.now())
    return count


@dataclass
class CourseProgress:
    enrolment: Enrolment
    lessons_total: int
    lessons_done: int

    @property
    def percent(self) -> int:
        if not self.lessons_total:
            return 0
        return round(100 * self.lessons_done / self.lessons_total)


def my_courses(*, person: Person) -> list[CourseProgress]:
    """A person's enrolments with progress: three queries (enrolments with course, lesson counts
    per course, studied lessons per enrolment)."""
    enrolments = list(
        Enrolment.objects.filter(person=person)
        .select_related("course")
        .order_by("status", "due_on", "-enrolled_at")
    )
    if not enrolments:
        return []
    totals: dict[int, int] = {}
    for enrolment in enrolments:
        totals.setdefault(enrolment.course_id, 0)
    course_paths = {e.course_id: e.course.path for e in enrolments}
    lesson_paths = (
        LessonPage.objects.live()
        .filter(depth__in={e.course.depth + 1 for e in enrolments})
        .values_list("path", flat=True)
    )
    path_to_course = {path: cid for cid, path in course_paths.items()}
    steplen = Page.steplen
    for path in lesson_paths:
        cid = path_to_course.get(path[:-steplen])
        if cid is not None:
            totals[cid] += 1
    done = dict(
        LessonProgress.objects.filter(enrolment__in=enrolments, completed_at__isnull=False)
        .values_list("enrolment_id")
        .annotate(n=Count("pk"))
        .values_list("enrolment_id", "n")
    )
    return [
        CourseProgress(
            enrolment=e, lessons_total=totals[e.course_id], lessons_done=done.get(e.pk, 0)
        )
        for e in enrolments
    ]


def enrolment_for(*, user, course: CoursePage) -> Enrolment | None:
    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is None:
        return None
    return Enrolment.objects.filter(person=person, course=course).first()


def course_page_context(*, course: CoursePage, user) -> dict:
    lessons = list(course.lessons())
    enrolment = enrolment_for(user=user, course=course)
    done: set[int] = set()
    if enrolment is not None:
        done = set(
            enrolment.progress.filter(completed_at__isnull=False).values_list(
                "lesson_id", flat=True
            )
        )
    person = getattr(user, "person", None) if user.is_authenticated else None
    return {
        "lessons": [(lesson, lesson.pk in done) for lesson in lessons],
        "enrolment": enrolment,
        "lessons_done": len(done),
        "can_enrol": person is not None and enrolment is None and course.open_enrolment,
        "is_for_me": person is not None and course_matches_person(course, person),
        "can_assign": scope_for(user).is_staff_scope,
        "exam_due": bool(
            enrolment is not None
            and course.final_exam_id
            and lessons
            and len(done) >= len(lessons)
            and enrolment.status != Enrolment.Status.COMPLETED
        ),
    }


def lesson_page_context(*, lesson: LessonPage, user) -> dict:
    course = lesson.get_parent().specific
    enrolment = enrolment_for(user=user, course=course)
    progress = None
    if enrolment is not None:
        progress = LessonProgress.objects.filter(enrolment=enrolment, lesson=lesson).first()
    siblings = list(course.lessons())
    index = next((i for i, s in enumerate(siblings) if s.pk == lesson.pk), 0)
    standing = None
    if enrolment is not None:
        shown = progress or LessonProgress(enrolment=enrolment, lesson=lesson)
        required = lesson.required_seconds
        standing = {
            "seconds": min(shown.seconds, required),
            "required": required,
            "remaining": max(0, required - shown.seconds),
            "remaining_text": study.format_seconds(required - shown.seconds),
            "blockers": study.lesson_blockers(shown, lesson, state=study.BeatState.STUDYING),
            "course": study.course_standing(enrolment=enrolment, lesson=lesson),
        }
        standing["course"]["remaining_text"] = study.format_seconds(standing["course"]["remaining"])
    return {
        "course": course,
        "enrolment": enrolment,
        "progress": progress,
        "standing": standing,
        "beat_seconds": study.beat_seconds(),
        "resume_at": progress.video_position if progress is not None else 0.0,
        "previous_lesson": siblings[index - 1] if index > 0 else None,
        "next_lesson": siblings[index + 1] if index + 1 < len(siblings) else None,
    }


# ---------------------------------------------------------------------------------------------
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
            mark_attendance(
                registration=registration, method=ClassRegistration.Method.IMPORT, now=now
            )
    return report
