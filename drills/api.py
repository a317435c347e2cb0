"""JSON API for the check-in flow and the drill statistics (/api/v1/drills/...)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from drills import access, participation
from drills.statistics import drill_statistics
from portal.api import ApiError, ErrorOut
from portal.params import Day, Id
from portal.periods import Period
from portal.scoping import scope_for

router = Router(tags=["drills"])


class CheckInIn(Schema):
    code: str


class CheckInOut(Schema):
    drill_id: int
    title: str
    name: str
    role: str
    checked_in_at: str


@router.post("/checkin", response={200: CheckInOut, 400: ErrorOut})
def check_in(request, payload: CheckInIn):
    """Checks the caller in with the code from the organiser's QR (the last path segment of its URL)."""
    now = timezone.now()
    try:
        drill = participation.read_checkin_code(
            code=payload.code.strip().rstrip("/").rsplit("/", 1)[-1], now=now
        )
        part = participation.check_in(drill=drill, user=request.user, now=now)
    except participation.CheckInError as exc:
        raise ApiError(400, "checkin_refused", str(exc)) from exc
    return {
        "drill_id": drill.pk,
        "title": drill.title,
        "name": part.name,
        "role": str(part.get_role_display()),
        "checked_in_at": part.checked_in_at.isoformat(),
    }


class BucketOut(Schema):
    drills: int
    person_times: int
    money: str


class StatisticsOut(Schema):
    start: date
    end: date
    total: BucketOut
    enterprises: int
    by_form: dict[str, BucketOut]
    by_level: dict[str, BucketOut]
    by_accident_type: dict[str, BucketOut]
    by_street: dict[str, BucketOut]
    by_month: dict[str, BucketOut]


def _bucket(b) -> dict:
    return {"drills": b.drills, "person_times": b.person_times, "money": f"{b.money:.2f}"}


@router.get("/statistics", response={200: StatisticsOut, 400: ErrorOut, 403: ErrorOut})
def statistics(request, start: Day, end: Day):
    """Held drills in [start, end] the caller may see: count, 人次, money spent (元), by group."""
    user = request.user
    if not scope_for(user).is_staff_scope:
        raise ApiError(403, "forbidden", _("只有企业安全管理员和监管人员可以查看演练统计。"))
    if end < start:
        raise ApiError(400, "bad_period", _("结束日期不能早于开始日期。"))
    s = drill_statistics(scope_for(user), Period.between(start, end))
    return {
        "start": s.start,
        "end": s.end,
        "total": _bucket(s.total),
        "enterprises": s.enterprises,
        **{
            key: {k: _bucket(v) for k, v in getattr(s, key).items()}
            for key in ("by_form", "by_level", "by_accident_type", "by_street", "by_month")
        },
    }


class AttendanceOut(Schema):
    drill_id: int
    person_times: int
    attended: int
    headcount: int
    no_shows: int
    no_show_names: list[str]


@router.get("/{drill_id}/attendance", response={200: AttendanceOut, 403: ErrorOut, 404: ErrorOut})
def attendance(request, drill_id: Id):
    """参演人次 of one drill: attended participations (checked in or marked present) plus the
    headcount of people on no roster; no-shows apart (names for those who see the list)."""
    user = request.user
    drill = access.visible_drills(user).filter(pk=drill_id).first()
    if drill is None:
        raise ApiError(404, "not_found", _("演练不存在或无权查看。"))
    sees_list = access.can_add_participants(user, drill) or access.is_supervisor_of(user, drill)
    if not sees_list:
        raise ApiError(403, "forbidden", _("只有组织单位、参演企业和监管人员可以查看参演情况。"))
    a = drill.attendance()
    return {
        "drill_id": drill.pk,
        "person_times": a.person_times,
        "attended": len(a.attended),
        "headcount": a.headcount,
        "no_shows": len(a.no_shows),
        "no_show_names": [p.name for p in a.no_shows],
    }
