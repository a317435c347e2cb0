"""Pages of the exam engine for workers: my exams, instructions, the attempt screen (with its JSON
endpoints for flag, blur and submit; the page autosaves through the API, PUT
/api/v1/attempts/{id}/answers/{qid}), results, practice and the 错题本."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exams import access, engine
from exams.api import ERROR_STATUS
from exams.disclosure import review_level
from exams.engine import Client
from exams.errors import ExamError, ExamErrorCode
from exams.models import Attempt, Paper
from exams.practice import practice_options, start_practice
from exams.practice import wrong_book as person_wrong_book
from portal.params import ID_MAX, ParameterError, int_param, int_value


def _person(request: HttpRequest):
    person = getattr(request.user, "person", None)
    if person is None:
        raise Http404(_("您的账号尚未关联从业人员档案。"))
    return person


def _get_attempt_for_user(request: HttpRequest, pk: int) -> Attempt:
    """The attempt if it is the requesting person's own; 404 otherwise (ids cannot be probed)."""
    return get_object_or_404(access.own_attempts(request.user), pk=pk)


def _get_paper_for_user(request: HttpRequest, pk: int) -> Paper:
    person = _person(request)
    paper = get_object_or_404(
        Paper.objects.select_related("region", "enterprise__street").prefetch_related(
            "audience_enterprises", "audience_people"
        ),
        pk=pk,
    )
    if not access.is_eligible(paper=paper, person=person):
        raise Http404
    return paper


def _error_json(exc: ExamError) -> JsonResponse:
    return JsonResponse({"code": exc.code, "message": exc.message}, status=ERROR_STATUS[exc.code])


def _mark_passed(rows, now) -> None:
    """`passed_review` on rows with a passed formal exam: what the paper's policy lets the page
    show of it now ("nothing" hides the score)."""
    for row in rows:
        if row.passed_attempt is not None:
            row.passed_review = review_level(row.passed_attempt, now)


@login_required
def exam_list(request: HttpRequest) -> HttpResponse:
    person = getattr(request.user, "person", None)
    rows = access.my_exams(person=person) if person else []
    now = timezone.now()
    _mark_passed(rows, now)
    return render(
        request,
        "exams/exam_list.html",
        {
            "rows": [r for r in rows if not r.paper.is_practice],
            "practice_rows": [r for r in rows if r.paper.is_practice],
            "now": now,
            "has_person": person is not None,
        },
    )


@login_required
def paper_detail(request: HttpRequest, pk: int) -> HttpResponse:
    paper = _get_paper_for_user(request, pk)
    person = _person(request)
    row = access.MyExam(paper=paper, attempts=list(paper.attempts.filter(person=person)))
    now = timezone.now()
    _mark_passed([row], now)
    return render(
        request,
        "exams/paper_detail.html",
        {
            "paper": paper,
            "row": row,
            "is_open": engine.start_refusal(paper, now) is None,
            "total": paper.total_score,
        },
    )


@login_required
@require_POST
def attempt_start(request: HttpRequest, pk: int) -> HttpResponse:
    paper = _get_paper_for_user(request, pk)
    try:
        attempt, _created = engine.start_or_resume(
            paper=paper,
            person=_person(request),
            now=timezone.now(),
            client=Client.from_request(request),
        )
    except ExamError as exc:
        messages.error(request, exc.message)
        return redirect("exams:paper", pk=paper.pk)
    return redirect("exams:attempt", pk=attempt.pk)


@login_required
def attempt_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The answering screen. Queries are fixed: attempt (+paper, person), its items, session/user.
    The page carries no correct answer while the attempt is open."""
    attempt = _get_attempt_for_user(request, pk)
    if attempt.is_finished:
        return redirect("exams:result", pk=attempt.pk)
    now = timezone.now()
    if attempt.deadline and now > attempt.deadline + engine.save_grace():
        engine.finish_attempt(attempt=attempt, now=now, reason=Attempt.FinishReason.TIMEOUT)
        return redirect("exams:result", pk=attempt.pk)
    items = engine.public_items(attempt, engine.load_items(attempt), now=now)
    config = {
        "attempt": attempt.pk,
        "serverNow": now.isoformat(),
        "deadline": attempt.deadline.isoformat() if attempt.deadline else None,
        "practice": attempt.paper.is_practice,
        "blurLimit": attempt.paper.blur_limit,
        "saveUrl": f"/api/v1/attempts/{attempt.pk}/answers/",  # + question id: PUT (exams.api)
        "flagUrl": f"/exams/attempts/{attempt.pk}/flag/",
        "blurUrl": f"/exams/attempts/{attempt.pk}/blur/",
        "resultUrl": f"/exams/attempts/{attempt.pk}/result/",
        "items": items,
    }
    return render(
        request,
        "exams/attempt.html",
        {
            "attempt": attempt,
            "paper": attempt.paper,
            "items": items,
            "config": config,
            "withheld_message": engine.WITHHELD_MESSAGE,
        },
    )


def _json_body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ParameterError(_("请求数据格式不正确。"))
    return data


@login_required
@require_POST
def attempt_flag(request: HttpRequest, pk: int) -> JsonResponse:
    attempt = _get_attempt_for_user(request, pk)
    try:
        data = _json_body(request)
        engine.set_flag(
            attempt=attempt,
            question_id=int_value(data.get("question"), name="question", min=1, max=ID_MAX),
            flagged=bool(data.get("flagged")),
            now=timezone.now(),
        )
    except ParameterError:
        return JsonResponse(
            {"code": "invalid_request", "message": _("请求数据格式不正确。")}, status=422
        )
    except ExamError as exc:
        return _error_json(exc)
    return JsonResponse({"ok": True})


@login_required
@require_POST
def attempt_blur(request: HttpRequest, pk: int) -> JsonResponse:
    attempt = _get_attempt_for_user(request, pk)
    attempt = engine.record_blur(
        attempt=attempt, now=timezone.now(), client=Client.from_request(request)
    )
    return JsonResponse(
        {
            "blur_count": attempt.blur_count,
            "finished": attempt.is_finished,
            "limit": attempt.paper.blur_limit,
        }
    )


@login_required
@require_POST
def attempt_submit(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _get_attempt_for_user(request, pk)
    engine.submit_attempt(attempt=attempt, now=timezone.now(), client=Client.from_request(request))
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(
            {"finished": True, "result_url": f"/exams/attempts/{attempt.pk}/result/"}
        )
    return redirect("exams:result", pk=attempt.pk)


@login_required
def attempt_result(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _get_attempt_for_user(request, pk)
    if not attempt.is_finished:
        return redirect("exams:attempt", pk=attempt.pk)
    review = engine.attempt_review(attempt=attempt, now=timezone.now())
    return render(
        request,
        "exams/result.html",
        {
            "attempt": attempt,
            "paper": attempt.paper,
            "level": review.level,
            "items": review.items,
            "withheld": review.withheld,
        },
    )


@login_required
def practice(request: HttpRequest) -> HttpResponse:
    options = practice_options(person=_person(request), now=timezone.now())
    return render(request, "exams/practice.html", {"options": options})


@login_required
@require_POST
def practice_start(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    wrong_book = request.POST.get("source") == "wrong"
    try:
        bank_id = None if wrong_book else int_param(request.POST, "bank", min=1, max=ID_MAX)
    except ParameterError:
        raise Http404 from None
    if not wrong_book and bank_id is None:
        raise Http404
    count = int_param(request.POST, "count", 10, min=1, max=50)
    try:
        attempt = start_practice(
            person=person,
            now=timezone.now(),
            bank_id=bank_id,
            knowledge_point=request.POST.get("kp", "").strip(),
            wrong_book=wrong_book,
            count=count,
            client=Client.from_request(request),
        )
    except ExamError as exc:
        if exc.code == ExamErrorCode.NOT_FOUND:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
        return redirect("exams:wrong-book" if wrong_book else "exams:practice")
    return redirect("exams:attempt", pk=attempt.pk)


@login_required
def wrong_book(request: HttpRequest) -> HttpResponse:
    book = person_wrong_book(person=_person(request), now=timezone.now())
    return render(request, "exams/wrong_book.html", {"book": book})


def me_section_context(request: HttpRequest) -> dict | None:
    """None for a login without a person record: it has no exams, practice or wrong-answer book,
    so the 工作台 shows no block linking to them."""
    person = getattr(request.user, "person", None)
    if person is None:
        return None
    rows = access.my_exams(person=person)
    open_rows = [
        r
        for r in rows
        if r.in_progress
        or (not r.passed_attempt and r.attempts_left != 0 and r.paper.is_open(timezone.now()))
    ]
    recent = list(
        Attempt.objects.filter(
            person=person, state=Attempt.State.FINISHED, paper__practice_for__isnull=True
        )
        .select_related("paper")
        .order_by("-finished_at")[:5]
    )
    now = timezone.now()
    for a in recent:
        a.review = review_level(a, now)
    return {"has_person": True, "open": open_rows[:5], "recent": recent}


def home_section_context(request: HttpRequest) -> dict | None:
    if not request.user.is_authenticated or getattr(request.user, "person", None) is None:
        return None
    ctx = me_section_context(request)
    return ctx if ctx and ctx["open"] else None
