"""Study time: the server measures it, the page only reports that it is open.

The rules (README, 学习计时):
- A person studies one lesson at a time. Each page (browser tab or app screen) sends a random
  `tab` id with its beats; a start beat from a page opens a StudySession and ends the person's
  open one (a takeover, recorded); a later beat from the old page is told it was taken over and
  credits nothing.
- A beat credits the server-measured seconds since the previous accepted beat of the same session,
  at most STUDY_BEAT_SECONDS, only while the page says it is visible and only after a beat that was
  itself counting (a start beat, or the first beat after the page was hidden, credits nothing).
  The client's clock is never read.
- The credited stretches of a person never overlap (one open session; each stretch lies between
  two accepted beats of it) and never reach back before the local midnight of the beat, so the
  credited time of a day never exceeds the wall-clock time of that day.

One service, record_beat(), sits behind the HTML endpoint and the API endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Enrolment, LessonPage, LessonProgress, StudySession
from portal.models import Person


class StudyErrorCode(StrEnum):
    NOT_IN_COURSE = "not_in_course"
    NO_VIDEO = "no_video"
    VIDEO_NOT_WATCHED = "video_not_watched"
    NO_PRESENCE_CHECK = "no_presence_check"


class StudyError(Exception):
    """A refused study action; `code` chooses the HTTP status at the edge, the message is for the
    user."""

    def __init__(self, code: StudyErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class BeatState(StrEnum):
    STUDYING = "studying"  # the clock runs
    PAUSED_HIDDEN = "paused_hidden"  # the page is not visible: nothing counts
    TAKEN_OVER = "taken_over"  # another page or device took over: nothing counts here


def beat_seconds() -> int:
    return int(getattr(settings, "STUDY_BEAT_SECONDS", 30))


@dataclass
class BeatResult:
    state: BeatState
    credited: int
    progress: LessonProgress
    lesson: LessonPage
    enrolment: Enrolment
    other_device: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def lesson_done(self) -> bool:
        return self.progress.completed_at is not None

    @property
    def course_done(self) -> bool:
        return self.enrolment.status == Enrolment.Status.COMPLETED

    def as_dict(self) -> dict:
        """The JSON both endpoints answer with."""
        required = self.lesson.required_seconds
        return {
            "state": str(self.state),
            "credited": self.credited,
            "seconds": self.progress.seconds,
            "required": required,
            "remaining": max(0, required - self.progress.seconds),
            "lesson_done": self.lesson_done,
            "course_done": self.course_done,
            "other_device": self.other_device,
            **self.extra,
        }


def _day_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _progress_for(enrolment: Enrolment, lesson: LessonPage) -> LessonProgress:
    if lesson.get_parent().pk != enrolment.course_id:
        raise StudyError(StudyErrorCode.NOT_IN_COURSE, _("该课时不属于此课程。"))
    progress, _created = LessonProgress.objects.select_for_update().get_or_create(
        enrolment=enrolment, lesson=lesson
    )
    return progress


def _lock_person(person_id: int) -> None:
    """Serialises the beats of one person (two devices racing cannot both open a session; the
    unique constraint on open sessions backs this up where SELECT … FOR UPDATE is a no-op)."""
    Person.objects.select_for_update().filter(pk=person_id).values_list("pk", flat=True).first()


def _open_session(
    *,
    enrolment: Enrolment,
    lesson: LessonPage,
    tab: str,
    visible: bool,
    now: datetime,
    ip: str,
    device: str,
    previous: StudySession | None,
) -> StudySession:
    session = StudySession(
        person_id=enrolment.person_id,
        enrolment=enrolment,
        lesson=lesson,
        tab=tab,
        device=device[:200],
        ip=ip or None,
        started_at=now,
        last_beat_at=now,
        counting=visible,
        paused="" if visible else StudySession.Paused.HIDDEN,
        beats=1,
    )
    if previous is not None:
        # close first: the constraint allows one open session per person
        previous.ended_at = now
        previous.end_reason = StudySession.EndReason.TAKEN_OVER
        previous.save(update_fields=["ended_at", "end_reason"])
    session.save()
    if previous is not None:
        previous.taken_over_by = session
        previous.save(update_fields=["taken_over_by"])
    return session


def _credit(session: StudySession, *, visible: bool, now: datetime) -> int:
    """Seconds this beat credits, and the session's clock moved on. Credit runs from the previous
    accepted beat (or `interval` before now, or local midnight, whichever is latest) to now."""
    credit = 0
    next_beat_at = now
    if session.counting and visible and now > session.last_beat_at:
        start_at = max(
            session.last_beat_at, now - timedelta(seconds=beat_seconds()), _day_start(now)
        )
        credit = max(0, int((now - start_at).total_seconds()))
        if start_at == session.last_beat_at:
            # keep the fraction of a second for the next beat, so fast beats lose nothing
            next_beat_at = start_at + timedelta(seconds=credit)
    session.last_beat_at = max(session.last_beat_at, next_beat_at)
    session.counting = visible
    session.paused = "" if visible else StudySession.Paused.HIDDEN
    session.beats += 1
    return credit


def lesson_complete(progress: LessonProgress, lesson: LessonPage) -> bool:
    return progress.seconds >= lesson.required_seconds


def record_beat(
    *,
    enrolment: Enrolment,
    lesson: LessonPage,
    now: datetime,
    tab: str = "",
    visible: bool = True,
    start: bool = False,
    ip: str = "",
    device: str = "",
) -> BeatResult:
    """One beat from a lesson page (the HTML endpoint and the API both call this). `start` is sent
    when the page opens or comes back: it opens (or resumes) this page's session and credits
    nothing. Two queries for the locks, one for the open session, one or two writes."""
    from courses import services

    tab = (tab or "default")[:64]
    with transaction.atomic():
        _lock_person(enrolment.person_id)
        progress = _progress_for(enrolment, lesson)
        active = (
            StudySession.objects.filter(person_id=enrolment.person_id, ended_at__isnull=True)
            .order_by("-pk")
            .first()
        )
        mine = active is not None and active.tab == tab and active.lesson_id == lesson.pk
        credit = 0
        if not mine and not start and active is not None:
            return BeatResult(
                state=BeatState.TAKEN_OVER,
                credited=0,
                progress=progress,
                lesson=lesson,
                enrolment=enrolment,
                other_device=active.device,
            )
        if mine and start:
            # the same page again (visible again, reloaded): resume without counting the gap
            active.last_beat_at = max(active.last_beat_at, now)
            active.counting = visible
            active.paused = "" if visible else StudySession.Paused.HIDDEN
            active.beats += 1
            active.save()
            session = active
        elif mine:
            session = active
            credit = _credit(session, visible=visible, now=now)
            session.credited_seconds += credit
            session.save()
        else:
            session = _open_session(
                enrolment=enrolment,
                lesson=lesson,
                tab=tab,
                visible=visible,
                now=now,
                ip=ip,
                device=device,
                previous=active,
            )
        newly_done = False
        if credit:
            progress.seconds += credit
        if progress.completed_at is None and lesson_complete(progress, lesson):
            progress.completed_at = now
            newly_done = True
        progress.last_beat_at = now
        progress.save()
    if newly_done:
        services.maybe_complete(enrolment=enrolment, now=now)
    state = BeatState.STUDYING if session.counting else BeatState.PAUSED_HIDDEN
    return BeatResult(
        state=state, credited=credit, progress=progress, lesson=lesson, enrolment=enrolment
    )
