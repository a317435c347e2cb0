"""Admin pages of 统计填报: the list of returns (a manager's to-do, a supervisor's review queue),
the filing form, one filing with its review actions and history, and the tracker.

Every object is fetched through one helper that answers 404 for what the user may not see
(`_form_for_manager`, `_filing_for_user`); the capabilities come from returns.services.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import importing as batches
from portal.import_views import confirm_from_request
from portal.models import Enterprise
from portal.scoping import Scope, scope_for, visible_enterprises
from portal.xlsx import build_workbook, xlsx_response
from returns import importing as returns_importing
from returns import reminders, services
from returns.forms import FilingForm, ImportUploadForm
from returns.items import ordered
from returns.models import Filing, FilingStatus, ReturnForm, parse_value
from returns.prefill import recorded_values


def _page(request, template: str, title: str, context: dict) -> TemplateResponse:
    context.update({"header_title": title, "page_title": title, "header_icon": "form"})
    return TemplateResponse(request, template, context)


def _staff(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not scope.is_staff_scope:
        raise PermissionDenied
    return scope


def _form_for_manager(request: HttpRequest, pk: int) -> tuple[ReturnForm, Enterprise]:
    """A published form asking the manager's own enterprise, else 404 (403 for non-managers)."""
    scope = _staff(request)
    if scope.kind != Scope.Kind.ENTERPRISE:
        raise PermissionDenied
    form = get_object_or_404(
        ReturnForm.objects.filter(is_open=True).select_related("region"), pk=pk
    )
    enterprise = get_object_or_404(
        Enterprise.objects.select_related("street"), pk=scope.enterprise_id
    )
    if not form.asks(enterprise):
        raise Http404
    return form, enterprise


def _filing_for_user(request: HttpRequest, pk: int) -> Filing:
    _staff(request)
    return get_object_or_404(
        services.visible_filings(request.user).select_related("form__region", "enterprise__street"),
        pk=pk,
    )


def index(request: HttpRequest) -> HttpResponse:
    scope = _staff(request)
    context: dict = {"scope_kind": str(scope.kind)}
    if scope.kind == Scope.Kind.ENTERPRISE:
        forms = services.open_forms_for(scope.enterprise_id)
        filings = {
            f.form_id: f
            for f in Filing.objects.filter(enterprise_id=scope.enterprise_id, form__in=forms)
        }
        context["mine"] = [{"form": f, "filing": filings.get(f.pk)} for f in forms]
    else:
        context["forms"] = list(services.visible_forms(request.user).distinct())
        queue = services.visible_filings(request.user).filter(
            status__in=(FilingStatus.SUBMITTED, FilingStatus.PASSED)
        )
        context["queue"] = [
            f
            for f in queue.select_related("form", "enterprise__street").order_by("submitted_at")
            if services.can_pass(request.user, f)
            or services.can_accept(request.user, f)
            or services.can_return(request.user, f)
        ]
        context["can_define"] = services.can_edit_form(request.user)
        context["tracker_ready"] = True
    return _page(request, "returns/admin/index.html", _("统计填报"), context)


def fill(request: HttpRequest, pk: int) -> HttpResponse:
    form_def, enterprise = _form_for_manager(request, pk)
    filing = services.filing_for(form_def, enterprise)
    if filing.pk and not filing.is_editable:
        return redirect("returns_admin:filing", pk=filing.pk)
    recorded = recorded_values(enterprise.pk, form_def.period)
    problems: list[str] = []
    if request.method == "POST":
        form = FilingForm(request.POST, return_form=form_def, filing=filing, recorded=recorded)
        if form.is_valid():
            submit = "submit" in request.POST
            try:
                filing = services.save_filing(
                    filing=filing,
                    user=request.user,
                    additional=form.additional(),
                    note=form.cleaned_data["note"],
                    submit=submit,
                    now=timezone.now(),
                )
            except services.ReturnError as error:
                messages.error(request, error.message)
                problems = error.problems
            else:
                messages.success(
                    request, _("已提交，等待街道审核。") if submit else _("草稿已保存。")
                )
                if submit:
                    return redirect("returns_admin:filing", pk=filing.pk)
                return redirect("returns_admin:fill", pk=form_def.pk)
        else:
            messages.error(request, _("填报有误，未保存。"))
    else:
        form = FilingForm(return_form=form_def, filing=filing, recorded=recorded)
    title = _("填报：%(name)s") % {"name": form_def.name}
    return _page(
        request,
        "returns/admin/fill.html",
        title,
        {
            "return_form": form_def,
            "enterprise": enterprise,
            "filing": filing,
            "form": form,
            "problems": problems,
        },
    )


def filing(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _filing_for_user(request, pk)
    user = request.user
    rows = []
    for item in ordered(obj.form.items):
        recorded = parse_value(obj.recorded.get(item.key)) or 0
        additional = obj.value(item.key)
        rows.append(
            {
                "item": item,
                "recorded": recorded,
                "additional": additional,
                "total": recorded + additional,
            }
        )
    title = _("%(enterprise)s · %(name)s") % {"enterprise": obj.enterprise, "name": obj.form}
    return _page(
        request,
        "returns/admin/filing.html",
        title,
        {
            "filing": obj,
            "rows": rows,
            "changes": obj.changes.select_related("user").order_by("-at", "-pk"),
            "may_fill": services.can_fill(user, obj) and obj.is_editable,
            "may_pass": services.can_pass(user, obj),
            "may_accept": services.can_accept(user, obj),
            "may_return": services.can_return(user, obj),
        },
    )


@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _filing_for_user(request, pk)
    action = request.POST.get("action", "")
    try:
        services.review(
            filing=obj,
            user=request.user,
            action=action,
            reason=request.POST.get("reason", ""),
            now=timezone.now(),
        )
    except services.ReturnError as error:
        if error.code == services.ReturnErrorCode.WRONG_STATE and not (
            services.can_pass(request.user, obj)
            or services.can_accept(request.user, obj)
            or services.can_return(request.user, obj)
        ):
            raise PermissionDenied from None
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            {
                "pass": _("已审核通过，报区采纳。"),
                "accept": _("已采纳。"),
                "return": _("已退回企业。"),
            }[action],
        )
    return redirect("returns_admin:filing", pk=obj.pk)


def tracker(request: HttpRequest, pk: int) -> HttpResponse:
    """Supervisors: which target enterprises of their region filed, are late, were returned;
    ?export=xlsx downloads the same rows."""
    scope = _staff(request)
    if scope.kind not in (Scope.Kind.REGION, Scope.Kind.ALL):
        raise PermissionDenied
    form_def = get_object_or_404(
        services.visible_forms(request.user).select_related("region").distinct(), pk=pk
    )
    enterprises = visible_enterprises(request.user)
    if not enterprises.filter(form_def.targets_q()).exists():
        raise Http404  # the form asks none of the user's enterprises
    rows = reminders.tracker_rows(form_def, enterprises, today=timezone.localdate())
    status = request.GET.get("status", "")
    shown = {
        "": rows,
        "late": [r for r in rows if r.late],
        "returned": [r for r in rows if r.status == FilingStatus.RETURNED],
        "not_filed": [r for r in rows if not r.status or r.status == FilingStatus.DRAFT],
        "filed": [
            r
            for r in rows
            if r.status and r.status not in (FilingStatus.DRAFT, FilingStatus.RETURNED)
        ],
    }.get(status, rows)
    if request.GET.get("export") == "xlsx":
        columns = [_("街道"), _("企业"), _("状态"), _("提交时间"), _("逾期"), _("退回原因")]
        table = [
            [
                r.street,
                r.enterprise,
                str(r.status_label),
                timezone.localtime(r.submitted_at).strftime("%Y-%m-%d %H:%M")
                if r.submitted_at
                else "",
                _("是") if r.late else "",
                r.reason,
            ]
            for r in shown
        ]
        content = build_workbook(columns, table, title=_("填报进度"))
        return xlsx_response(content, _("%(name)s-填报进度.xlsx") % {"name": form_def.name})
    title = _("填报进度：%(name)s") % {"name": form_def.name}
    return _page(
        request,
        "returns/admin/tracker.html",
        title,
        {
            "return_form": form_def,
            "rows": shown,
            "counts": reminders.tracker_counts(rows),
            "status": status,
        },
    )


def _form_for_import(request: HttpRequest, pk: int) -> ReturnForm:
    """Supervisors (and superusers): a form asking at least one of their enterprises."""
    scope = _staff(request)
    if scope.kind not in (Scope.Kind.REGION, Scope.Kind.ALL):
        raise PermissionDenied
    form_def = get_object_or_404(
        services.visible_forms(request.user).select_related("region").distinct(), pk=pk
    )
    if not visible_enterprises(request.user).filter(form_def.targets_q()).exists():
        raise Http404
    return form_def


def import_filings(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload → preview (counts and every bad row) → one button imports, as one batch of the
    import history (portal.importing: the same file refused twice, undo)."""
    form_def = _form_for_import(request, pk)
    upload_form = ImportUploadForm(request.POST or None, request.FILES or None)
    run = partial(returns_importing.import_returns, user=request.user, form=form_def)
    report = None
    if "batch" in request.POST:

        def run_for(batch):
            if batch.target != f"returns.form:{form_def.pk}":
                raise PermissionDenied
            return returns_importing.filings_importer(batch, request.user)

        report = confirm_from_request(request, kind="returns.filings", run_for=run_for)
        if isinstance(report, HttpResponse):  # a big file: the task cluster imports it
            return report
        if report is not None and report.ok:
            messages.success(
                request,
                _("已导入 %(n)s 家企业的填报（导入记录 #%(batch)s），待区采纳。")
                % {"n": report.created + report.updated, "batch": report.batch.pk},
            )
            return redirect("returns_admin:tracker", pk=form_def.pk)
        upload_form = ImportUploadForm()
    elif request.method == "POST" and upload_form.is_valid():
        owner = batches.owner_of_user(request.user)
        report = batches.run_import(
            kind="returns.filings",
            title=_("统计填报：%(name)s") % {"name": form_def.name},
            upload=upload_form.cleaned_data["file"],
            user=request.user,
            target=batches.Target(key=f"returns.form:{form_def.pk}", region=owner.region),
            run=run,
            dry_run=True,
            keep_preview=True,
        )
    title = _("批量导入填报：%(name)s") % {"name": form_def.name}
    return _page(
        request,
        "returns/admin/import.html",
        title,
        {
            "return_form": form_def,
            "form": upload_form,
            "report": report,
            "columns": returns_importing.import_columns(form_def),
            "confirm_url": reverse("returns_admin:import", args=[form_def.pk]),
        },
    )
