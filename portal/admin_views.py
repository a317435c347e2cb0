"""Admin views of the portal app: roster import (with template), export, password reset."""

from __future__ import annotations

import base64
from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal import accounts, importing, services
from portal.forms_admin import RosterImportForm
from portal.import_views import batch_url, confirm_from_request
from portal.models import Person
from portal.params import ID_MAX, int_param
from portal.scoping import can_change_person, scope_for, visible_people
from portal.xlsx import XLSX_CONTENT_TYPE, xlsx_response


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _get_person_for_user(request: HttpRequest, pk: int) -> Person:
    return get_object_or_404(
        visible_people(request.user).select_related("enterprise__street", "user"), pk=pk
    )


@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest) -> HttpResponse:
    """Upload → preview (counts and every bad row, nothing saved) → one button imports the file
    the preview kept, as one batch of the import history."""
    _require(request, "portal.add_person")
    if "batch" in request.POST:
        return _roster_confirm(request)
    form = RosterImportForm(request.POST or None, request.FILES or None, user=request.user)
    report = None
    if request.method == "POST" and form.is_valid():
        enterprise = form.cleaned_data["enterprise"]
        report = importing.run_import(
            kind="portal.roster",
            title=_roster_title(enterprise),
            upload=form.cleaned_data["file"],
            user=request.user,
            target=_roster_target(enterprise),
            run=partial(services.import_people, enterprise=enterprise, actor=request.user),
            dry_run=True,
            keep_preview=True,
        )
    return _roster_page(request, form, report)


def _roster_title(enterprise) -> str:
    return _("人员名册 → %(enterprise)s") % {"enterprise": enterprise.name}


def _roster_target(enterprise) -> importing.Target:
    return importing.Target(key=f"enterprise:{enterprise.pk}", enterprise=enterprise)


def _roster_page(request, form, report) -> HttpResponse:
    return TemplateResponse(
        request,
        "portal/admin/roster_import.html",
        {
            "form": form,
            "report": report,
            "columns": services.ROSTER_COLUMNS,
            "confirm_url": reverse("portal_admin:roster-import"),
        },
    )


def _roster_confirm(request: HttpRequest) -> HttpResponse:
    form = RosterImportForm(user=request.user)
    report = confirm_from_request(request, kind="portal.roster")
    if isinstance(report, HttpResponse):  # a big file: the task cluster imports it
        return report
    if report is None:
        return _roster_page(request, form, None)
    if not report.ok:
        return _roster_page(request, form, report)
    done = _(
        "已导入（导入记录 #%(batch)s）：新增%(created)s人，更新%(updated)s人，未变%(unchanged)s人。"
    ) % {
        "batch": report.batch.pk,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }
    if report.credentials:
        return _credentials_page(request, report.credentials, summary=done, batch=report.batch)
    messages.success(request, done)
    return redirect(batch_url(report.batch))


def roster_template(request: HttpRequest) -> HttpResponse:
    _require(request, "portal.add_person")
    return xlsx_response(services.roster_template(), "人员名册导入模板.xlsx")


def roster_export(request: HttpRequest) -> HttpResponse:
    _require(request, "portal.view_person")
    people = (
        visible_people(request.user)
        .select_related("special_operation__category")
        .order_by("enterprise__name", "name")
    )
    enterprise_id = int_param(request.GET, "enterprise", min=1, max=ID_MAX)
    if enterprise_id is not None:
        people = people.filter(enterprise_id=enterprise_id)
    full = scope_for(request.user).is_supervising
    content = services.export_people(people=people, full_id_numbers=full)
    return xlsx_response(content, f"人员名册-{timezone.localdate():%Y%m%d}.xlsx")


@require_http_methods(["GET", "POST"])
def reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "portal.change_person")
    person = _get_person_for_user(request, pk)
    if not can_change_person(request.user, person):
        raise PermissionDenied
    if request.method == "POST":
        try:
            credential = accounts.reset_password(person=person)
        except accounts.AccountError as exc:
            messages.error(request, exc.message)
            return redirect("portal_people:index")
        summary = _("已重置%(name)s的密码：原密码、已登录的会话和移动端令牌均已失效。") % {
            "name": person.name
        }
        return _credentials_page(request, [credential], summary=summary)
    return TemplateResponse(request, "portal/admin/reset_password.html", {"person": person})


def _credentials_page(
    request: HttpRequest,
    credentials: list[accounts.InitialCredential],
    *,
    summary: str,
    batch=None,
) -> HttpResponse:
    """The first passwords, shown this once: a printable page that carries its own .xlsx (a data:
    link), so neither the page nor the sheet is kept anywhere on the server, and no-store keeps the
    browser from caching it."""
    sheet = accounts.credentials_workbook(credentials)
    response = TemplateResponse(
        request,
        "portal/admin/initial_passwords.html",
        {
            "summary": summary,
            "batch_url": batch_url(batch) if batch is not None else "",
            "credentials": credentials,
            "sheet_url": f"data:{XLSX_CONTENT_TYPE};base64,{base64.b64encode(sheet).decode()}",
            "sheet_name": f"初始密码-{timezone.localtime():%Y%m%d-%H%M}.xlsx",
            "printed_at": timezone.localtime(),
        },
    )
    add_never_cache_headers(response)
    return response
