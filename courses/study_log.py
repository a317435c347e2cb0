"""The study log managers settle disputes with: every StudySession of the people a user may see
(lesson, start and end, credited seconds, device, IP, presence checks, takeovers), as a page and an
.xlsx, and per enterprise the hours measured against the hours written to training records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.learning import measured_hours
from courses.models import SourceKind, StudySession, TrainingRecord
from portal import xlsx
from portal.models import Person
from portal.scoping import visible_enterprises, visible_people


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


@dataclass
class EnterpriseHours:
    enterprise_id: int
    name: str
    measured_seconds: int
    credited_hours: Decimal

    @property
    def measured_hours(self) -> Decimal:
        return measured_hours(self.measured_seconds)


def measured_vs_credited(*, user, year: int) -> list[EnterpriseHours]:
    """Per enterprise `user` may see: study time measured in `year` (as 学时) and the 学时 of
    the online-course training records dated in `year`. Three queries at any size."""
    enterprises = list(visible_enterprises(user).order_by("name").values_list("pk", "name"))
    ids = [pk for pk, _name in enterprises]
    measured = dict(
        StudySession.objects.filter(person__enterprise_id__in=ids, started_at__year=year)
        .values_list("person__enterprise_id")
        .annotate(s=Sum("credited_seconds"))
        .values_list("person__enterprise_id", "s")
    )
    credited = dict(
        TrainingRecord.objects.filter(
            enterprise_id__in=ids, date__year=year, source_kind=SourceKind.COURSE
        )
        .values_list("enterprise_id")
        .annotate(h=Sum("hours"))
        .values_list("enterprise_id", "h")
    )
    return [
        EnterpriseHours(
            enterprise_id=pk,
            name=name,
            measured_seconds=measured.get(pk) or 0,
            credited_hours=credited.get(pk) or Decimal("0"),
        )
        for pk, name in enterprises
        if measured.get(pk) or credited.get(pk)
    ]
