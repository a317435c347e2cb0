"""Builders for exams tests (plain functions, imported by tests and by tests/exams/conftest.py)."""

from __future__ import annotations

from decimal import Decimal

from exams.models import Paper, PaperQuestion, Question


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
