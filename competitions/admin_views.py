"""Admin views: a competition's full results table, its .xlsx export and awarding certificates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from competitions import services
from competitions.models import Award, Competition
from portal.xlsx import build_workbook, xlsx_response


def _competition(request: HttpRequest, pk: int) -> Competition:
    if not request.user.has_perm("competitions.view_competition"):
        raise PermissionDenied
    return get_object_or_404(
        services.administered(request.user).select_related("region", "certificate_template"),
        pk=pk,
    )


def result_table(competition: Competition, rows) -> tuple[list[str], list[list]]:
    items = list(competition.items.all())
    columns = [
        _("名次"),
        _("队伍"),
        _("企业"),
        _("队员人数"),
        _("理论成绩"),
        *[
            _("%(item)s（满分%(max)s）") % {"item": i.name, "max": f"{i.max_score.normalize():f}"}
            for i in items
        ],
        _("实操成绩"),
        _("总分"),
        _("晋级"),
    ]
    table = [
        [
            s.rank,
            s.name,
            s.enterprise,
            len(s.members),
            s.theory,
            *[s.items.get(i.pk) for i in items],
            s.practical,
            s.total,
            _("是") if s.advancing else "",
        ]
        for s in rows
    ]
    return columns, table


def results(request: HttpRequest, pk: int) -> HttpResponse:
    competition = _competition(request, pk)
    rows = services.standings(competition)
    columns, table = result_table(competition, rows)
    if request.GET.get("export") == "xlsx":
        content = build_workbook(columns, table, title=_("成绩"))
        filename = _("%(year)s-%(name)s-成绩.xlsx") % {
            "year": competition.year,
            "name": competition.name,
        }
        return xlsx_response(content, filename)
    awarded = Award.objects.filter(competition=competition).count()
    title = _("成绩：%(name)s") % {"name": competition}
    return TemplateResponse(
        request,
        "competitions/admin/results.html",
        {
            "competition": competition,
            "columns": columns,
            "table": table,
            "awarded": awarded,
            "can_award": request.user.has_perm("competitions.change_competition"),
            "header_title": title,
            "page_title": title,
            "header_icon": "crosshairs",
        },
    )


@require_POST
def award(request: HttpRequest, pk: int) -> HttpResponse:
    competition = _competition(request, pk)
    if not request.user.has_perm("competitions.change_competition"):
        raise PermissionDenied
    try:
        new, total = services.award_certificates(competition=competition, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("已为%(total)s名获奖队员颁发证书（本次新颁发%(new)s张）。")
            % {"total": total, "new": new},
        )
    return redirect("competitions_admin:results", pk=competition.pk)
