"""Admin views of the portal app: roster import (with template), export, password reset."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal import services
from portal.forms_admin import RosterImportForm
from portal.models import Person
from portal.scoping import scope_for, visible_people
from portal.xlsx import xlsx_response


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _get_person_for_user(request: HttpRequest, pk: int) -> Person:
    return get_object_or_404(
        visible_people(request.user).select_related("enterprise", "user"), pk=pk
    )


@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest) -> HttpResponse:
    _require(request, "portal.add_person")
    form = RosterImportForm(request.POST or None, request.FILES or None, user=request.user)
    report = None
    if request.method == "POST" and form.is_valid():
        enterprise = form.cleaned_data["enterprise"]
        report = services.import_people(
            enterprise=enterprise,
            upload=form.cleaned_data["file"],
            dry_run=form.cleaned_data["dry_run"],
        )
        if report.ok and not report.dry_run:
            messages.success(
                request,
                _(
                    "已导入：新增%(created)s人，更新%(updated)s人。新账号的初始密码为身份证号后六位，首次登录须修改。"
                )
                % {"created": report.created, "updated": report.updated},
            )
            return redirect("portal_people:index")
    return TemplateResponse(
        request,
        "portal/admin/roster_import.html",
        {"form": form, "report": report, "columns": services.ROSTER_COLUMNS},
    )


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
    enterprise_id = request.GET.get("enterprise")
    if enterprise_id and enterprise_id.isdigit():
        people = people.filter(enterprise_id=enterprise_id)
    full = scope_for(request.user).kind in {"all", "region"}
    content = services.export_people(people=people, full_id_numbers=full)
    return xlsx_response(content, f"人员名册-{timezone.localdate():%Y%m%d}.xlsx")


@require_http_methods(["GET", "POST"])
def reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "portal.change_person")
    person = _get_person_for_user(request, pk)
    if request.method == "POST":
        services.reset_password(person=person)
        messages.success(
            request,
            _("已重置%(name)s的密码为身份证号后六位，下次登录须修改。") % {"name": person.name},
        )
        return redirect("portal_people:index")
    return TemplateResponse(request, "portal/admin/reset_password.html", {"person": person})
