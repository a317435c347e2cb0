"""单选 (exams.question_types.SingleChoice): one letter, parsed as people write it, shuffled, graded
all-or-nothing; a second letter is refused."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from exams.question_types import InvalidResponse, SingleChoice, kind_of

KIND = SingleChoice()
SNAP = {"type": "single", "stem": "题", "options": ["甲", "乙", "丙", "丁"], "answer": "B"}


def test_the_question_takes_one_letter():
    assert KIND.clean_question(stem="题", options=["甲", "乙"], answer=" b ") == (
        ["甲", "乙"],
        "B",
        [],
    )
    _o, _a, problems = KIND.clean_question(stem="题", options=["甲", "乙"], answer="AB")
    assert any("只能有一个答案" in p for p in problems)
    _o, _a, problems = KIND.clean_question(stem="题", options=["甲"], answer="A")
    assert problems == ["至少需要两个选项"]


def test_a_response_is_one_letter_of_the_options():
    assert KIND.clean_response(SNAP, ["c"]) == "C"
    with pytest.raises(InvalidResponse):
        KIND.clean_response(SNAP, ["A", "B"])
    with pytest.raises(InvalidResponse):
        KIND.clean_response(SNAP, ["E"])


def test_grading_and_what_the_person_sees():
    assert KIND.grade(answer="B", stored="B", points=Decimal(2), multi="all") == (True, 2)
    assert KIND.grade(answer="B", stored="C", points=Decimal(2), multi="partial") == (False, 0)
    order = KIND.option_order(SNAP["options"], random.Random(1), shuffle=True)
    assert sorted(order) == ["A", "B", "C", "D"]
    shown = KIND.public(SNAP, order, "B")
    assert [o["key"] for o in shown["options"]] == order
    assert "answer" not in shown
    label = "ABCD"[order.index("B")]
    review = KIND.review(SNAP, order, "B", answer=True)
    assert review["answer_text"] == label
    assert review["response_text"] == label
    assert "answer" not in KIND.review(SNAP, order, "B", answer=False)


def test_statistics_count_each_option():
    counts = KIND.stats_start(SNAP)
    KIND.stats_add(counts, "B", SNAP)
    KIND.stats_add(counts, "", SNAP)
    rows = KIND.stats_rows(counts, SNAP)
    assert [(r["letter"], r["count"], r["right"]) for r in rows][:2] == [
        ("A", 0, False),
        ("B", 1, True),
    ]
    assert kind_of("single").template == "exams/question_types/single.html"
