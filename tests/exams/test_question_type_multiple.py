"""多选 (exams.question_types.MultipleChoice): two or more letters, partial credit for a correct
subset when the paper allows it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exams.question_types import MultipleChoice

KIND = MultipleChoice()
SNAP = {"type": "multiple", "stem": "题", "options": ["甲", "乙", "丙", "丁"], "answer": "ACD"}


@pytest.mark.parametrize(("raw", "letters"), [("DCA", "ACD"), ("A、C、D", "ACD"), ("c，a", "AC")])
def test_the_answer_is_read_as_people_write_it(raw, letters):
    assert KIND.clean_question(stem="题", options=SNAP["options"], answer=raw)[1] == letters


def test_one_right_letter_is_not_a_multiple_choice_question():
    _o, _a, problems = KIND.clean_question(stem="题", options=SNAP["options"], answer="A")
    assert problems == ["多选题至少要有两个正确答案"]


def test_a_response_of_several_letters_is_kept_sorted():
    assert KIND.clean_response(SNAP, ["d", "A", "A"]) == "AD"
    assert KIND.load_response("AD") == ["A", "D"]


@pytest.mark.parametrize(
    ("stored", "multi", "expected"),
    [
        ("ACD", "all", (True, Decimal(3))),
        ("AC", "all", (False, Decimal(0))),
        ("AC", "partial", (False, Decimal(2))),
        ("AB", "partial", (False, Decimal(0))),
        ("", "partial", (False, Decimal(0))),
    ],
)
def test_partial_credit_for_a_correct_subset(stored, multi, expected):
    assert KIND.grade(answer="ACD", stored=stored, points=Decimal(3), multi=multi) == expected


def test_the_page_uses_checkboxes():
    from django.template.loader import render_to_string

    item = {"id": 1, "stem": "题", **KIND.public(SNAP, list("ABCD"), "A")}
    html = render_to_string(KIND.template, {"item": item})
    assert html.count('type="checkbox"') == 4
    assert html.count("checked") == 1
