"""GET /api/v1/courses/mine (my enrolments with progress), GET /api/v1/courses/records (training
records the user may see, by year), POST /api/v1/courses/lessons/{id}/beat (lesson heartbeat)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from courses import learning, study
from courses.models import Enrolment, LessonPage
from courses.statistics import compliance_summary, scoped_records, training_statistics
from portal.api import ApiError, ErrorOut
from portal.auth import client_ip
from portal.params import Id, Year
from portal.periods import Period
from portal.scoping import scope_for

router = Router(tags=["courses"])


class EnrolmentOut(Schema):
    course_id: int
    course: str
    url: str
    status: str
    due_on: date | None
    completed_at: datetime | None
    lessons_total: int
    lessons_done: int


class RecordOut(Schema):
    date: date
    person: str
    enterprise: str
    title: str
    kind: str
    source_kind: str
    hours: Decimal


class VideoOut(Schema):
    position: float
    watched_percent: int
    watched: bool
    refused: bool


class PresenceOut(Schema):
    id: int
    expires_in: int


class BlockerOut(Schema):
    code: str
    text: str


class CourseStandingOut(Schema):
    seconds: int
    required: int
    remaining: int
    lessons_done: int
    lessons_total: int
    blockers: list[BlockerOut]


class BeatOut(Schema):
    state: str
    credited: int
    seconds: int
    required: int
    remaining: int
    lesson_done: bool
    course_done: bool
    other_device: str
    video: VideoOut | None = None
    presence: PresenceOut | None = None
    blockers: list[BlockerOut]
    course: CourseStandingOut


@router.get("/mine", response=list[EnrolmentOut])
def my_enrolments(request):
    person = getattr(request.user, "person", None)
    if person is None:
        return []
    return [
        {
            "course_id": item.enrolment.course_id,
            "course": item.enrolment.course.title,
            "url": item.enrolment.course.url or "",
            "status": item.enrolment.status,
            "due_on": item.enrolment.due_on,
            "completed_at": item.enrolment.completed_at,
            "lessons_total": item.lessons_total,
            "lessons_done": item.lessons_done,
        }
        for item in learning.my_courses(person=person)
    ]


@router.get("/records", response=list[RecordOut])
def records(request, year: Year | None = None):
    year = year or timezone.localdate().year
    rows = (
        scoped_records(scope_for(request.user))
        .filter(date__year=year)
        .select_related("person", "enterprise")
        .order_by("-date", "-pk")[:1000]
    )
    return [
        {
            "date": r.date,
            "person": r.person.name,
            "enterprise": r.enterprise.name,
            "title": r.title,
            "kind": r.kind,
            "source_kind": r.source_kind,
            "hours": r.hours,
        }
        for r in rows
    ]


class ComplianceOut(Schema):
    year: int
    required: int
    compliant: int
    rate: float | None
    no_requirement: int


class TrainingStatisticsOut(Schema):
    year: int
    person_times: int
    hours: Decimal
    people: int
    by_category: dict[str, int]


def _staff_scope(request):
    scope = scope_for(request.user)
    if not scope.is_staff_scope:
        raise ApiError(403, "forbidden", _("只有企业安全管理员和监管人员可以查看培训统计。"))
    return scope


@router.get("/compliance", response={200: ComplianceOut, 403: ErrorOut})
def compliance(request, year: Year | None = None):
    """学时达标 of the caller's scope for a year (courses.statistics.compliance_summary): people
    with a requirement, of whom compliant, the rate (%), and people with no requirement apart."""
    scope = _staff_scope(request)
    c = compliance_summary(scope, Period.of_year(year or timezone.localdate().year))
    return {
        "year": c.year,
        "required": c.required,
        "compliant": c.compliant,
        "rate": float(c.rate) if c.rate is not None else None,
        "no_requirement": c.no_requirement,
    }


@router.get("/statistics", response={200: TrainingStatisticsOut, 403: ErrorOut})
def statistics(request, year: Year | None = None):
    """培训人次, 学时, 参训人数 and 人次 by category of the caller's scope for a year."""
    scope = _staff_scope(request)
    year = year or timezone.localdate().year
    s = training_statistics(scope, Period.of_year(year))
    return {
        "year": year,
        "person_times": s.count,
        "hours": s.hours,
        "people": s.people,
        "by_category": {row["key"]: row["count"] for row in s.by_category},
    }


_STUDY_STATUS = {
    study.StudyErrorCode.NOT_IN_COURSE: 404,
    study.StudyErrorCode.NO_VIDEO: 400,
    study.StudyErrorCode.VIDEO_NOT_WATCHED: 409,
    study.StudyErrorCode.NO_PRESENCE_CHECK: 404,
}


def _lesson_enrolment(request, lesson_id: int) -> tuple[LessonPage, Enrolment]:
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    person = getattr(request.user, "person", None)
    enrolment = None
    if lesson is not None and person is not None:
        enrolment = Enrolment.objects.filter(
            person=person, course_id=lesson.get_parent().pk
        ).first()
    if enrolment is None:
        raise ApiError(404, "not_enrolled", _("找不到该课时，或您尚未报名该课程。"))
    return lesson, enrolment


@router.post(
    "/lessons/{lesson_id}/beat",
    response={200: BeatOut, 404: ErrorOut, 400: ErrorOut, 409: ErrorOut},
)
def beat(
    request,
    lesson_id: Id,
    start: bool = False,
    tab: str = Query("", max_length=64),
    visible: bool = True,
    position: float | None = Query(None, ge=0, le=10_000_000),
):
    """One study beat (see courses/study.py): `tab` names this screen (one random id per screen
    opening), `start` is sent when it opens or comes back, `visible` false while it is hidden,
    `position` the video player's position in seconds (accepted only as fast as real time allows)."""
    lesson, enrolment = _lesson_enrolment(request, lesson_id)
    try:
        result = study.record_beat(
            enrolment=enrolment,
            lesson=lesson,
            now=timezone.now(),
            tab=tab,
            visible=visible,
            start=start,
            ip=client_ip(request),
            device=request.headers.get("User-Agent", ""),
            position=position,
        )
    except study.StudyError as exc:
        raise ApiError(_STUDY_STATUS.get(exc.code, 400), str(exc.code), str(exc)) from exc
    return result.as_dict()


@router.post(
    "/lessons/{lesson_id}/presence",
    response={200: BeatOut, 404: ErrorOut, 400: ErrorOut, 409: ErrorOut},
)
def presence(
    request,
    lesson_id: Id,
    check: int | None = Query(None, ge=1, le=2**63 - 1),
    tab: str = Query("", max_length=64),
):
    """The learner tapped 继续学习 for the presence check `check` (from a beat's `presence.id`)."""
    lesson, enrolment = _lesson_enrolment(request, lesson_id)
    if check is None:
        raise ApiError(404, "no_presence_check", _("找不到该在岗确认。"))
    try:
        result = study.answer_presence(
            enrolment=enrolment, lesson=lesson, check_id=check, now=timezone.now(), tab=tab
        )
    except study.StudyError as exc:
        raise ApiError(_STUDY_STATUS.get(exc.code, 400), str(exc.code), str(exc)) from exc
    return result.as_dict()
