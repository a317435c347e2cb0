"""Exam fixtures: a district bank with questions of each type and helpers to build papers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exams.models import DrawRule, Paper, PaperQuestion, Question, QuestionBank


def make_questions(bank, n: int, qtype: str = "single", **extra) -> list[Question]:
    questions = []
    for i in range(n):
        if qtype == "judge":
            options, answer = ["正确", "错误"], "A" if i % 2 == 0 else "B"
        elif qtype == "multiple":
            options, answer = ["甲", "乙", "丙", "丁"], "AC"
        else:
            options, answer = ["甲", "乙", "丙", "丁"], "B"
        questions.append(
            Question.objects.create(
                bank=bank,
                type=qtype,
                stem=f"{qtype}题{i}：{bank.name}",
                options=options,
                answer=answer,
                explanation=f"解析{i}",
                difficulty=extra.get("difficulty", 1 + i % 5),
                knowledge_points=extra.get("knowledge_points", "消防" if i % 2 else "用电"),
            )
        )
    return questions


def make_paper(owner_region=None, owner_enterprise=None, questions=(), points=1, **fields) -> Paper:
    defaults = {
        "title": "测试考试",
        "mode": Paper.Mode.EXAM,
        "pass_score": Decimal(2),
        "duration_minutes": 30,
        "attempts_allowed": 2,
        "published": True,
        "shuffle_questions": False,
        "shuffle_options": False,
        "review_policy": Paper.Review.FULL,
    }
    defaults.update(fields)
    paper = Paper.objects.create(region=owner_region, enterprise=owner_enterprise, **defaults)
    for i, q in enumerate(questions):
        PaperQuestion.objects.create(paper=paper, question=q, points=points, sort_order=i)
    return paper


@pytest.fixture
def bank(district):
    return QuestionBank.objects.create(name="区级题库", region=district)


@pytest.fixture
def other_bank(other_enterprise):
    return QuestionBank.objects.create(name="企业B题库", enterprise=other_enterprise)


@pytest.fixture
def questions(bank):
    return (
        make_questions(bank, 3, "single")
        + make_questions(bank, 2, "multiple")
        + make_questions(bank, 2, "judge")
    )


@pytest.fixture
def paper(district, questions):
    return make_paper(owner_region=district, questions=questions)


@pytest.fixture
def draw_paper(district, bank):
    make_questions(bank, 10, "single")
    make_questions(bank, 4, "judge")
    paper = make_paper(owner_region=district, selection=Paper.Selection.DRAW)
    DrawRule.objects.create(paper=paper, bank=bank, type="single", count=5, points=2)
    DrawRule.objects.create(paper=paper, bank=bank, type="judge", count=2, points=1)
    return paper


@pytest.fixture
def person(worker):
    return worker.person


@pytest.fixture
def token(client, worker):
    """The worker's API token, as test-client headers."""
    response = client.post(
        "/api/v1/auth/token",
        {"username": worker.username, "password": "secret-pass-1"},
        content_type="application/json",
    )
    assert response.status_code == 200
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}
