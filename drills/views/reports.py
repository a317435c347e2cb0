"""A drill's files: attachments and the after-action report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from drills.access import can_oversee
from drills.forms import AttachmentForm
from drills.reports import request_report
from drills.views.common import drill_for_user, managed_drill


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    drill = managed_drill(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        att = form.save(commit=False)
        att.drill = drill
        att.original_name = form.cleaned_data["file"].name[:255]
        att.size = form.cleaned_data["file"].size
        att.uploaded_by = request.user
        att.save()
        messages.success(request, _("附件已上传。"))
    else:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, e)
    return redirect("drills:detail", drill.pk)


@login_required
def attachment_download(request: HttpRequest, pk: int, att_pk: int) -> FileResponse:
    drill = drill_for_user(request, pk)
    att = get_object_or_404(drill.attachments, pk=att_pk)
    return FileResponse(att.file.open("rb"), filename=att.original_name)


@login_required
@require_POST
def report_request(request: HttpRequest, pk: int) -> HttpResponse:
    drill = drill_for_user(request, pk)
    if not can_oversee(request.user, drill):
        raise PermissionDenied
    request_report(drill=drill)
    messages.success(request, _("总结报告正在后台生成，请稍后刷新本页下载。"))
    return redirect("drills:detail", drill.pk)


@login_required
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    drill = drill_for_user(request, pk)
    if not can_oversee(request.user, drill):
        raise PermissionDenied
    report = getattr(drill, "report", None)
    if report is None or not report.file:
        raise Http404
    return FileResponse(
        report.file.open("rb"),
        filename=_("%(code)s-演练总结报告.pdf") % {"code": drill.code},
        content_type="application/pdf",
    )
