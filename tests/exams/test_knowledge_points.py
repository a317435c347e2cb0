"""Draw rules (and practice by knowledge point) match whole knowledge points: `火` is not `防火`."""

from __future__ import annotations

import pytest
from django.utils import timezone

from exams import engine, practice
from exams.errors import ExamError
from exams.models import DrawRule, Paper, Question, knowledge_point_q, split_knowledge_points
from tests.exams.factories import make_paper

POINTS = {
    "火": "火",
    "防火": "防火",
    "火灾": "火灾、用电",
    "用电、火": "用电、火",
    "逗号": "用电,火 ",
    "全角": "用电；  火 ；消防",
    "点号": "1.5米",
    "空": "",
}


@pytest.fixture
def kp_questions(bank):
    return {
        label: Question.objects.create(
            bank=bank,
            type="single",
            stem=f"知识点题：{label}",
            options=["甲", "乙"],
            answer="A",
            difficulty=3,
            knowledge_points=points,
        )
        for label, points in POINTS.items()
    }


def _matching(point: str) -> set[str]:
    return {
        q.stem.removeprefix("知识点题：")
        for q in Question.objects.filter(knowledge_point_q(point), stem__startswith="知识点题")
    }


def test_split_knowledge_points():
    assert split_knowledge_points("用电；  火 ；消防、火") == ["用电", "火", "消防"]
    assert split_knowledge_points(" ,、 ") == []


def test_a_point_matches_only_whole_points_of_the_list(kp_questions):
    assert _matching("火") == {"火", "用电、火", "逗号", "全角"}
    assert _matching(" 火 ") == {"火", "用电、火", "逗号", "全角"}
    assert _matching("防火") == {"防火"}
    assert _matching("火灾") == {"火灾"}
    assert _matching("用电") == {"火灾", "用电、火", "逗号", "全角"}
    assert _matching("1.5米") == {"点号"}
    assert _matching("1x5米") == set()  # the dot is literal, not "any character"
    assert _matching("") == set(POINTS)


def test_a_draw_rule_draws_only_questions_with_the_whole_point(district, bank, kp_questions):
    paper = make_paper(owner_region=district, selection=Paper.Selection.DRAW)
    rule = DrawRule.objects.create(
        paper=paper, bank=bank, type="single", knowledge_point="火", count=4, points=1
    )
    assert {q.knowledge_points for q in rule.candidates()} == {
        "火",
        "用电、火",
        "用电,火 ",
        "用电；  火 ；消防",
    }
    drawn = engine.draw_questions(paper=paper, seed=7)
    assert len(drawn) == 4
    assert all("火" in q.knowledge_point_list for q, _points in drawn)
    # five would need 防火 or 火灾 questions, which are not 火 questions
    rule.count = 5
    rule.save()
    with pytest.raises(ExamError) as refused:
        engine.draw_questions(paper=paper, seed=7)
    assert "只有4道" in str(refused.value.message)


def test_practice_by_knowledge_point_uses_whole_points(bank, kp_questions, worker):
    attempt = practice.start_practice(
        person=worker.person, now=timezone.now(), bank_id=bank.pk, knowledge_point="防火", count=10
    )
    stems = {aq.question.stem for aq in attempt.items.select_related("question")}
    assert stems == {"知识点题：防火"}
