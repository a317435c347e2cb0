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
- Video: a beat may carry the player's position. The server keeps the person's watched ranges of
  the lesson's video: a forward position is accepted only within the real time since the last
  accepted one (capped at one beat interval) × STUDY_VIDEO_MAX_SPEED + STUDY_VIDEO_SLACK_SECONDS;
  the range between the two is then watched. A position further ahead is refused and the page is
  told where to go back to. The video is watched once the ranges cover STUDY_VIDEO_WATCHED_PERCENT
  of the lesson's video_seconds; `video-ended` only reports a position. The last accepted position
  is where any device resumes.
- Presence checks (防挂机): at random moments (STUDY_PRESENCE_CHECKS_MIN…MAX per
  STUDY_PRESENCE_PERIOD_SECONDS of study) a beat opens a PresenceCheck; the page asks the learner
  to tap 继续学习 within STUDY_PRESENCE_WINDOW_SECONDS. Time measured while a check waits is held
  back (pending_seconds) and credited when it is answered in time; a missed check discards it and
  stops crediting until the learner answers (late) or reopens the page. A takeover carries the
  schedule over, so reopening the lesson elsewhere does not dodge a check. Every check is logged.

One service, record_beat(), sits behind the HTML endpoint and the API endpoint.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Enrolment, LessonPage, LessonProgress, PresenceCheck, StudySession
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
    PRESENCE_DUE = "presence_due"  # a presence check waits for 继续学习
    PRESENCE_MISSED = "presence_missed"  # a check was missed: nothing counts until they return


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


def _active_session(person_id: int) -> StudySession | None:
    return (
        StudySession.objects.filter(person_id=person_id, ended_at__isnull=True)
        .order_by("-pk")
        .first()
    )


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
    next_check_at = _next_check_at(now)
    if previous is not None:
        # close first: the constraint allows one open session per person. The presence schedule
        # carries over (a check that was waiting is asked again at once).
        waiting = previous.presence_checks.filter(status=PresenceCheck.Status.PENDING)
        if waiting.update(status=PresenceCheck.Status.MISSED):
            next_check_at = now
        elif previous.next_check_at is not None and next_check_at is not None:
            next_check_at = min(next_check_at, max(now, previous.next_check_at))
        previous.ended_at = now
        previous.end_reason = StudySession.EndReason.TAKEN_OVER
        previous.pending_seconds = 0
        previous.save(update_fields=["ended_at", "end_reason", "pending_seconds"])
    session = StudySession.objects.create(
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
        next_check_at=next_check_at,
    )
    if previous is not None:
        previous.taken_over_by = session
        previous.save(update_fields=["taken_over_by"])
    return session


def _credit(session: StudySession, *, visible: bool, now: datetime) -> int:
    """Seconds this beat measures, and the session's clock moved on. Credit runs from the previous
    accepted beat (or one interval before now, or local midnight, whichever is latest) to now."""
    session.beats += 1
    if session.paused == StudySession.Paused.PRESENCE_MISSED:
        session.last_beat_at = max(session.last_beat_at, now)
        return 0
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
    return credit


def _apply_credit(
    progress: LessonProgress, lesson: LessonPage, *, credit: int, now: datetime
) -> bool:
    """Adds the credit to the lesson and saves it; True when the lesson has just been studied."""
    progress.seconds += credit
    progress.last_beat_at = now
    newly_done = progress.completed_at is None and lesson_complete(progress, lesson)
    if newly_done:
        progress.completed_at = now
    progress.save()
    return newly_done


def _result(
    session: StudySession | None,
    progress: LessonProgress,
    lesson: LessonPage,
    enrolment: Enrolment,
    *,
    credit: int,
    refused: bool,
    now: datetime,
) -> BeatResult:
    extra: dict = {"presence": None}
    check = pending_check(session) if session is not None else None
    if session is None:
        state = BeatState.TAKEN_OVER
    elif check is not None:
        state = BeatState.PRESENCE_DUE
        extra["presence"] = {
            "id": check.pk,
            "expires_in": max(0, int((check.deadline - now).total_seconds())),
        }
    elif session.paused == StudySession.Paused.PRESENCE_MISSED:
        state = BeatState.PRESENCE_MISSED
    elif session.counting:
        state = BeatState.STUDYING
    else:
        state = BeatState.PAUSED_HIDDEN
    if lesson.video_id:
        extra["video"] = video_state(progress, lesson, refused=refused)
    enrolment.refresh_from_db(fields=["status", "completed_at"])
    extra["blockers"] = lesson_blockers(progress, lesson, state=state)
    extra["course"] = course_standing(enrolment=enrolment, lesson=lesson)
    return BeatResult(
        state=state,
        credited=credit,
        progress=progress,
        lesson=lesson,
        enrolment=enrolment,
        extra=extra,
    )


# ---------------------------------------------------------------------------------------------
# Where the learner stands (the lesson page and both endpoints show it)


def course_standing(*, enrolment: Enrolment, lesson: LessonPage | None = None) -> dict:
    """The course's studied and required seconds (each lesson's time counted up to what it
    needs), lessons done, and what still blocks completion: lessons left, the final exam. Two
    queries (live lessons, this enrolment's progress) plus one when the course has an exam."""
    from courses import learning

    course = enrolment.course
    lessons = list(course.lessons().only("pk", "estimated_minutes", "video_id", "video_seconds"))
    rows = {p.lesson_id: p for p in enrolment.progress.all()}
    studied = required = done = 0
    for item in lessons:
        need = item.required_seconds
        row = rows.get(item.pk)
        required += need
        studied += min(need, row.seconds) if row is not None else 0
        done += bool(row is not None and row.completed_at is not None)
    blockers = []
    others_left = sum(
        1
        for item in lessons
        if (lesson is None or item.pk != lesson.pk)
        and (rows.get(item.pk) is None or rows[item.pk].completed_at is None)
    )
    if others_left:
        blockers.append(
            {"code": "lessons", "text": _("还有 %(n)s 个其他课时未学完") % {"n": others_left}}
        )
    if (
        course.final_exam_id
        and enrolment.status != Enrolment.Status.COMPLETED
        and not learning.exam_passed(person_id=enrolment.person_id, course=course)
    ):
        blockers.append({"code": "exam", "text": _("结业考试尚未通过")})
    return {
        "seconds": studied,
        "required": required,
        "remaining": max(0, required - studied),
        "lessons_done": done,
        "lessons_total": len(lessons),
        "blockers": blockers,
    }


def lesson_blockers(progress: LessonProgress, lesson: LessonPage, *, state: str) -> list[dict]:
    """What still stands between this lesson and 已学完, in words the learner understands."""
    blockers = []
    left = lesson.required_seconds - progress.seconds
    if left > 0:
        blockers.append(
            {
                "code": "time",
                "text": _("还需学习 %(t)s") % {"t": format_seconds(left)},
            }
        )
    if lesson.video_id and not progress.video_finished:
        blockers.append(
            {
                "code": "video",
                "text": _("视频尚未看完（已观看 %(p)s%%，需达到 %(need)s%%）")
                % {
                    "p": watched_percent(progress, lesson),
                    "need": int(getattr(settings, "STUDY_VIDEO_WATCHED_PERCENT", 95)),
                },
            }
        )
    if state == BeatState.PRESENCE_MISSED:
        blockers.append({"code": "presence", "text": _("在岗确认未按时回答，计时已暂停")})
    return blockers


def format_seconds(seconds: int) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


# ---------------------------------------------------------------------------------------------
# Presence checks

_random = random.SystemRandom()


def _presence_gap() -> timedelta | None:
    """Time until the next check: between PERIOD/MAX and PERIOD/MIN, so MIN…MAX checks fall in
    each PERIOD of study. None when checks are off."""
    most = int(getattr(settings, "STUDY_PRESENCE_CHECKS_MAX", 3))
    least = max(1, min(most, int(getattr(settings, "STUDY_PRESENCE_CHECKS_MIN", 1))))
    period = int(getattr(settings, "STUDY_PRESENCE_PERIOD_SECONDS", 45 * 60))
    if most <= 0 or period <= 0:
        return None
    return timedelta(seconds=_random.uniform(period / most, period / least))


def _next_check_at(now: datetime) -> datetime | None:
    gap = _presence_gap()
    return None if gap is None else now + gap


def _presence(session: StudySession, *, visible: bool, credit: int, now: datetime) -> int:
    """Applies the presence rules to this beat's credit; returns what may be credited now."""
    check = session.presence_checks.filter(status=PresenceCheck.Status.PENDING).first()
    if check is not None and now > check.deadline:
        check.status = PresenceCheck.Status.MISSED
        check.save(update_fields=["status"])
        session.pending_seconds = 0
        session.counting = False
        session.paused = StudySession.Paused.PRESENCE_MISSED
        return 0
    if check is not None:
        session.pending_seconds += credit
        return 0
    if (
        visible
        and session.counting
        and session.next_check_at is not None
        and now >= session.next_check_at
        and _presence_gap() is not None
    ):
        window = int(getattr(settings, "STUDY_PRESENCE_WINDOW_SECONDS", 60))
        PresenceCheck.objects.create(
            session=session, issued_at=now, deadline=now + timedelta(seconds=window)
        )
        session.next_check_at = _next_check_at(now)
    return credit


def pending_check(session: StudySession | None) -> PresenceCheck | None:
    if session is None:
        return None
    return session.presence_checks.filter(status=PresenceCheck.Status.PENDING).first()


def answer_presence(
    *, enrolment: Enrolment, lesson: LessonPage, check_id: int, now: datetime, tab: str = ""
) -> BeatResult:
    """The learner tapped 继续学习. In time: the held-back time is credited. Late: the check stays
    missed (and logged) and the clock starts again from now."""
    from courses import learning

    tab = (tab or "default")[:64]
    with transaction.atomic():
        _lock_person(enrolment.person_id)
        progress = _progress_for(enrolment, lesson)
        check = (
            PresenceCheck.objects.select_related("session")
            .filter(
                pk=check_id,
                session__person_id=enrolment.person_id,
                session__lesson=lesson,
                session__tab=tab,
            )
            .first()
        )
        if check is None:
            raise StudyError(StudyErrorCode.NO_PRESENCE_CHECK, _("找不到该在岗确认。"))
        session = check.session
        credit = 0
        if check.answered_at is None:
            check.answered_at = now
            if check.status == PresenceCheck.Status.PENDING and now <= check.deadline:
                check.status = PresenceCheck.Status.PASSED
                credit = session.pending_seconds
            else:
                check.status = PresenceCheck.Status.MISSED
            check.save(update_fields=["answered_at", "status"])
            session.pending_seconds = 0
            if session.ended_at is None:
                if check.status == PresenceCheck.Status.MISSED:
                    session.counting = True
                    session.paused = ""
                    session.last_beat_at = max(session.last_beat_at, now)
                session.credited_seconds += credit
                session.save()
            else:
                credit = 0
        newly_done = _apply_credit(progress, lesson, credit=credit, now=now)
    if newly_done:
        learning.maybe_complete(enrolment=enrolment, now=now)
    return _result(session, progress, lesson, enrolment, credit=credit, refused=False, now=now)


def lesson_complete(progress: LessonProgress, lesson: LessonPage) -> bool:
    """Studied long enough, and a video lesson's video watched."""
    if progress.seconds < lesson.required_seconds:
        return False
    return not lesson.video_id or progress.video_finished


# ---------------------------------------------------------------------------------------------
# Video watched ranges


def _merge(ranges: list[list[float]]) -> list[list[float]]:
    merged: list[list[float]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 0.5:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [[round(a, 2), round(b, 2)] for a, b in merged]


def watched_seconds(progress: LessonProgress, lesson: LessonPage) -> float:
    duration = lesson.video_seconds or 0
    return sum(max(0.0, min(b, duration) - max(a, 0.0)) for a, b in progress.video_ranges or [])


def watched_percent(progress: LessonProgress, lesson: LessonPage) -> int:
    if not lesson.video_seconds:
        return 0
    return min(100, int(100 * watched_seconds(progress, lesson) / lesson.video_seconds))


def _report_position(
    progress: LessonProgress, lesson: LessonPage, *, position: float, now: datetime
) -> bool:
    """Applies a reported player position; False when it runs ahead of real time (refused)."""
    duration = float(lesson.video_seconds or 0)
    if not duration or position != position:  # no duration set, or NaN
        return False
    position = min(max(0.0, float(position)), duration)
    last = progress.video_position
    if position <= last:
        # backwards (or standing still): always allowed, nothing watched
        progress.video_position, progress.video_position_at = position, now
        return True
    elapsed = 0.0
    if progress.video_position_at is not None:
        elapsed = min(max(0.0, (now - progress.video_position_at).total_seconds()), beat_seconds())
    speed = float(getattr(settings, "STUDY_VIDEO_MAX_SPEED", 1.25))
    slack = float(getattr(settings, "STUDY_VIDEO_SLACK_SECONDS", 3))
    if position - last > elapsed * speed + slack:
        return False
    progress.video_ranges = _merge([*(progress.video_ranges or []), [last, position]])
    progress.video_position, progress.video_position_at = position, now
    ratio = int(getattr(settings, "STUDY_VIDEO_WATCHED_PERCENT", 95))
    if watched_seconds(progress, lesson) * 100 >= duration * ratio:
        progress.video_finished = True
    return True


def video_state(progress: LessonProgress, lesson: LessonPage, *, refused: bool = False) -> dict:
    return {
        "position": round(progress.video_position, 2),
        "watched_percent": watched_percent(progress, lesson),
        "watched": progress.video_finished,
        "refused": refused,
    }


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
    position: float | None = None,
) -> BeatResult:
    """One beat from a lesson page (the HTML endpoint and the API both call this). `start` is sent
    when the page opens or comes back: it opens (or resumes) this page's session and credits
    nothing. About eight queries: the two locks, the open session, its waiting check, the writes."""
    beat = {
        "enrolment": enrolment,
        "lesson": lesson,
        "now": now,
        "tab": tab,
        "visible": visible,
        "start": start,
        "ip": ip,
        "device": device,
        "position": position,
    }
    try:
        return _record_beat(**beat)
    except IntegrityError:
        # two pages of one person opened a session at the same moment where SELECT … FOR UPDATE
        # is a no-op (SQLite): the constraint kept one; this beat is judged again against it
        return _record_beat(**beat)


def _record_beat(
    *,
    enrolment: Enrolment,
    lesson: LessonPage,
    now: datetime,
    tab: str,
    visible: bool,
    start: bool,
    ip: str,
    device: str,
    position: float | None,
) -> BeatResult:
    from courses import learning

    tab = (tab or "default")[:64]
    with transaction.atomic():
        _lock_person(enrolment.person_id)
        progress = _progress_for(enrolment, lesson)
        active = _active_session(enrolment.person_id)
        mine = active is not None and active.tab == tab and active.lesson_id == lesson.pk
        if not mine and not start and active is not None:
            result = _result(None, progress, lesson, enrolment, credit=0, refused=False, now=now)
            result.other_device = active.device
            return result
        credit = 0
        if mine and start:
            # the same page again (visible again, reloaded, back after a missed check): resume
            # without counting the gap
            session = active
            session.beats += 1
            session.last_beat_at = max(session.last_beat_at, now)
            session.counting = visible
            session.paused = "" if visible else StudySession.Paused.HIDDEN
        elif mine:
            session = active
            credit = _credit(session, visible=visible, now=now)
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
        credit = _presence(session, visible=visible, credit=credit, now=now)
        session.credited_seconds += credit
        session.save()
        refused = False
        if (start or not mine) and lesson.video_id:
            # a page (re)opens: the player's real-time allowance starts now
            progress.video_position_at = now
        elif position is not None and lesson.video_id and session.counting:
            refused = not _report_position(progress, lesson, position=position, now=now)
        newly_done = _apply_credit(progress, lesson, credit=credit, now=now)
    if newly_done:
        learning.maybe_complete(enrolment=enrolment, now=now)
    return _result(session, progress, lesson, enrolment, credit=credit, refused=refused, now=now)


def video_ended(
    *,
    enrolment: Enrolment,
    lesson: LessonPage,
    now: datetime,
    tab: str = "",
    position: float | None = None,
    ip: str = "",
    device: str = "",
) -> BeatResult:
    """The player says the video ended: a beat reporting that position, nothing more. Refused
    (VIDEO_NOT_WATCHED) unless the watched ranges cover enough of the video."""
    if not lesson.video_id:
        raise StudyError(StudyErrorCode.NO_VIDEO, _("该课时没有视频。"))
    result = record_beat(
        enrolment=enrolment,
        lesson=lesson,
        now=now,
        tab=tab,
        position=lesson.video_seconds if position is None else position,
        ip=ip,
        device=device,
    )
    if not result.progress.video_finished:
        raise StudyError(
            StudyErrorCode.VIDEO_NOT_WATCHED,
            _("视频尚未看完（已观看 %(p)s%%），不能计为学完。")
            % {"p": watched_percent(result.progress, lesson)},
        )
    return result
