"""What of a question a person may see now: whether their answer was right, the correct answer and
the explanation. `disclose()` is the one rule; every surface that could show any of it goes through
it — an attempt's review (result page, API result), practice feedback (answering page, autosave,
API attempt and save), the 错题本 (page, API, practice from it) and what practice may draw.

1. Withheld questions. A question is withheld from a person while it is part of one of their
   non-practice attempts (正式考试, 模拟考试) whose review does not show answers now: an attempt in
   progress, or a finished one whose paper publishes nothing (不公布) or only the score (仅公布成绩),
   or publishes answers from a 公布时间 still ahead. Nothing of a withheld question is shown
   anywhere: no answer, explanation or correctness in a review or in practice, no entry in the
   错题本 (an entry alone says "you got this one wrong"), and practice does not draw it. The
   strictest attempt wins: a question on two papers stays withheld while either of them hides it,
   and a resit in progress withholds the questions of the earlier attempts' reviews.
2. When the review opens (the 公布时间 passes, or the paper's policy is changed to 公布成绩、答案和
   解析), what the attempt recorded appears in the 错题本 (it was recorded at grading, out of sight)
   and the question may be practised again. A 不公布 or 仅公布成绩 paper never opens: its questions
   stay withheld from the people who took it.
3. Through a non-practice attempt, a question not withheld shows what the paper's review shows now
   (`review_level`); the score is a figure of the attempt, not of a question.
4. Through practice, everything of a question not withheld is shown, except a question of an
   exam-only bank (仅用于考试): practice never serves it.
5. Without an attempt (the 错题本), a question not withheld may be seen.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from exams.models import Attempt, AttemptQuestion, Paper, Question


@dataclass(frozen=True)
class Disclosure:
    """What of one question may be shown: correctness (right or wrong, and so its score), the
    correct answer, the explanation."""

    correctness: bool
    answer: bool
    explanation: bool


SHOW_ALL = Disclosure(correctness=True, answer=True, explanation=True)
SHOW_NOTHING = Disclosure(correctness=False, answer=False, explanation=False)

# What a review level shows of each question (仅公布成绩 shows the attempt's score only).
BY_REVIEW_LEVEL = {
    Paper.Review.NOTHING: SHOW_NOTHING,
    Paper.Review.SCORE: SHOW_NOTHING,
    Paper.Review.FULL: SHOW_ALL,
}


def review_level(attempt: Attempt, now: datetime) -> str:
    """ "nothing" | "score" | "full": what the paper's policy shows of a finished attempt now."""
    paper = attempt.paper
    if attempt.state != Attempt.State.FINISHED:
        return Paper.Review.NOTHING
    if paper.is_practice:
        return Paper.Review.FULL
    if paper.review_from and now < paper.review_from:
        return Paper.Review.NOTHING
    return paper.review_policy


def withheld_questions(*, person_id: int, now: datetime) -> QuerySet:
    """The ids (as `question_id` values, usable as a subquery) of the questions withheld from the
    person now (rule 1). One query for the person's non-practice attempts; the result is lazy."""
    attempts = (
        Attempt.objects.filter(person_id=person_id)
        .exclude(paper__mode=Paper.Mode.PRACTICE)
        .select_related("paper")
        .only("state", "paper__mode", "paper__review_policy", "paper__review_from")
    )
    hidden = [a.pk for a in attempts if review_level(a, now) != Paper.Review.FULL]
    if not hidden:
        return AttemptQuestion.objects.none().values("question_id")
    return AttemptQuestion.objects.filter(attempt_id__in=hidden).values("question_id")


def disclose(
    *,
    person_id: int,
    question_ids: Collection[int],
    now: datetime,
    via: Attempt | None = None,
) -> dict[int, Disclosure]:
    """What of each question the person may see now, shown through `via` (an attempt's review or
    practice feedback) or through no attempt (the 错题本). Queries: none when the attempt's review
    shows nothing; else one or two for the withheld questions, and one more for practice
    (exam-only banks)."""
    ids = set(question_ids)
    if not ids:
        return {}
    practice = via is not None and via.paper.is_practice
    if via is not None and not practice:
        shown = BY_REVIEW_LEVEL[review_level(via, now)]
        if shown == SHOW_NOTHING:
            return dict.fromkeys(ids, SHOW_NOTHING)
    else:
        shown = SHOW_ALL
    hidden = set(
        withheld_questions(person_id=person_id, now=now)
        .filter(question_id__in=ids)
        .values_list("question_id", flat=True)
    )
    if practice:
        hidden |= set(
            Question.objects.filter(pk__in=ids, bank__exam_only=True).values_list("pk", flat=True)
        )
    return {q: SHOW_NOTHING if q in hidden else shown for q in ids}
