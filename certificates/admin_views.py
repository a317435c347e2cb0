"""Wagtail admin views: template PDF preview, manual and bulk issuing with progress, revoke, reissue.
Every object is looked up through the user's scope (404 otherwise) and every write needs a permission."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from certificates import services
from certificates.forms import BulkIssueForm, ManualIssueForm, ReasonForm, ReissueForm
from certificates.models import BulkIssue, Certificate, CertificateTemplate
from certificates.views import visible_certificates
from portal import progress


def _render(
    request: HttpRequest, template: str, context: dict, title: str, status: int = 200
) -> TemplateResponse:
    context = {**context, "header_title": title, "page_title": title, "header_icon": "doc-full"}
    return TemplateResponse(request, template, context, status=status)


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _get_certificate_for_user(request: HttpRequest, pk: int) -> Certificate:
    return get_object_or_404(
        visible_certificates(request.user).select_related("person__enterprise", "template"), pk=pk
    )


def _get_bulk_for_user(request: HttpRequest, pk: int) -> BulkIssue:
    qs = BulkIssue.objects.select_related("template", "created_by")
    if not request.user.is_superuser:
        qs = qs.filter(created_by=request.user)
    return get_object_or_404(qs, pk=pk)


def template_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The template rendered with sample data as a real PDF. Rendering happens in the task
    cluster; until the file exists the page says so and refreshes itself."""
    _require(request, "certificates.view_certificatetemplate")
    template = get_object_or_404(CertificateTemplate, pk=pk)
    if services.request_template_preview(template=template):
        return FileResponse(
            default_storage.open(services.preview_path(template), "rb"),
            content_type="application/pdf",
            filename=f"preview-{template.pk}.pdf",
        )
    return _render(
        request,
        "certificates/admin/preview_wait.html",
        {"template": template},
        _("预览证书模板"),
        status=202,
    )


@require_http_methods(["GET", "POST"])
def manual_issue(request: HttpRequest) -> HttpResponse:
    _require(request, "certificates.issue_certificate")
    form = ManualIssueForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        certificate = services.manual_issue(
            user=request.user,
            person=data["person"],
            template=data["template"],
            subject=data["subject"],
            score=data["score"],
            reason=data["reason"],
        )
        messages.success(
            request,
            _("已为%(name)s发证，编号 %(serial)s；PDF正在后台生成。")
            % {"name": certificate.person.name, "serial": certificate.serial},
        )
        return redirect("certificates_certificates:index")
    return _render(request, "certificates/admin/manual_issue.html", {"form": form}, _("手工发证"))


def bulk_list(request: HttpRequest) -> HttpResponse:
    _require(request, "certificates.issue_certificate")
    runs = BulkIssue.objects.select_related("template", "created_by")
    if not request.user.is_superuser:
        runs = runs.filter(created_by=request.user)
    return _render(
        request,
        "certificates/admin/bulk_list.html",
        {"runs": runs.order_by("-created_at")[:50]},
        _("批量发证"),
    )


@require_http_methods(["GET", "POST"])
def bulk_new(request: HttpRequest) -> HttpResponse:
    _require(request, "certificates.issue_certificate")
    form = BulkIssueForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        bulk = services.create_bulk_issue(
            user=request.user,
            template=data["template"],
            subject=data["subject"],
            reason=data["reason"],
            people=data["people"],
        )
        messages.success(
            request, _("已提交批量发证（%(n)s人），正在后台处理。") % {"n": bulk.total}
        )
        record = progress.latest_for_key(services.bulk_progress_key(bulk))
        return redirect(progress.page_url(record))
    return _render(request, "certificates/admin/bulk_new.html", {"form": form}, _("新建批量发证"))


def bulk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "certificates.issue_certificate")
    bulk = _get_bulk_for_user(request, pk)
    counts = services.bulk_progress(bulk)
    record = progress.visible_to(request.user).filter(key=services.bulk_progress_key(bulk)).first()
    return _render(
        request,
        "certificates/admin/bulk_detail.html",
        {"bulk": bulk, "progress": counts, "refresh": not counts["finished"], "record": record},
        _("批量发证进度"),
    )


@require_POST
def bulk_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "certificates.issue_certificate")
    bulk = _get_bulk_for_user(request, pk)
    record = services.start_bulk_progress(bulk=bulk, user=request.user)
    messages.success(request, _("已重新提交：已发的证书不会重复发放。"))
    return redirect(progress.page_url(record))


@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "certificates.revoke_certificate")
    certificate = _get_certificate_for_user(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_certificate(
                certificate=certificate, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("证书 %(serial)s 已撤销。") % {"serial": certificate.serial}
            )
            return redirect("certificates_certificates:index")
    return _render(
        request,
        "certificates/admin/revoke.html",
        {"certificate": certificate, "form": form},
        _("撤销证书"),
    )


@require_http_methods(["GET", "POST"])
def reissue(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "certificates.issue_certificate")
    certificate = _get_certificate_for_user(request, pk)
    details = certificate.details or {}
    form = ReissueForm(
        request.POST or None,
        initial={
            "title": certificate.title,
            "subject": details.get("subject", ""),
            "score": details.get("score", ""),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = services.reissue_certificate(
                certificate=certificate,
                user=request.user,
                reason=data["reason"],
                title=data["title"],
                details={**details, "subject": data["subject"], "score": data["score"]},
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("已换发：新编号 %(new)s，原证书 %(old)s 标记为已换发。")
                % {"new": new.serial, "old": certificate.serial},
            )
            return redirect("certificates_certificates:index")
    return _render(
        request,
        "certificates/admin/reissue.html",
        {"certificate": certificate, "form": form},
        _("更正换发证书"),
    )


def certificate_urls():
    from django.urls import path

    return [
        path("templates/<int:pk>/preview/", template_preview, name="template-preview"),
        path("issue/", manual_issue, name="issue"),
        path("bulk/", bulk_list, name="bulk-list"),
        path("bulk/new/", bulk_new, name="bulk-new"),
        path("bulk/<int:pk>/", bulk_detail, name="bulk-detail"),
        path("bulk/<int:pk>/rerun/", bulk_rerun, name="bulk-rerun"),
        path("<int:pk>/revoke/", revoke, name="revoke"),
        path("<int:pk>/reissue/", reissue, name="reissue"),
    ]
