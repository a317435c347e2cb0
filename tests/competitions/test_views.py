"""Judges' phone pages and the live leaderboard (HTML and JSON): who may see and score what."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from competitions.models import CompetitionStatus, Score
from tests.competitions.factories import add_items, add_judges, add_team, make_competition, score
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(district, enterprise, worker):
    competition = make_competition(district, advancing_count=1)
    items = add_items(competition, 10, 20)
    judges = add_judges(competition, 3)
    team = add_team(competition, enterprise, "A队", members=[worker.person])
    return competition, items, judges, team


def _score_url(competition, team, item):
    return reverse("competitions:judge-score", args=[competition.pk, team.pk, item.pk])


def test_judge_picks_team_and_item_and_saves(client, setup):
    competition, (item1, _item2), (judge, *_rest), team = setup
    client.force_login(judge)
    home = client.get(reverse("competitions:judge", args=[competition.pk]))
    assert home.status_code == 200
    assert "A队" in home.content.decode()
    page = client.get(reverse("competitions:judge-team", args=[competition.pk, team.pk]))
    assert page.status_code == 200
    assert "项目1" in page.content.decode()
    assert 'name="value"' in page.content.decode()
    response = client.post(_score_url(competition, team, item1), {"value": "8.5"}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "已保存" in html
    assert "8.5" in html
    assert Score.objects.get(team=team, item=item1, judge=judge).value == Decimal("8.5")
    # scoring again replaces the judge's score (one per team + item + judge)
    client.post(_score_url(competition, team, item1), {"value": "9"})
    assert Score.objects.get(team=team, item=item1, judge=judge).value == Decimal("9")
    assert Score.objects.count() == 1


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "分值须为数字，如 8.5。"),
        ("10.5", "分值须在0到10之间。"),
        ("-1", "分值须在0到10之间。"),
        ("1e30", "分值须在0到10之间。"),
        ("-1e30", "分值须在0到10之间。"),
        ("8.125", "分值最多保留两位小数。"),
        ("", "请输入分值。"),
    ],
)
def test_bad_score_is_refused_in_chinese_and_keeps_the_typed_value(client, setup, typed, message):
    competition, (item1, _item2), (judge, *_rest), team = setup
    client.force_login(judge)
    response = client.post(_score_url(competition, team, item1), {"value": typed})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'value="{typed}"' in html
    assert not Score.objects.exists()


def test_unassigned_judge_gets_404(client, setup, district):
    competition, (item1, _item2), _judges, team = setup
    stranger = UserFactory()
    other = make_competition(district, name="另一场比赛")
    add_judges(other, 1)[0]
    from competitions.models import Judge

    Judge.objects.create(competition=other, user=stranger)  # a judge, but of another competition
    client.force_login(stranger)
    assert client.get(reverse("competitions:judge", args=[competition.pk])).status_code == 404
    url = reverse("competitions:judge-team", args=[competition.pk, team.pk])
    assert client.get(url).status_code == 404
    assert client.post(_score_url(competition, team, item1), {"value": "5"}).status_code == 404
    assert not Score.objects.exists()


def test_judge_cannot_reach_another_competitions_team_or_item(client, setup, district, enterprise):
    competition, _items, (judge, *_rest), team = setup
    other = make_competition(district, name="另一场比赛")
    (other_item,) = add_items(other, 10)
    other_team = add_team(other, enterprise, "别队", 1)
    client.force_login(judge)
    url = reverse("competitions:judge-team", args=[competition.pk, other_team.pk])
    assert client.get(url).status_code == 404
    response = client.post(_score_url(competition, team, other_item), {"value": "5"})
    assert response.status_code == 404


def test_anonymous_judge_page_redirects_to_login(client, setup):
    competition, (item1, _), _judges, team = setup
    response = client.post(_score_url(competition, team, item1), {"value": "5"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("status", [CompetitionStatus.CLOSED, CompetitionStatus.PUBLISHED])
def test_no_scoring_after_close(client, setup, status):
    competition, (item1, _item2), (judge, *_rest), team = setup
    competition.status = status
    competition.save()
    client.force_login(judge)
    page = client.get(reverse("competitions:judge-team", args=[competition.pk, team.pk]))
    assert "竞赛不在比赛中，不能评分。" in page.content.decode()
    response = client.post(_score_url(competition, team, item1), {"value": "5"})
    assert response.status_code == 400
    assert "竞赛不在比赛中，不能评分。" in response.content.decode()
    assert not Score.objects.exists()


def test_judge_page_fits_a_phone(client, setup):
    competition, _items, (judge, *_rest), team = setup
    client.force_login(judge)
    html = client.get(
        reverse("competitions:judge-team", args=[competition.pk, team.pk])
    ).content.decode()
    assert 'name="viewport"' in html
    assert 'inputmode="decimal"' in html


# ---------------------------------------------------------------- leaderboard


@pytest.fixture
def board(setup, other_enterprise):
    competition, (item1, item2), (j1, j2, j3), team = setup
    other_team = add_team(competition, other_enterprise, "B队", 1)
    for judge, a, b in ((j1, 8, 6), (j2, 9, 7), (j3, 10, 8)):
        score(team, item1, judge, a)
        score(other_team, item1, judge, b)
    return competition


def test_public_leaderboard_anonymous(client, board):
    board.leaderboard_public = True
    board.save()
    response = client.get(reverse("competitions:leaderboard", args=[board.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("A队") < html.index("B队")
    assert "晋级" in html
    assert "competitions/leaderboard.js" in html  # self-refreshing
    assert '<noscript><meta http-equiv="refresh" content="30"></noscript>' in html  # without JS
    assert 'data-url="/competitions/' in html


def test_leaderboard_json(client, board):
    board.leaderboard_public = True
    board.save()
    response = client.get(reverse("competitions:leaderboard-json", args=[board.pk]))
    assert response.status_code == 200
    data = response.json()
    # A: item1 trimmed (8, 9, 10) → 9 of 30 → practical 30.00; total 0 × .4 + 30 × .6 = 18.00
    # B: (6, 7, 8) → 7 → 23.33 → 14.00
    assert data["rows"] == [
        {
            "rank": 1,
            "team": "A队",
            "enterprise": "企业A化工有限公司",
            "theory": "0.00",
            "practical": "30.00",
            "total": "18.00",
            "advancing": True,
        },
        {
            "rank": 2,
            "team": "B队",
            "enterprise": "企业B机械有限公司",
            "theory": "0.00",
            "practical": "23.33",
            "total": "14.00",
            "advancing": False,
        },
    ]
    assert data["status"] == "open"


def test_non_public_leaderboard_only_in_scope(
    client, board, manager, other_manager, worker, other_worker, supervisor, street_supervisor
):
    """Not public: the hosting supervisors, the judges and the teams' enterprises' people see it;
    an enterprise without a team does not. (B has a team here, so a second competition without
    B's team checks the refusal.)"""
    url = reverse("competitions:leaderboard", args=[board.pk])
    json_url = reverse("competitions:leaderboard-json", args=[board.pk])
    assert client.get(url).status_code == 404
    assert client.get(json_url).status_code == 404
    for user in (supervisor, street_supervisor, manager, worker, other_manager):
        client.force_login(user)
        assert client.get(url).status_code == 200, user
    from competitions.models import Team

    Team.objects.filter(name="B队").delete()
    for user in (other_manager, other_worker):
        client.force_login(user)
        assert client.get(url).status_code == 404, user
        assert client.get(json_url).status_code == 404, user


def test_public_draft_is_not_shown(client, board, supervisor):
    board.leaderboard_public = True
    board.status = CompetitionStatus.DRAFT
    board.save()
    url = reverse("competitions:leaderboard", args=[board.pk])
    assert client.get(url).status_code == 404
    client.force_login(supervisor)
    assert client.get(url).status_code == 200


def test_index_lists_public_and_own(client, board, supervisor, district):
    board.leaderboard_public = True
    board.save()
    make_competition(district, name="内部比赛")
    html = client.get(reverse("competitions:index")).content.decode()
    assert "应急救援技能大赛" in html
    assert "内部比赛" not in html
    client.force_login(supervisor)
    html = client.get(reverse("competitions:index")).content.decode()
    assert "应急救援技能大赛" in html
    assert "内部比赛" in html


def test_index_offers_judging_to_judges(client, board):
    judge = board.judges.first().user
    client.force_login(judge)
    html = client.get(reverse("competitions:index")).content.decode()
    assert reverse("competitions:judge", args=[board.pk]) in html


def test_me_page_links_judges_and_team_members(client, setup, worker, other_worker):
    competition, _items, (judge, *_rest), _team = setup
    client.force_login(judge)
    html = client.get(reverse("portal:me")).content.decode()
    assert reverse("competitions:judge", args=[competition.pk]) in html
    client.force_login(worker)
    html = client.get(reverse("portal:me")).content.decode()
    assert "A队" in html
    assert reverse("competitions:leaderboard", args=[competition.pk]) in html
    client.force_login(other_worker)
    html = client.get(reverse("portal:me")).content.decode()
    # no competition of theirs: the 工作台 leaves the block out rather than show it empty
    assert reverse("competitions:leaderboard", args=[competition.pk]) not in html


def test_leaderboard_json_is_computed_at_most_every_few_seconds(queries, client, board):

    from competitions.models import Judge, PracticalItem, Team
    from competitions.views import LEADERBOARD_CACHE_SECONDS

    board.leaderboard_public = True
    board.save()
    url = reverse("competitions:leaderboard-json", args=[board.pk])
    with queries.capture() as first:
        assert client.get(url).json()["rows"][0]["total"] == "18.00"
    with queries.capture() as second:
        assert client.get(url).json()["rows"][0]["total"] == "18.00"
    assert len(second) == len(first) - 5  # the standings' five queries are saved
    assert 0 < LEADERBOARD_CACHE_SECONDS <= 10
    # a judge's saved score shows at once
    judge = Judge.objects.filter(competition=board).order_by("pk").first().user
    team = Team.objects.get(competition=board, name="B队")
    item = PracticalItem.objects.filter(competition=board).order_by("sort_order").first()
    client.force_login(judge)
    assert client.post(_score_url(board, team, item), {"value": "10"}).status_code == 302
    client.logout()
    rows = client.get(url).json()["rows"]
    assert rows[1]["practical"] == "26.67"  # B: j1 6 → 10: (7, 8, 10) → 8 of 30
