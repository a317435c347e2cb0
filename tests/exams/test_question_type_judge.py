"""判断 (exams.question_types.TrueFalse): 正确/错误 as options (given by default), answers written
as 对/错, √/× or A/B, never shuffled."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from exams.question_types import InvalidResponse, TrueFalse

KIND = TrueFalse()
SNAP = {"type": "judge", "stem": "题", "options": ["正确", "错误"], "answer": "B"}


@pytest.mark.parametrize(("raw", "letter"), [("对", "A"), ("×", "B"), ("错误", "B"), ("a", "A")])
def test_answers_as_people_write_them(raw, letter):
    assert KIND.clean_question(stem="题", options=[], answer=raw) == (["正确", "错误"], letter, [])


def test_bad_judge_questions_are_refused():
    _o, _a, problems = KIND.clean_question(stem="题", options=[], answer="也许")
    assert "无法识别" in problems[0]
    _o, _a, problems = KIND.clean_question(stem="题", options=["是", "否", "不知道"], answer="A")
    assert problems == ["判断题应恰好有两个选项"]


def test_it_is_never_shuffled_and_takes_one_answer():
    assert KIND.option_order(SNAP["options"], random.Random(3), shuffle=True) == ["A", "B"]
    with pytest.raises(InvalidResponse):
        KIND.clean_response(SNAP, ["A", "B"])
    assert KIND.grade(answer="B", stored="B", points=Decimal(1), multi="all") == (True, 1)
    assert KIND.export_answer("A") == "对"
