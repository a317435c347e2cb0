"""The 技能竞赛 block on the 我的 page: competitions I judge and the teams I am in."""

from __future__ import annotations

from competitions.models import Competition, CompetitionStatus, Team


def me_context(request) -> dict:
    """Queries: 1 judged competitions, 1 my teams (with competition)."""
    user = request.user
    judging = list(
        Competition.objects.filter(judges__user=user)
        .exclude(status=CompetitionStatus.DRAFT)
        .distinct()
        .order_by("-year", "name")[:10]
    )
    person = getattr(user, "person", None)
    teams = []
    if person is not None:
        teams = list(
            Team.objects.filter(members=person)
            .exclude(competition__status=CompetitionStatus.DRAFT)
            .select_related("competition")
            .order_by("-competition__year", "competition__name")[:10]
        )
    return {"judging": judging, "teams": teams}
