"""The exam engine's errors: a code from `ExamErrorCode` and a translated message. The engine
(exams.engine) never chooses an HTTP status; the API (exams.api.ERROR_STATUS) and the pages
(exams.views) map the code at the edge."""

from __future__ import annotations

from enum import StrEnum


class ExamErrorCode(StrEnum):
    """Stable codes, also the `code` of the API's error body."""

    NOT_FOUND = "not_found"  # the paper, bank or question is not there for this person
    NOT_OPEN = "not_open"  # outside the paper's opening times or refused by a start check
    NO_ATTEMPTS_LEFT = "no_attempts_left"
    PAPER_EMPTY = "paper_empty"
    NOT_ENOUGH_QUESTIONS = "not_enough_questions"  # a draw rule finds too few questions
    INVALID_RESPONSE = "invalid_response"  # an answer the question cannot take
    ATTEMPT_FINISHED = "attempt_finished"
    DEADLINE_PASSED = "deadline_passed"
    QUESTION_WITHHELD = "question_withheld"  # practice: exams.disclosure withholds it
    EXAM_IN_PROGRESS = "exam_in_progress"  # practice: an exam in progress draws from the bank
    EXAM_ONLY = "exam_only"  # practice: the bank is for exams only
    NOTHING_TO_PRACTISE = "nothing_to_practise"


class ExamError(Exception):
    """ExamError(ExamErrorCode.DEADLINE_PASSED, _("考试时间已到…"))."""

    def __init__(self, code: ExamErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = ExamErrorCode(code)
        self.message = str(message)
