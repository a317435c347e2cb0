"""A multi-choice answer reads as the letters shown, in order (ABCD), never in the order the
options were stored (DCAB when the options were shuffled)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from exams.disclosure import Disclosure
from exams.engine import review_items


def test_the_response_and_the_answer_read_in_letter_order():
    # stored options A..D were shown reversed: stored D is shown as A, stored A as D
    item = SimpleNamespace(
        question_id=1,
        position=1,
        option_order=["D", "C", "B", "A"],
        response="ABCD",
        snapshot={
            "type": "multiple",
            "stem": "题干",
            "options": ["a", "b", "c", "d"],
            "answer": "AB",
        },
        points=Decimal("2"),
        is_correct=False,
        score=Decimal("0"),
    )
    shown = {1: Disclosure(correctness=True, answer=True, explanation=False)}
    row = review_items([item], shown)[0]
    assert row["response"] == ["A", "B", "C", "D"]
    assert row["answer"] == ["C", "D"]
