"""Builders for competitions tests (plain functions, imported by tests and by tests/competitions/conftest.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from competitions.models import Competition, CompetitionStatus, Judge, PracticalItem, Score, Team
from tests.factories import PersonFactory, UserFactory


def make_competition(region, **fields) -> Competition:
    defaults = {
        "name": "应急救援技能大赛",
        "year": 2026,
        "region": region,
        "theory_weight": Decimal(40),
        "practical_weight": Decimal(60),
        "status": CompetitionStatus.OPEN,
    }
    defaults.update(fields)
    return Competition.objects.create(**defaults)


def add_items(competition, *maxima) -> list[PracticalItem]:
    return [
        PracticalItem.objects.create(
            competition=competition, name=f"项目{i + 1}", max_score=Decimal(m), sort_order=i
        )
        for i, m in enumerate(maxima)
    ]


def add_team(competition, enterprise, name, members=2) -> Team:
    team = Team.objects.create(competition=competition, enterprise=enterprise, name=name)
    if isinstance(members, int):
        members = [PersonFactory(enterprise=enterprise) for _ in range(members)]
    team.members.set(members)
    return team


def add_judges(competition, n) -> list:
    judges = []
    for _i in range(n):
        user = UserFactory()
        Judge.objects.create(competition=competition, user=user)
        judges.append(user)
    return judges


def score(team, item, judge, value) -> Score:
    return Score.objects.create(team=team, item=item, judge=judge, value=Decimal(str(value)))


def finish(paper, person, score_value, total=100, at: datetime | None = None, number=1):
    from exams.models import Attempt

    at = at or timezone.now()
    return Attempt.objects.create(
        paper=paper,
        person=person,
        number=number,
        state=Attempt.State.FINISHED,
        started_at=at - timedelta(minutes=30),
        finished_at=at,
        score=Decimal(str(score_value)),
        total=Decimal(str(total)),
    )
