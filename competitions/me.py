"""The 工作台 blocks of competitions: the competitions I judge (first) and the teams I am in."""

from __future__ import annotations

from competitions.models import Competition, CompetitionStatus, Team


def judge_context(request) -> dict | None:
    """The 待评分的竞赛 block, first on a judge's 工作台. None for anyone who judges nothing.
    Queries: 1 judged competitions."""
    judging = list(
        Competition.objects.filter(judges__user=request.user)
        .exclude(status=CompetitionStatus.DRAFT)
        .distinct()
        .order_by("-year", "name")[:10]
    )
    return {"judging": judging, "teams": []} if judging else None


def me_context(request) -> dict | None:
    """The teams I am in. None when I am in none. Queries: 1 my teams (with competition)."""
    person = getattr(request.user, "person", None)
    if person is None:
        return None
    teams = list(
        Team.objects.filter(members=person)
        .exclude(competition__status=CompetitionStatus.DRAFT)
        .select_related("competition")
        .order_by("-competition__year", "competition__name")[:10]
    )
    return {"judging": [], "teams": teams} if teams else None
