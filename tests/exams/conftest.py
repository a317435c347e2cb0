"""Exam fixtures: a district bank with questions of each type and helpers to build papers."""

from __future__ import annotations

import pytest

from exams.models import DrawRule, Paper, QuestionBank
from tests.exams.factories import make_paper, make_questions


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
