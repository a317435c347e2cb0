"""Drills in time: the month and week calendars, the list, and the iCalendar feeds."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from drills.access import organisable_enterprises, organisable_regions, visible_drills
from drills.calendar import (
    build_ical,
    calendar_token,
    drills_between,
    feed_drills,
    month_grid,
    reset_calendar_token,
)
from drills.models import CalendarToken, DrillStatus
from drills.statistics import person_times
from portal.params import date_param, month_param
from portal.scoping import scope_for

# Column headers of the month calendar (one character in Chinese; the week view uses the full
# localized weekday name through the `date:"l"` filter).
WEEKDAYS = [
    pgettext_lazy("calendar column", "一"),
    pgettext_lazy("calendar column", "二"),
    pgettext_lazy("calendar column", "三"),
    pgettext_lazy("calendar column", "四"),
    pgettext_lazy("calendar column", "五"),
    pgettext_lazy("calendar column", "六"),
    pgettext_lazy("calendar column", "日"),
]


@login_required
def calendar_month(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    first = month_param(request.GET, default=today)  # ?y=2026&m=6, bounded (portal.params)
    weeks = month_grid(year=first.year, month=first.month)
    by_day = drills_between(
        user=request.user, start=weeks[0][0], end=weeks[-1][-1] + timedelta(days=1)
    )
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "drills/calendar_month.html",
        {
            "first": first,
            "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
            "weekdays": WEEKDAYS,
            "today": today,
            "prev_month": prev_month,
            "next_month": next_month,
            "can_create": organisable_enterprises(request.user).exists()
            or organisable_regions(request.user).exists(),
        },
    )


@login_required
def calendar_week(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    day = date_param(request.GET, "d", default=today)
    monday = day - timedelta(days=day.weekday())
    days = [monday + timedelta(days=i) for i in range(7)]
    by_day = drills_between(user=request.user, start=monday, end=monday + timedelta(days=7))
    return render(
        request,
        "drills/calendar_week.html",
        {
            "days": [(d, by_day.get(d, [])) for d in days],
            "monday": monday,
            "prev_week": monday - timedelta(days=7),
            "next_week": monday + timedelta(days=7),
            "today": today,
        },
    )


@login_required
def drill_list(request: HttpRequest) -> HttpResponse:
    """All visible drills, newest first, filterable by status. Queries: 1 count + 1 page of drills
    with enterprise/region joined and 参演人次 annotated (Drill.objects.with_person_times)."""
    status = request.GET.get("status", "")
    drills = visible_drills(request.user)
    if status in DrillStatus.values:
        drills = drills.filter(status=status)
    drills = drills.select_related("enterprise", "organiser_region").annotate(
        person_times=person_times(),  # 参演人次: its one definition
    )
    from django.core.paginator import Paginator

    page = Paginator(drills.order_by("-planned_start"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "drills/drill_list.html",
        {"page": page, "status": status, "statuses": DrillStatus.choices},
    )


@login_required
def calendar_feeds(request: HttpRequest) -> HttpResponse:
    personal = calendar_token(user=request.user)
    enterprise_token = None
    scope = scope_for(request.user)
    if scope.is_enterprise:
        enterprise_token = calendar_token(user=request.user, enterprise=request.user.enterprise)
    return render(
        request,
        "drills/calendar_feeds.html",
        {
            "personal_url": request.build_absolute_uri(_feed_path(personal)),
            "enterprise_url": request.build_absolute_uri(_feed_path(enterprise_token))
            if enterprise_token
            else None,
            "enterprise": request.user.enterprise if enterprise_token else None,
        },
    )


def _feed_path(token: CalendarToken) -> str:
    from django.urls import reverse

    return reverse("drills:ical", args=[token.token])


@login_required
@require_POST
def calendar_feeds_reset(request: HttpRequest) -> HttpResponse:
    for token in CalendarToken.objects.filter(user=request.user):
        reset_calendar_token(token=token)
    messages.success(request, _("订阅地址已更换，旧地址立即失效。"))
    return redirect("drills:feeds")


def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    row = CalendarToken.objects.select_related("user", "enterprise").filter(token=token).first()
    if row is None:
        raise Http404
    name = _("应急演练 · %(who)s") % {
        "who": row.enterprise.name if row.enterprise_id else row.user.display_name
    }
    body = build_ical(drills=feed_drills(token=row), name=name, now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="drills.ics"'
    return response
