"""The study log managers settle disputes with: every StudySession of the people a user may see
(lesson, start and end, credited seconds, device, IP, presence checks, takeovers), as a page and an
.xlsx. The hours measured per enterprise against the hours written to training records are a
catalogued figure: `courses.statistics.study_hours`."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import StudySession
from portal import xlsx
from portal.models import Person
from portal.scoping import visible_people


def study_log(
    *, user, start: date, end: date, person: Person | None = None
) -> QuerySet[StudySession]:
    """Sessions started between `start` and `end` (local dates, inclusive) by people `user` may
    see, newest first, with their presence-check counts. One query per page."""
    qs = StudySession.objects.filter(
        person__in=visible_people(user).values("pk"),
        started_at__date__gte=start,
        started_at__date__lte=end,
    )
    if person is not None:
        qs = qs.filter(person=person)
    return (
        qs.select_related("person__enterprise", "lesson", "enrolment__course", "taken_over_by")
        .annotate(
            checks=Count("presence_checks"),
            checks_passed=Count("presence_checks", filter=Q(presence_checks__status="passed")),
            checks_missed=Count("presence_checks", filter=Q(presence_checks__status="missed")),
        )
        .order_by("-started_at", "-pk")
    )


def session_end(session: StudySession):
    return session.ended_at or session.last_beat_at


def takeover_text(session: StudySession) -> str:
    if session.end_reason != StudySession.EndReason.TAKEN_OVER:
        return ""
    device = session.taken_over_by.device if session.taken_over_by_id else ""
    return _("被接续：%(device)s") % {"device": device or "—"} if device else _("被接续")


# The most sessions one .xlsx holds; a wider request is refused with a message, never cut short.
EXPORT_MAX_SESSIONS = 20_000


def study_log_workbook(sessions) -> bytes:
    columns = [
        str(_("企业")),
        str(_("姓名")),
        str(_("课程")),
        str(_("课时")),
        str(_("开始")),
        str(_("结束")),
        str(_("计入秒数")),
        str(_("设备")),
        str(_("IP 地址")),
        str(_("在岗确认（通过/未通过/共）")),
        str(_("接续")),
    ]
    rows = []
    for s in sessions:
        rows.append(
            [
                s.person.enterprise.name,
                s.person.name,
                s.enrolment.course.title,
                s.lesson.title,
                timezone.localtime(s.started_at).strftime("%Y-%m-%d %H:%M:%S"),
                timezone.localtime(session_end(s)).strftime("%Y-%m-%d %H:%M:%S"),
                s.credited_seconds,
                s.device,
                s.ip or "",
                f"{s.checks_passed}/{s.checks_missed}/{s.checks}",
                str(takeover_text(s)),
            ]
        )
    return xlsx.build_workbook(columns, rows, title=str(_("学习日志")))
