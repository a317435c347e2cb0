"""Drills in time: the month and week grids of the front end and the iCalendar feeds (a personal
feed, an enterprise's feed) with their tokens."""

from __future__ import annotations

import calendar as pycalendar
import secrets
from collections import defaultdict
from datetime import date, datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from drills.access import visible_drills
from drills.models import CalendarToken, Drill, DrillStatus
from portal import roles
from portal.models import Enterprise


def calendar_token(*, user, enterprise: Enterprise | None = None) -> CalendarToken:
    token = CalendarToken.objects.filter(user=user, enterprise=enterprise).first()
    if token is None:
        token = CalendarToken.objects.create(
            user=user, enterprise=enterprise, token=secrets.token_urlsafe(24)
        )
    return token


def reset_calendar_token(*, token: CalendarToken) -> CalendarToken:
    token.token = secrets.token_urlsafe(24)
    token.save(update_fields=["token"])
    return token


def feed_drills(*, token: CalendarToken) -> QuerySet[Drill]:
    user = token.user
    if not user.is_active:
        return Drill.objects.none()
    drills = visible_drills(user)
    if token.enterprise_id:
        if not roles.is_manager(user) or user.enterprise_id != token.enterprise_id:
            return Drill.objects.none()
        drills = drills.filter(enterprise_id=token.enterprise_id)
    return drills.select_related("enterprise", "organiser_region").order_by("planned_start")


def build_ical(*, drills, name: str, now: datetime) -> bytes:
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//anquan-portal//drills//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    for drill in drills:
        event = Event()
        event.add("uid", f"drill-{drill.uid}@anquan-portal")
        event.add("sequence", drill.sequence)
        event.add("dtstamp", now)
        event.add("dtstart", drill.planned_start)
        event.add("dtend", drill.planned_end)
        event.add("summary", drill.title)
        event.add("location", drill.place)
        event.add(
            "description",
            f"{drill.organiser_name} · {drill.get_form_display()} · {drill.get_accident_type_display()} · {drill.get_status_display()}",
        )
        event.add("last-modified", drill.updated_at)
        event.add("status", "CANCELLED" if drill.status == DrillStatus.CANCELLED else "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()


def month_grid(*, year: int, month: int) -> list[list[date]]:
    return pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)


def drills_between(*, user, start: date, end: date) -> dict[date, list[Drill]]:
    """Visible drills starting in [start, end), by local day (1 query)."""
    tz = timezone.get_current_timezone()
    lo = datetime.combine(start, datetime.min.time(), tzinfo=tz)
    hi = datetime.combine(end, datetime.min.time(), tzinfo=tz)
    by_day: dict[date, list[Drill]] = defaultdict(list)
    for drill in (
        visible_drills(user)
        .filter(planned_start__gte=lo, planned_start__lt=hi)
        .select_related("enterprise", "organiser_region")
        .order_by("planned_start")
    ):
        by_day[timezone.localtime(drill.planned_start).date()].append(drill)
    return by_day
