"""JSON API for the check-in flow and the drill statistics (/api/v1/drills/...)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from drills import services
from drills.statistics import drill_statistics
from portal.api import ApiError, ErrorOut
from portal.params import Day
from portal.periods import Period

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
        drill = services.read_checkin_code(
            code=payload.code.strip().rstrip("/").rsplit("/", 1)[-1], now=now
        )
        part = services.check_in(drill=drill, user=request.user, now=now)
    except services.CheckInError as exc:
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
    if not services.scope_for(user).is_staff_scope:
        raise ApiError(403, "forbidden", _("只有企业安全管理员和监管人员可以查看演练统计。"))
    if end < start:
        raise ApiError(400, "bad_period", _("结束日期不能早于开始日期。"))
    s = drill_statistics(services.scope_for(user), Period.between(start, end))
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
