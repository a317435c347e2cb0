"""Front site: the competitions list, the live leaderboard (HTML + JSON) and the judges' phone
pages. Administration (set-up, results, export, awards) is in the Wagtail admin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from competitions import services
from competitions.models import Competition, CompetitionStatus, PracticalItem, Score, Team
from portal.params import ID_MAX, int_param

REFRESH_SECONDS = 10
# The leaderboard JSON is polled by every open phone: its rows are computed at most once per
# this many seconds per competition (a judge's saved score clears them at once).
LEADERBOARD_CACHE_SECONDS = 5


def index(request: HttpRequest) -> HttpResponse:
    competitions = list(services.listed_competitions(request.user).select_related("region"))
    judging = list(services.judged_competitions(request.user).filter(status=CompetitionStatus.OPEN))
    return render(
        request,
        "competitions/index.html",
        {"competitions": competitions, "judging": judging},
    )


def _leaderboard_competition(request: HttpRequest, pk: int) -> Competition:
    competition = services.leaderboard_competition(request.user, pk)
    if competition is None:
        raise Http404
    return competition


@never_cache
def leaderboard(request: HttpRequest, pk: int) -> HttpResponse:
    competition = _leaderboard_competition(request, pk)
    rows = services.standings(competition)
    return render(
        request,
        "competitions/leaderboard.html",
        {
            "competition": competition,
            "rows": rows,
            "refresh_seconds": REFRESH_SECONDS,
            "updated_at": timezone.localtime(),
        },
    )


@never_cache
def leaderboard_json(request: HttpRequest, pk: int) -> JsonResponse:
    competition = _leaderboard_competition(request, pk)
    key = services.leaderboard_cache_key(competition.pk)
    cached = cache.get(key)
    if cached is None:
        cached = {
            "updated_at": timezone.localtime().strftime("%H:%M:%S"),
            "rows": [s.as_json() for s in services.standings(competition)],
        }
        cache.set(key, cached, LEADERBOARD_CACHE_SECONDS)
    return JsonResponse(
        {
            "competition": competition.name,
            "status": competition.status,
            "status_display": competition.get_status_display(),
            "advancing_count": competition.advancing_count,
            **cached,
        },
        json_dumps_params={"ensure_ascii": False},
    )


# --------------------------------------------------------------------------- judges


def _judged_competition(request: HttpRequest, pk: int) -> Competition:
    competition = services.judged_competitions(request.user).filter(pk=pk).first()
    if competition is None:
        raise Http404
    return competition


def _team(competition: Competition, team_pk: int) -> Team:
    team = (
        Team.objects.filter(competition=competition, pk=team_pk)
        .select_related("enterprise")
        .first()
    )
    if team is None:
        raise Http404
    return team


@login_required
def judge_home(request: HttpRequest, pk: int) -> HttpResponse:
    competition = _judged_competition(request, pk)
    teams = list(
        Team.objects.filter(competition=competition).select_related("enterprise").order_by("name")
    )
    items = list(competition.items.all())
    done: dict[int, int] = {}
    for team_id in Score.objects.filter(
        team__competition=competition, judge=request.user
    ).values_list("team_id", flat=True):
        done[team_id] = done.get(team_id, 0) + 1
    for team in teams:
        team.my_scored = done.get(team.pk, 0)
    return render(
        request,
        "competitions/judge_home.html",
        {"competition": competition, "teams": teams, "item_count": len(items)},
    )


def _team_page(request, competition, team, *, errors=None, typed=None, status=200):
    items = list(competition.items.all())
    mine = dict(Score.objects.filter(team=team, judge=request.user).values_list("item_id", "value"))
    errors = errors or {}
    typed = typed or {}
    for item in items:
        item.my_score = mine.get(item.pk)
        item.error = errors.get(item.pk, "")
        item.typed = typed.get(
            item.pk, "" if item.my_score is None else f"{item.my_score.normalize():f}"
        )
    return render(
        request,
        "competitions/judge_team.html",
        {
            "competition": competition,
            "team": team,
            "items": items,
            "saved": int_param(request.GET, "saved", min=1, max=ID_MAX),
            "can_score": competition.is_scoring_open,
        },
        status=status,
    )


@login_required
def judge_team(request: HttpRequest, pk: int, team_pk: int) -> HttpResponse:
    competition = _judged_competition(request, pk)
    return _team_page(request, competition, _team(competition, team_pk))


@login_required
@require_POST
def judge_score(request: HttpRequest, pk: int, team_pk: int, item_pk: int) -> HttpResponse:
    competition = _judged_competition(request, pk)
    team = _team(competition, team_pk)
    item = PracticalItem.objects.filter(competition=competition, pk=item_pk).first()
    if item is None:
        raise Http404
    raw = request.POST.get("value", "")
    try:
        score = services.save_score(
            competition=competition, team=team, item=item, judge=request.user, raw=raw
        )
    except ValidationError as error:
        return _team_page(
            request,
            competition,
            team,
            errors={item.pk: " ".join(error.messages)},
            typed={item.pk: raw},
            status=400,
        )
    messages.success(
        request,
        _("已保存：%(team)s · %(item)s · %(value)s分")
        % {"team": team.name, "item": item.name, "value": f"{score.value.normalize():f}"},
    )
    url = reverse("competitions:judge-team", args=[competition.pk, team.pk])
    return redirect(f"{url}?saved={item.pk}#item-{item.pk}")
