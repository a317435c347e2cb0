"""Dashboard pages (district / street / enterprise) and the annual report download."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _g
from django.views.decorators.http import require_GET

from dashboard import services
from dashboard.services import PeriodError, Target
from portal import snapshots
from portal.params import ID_MAX, int_param
from portal.periods import common_choices
from portal.scoping import Scope


def _require_dashboard_user(request: HttpRequest) -> None:
    if not services.can_use_dashboard(request.user):
        raise PermissionDenied(_g("数据看板仅向监管人员和企业安全管理员开放。"))


def _breadcrumbs(user, target: Target) -> list[dict]:
    """Links up from the target to the user's own level (never above what the user may see)."""
    own = services.default_target(user)
    crumbs: list[dict] = []
    if target.kind == Scope.Kind.ENTERPRISE:
        crumbs.append({"name": target.name, "kind": "enterprise", "pk": target.enterprise.pk})
        region = target.enterprise.street
    elif target.kind == Scope.Kind.REGION:
        region = target.region
    else:
        return [{"name": target.name, "kind": "all"}]
    if own.kind == Scope.Kind.ENTERPRISE:
        return crumbs
    chain = []
    while region is not None:
        chain.append(region)
        if own.kind == Scope.Kind.REGION and region.pk == own.region.pk:
            break
        region = region.parent
    for r in chain:
        crumbs.insert(0, {"name": r.name, "kind": "region", "code": r.code})
    return crumbs


def _render(request: HttpRequest, target: Target) -> HttpResponse:
    today = timezone.localdate()
    try:
        period = services.parse_period(request.GET, today=today)
        error = ""
    except PeriodError as exc:
        period = services.parse_period({}, today=today)
        error = str(exc)
    report_query = {"year": str(period.end.year)}
    if target.kind == Scope.Kind.REGION:
        report_query["region"] = target.region.code
    elif target.kind == Scope.Kind.ENTERPRISE:
        report_query["enterprise"] = str(target.enterprise.pk)
    period_query, report_query = urlencode(period.query), urlencode(report_query)

    def figures_html() -> str:
        board = services.dashboard_figures(target=target, period=period, today=today)
        return render_to_string(
            "dashboard/_figures.html",
            {"board": board, "period_query": period_query, "report_query": report_query},
        )

    # The figures' part of the page, rendered once per snapshot of the figures (one query for
    # the page's figures while nothing changed; portal.snapshots).
    html = snapshots.cached(
        "dashboard_html",
        (
            services.dashboard_key(target=target, period=period, today=today),
            period_query,
            report_query,
            get_script_prefix(),
        ),
        figures_html,
        own_parts=False,  # the figures' parts are the dashboard snapshot's (services)
    )
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "target": target,
            "period": period,
            "figures_html": mark_safe(html),  # nosec B308 B703 # rendered by the template above
            "period_error": error,
            "period_query": period_query,
            "period_fields": period.query,
            "report_query": report_query,
            "years": list(range(today.year, today.year - 6, -1)),
            "common_periods": [
                (label, urlencode(choice.query), choice == period)
                for label, choice in common_choices(today)
            ],
            "crumbs": _breadcrumbs(request.user, target),
            "today": today,
        },
        status=400 if error else 200,
    )


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    _require_dashboard_user(request)
    return _render(request, services.default_target(request.user))


@require_GET
@login_required
def region(request: HttpRequest, code: str) -> HttpResponse:
    _require_dashboard_user(request)
    return _render(request, services.region_target(request.user, code))


@require_GET
@login_required
def enterprise(request: HttpRequest, pk: int) -> HttpResponse:
    _require_dashboard_user(request)
    return _render(request, services.enterprise_target(request.user, pk))


@require_GET
@login_required
def report(request: HttpRequest) -> HttpResponse:
    """The annual report of the dashboard's region / enterprise as pdf, xlsx or json."""
    _require_dashboard_user(request)
    fmt = request.GET.get("format", "pdf")
    if fmt not in {"pdf", "xlsx", "json"}:
        return HttpResponse(_g("格式须为 pdf、xlsx 或 json。"), status=400)
    today = timezone.localdate()
    year = int_param(
        request.GET,
        "year",
        today.year,
        min=2000,
        max=2100,
        message=_g("年份须为 2000 至 2100 之间的整数。"),
    )
    if request.GET.get("region"):
        target = services.region_target(request.user, request.GET["region"])
    elif request.GET.get("enterprise"):
        pk = int_param(request.GET, "enterprise", min=1, max=ID_MAX, message=_g("企业编号无效。"))
        target = services.enterprise_target(request.user, pk)
    else:
        target = services.default_target(request.user)
    data = services.annual_report(target=target, year=year)
    content, content_type = services.render_report(data, fmt)
    filename = _g("%(name)s%(year)s年度安全培训与应急演练报告.%(ext)s") % {
        "name": target.name,
        "year": year,
        "ext": fmt,
    }
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
