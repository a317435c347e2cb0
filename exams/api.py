"""JSON API of the exam engine (same services as the HTML pages).

GET  /api/v1/exams/                         my exams
POST /api/v1/exams/{paper_id}/attempts      start or resume
GET  /api/v1/attempts/{id}                  state, deadline, server time, questions (no answers), my answers
PUT  /api/v1/attempts/{id}/answers/{qid}    {"response": [...], "seq": n} (option keys, or a 填空's blanks)
POST /api/v1/attempts/{id}/submit
GET  /api/v1/attempts/{id}/result
GET  /api/v1/practice/                      banks I may practise, my 错题本's size
POST /api/v1/practice/                      {"bank": id} or {"wrong_book": true}: a practice attempt
GET  /api/v1/practice/wrong-book            my 错题本

What of a question is shown (review items, practice feedback, the 错题本) is decided by
exams.disclosure, as on the HTML pages.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import BaseModel

from exams import access, engine, practice
from exams.engine import Client
from exams.errors import ExamError, ExamErrorCode
from exams.models import Attempt, Paper
from exams.reads import Select
from portal.api import (
    ApiError,
    ErrorOut,
    fast_body,
    fast_error,
    fast_id,
    fast_response,
    fast_route,
    fast_user,
)
from portal.models import Person
from portal.params import SEQ_MAX, Id, Seq

exams_router = Router(tags=["exams"])
attempts_router = Router(tags=["exams"])
practice_router = Router(tags=["exams"])


# the start's reads, SQL written once (exams.reads): the person with their enterprise and street,
# the paper with its owner (no prefetch of the audience: is_eligible reads it only for a paper
# not open to all)
_PERSON = Select(
    Person,
    related=["enterprise", "enterprise__street"],
    where=lambda col: f"{col('user')} = %s",
    order_by=["id"],
    limit=1,
)
_PAPER = Select(
    Paper,
    related=["region", "enterprise", "enterprise__street"],
    where=lambda col: f"{col('id')} = %s",
)


def _person(request):
    """The requesting login's person, with the enterprise and street eligibility reads (one
    query)."""
    person = _PERSON.first([request.user.pk])
    if person is None:
        raise ApiError(404, "no_person", _("您的账号尚未关联从业人员档案。"))
    return person


def _get_attempt_for_user(request, pk: int) -> Attempt:
    try:
        return engine.my_attempt(pk, request.user)
    except ExamError as exc:
        _raise(exc)


# The HTTP status of each engine error: chosen here, at the edge, never in exams.engine.
ERROR_STATUS: dict[ExamErrorCode, int] = {
    ExamErrorCode.NOT_FOUND: 404,
    ExamErrorCode.NOT_OPEN: 409,
    ExamErrorCode.NO_ATTEMPTS_LEFT: 409,
    ExamErrorCode.PAPER_EMPTY: 409,
    ExamErrorCode.NOT_ENOUGH_QUESTIONS: 409,
    ExamErrorCode.INVALID_RESPONSE: 422,
    ExamErrorCode.ATTEMPT_FINISHED: 409,
    ExamErrorCode.DEADLINE_PASSED: 409,
    ExamErrorCode.QUESTION_WITHHELD: 403,
    ExamErrorCode.EXAM_IN_PROGRESS: 409,
    ExamErrorCode.EXAM_ONLY: 409,
    ExamErrorCode.NOTHING_TO_PRACTISE: 409,
}


def _raise(exc: ExamError):
    raise ApiError(ERROR_STATUS[exc.code], exc.code.value, exc.message) from exc


class ExamOut(Schema):
    id: int
    title: str
    mode: str
    duration_minutes: int
    pass_score: float
    opens_at: datetime | None
    closes_at: datetime | None
    attempts_left: int | None
    in_progress_attempt: int | None
    finished_attempts: list[int]


# The attempt's answers (OptionOut, QuestionOut, AttemptOut, SaveOut) are plain pydantic models
# validating the dicts the views build: ninja's Schema reads each object through a DjangoGetter (a
# Python call per field), ≈ 10 % of a start with its 50 questions and 200 options (BENCHMARKS.md).


class OptionOut(BaseModel):
    key: str
    label: str
    text: str


class QuestionOut(BaseModel):
    """A question as the attempt shows it (exams.question_types renders it): a choice question has
    `options` and its response is the chosen option keys; a 填空 (type "fill_blank") has no
    options, `blanks` blanks (each ___ or （　） in the stem, in order) and its response is the
    text of each blank, in order."""

    id: int
    position: int
    type: str
    stem: str
    image: str
    points: float
    options: list[OptionOut]
    blanks: int = 0
    response: list[str]
    seq: int
    flagged: bool
    feedback: dict | None = None  # practice, an answered question: what it may show
    withheld: bool = False  # practice: a question it takes no answer to (exams.disclosure)


class AttemptOut(BaseModel):
    id: int
    paper_id: int
    paper_title: str
    state: str
    number: int
    started_at: datetime
    deadline: datetime | None
    server_time: datetime
    blur_count: int
    questions: list[QuestionOut]


class AnswerIn(Schema):
    response: list[str]  # option keys, or the text of each blank
    seq: Seq  # the exam page sends Date.now(): bounded so a huge one is a 422, not a 500


class SaveOut(BaseModel):
    question: int
    accepted: bool
    seq: int
    response: list[str]
    saved_at: datetime | None
    feedback: dict | None = None


class ResultOut(Schema):
    id: int
    state: str
    finished_at: datetime | None
    finish_reason: str
    review: str
    score: float | None = None
    total: float | None = None
    passed: bool | None = None
    items: list[dict] = []
    withheld: bool = False


@exams_router.get("/", response={200: list[ExamOut], 404: ErrorOut})
def list_exams(request):
    rows = access.my_exams(person=_person(request))
    return [
        {
            "id": r.paper.pk,
            "title": r.paper.title,
            "mode": r.paper.mode,
            "duration_minutes": r.paper.duration_minutes,
            "pass_score": float(r.paper.pass_score),
            "opens_at": r.paper.opens_at,
            "closes_at": r.paper.closes_at,
            "attempts_left": r.attempts_left,
            "in_progress_attempt": r.in_progress.pk if r.in_progress else None,
            "finished_attempts": [a.pk for a in r.finished],
        }
        for r in rows
    ]


def _attempt_payload(attempt: Attempt) -> dict:
    # a start answers with the items it has just written (exams.engine.start_or_resume)
    items = getattr(attempt, "created_items", None)
    if items is None and not attempt.is_finished:
        items = engine.load_items(attempt)
    return {
        "id": attempt.pk,
        "paper_id": attempt.paper_id,
        "paper_title": attempt.paper.title,
        "state": attempt.state,
        "number": attempt.number,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "server_time": timezone.now(),
        "blur_count": attempt.blur_count,
        "questions": engine.public_items(attempt, items, now=timezone.now())
        if not attempt.is_finished
        else [],
    }


@exams_router.post(
    "/{paper_id}/attempts",
    response={200: AttemptOut, 201: AttemptOut, 404: ErrorOut, 409: ErrorOut},
)
def start_attempt(request, paper_id: Id):
    """Starts (201) or resumes (200). The apps' common case is answered by `_fast_start` in
    front of this view, with the same code."""
    status, payload = _start(request, paper_id)
    return Status(status, payload)


def _start(request, paper_id: int) -> tuple[int, dict]:
    person = _person(request)
    paper = _PAPER.first([paper_id])
    if paper is None:
        raise ApiError(404, "not_found", _("未找到该考试。"))
    try:
        attempt, created = engine.start_or_resume(
            paper=paper, person=person, now=timezone.now(), client=Client.from_request(request)
        )
    except ExamError as exc:
        _raise(exc)
    return 201 if created else 200, _attempt_payload(attempt)


_QUESTION_DEFAULTS = {
    name: field.default
    for name, field in QuestionOut.model_fields.items()
    if not field.is_required()
}


def attempt_out(payload: dict) -> dict:
    """`AttemptOut.model_validate(payload).model_dump()` for a payload of `_attempt_payload`
    (whose values already have AttemptOut's types), built directly: AttemptOut's and
    QuestionOut's fields in their order, what they do not declare left out, their defaults
    filled in (tests/exams/test_fast_save.py compares the two). pydantic's validation and dump
    of a start's 50 questions and 200 options was ≈ 7 % of a start's Python."""
    questions = []
    for row in payload["questions"]:
        question = {}
        for name in _QUESTION_FIELDS:
            if name == "options":
                question[name] = [
                    {"key": o["key"], "label": o["label"], "text": o["text"]} for o in row[name]
                ]
            elif name in row:
                question[name] = row[name]
            else:
                question[name] = _QUESTION_DEFAULTS[name]
        questions.append(question)
    out = {name: payload[name] for name in _ATTEMPT_FIELDS}
    out["questions"] = questions
    return out


_QUESTION_FIELDS = tuple(QuestionOut.model_fields)
_ATTEMPT_FIELDS = tuple(name for name in AttemptOut.model_fields if name != "questions")


@fast_route("exams/<str:paper_id>/attempts", "start_attempt")
def _fast_start(request, paper_id: str):
    """`start_attempt` for an app's start (portal.api.fast_route): a POST with a bearer token
    that authenticates and a paper id as `Id` takes it; None — ninja's view answers — for
    anything else (the exam page's session and its CSRF check, 401/403/422, other methods)."""
    if request.method != "POST":
        return None
    paper_pk = fast_id(paper_id)
    if paper_pk is None or fast_user(request) is None:
        return None
    try:
        status, payload = _start(request, paper_pk)
    except ApiError as exc:
        return fast_error(request, exc)
    return fast_response(request, attempt_out(payload), status)


@attempts_router.get("/{attempt_id}", response={200: AttemptOut, 404: ErrorOut})
def get_attempt(request, attempt_id: Id):
    return _attempt_payload(_get_attempt_for_user(request, attempt_id))


@attempts_router.put(
    "/{attempt_id}/answers/{question_id}",
    response={200: SaveOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def put_answer(request, attempt_id: Id, question_id: Id, payload: AnswerIn):
    """The autosave, of the exam page (session + CSRF) and of the apps (token). Queries: on
    PostgreSQL an accepted save is one statement for the answer and its event
    (`engine.quick_save`); otherwise the item with its attempt and paper, then the write
    (tests/exams/test_query_counts.py); the token's row is cached (portal.api.BearerAuth). The
    apps' common case is answered by `_fast_put_answer` in front of this view, with the same
    code."""
    return _save(request, attempt_id, question_id, payload.response, payload.seq)


def _save(request, attempt_id: int, question_id: int, response: list[str], seq: int) -> dict:
    try:
        result = engine.autosave(
            user=request.user,
            attempt_id=attempt_id,
            question_id=question_id,
            response=response,
            seq=seq,
            now=timezone.now(),
            client=Client.from_request(request),
        )
    except ExamError as exc:
        _raise(exc)
    # SaveOut's fields, in its order (the fast route renders this dict without validating it)
    return {
        "question": question_id,
        "accepted": result.accepted,
        "seq": result.seq,
        "response": result.response,
        "saved_at": result.saved_at,
        "feedback": result.feedback,
    }


@fast_route("attempts/<str:attempt_id>/answers/<str:question_id>", "put_answer")
def _fast_put_answer(request, attempt_id: str, question_id: str):
    """`put_answer` for an app's autosave (portal.api.fast_route): a PUT with a bearer token
    that authenticates, ids as `Id` takes them and a body of exactly AnswerIn's types (a list of
    texts, an integer seq in Seq's bounds); None — ninja's view answers — for anything else (the
    exam page's session and its CSRF check, 401/403/400/413/422, other methods)."""
    if request.method != "PUT":
        return None
    attempt_pk, question_pk = fast_id(attempt_id), fast_id(question_id)
    if attempt_pk is None or question_pk is None:
        return None
    data = fast_body(request)
    if data is None:
        return None
    response, seq = data.get("response"), data.get("seq")
    if (
        type(response) is not list
        or type(seq) is not int
        or not 0 <= seq <= SEQ_MAX
        or any(type(text) is not str for text in response)
    ):
        return None
    if fast_user(request) is None:
        return None
    try:
        return fast_response(request, _save(request, attempt_pk, question_pk, response, seq))
    except ApiError as exc:
        return fast_error(request, exc)


def _result_payload(attempt: Attempt) -> dict:
    review = engine.attempt_review(attempt=attempt, now=timezone.now())
    data = {
        "id": attempt.pk,
        "state": attempt.state,
        "finished_at": attempt.finished_at,
        "finish_reason": attempt.finish_reason,
        "review": review.level,
        "items": review.items,
        "withheld": review.withheld,
    }
    if review.level in ("score", "full"):
        data.update(
            score=float(attempt.score or 0), total=float(attempt.total), passed=attempt.passed
        )
    return data


@attempts_router.post("/{attempt_id}/submit", response={200: ResultOut, 404: ErrorOut})
def submit(request, attempt_id: Id):
    attempt = _get_attempt_for_user(request, attempt_id)
    attempt = engine.submit_attempt(
        attempt=attempt, now=timezone.now(), client=Client.from_request(request)
    )
    return _result_payload(attempt)


@attempts_router.get(
    "/{attempt_id}/result", response={200: ResultOut, 404: ErrorOut, 409: ErrorOut}
)
def result(request, attempt_id: Id):
    attempt = _get_attempt_for_user(request, attempt_id)
    if not attempt.is_finished:
        raise ApiError(409, "not_finished", _("尚未交卷，暂无结果。"))
    return _result_payload(attempt)


# ---------------------------------------------------------------- practice and the 错题本


class PracticeBankOut(Schema):
    id: int
    name: str
    description: str
    knowledge_points: list[str]
    busy_with: str | None  # an exam in progress draws from this bank: no practice until it ends


class PracticeOptionsOut(Schema):
    banks: list[PracticeBankOut]
    wrong_count: int
    wrong_busy_with: str | None


class PracticeIn(Schema):
    bank: Id | None = None
    wrong_book: bool = False
    knowledge_point: str = Field("", max_length=50, pattern=r"^[^\x00-\x1f\x7f]*$")
    count: int = Field(10, ge=1, le=50)


class WrongAnswerOut(Schema):
    question_id: int
    type: str
    stem: str
    bank: str
    wrong_count: int
    right_streak: int
    last_wrong_at: datetime
    # as the 错题本 page: only where disclose() allows it (the paper's review shows answers)
    answer_text: str | None = None
    explanation: str | None = None


class WrongBookOut(Schema):
    entries: list[WrongAnswerOut]
    busy_with: str | None


@practice_router.get("/", response={200: PracticeOptionsOut, 404: ErrorOut})
def practice_options(request):
    options = practice.practice_options(person=_person(request), now=timezone.now())
    return {
        "banks": [
            {
                "id": row.bank.pk,
                "name": row.bank.name,
                "description": row.bank.description,
                "knowledge_points": row.knowledge_points,
                "busy_with": row.busy_with,
            }
            for row in options.banks
        ],
        "wrong_count": options.wrong_count,
        "wrong_busy_with": options.wrong_busy_with,
    }


@practice_router.post("/", response={201: AttemptOut, 404: ErrorOut, 409: ErrorOut})
def start_practice(request, payload: PracticeIn):
    """A practice attempt from a bank or from the 错题本; 409 `exam_only` for an exam-only bank,
    `exam_in_progress` while an exam in progress draws from it (any exam, for the 错题本),
    `nothing_to_practise` when no question is left."""
    try:
        attempt = practice.start_practice(
            person=_person(request),
            now=timezone.now(),
            bank_id=None if payload.wrong_book else payload.bank,
            knowledge_point=payload.knowledge_point.strip(),
            wrong_book=payload.wrong_book,
            count=payload.count,
            client=Client.from_request(request),
        )
    except ExamError as exc:
        _raise(exc)
    return Status(201, _attempt_payload(attempt))


@practice_router.get("/wrong-book", response={200: WrongBookOut, 404: ErrorOut})
def wrong_book(request):
    book = practice.wrong_book(person=_person(request), now=timezone.now())
    return {
        "entries": [
            {
                "question_id": w.question_id,
                "type": w.question.type,
                "stem": w.question.stem,
                "bank": w.question.bank.name,
                "wrong_count": w.wrong_count,
                "right_streak": w.right_streak,
                "last_wrong_at": w.last_wrong_at,
                "answer_text": w.review.get("answer_text"),
                "explanation": w.review.get("explanation"),
            }
            for w in book.entries
        ],
        "busy_with": book.busy_with,
    }
