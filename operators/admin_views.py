"""Admin pages of the register: 无证上岗 (a manager's people, a supervisor's counts by enterprise),
import (preview → one button, undoable in 导入记录), template, export, review/renewal, scan."""

from __future__ import annotations

import mimetypes
from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from operators import services
from operators.forms import CertificateImportForm, RenewalForm
from operators.models import OperatorCertificate
from operators.statistics import unlicensed_figures
from portal import importing
from portal.import_views import batch_url, confirm_from_request
from portal.params import ID_MAX, int_param
from portal.periods import Period
from portal.scoping import (
    Scope,
    administers_enterprise,
    enterprise_q,
    scope_for,
    visible_enterprises,
)
from portal.xlsx import build_workbook, xlsx_response

IMPORT_KIND = "operators.certificates"


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def visible_certificates(user):
    return OperatorCertificate.objects.filter(enterprise_q(user, "person__enterprise"))


def unlicensed(request: HttpRequest) -> HttpResponse:
    """无证上岗: the people of the user's scope (or of one enterprise, ?enterprise=PK, for a
    supervisor) and, for a supervisor, the counts by enterprise."""
    _require(request, "operators.view_operatorcertificate")
    scope = scope_for(request.user)
    enterprise = None
    enterprise_pk = int_param(request.GET, "enterprise", None, min=1, max=ID_MAX)
    if enterprise_pk is not None:
        enterprise = get_object_or_404(visible_enterprises(request.user), pk=enterprise_pk)
        scope = Scope.of_enterprise(enterprise.pk)
    today = timezone.localdate()
    figures = unlicensed_figures(scope, Period.between(today, today))
    if request.GET.get("format") == "xlsx":
        content = build_workbook(
            [_("企业"), _("姓名"), _("身份证号"), _("岗位"), _("缺少有效证书的作业项目")],
            [
                [
                    r.person.enterprise.name,
                    r.person.name,
                    r.person.masked_id_number,
                    r.person.position,
                    r.missing_text,
                ]
                for r in figures["rows"]
            ],
            title=_("无证上岗"),
        )
        return xlsx_response(content, _("无证上岗_%(d)s.xlsx") % {"d": f"{today:%Y%m%d}"})
    return TemplateResponse(
        request,
        "operators/admin/unlicensed.html",
        {
            "figures": figures,
            "enterprise": enterprise,
            "by_enterprise": scope.kind != Scope.Kind.ENTERPRISE,
        },
    )


@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    _require(request, "operators.add_operatorcertificate")
    if "batch" in request.POST:
        return _confirm(request)
    form = CertificateImportForm(request.POST or None, request.FILES or None, user=request.user)
    report = None
    if request.method == "POST" and form.is_valid():
        enterprise = form.cleaned_data["enterprise"]
        report = importing.run_import(
            kind=IMPORT_KIND,
            title=_title(enterprise),
            upload=form.cleaned_data["file"],
            user=request.user,
            target=importing.Target(key=f"enterprise:{enterprise.pk}", enterprise=enterprise),
            run=partial(services.import_certificates, enterprise=enterprise),
            dry_run=True,
            keep_preview=True,
        )
    return _page(request, form, report)


def _title(enterprise) -> str:
    return _("持证记录 → %(enterprise)s") % {"enterprise": enterprise.name}


def _page(request, form, report) -> HttpResponse:
    return TemplateResponse(
        request,
        "operators/admin/import.html",
        {
            "form": form,
            "report": report,
            "columns": services.IMPORT_COLUMNS,
            "confirm_url": reverse("operators_admin:import"),
        },
    )


def _confirm(request: HttpRequest) -> HttpResponse:
    form = CertificateImportForm(user=request.user)
    report = confirm_from_request(request, kind=IMPORT_KIND)
    if isinstance(report, HttpResponse):  # a big file: the task cluster imports it
        return report
    if report is None or not report.ok:
        return _page(request, form, report)
    messages.success(
        request,
        _(
            "已导入（导入记录 #%(batch)s）：新增%(created)s张，更新%(updated)s张，未变%(unchanged)s张。"
        )
        % {
            "batch": report.batch.pk,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        },
    )
    return redirect(batch_url(report.batch))


def template(request: HttpRequest) -> HttpResponse:
    _require(request, "operators.add_operatorcertificate")
    return xlsx_response(services.import_template(), _("持证记录导入模板.xlsx"))


def export(request: HttpRequest) -> HttpResponse:
    _require(request, "operators.view_operatorcertificate")
    today = timezone.localdate()
    content = services.export_workbook(visible_certificates(request.user).current(), today=today)
    return xlsx_response(content, _("持证记录_%(d)s.xlsx") % {"d": f"{today:%Y%m%d}"})


def _certificate_for_user(request, pk: int) -> OperatorCertificate:
    return get_object_or_404(
        visible_certificates(request.user).select_related("person__enterprise__street", "kind"),
        pk=pk,
    )


@require_http_methods(["GET", "POST"])
def renew(request: HttpRequest, pk: int) -> HttpResponse:
    """复审 or 换证 of one certificate: new dates, the old ones kept in its history."""
    _require(request, "operators.change_operatorcertificate")
    cert = _certificate_for_user(request, pk)
    if not administers_enterprise(request.user, cert.person.enterprise):
        raise PermissionDenied
    form = RenewalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_renewal(
                certificate=cert,
                action=form.cleaned_data["action"],
                on=form.cleaned_data["on"],
                expires_on=form.cleaned_data["expires_on"],
                number=form.cleaned_data["number"].strip(),
                user=request.user,
            )
        except services.RenewalError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已登记%(cert)s的复审/换证。") % {"cert": cert})
            return redirect(reverse("operators_certificates:inspect", args=[cert.pk]))
    return TemplateResponse(
        request,
        "operators/admin/renew.html",
        {"form": form, "certificate": cert, "events": cert.events.select_related("by")},
    )


def scan(request: HttpRequest, pk: int) -> HttpResponse:
    """The scanned copy, to whoever may see the certificate (it has no public URL)."""
    _require(request, "operators.view_operatorcertificate")
    cert = _certificate_for_user(request, pk)
    if not cert.scan:
        raise Http404
    name = cert.scan.name.rsplit("/", 1)[-1]
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(cert.scan.open("rb"), content_type=content_type, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
