"""The competition figures: 竞赛场次, 参赛队伍, 参赛人数 and the results. Takes a `Scope` and a
`Period` (a competition belongs to the period by its year).

    competition_figures(scope, period) -> dict            10 queries whatever the number of competitions
    competition_figures_of(scope, periods) -> list[dict]  the same for several periods, 10 queries

A region sees the competitions hosted in its subtree; an enterprise those it sent a team to, and
then only its own teams and members count. Drafts (筹备中) do not count. A running competition
(比赛中) counts and is listed as 进行中 with its teams so far, without ranks (they are interim);
closed and published ones have their results.
"""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from competitions.models import Competition, CompetitionStatus, Team
from competitions.services import standings_many
from portal import snapshots
from portal.figures import Figure, computes, record
from portal.periods import Period
from portal.scoping import Scope

COUNTED = (CompetitionStatus.OPEN, CompetitionStatus.CLOSED, CompetitionStatus.PUBLISHED)
RANKED = (CompetitionStatus.CLOSED, CompetitionStatus.PUBLISHED)
STAFF = _("监管人员（本辖区举办的竞赛）、企业安全管理员（本企业参加的竞赛）")
SURFACES = (_("年度报告 PDF / xlsx / JSON"),)

COUNT = Figure(
    key="competitions.count",
    label=_("竞赛场次"),
    unit=_("场"),
    definition=_(
        "竞赛年度在统计期间内、状态为比赛中、已结束或已公布的技能竞赛场数（比赛中的记为进行中）。"
    ),
    source=_("技能竞赛"),
    audience=STAFF,
    surfaces=SURFACES,
    pick=lambda r: r["count"],
)
TEAMS = Figure(
    key="competitions.teams",
    label=_("参赛队伍"),
    unit=_("支"),
    definition=_("上述竞赛的参赛队伍数（企业只计本企业队伍）。"),
    source=_("参赛队伍"),
    audience=STAFF,
    surfaces=SURFACES,
    pick=lambda r: r["teams"],
)
PARTICIPANTS = Figure(
    key="competitions.participants",
    label=_("参赛人数"),
    unit=_("人"),
    definition=_("上述参赛队伍的不同队员人数。"),
    source=_("参赛队伍队员"),
    audience=STAFF,
    surfaces=SURFACES,
    pick=lambda r: r["participants"],
)


def _competitions(scope: Scope, periods: list[Period]):
    in_years = Q()
    for period in periods:
        in_years |= Q(year__gte=period.start.year, year__lte=period.end.year)
    qs = Competition.objects.filter(in_years, status__in=COUNTED)
    if scope.is_region:
        qs = qs.filter(region__path__startswith=scope.region.path)
    elif scope.is_enterprise:
        qs = qs.filter(
            pk__in=Team.objects.filter(enterprise_id=scope.enterprise_id).values("competition")
        )
    elif not scope.is_all:
        qs = qs.none()
    return qs


@computes(COUNT, TEAMS, PARTICIPANTS)
def competition_figures(scope: Scope, period: Period) -> dict:
    """竞赛场次, 参赛队伍, 参赛人数, the results of the closed / published competitions (their
    full standings: a rank needs every team's total) and the running ones. 10 queries whatever
    the number of competitions."""
    return _competition_figures_of(scope, [period])[0]


@snapshots.kept
def competition_figures_of(scope: Scope, periods: list[Period]) -> list[dict]:
    """`competition_figures` of several periods (the annual report's two years) in the queries of
    one call: each period's figures are `competition_figures`' own, grouped by period in SQL (a
    competition belongs to the period holding its year). Periods whose years overlap are
    computed one call each."""
    spans = sorted((p.start.year, p.end.year) for p in periods)
    if any(a[1] >= b[0] for a, b in zip(spans, spans[1:], strict=False)):
        out = [_competition_figures_of(scope, [p])[0] for p in periods]
    else:
        out = _competition_figures_of(scope, periods)
    for period, figures in zip(periods, out, strict=True):
        record(competition_figures, (scope, period), {}, figures)
    return out


def _period_of(periods: list[Period], field: str) -> Case:
    """The index of the period holding the competition's year (`field`), -1 for none."""
    return Case(
        *(
            When(**{f"{field}__gte": p.start.year, f"{field}__lte": p.end.year}, then=Value(i))
            for i, p in enumerate(periods)
        ),
        default=Value(-1),
        output_field=IntegerField(),
    )


def _competition_figures_of(scope: Scope, periods: list[Period]) -> list[dict]:
    """The figures of `periods` (years not overlapping) in 10 queries: the competitions counted
    per period; the teams and distinct members per period; the teams per competition; the
    ranked competitions with their standings (6); the running ones."""
    index = {year: i for i, p in enumerate(periods) for year in range(p.start.year, p.end.year + 1)}
    competitions = _competitions(scope, periods)
    teams = Team.objects.filter(competition__in=competitions.values("pk"))
    if scope.is_enterprise:
        teams = teams.filter(enterprise_id=scope.enterprise_id)
    totals = {
        row["p"]: row
        for row in teams.annotate(p=_period_of(periods, "competition__year"))
        .values("p")
        .annotate(teams=Count("pk", distinct=True), participants=Count("members", distinct=True))
        .order_by()
    }
    team_counts = dict(
        teams.values_list("competition")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("competition", "n")
    )
    counts = dict(
        competitions.annotate(p=_period_of(periods, "year"))
        .values_list("p")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("p", "n")
    )
    ranked = standings_many(
        competitions.filter(status__in=RANKED)
        .select_related("region")
        .order_by("-year", "name", "pk")
    )
    results: list[list[dict]] = [[] for _ in periods]

    def team(s) -> dict:
        return {"rank": s.rank, "team": s.name, "enterprise": s.enterprise, "total": str(s.total)}

    for competition, rows in ranked:
        results[index[competition.year]].append(
            {
                "name": competition.name,
                "host": competition.region.name,
                "status": competition.status,
                "status_label": str(competition.get_status_display()),
                "teams": len(rows),
                "winner": team(rows[0]) if rows else None,
                "advancing": [team(s) for s in rows if s.advancing],
                "top_three": [team(s) for s in rows if s.rank <= 3],
            }
        )
    in_progress: list[list[dict]] = [[] for _ in periods]
    for c in (
        competitions.filter(status=CompetitionStatus.OPEN)
        .select_related("region")
        .order_by("name", "pk")
    ):
        in_progress[index[c.year]].append(
            {
                "name": c.name,
                "host": c.region.name,
                "status": c.status,
                "status_label": str(_("进行中")),
                "teams": team_counts.get(c.pk, 0),
            }
        )
    return [
        {
            "count": counts.get(i, 0),
            "teams": totals.get(i, {}).get("teams", 0),
            "participants": totals.get(i, {}).get("participants", 0),
            "results": results[i],
            "in_progress": in_progress[i],
        }
        for i in range(len(periods))
    ]
