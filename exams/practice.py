"""Practice and the 错题本: the banks a person may practise, a practice paper drawn for them, and
the wrong answers as the papers' review policies let them see them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from exams.access import owner_covers_q
from exams.disclosure import Disclosure, disclose, withheld_questions
from exams.engine import Client, start_or_resume
from exams.errors import ExamError, ExamErrorCode
from exams.models import (
    Attempt,
    AttemptQuestion,
    Paper,
    Question,
    QuestionBank,
    WrongAnswer,
    knowledge_point_q,
    split_knowledge_points,
)
from portal.models import Person


def _open_exam_banks(person: Person) -> dict[int, str]:
    """Banks the person's non-practice attempts in progress draw from → the paper's title. One
    query."""
    rows = (
        AttemptQuestion.objects.filter(
            attempt__person=person, attempt__state=Attempt.State.IN_PROGRESS
        )
        .exclude(attempt__paper__mode=Paper.Mode.PRACTICE)
        .values_list("question__bank_id", "attempt__paper__title")
        .distinct()
    )
    return dict(rows)


@dataclass
class PracticeBank:
    bank: QuestionBank
    knowledge_points: list[str]
    busy_with: str | None = None  # the title of an exam in progress that draws from it


@dataclass
class PracticeOptions:
    banks: list[PracticeBank]
    wrong_count: int
    wrong_busy_with: str | None = None  # an exam in progress: no practice from the 错题本


def practice_banks(person: Person):
    """Banks the person may practise: within their owners, not exam-only."""
    return QuestionBank.objects.filter(owner_covers_q(person), exam_only=False).order_by("name")


def practice_options(*, person: Person, now: datetime) -> PracticeOptions:
    """The practice page and GET /api/v1/practice/. Queries: banks, knowledge points, exams in
    progress, and the 错题本's count (2–3)."""
    banks = list(practice_banks(person))
    points: dict[int, list[str]] = {}
    for bank_id, text in (
        Question.objects.active()
        .filter(bank__in=[b.pk for b in banks])
        .values_list("bank_id", "knowledge_points")
        .distinct()
    ):
        for point in split_knowledge_points(text):
            if point not in points.setdefault(bank_id, []):
                points[bank_id].append(point)
    busy = _open_exam_banks(person)
    return PracticeOptions(
        banks=[
            PracticeBank(
                bank=b, knowledge_points=sorted(points.get(b.pk, [])), busy_with=busy.get(b.pk)
            )
            for b in banks
        ],
        wrong_count=open_wrong_answers(person, now=now).count(),
        wrong_busy_with=next(iter(busy.values()), None),
    )


def start_practice(
    *,
    person: Person,
    now: datetime,
    bank_id: int | None = None,
    knowledge_point: str = "",
    wrong_book: bool = False,
    count: int = 10,
    client: Client | None = None,
) -> Attempt:
    """A personal 练习 paper: from a bank (optionally one knowledge point), or from the 错题本.
    Never a question `disclose` withholds from practice; refused while an exam in progress draws
    from the bank (or, for the 错题本, while any exam is in progress: the book spans every bank)."""
    busy = _open_exam_banks(person)
    if wrong_book:
        if busy:
            raise ExamError(
                ExamErrorCode.EXAM_IN_PROGRESS,
                _("您正在参加考试“%(paper)s”，交卷后才能练习错题。")
                % {"paper": next(iter(busy.values()))},
            )
        ids = list(
            open_wrong_answers(person, now=now)
            .filter(question__status=Question.Status.ACTIVE, question__bank__exam_only=False)
            .values_list("question_id", flat=True)[:count]
        )
        if not ids:
            raise ExamError(ExamErrorCode.NOTHING_TO_PRACTISE, _("错题本中没有可以练习的题。"))
        title = _("错题练习")
    else:
        bank = QuestionBank.objects.filter(owner_covers_q(person), pk=bank_id or 0).first()
        if bank is None:
            raise ExamError(ExamErrorCode.NOT_FOUND, _("未找到该题库。"))
        if bank.exam_only:
            raise ExamError(
                ExamErrorCode.EXAM_ONLY,
                _("题库“%(bank)s”仅用于考试，不能练习。") % {"bank": bank.name},
            )
        if bank.pk in busy:
            raise ExamError(
                ExamErrorCode.EXAM_IN_PROGRESS,
                _("您正在参加的考试“%(paper)s”使用了题库“%(bank)s”的试题，交卷后才能练习这个题库。")
                % {"paper": busy[bank.pk], "bank": bank.name},
            )
        qs = bank.questions.active().exclude(
            pk__in=withheld_questions(person_id=person.pk, now=now)
        )
        if knowledge_point:
            qs = qs.filter(knowledge_point_q(knowledge_point))
        all_ids = list(qs.values_list("pk", flat=True))
        if not all_ids:
            raise ExamError(ExamErrorCode.NOTHING_TO_PRACTISE, _("没有符合条件的试题。"))
        ids = random.Random().sample(all_ids, min(count, len(all_ids)))  # nosec B311 # practice, no stakes
        title = _("练习：%(bank)s") % {"bank": bank.name}
        if knowledge_point:
            title += f" · {knowledge_point}"
    with transaction.atomic():
        paper = Paper.objects.create(
            title=title,
            mode=Paper.Mode.PRACTICE,
            selection=Paper.Selection.FIXED,
            enterprise_id=person.enterprise_id,
            practice_for=person,
            published=True,
            attempts_allowed=0,
            shuffle_questions=False,
            shuffle_options=True,
            review_policy=Paper.Review.FULL,
            pass_score=0,
        )
        from exams.models import PaperQuestion

        PaperQuestion.objects.bulk_create(
            [
                PaperQuestion(paper=paper, question_id=q, points=1, sort_order=i)
                for i, q in enumerate(ids)
            ]
        )
        attempt, _created = start_or_resume(paper=paper, person=person, now=now, client=client)
    return attempt


@dataclass
class WrongBook:
    entries: list[WrongAnswer]
    busy_with: str | None = None  # an exam in progress: no practice from the book until it ends


def wrong_book(*, person: Person, now: datetime, limit: int = 200) -> WrongBook:
    """The 错题本 page and GET /api/v1/practice/wrong-book: the latest `limit` entries. Each entry
    carries `review`: the question as the page shows it (options in their own order A–H, the last
    wrong answer marked) with the correct answer and the explanation where `disclose` allows them
    (an entry is only there once the paper's review shows answers, so in practice always; the
    disclosure is asked all the same, as on every surface that shows an answer)."""
    busy = _open_exam_banks(person)
    entries = list(open_wrong_answers(person, now=now)[:limit])
    shown = disclose(person_id=person.pk, question_ids={w.question_id for w in entries}, now=now)
    for entry in entries:
        entry.review = wrong_answer_review(entry, shown[entry.question_id])
    return WrongBook(entries=entries, busy_with=next(iter(busy.values()), None))


def wrong_answer_review(entry: WrongAnswer, shown: Disclosure) -> dict:
    """One 错题本 entry as a review row (the result page's partials): the question as stored now,
    its options unshuffled, the last wrong response marked, answer and explanation per `shown`."""
    question = entry.question
    kind = question.kind
    snapshot = {
        "type": question.type,
        "stem": question.stem,
        "options": list(question.options),
        "answer": question.answer,
    }
    order = kind.option_order(snapshot["options"], None, False)
    row = {
        "type": question.type,
        **kind.review(snapshot, order, entry.last_response, answer=shown.answer),
    }
    if shown.explanation and question.explanation:
        row["explanation"] = question.explanation
    return row


def open_wrong_answers(person: Person, *, now: datetime):
    """The 错题本 as the person may see it now: entries with fewer than two right answers in a row,
    without the questions `disclose` withholds (an entry says "wrong"). Every graded answer is
    recorded (`_update_wrong_book`); what the book shows follows the papers' review policies.
    Queries: one, plus the one of the returned queryset (the withheld questions are a subquery)."""
    return (
        WrongAnswer.objects.filter(person=person, right_streak__lt=2)
        .exclude(question_id__in=withheld_questions(person_id=person.pk, now=now))
        .select_related("question__bank")
        .order_by("-last_wrong_at")
    )
