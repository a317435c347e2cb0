"""Admin views of the exam engine: question import (with template), bank export, results per paper
(filters, .xlsx export), item statistics and an attempt's event log. Every view is scoped."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from exams import access, importing, statistics
from exams.forms import QuestionImportForm, ResultFilterForm
from exams.models import Attempt
from portal import importing as batches
from portal.import_views import batch_url, confirm_from_request
from portal.xlsx import build_workbook, xlsx_response


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _render(request, template: str, context: dict, title: str) -> TemplateResponse:
    context = {**context, "header_title": title, "page_title": title, "header_icon": "form"}
    return TemplateResponse(request, template, context)


def _get_bank_for_user(request: HttpRequest, pk: int):
    return get_object_or_404(access.visible_banks(request.user), pk=pk)


def _get_paper_for_user(request: HttpRequest, pk: int):
    return get_object_or_404(access.result_papers(request.user), pk=pk)


def _get_attempt_for_user(request: HttpRequest, pk: int) -> Attempt:
    return get_object_or_404(
        access.visible_attempts(request.user).select_related("paper", "person__enterprise"),
        pk=pk,
    )


@require_http_methods(["GET", "POST"])
def question_import(request: HttpRequest) -> HttpResponse:
    """Upload → preview (counts and every bad row) → one button imports, as one batch of the
    import history (portal.importing)."""
    _require(request, "exams.add_question")
    if "batch" in request.POST:
        return _question_confirm(request)
    form = QuestionImportForm(request.POST or None, request.FILES or None, user=request.user)
    report = None
    if request.method == "POST" and form.is_valid():
        bank = form.cleaned_data["bank"]
        report = batches.run_import(
            kind="exams.questions",
            title=_("试题 → %(bank)s") % {"bank": bank.name},
            upload=form.cleaned_data["file"],
            user=request.user,
            target=_bank_target(bank),
            run=partial(importing.import_questions, bank=bank),
            dry_run=True,
            keep_preview=True,
            params={"bank": bank.pk},
        )
    return _question_page(request, form, report)


def _bank_target(bank) -> batches.Target:
    return batches.Target(key=f"bank:{bank.pk}", enterprise=bank.enterprise, region=bank.region)


def _question_page(request, form, report) -> TemplateResponse:
    return _render(
        request,
        "exams/admin/question_import.html",
        {
            "form": form,
            "report": report,
            "columns": importing.COLUMNS,
            "confirm_url": reverse("exams_admin:import"),
        },
        _("导入试题"),
    )


def _question_confirm(request: HttpRequest) -> HttpResponse:
    form = QuestionImportForm(user=request.user)
    report = confirm_from_request(request, kind="exams.questions")
    if isinstance(report, HttpResponse):  # a big file: the task cluster imports it
        return report
    if report is None:
        return _question_page(request, form, None)
    if not report.ok:
        return _question_page(request, form, report)
    messages.success(
        request,
        _("已导入（导入记录 #%(batch)s）：%(created)s道试题，%(skipped)s道题干重复未导入。")
        % {"batch": report.batch.pk, "created": report.created, "skipped": report.skipped},
    )
    for note in report.notes:
        messages.warning(request, note)
    return redirect(batch_url(report.batch))


def question_template(request: HttpRequest) -> HttpResponse:
    _require(request, "exams.add_question")
    return xlsx_response(importing.template_workbook(), _("试题导入模板.xlsx"))


def bank_export(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "exams.view_question")
    bank = _get_bank_for_user(request, pk)
    return xlsx_response(
        importing.export_workbook(bank.questions.order_by("pk")), f"{bank.name}.xlsx"
    )


def _filtered_attempts(request: HttpRequest, paper, form: ResultFilterForm):
    attempts = (
        access.visible_attempts(request.user)
        .filter(paper=paper)
        .select_related("person__enterprise")
        .order_by("person__enterprise__name", "person__name", "number")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["enterprise"]:
            attempts = attempts.filter(person__enterprise=data["enterprise"])
        if data["state"]:
            attempts = attempts.filter(state=data["state"])
        if data["passed"] == "yes":
            attempts = attempts.filter(passed=True)
        elif data["passed"] == "no":
            attempts = attempts.filter(Q(passed=False) | Q(passed__isnull=True))
        if data["q"]:
            attempts = attempts.filter(person__name__contains=data["q"])
    return attempts


def result_papers(request: HttpRequest) -> HttpResponse:
    """The papers whose results the user may read (their own, and district/street papers their
    enterprise's people took), newest first, each with the number of attempts the user may read.
    Queries: session/user, groups, papers (+ owner), attempt counts, administered ids."""
    from django.core.paginator import Paginator
    from django.db.models import Count

    _require(request, "exams.view_attempt")
    papers = (
        access.result_papers(request.user)
        .select_related("region", "enterprise")
        .order_by("-closes_at", "-pk")
    )
    page = Paginator(papers, 50).get_page(request.GET.get("page"))
    ids = [paper.pk for paper in page]
    counts = dict(
        access.visible_attempts(request.user)
        .filter(paper_id__in=ids)
        .values_list("paper_id")
        .annotate(n=Count("pk"))
    )
    administered = set(
        access.visible_papers(request.user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    rows = [
        {"paper": p, "attempts": counts.get(p.pk, 0), "administered": p.pk in administered}
        for p in page
    ]
    return _render(
        request, "exams/admin/result_papers.html", {"rows": rows, "page": page}, _("成绩查询")
    )


def paper_results(request: HttpRequest, pk: int) -> HttpResponse:
    """Queries: session/user, groups, paper, enterprises (filter form), attempts (+person,
    enterprise) — the same whatever the number of attempts."""
    _require(request, "exams.view_attempt")
    paper = _get_paper_for_user(request, pk)
    form = ResultFilterForm(request.GET or None, user=request.user)
    attempts = _filtered_attempts(request, paper, form)
    if request.GET.get("export") == "xlsx":
        content = build_workbook(
            [str(c) for c in statistics.RESULT_COLUMNS],
            statistics.result_rows(attempts),
            title=_("成绩"),
        )
        return xlsx_response(content, _("%(title)s-成绩.xlsx") % {"title": paper.title})
    rows = list(attempts[:1000])
    finished = [a for a in rows if a.state == Attempt.State.FINISHED]
    summary = {
        "count": len(rows),
        "finished": len(finished),
        "passed": sum(1 for a in finished if a.passed),
        "average": (sum(a.score or 0 for a in finished) / len(finished)) if finished else None,
    }
    return _render(
        request,
        "exams/admin/results.html",
        {
            "paper": paper,
            "form": form,
            "attempts": rows,
            "summary": summary,
            "export_query": (request.GET.urlencode() + "&" if request.GET else "") + "export=xlsx",
        },
        _("成绩：%(title)s") % {"title": paper.title},
    )


def paper_statistics(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "exams.view_attempt")
    paper = get_object_or_404(access.visible_papers(request.user), pk=pk)
    stats = statistics.item_statistics(paper=paper)
    return _render(
        request,
        "exams/admin/statistics.html",
        {"paper": paper, "stats": stats},
        _("试题分析：%(title)s") % {"title": paper.title},
    )


def attempt_events(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "exams.view_attempt")
    attempt = _get_attempt_for_user(request, pk)
    return _render(
        request,
        "exams/admin/events.html",
        {"attempt": attempt, "events": list(attempt.events.all())},
        _("答卷记录：%(name)s") % {"name": attempt.person.name},
    )
