"""Online learning: enrolling in and assigning courses, measured and credited study time, completing
a course (its lessons, and its exam when it has one), 我的课程 and the course and lesson pages'
context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from courses import study
from courses.models import CoursePage, Enrolment, LessonPage, LessonProgress, SourceKind
from courses.records import record_training
from portal.models import Person
from portal.scoping import scope_for, visible_people

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
