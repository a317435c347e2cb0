"""Scoring: mean and trimmed mean by hand, the < 3 judges fallback, theory from the paper's
attempts, weights, each tie rule, ranking with shared ranks and advancing, fixed query count."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from competitions import services
from competitions.models import Combination, CompetitionStatus, TieBreak
from competitions.services import Standing, combine, rank
from tests.competitions.factories import (
    add_items,
    add_judges,
    add_team,
    finish,
    make_competition,
    score,
)
from tests.exams.factories import make_paper
from tests.factories import EnterpriseFactory, PersonFactory

D = Decimal


def test_mean_by_hand():
    assert combine([D(7), D(8), D("9.5")], Combination.MEAN) == D("8.17")  # 24.5 / 3
    assert combine([D(6), D(8), D(9), D(10)], Combination.MEAN) == D("8.25")


def test_trimmed_mean_drops_one_highest_and_one_lowest():
    assert combine([D(6), D(8), D(9), D(10)], Combination.TRIMMED) == D("8.50")  # (8 + 9) / 2
    assert combine([D(10), D(5), D(8)], Combination.TRIMMED) == D("8.00")  # only 8 is left
    # equal extremes: only one of each is dropped
    assert combine([D(9), D(9), D(9), D(3)], Combination.TRIMMED) == D("9.00")
    assert combine([D(7), D("7.5"), D("8.25"), D(9), D(2)], Combination.TRIMMED) == D("7.58")


def test_trimmed_mean_with_fewer_than_three_judges_falls_back_to_mean():
    assert combine([D(6), D(9)], Combination.TRIMMED) == D("7.50")
    assert combine([D(6)], Combination.TRIMMED) == D("6.00")
    assert combine([], Combination.TRIMMED) == D("0")


@pytest.fixture
def scored(district, enterprise, other_enterprise):
    """Weights 40/60, items of 10 and 20 points, trimmed mean.

    Team A: member 1 best of 80/100 and 90/100 = 90 %, member 2 35/50 = 70 % → theory 80.00;
    item 1 judges 8, 9, 10 → 9.00; item 2 14, 16, 20 → 16.00; practical 25/30 = 83.33;
    total 80 × .4 + 83.33 × .6 = 82.00 (81.998).
    Team B: one member 100/100, one never handed in (an attempt in progress does not count)
    → theory 50.00; item 1 only two judges 10, 10 → mean 10.00; item 2 not scored → 0;
    practical 10/30 = 33.33; total 20 + 19.998 = 40.00.
    """
    paper = make_paper(owner_region=district, title="竞赛理论考试")
    competition = make_competition(district, theory_paper=paper, combination=Combination.TRIMMED)
    item1, item2 = add_items(competition, 10, 20)
    j1, j2, j3 = add_judges(competition, 3)
    a = add_team(competition, enterprise, "A队")
    b = add_team(competition, other_enterprise, "B队")
    p1, p2 = a.members.order_by("pk")
    finish(paper, p1, 80, number=1)
    finish(paper, p1, 90, number=2)
    finish(paper, p2, 35, total=50)
    q1, q2 = b.members.order_by("pk")
    finish(paper, q1, 100)
    from exams.models import Attempt

    Attempt.objects.create(paper=paper, person=q2, number=1, score=D(100), total=D(100))
    other_paper = make_paper(owner_region=district, title="竞赛理论考试")
    finish(other_paper, q2, 100)  # another paper does not count
    for judge, v1, v2 in ((j1, 8, 14), (j2, 9, 16), (j3, 10, 20)):
        score(a, item1, judge, v1)
        score(a, item2, judge, v2)
    score(b, item1, j1, 10)
    score(b, item1, j2, 10)
    return competition


def test_standings_by_hand(scored):
    a, b = services.standings(scored)
    assert (a.name, a.theory, a.practical, a.total, a.rank) == (
        "A队",
        D("80.00"),
        D("83.33"),
        D("82.00"),
        1,
    )
    assert list(a.items.values()) == [D("9.00"), D("16.00")]
    assert (b.name, b.theory, b.practical, b.total, b.rank) == (
        "B队",
        D("50.00"),
        D("33.33"),
        D("40.00"),
        2,
    )


def test_mean_rule_uses_every_judge(scored):
    scored.combination = Combination.MEAN
    scored.save()
    a = services.standings(scored)[0]
    # item 2: (14 + 16 + 20) / 3 = 16.67; practical (9 + 16.67) / 30 = 85.57; total 32 + 51.342
    assert a.items[list(a.items)[1]] == D("16.67")
    assert a.practical == D("85.57")
    assert a.total == D("83.34")


def test_weights(scored):
    scored.theory_weight, scored.practical_weight = D(100), D(0)
    scored.save()
    assert [s.total for s in services.standings(scored)] == [D("80.00"), D("50.00")]
    scored.theory_weight, scored.practical_weight = D(0), D(100)
    scored.save()
    assert [s.total for s in services.standings(scored)] == [D("83.33"), D("33.33")]


def test_weights_must_add_up_to_100(district):
    competition = make_competition(district, theory_weight=D(50), practical_weight=D(40))
    with pytest.raises(ValidationError) as error:
        competition.full_clean()
    assert "理论成绩权重与实操成绩权重之和须为100%。" in str(error.value)


def test_team_without_members_and_competition_without_paper(district, enterprise):
    competition = make_competition(district)
    add_team(competition, enterprise, "空队", members=[])
    (s,) = services.standings(competition)
    assert (s.theory, s.practical, s.total) == (D(0), D(0), D("0.00"))


def _s(name, theory, practical, total, finished=None):
    return Standing(
        team_id=hash(name),
        name=name,
        enterprise_id=1,
        enterprise="",
        members=[],
        theory=D(theory),
        practical=D(practical),
        total=D(total),
        theory_finished_at=finished,
    )


def test_tie_rule_higher_practical_first():
    rows = rank([_s("甲", 80, 60, 70), _s("乙", 60, 80, 70), _s("丙", 90, 90, 90)], "practical", 0)
    assert [(s.name, s.rank) for s in rows] == [("丙", 1), ("乙", 2), ("甲", 3)]


def test_tie_rule_higher_theory_first():
    rows = rank([_s("乙", 60, 80, 70), _s("甲", 80, 60, 70)], TieBreak.THEORY, 0)
    assert [(s.name, s.rank) for s in rows] == [("甲", 1), ("乙", 2)]


def test_tie_rule_earlier_theory_finish_first():
    now = timezone.now()
    rows = rank(
        [
            _s("晚", 80, 60, 70, now),
            _s("未交", 90, 90, 70, None),
            _s("早", 60, 80, 70, now - timedelta(minutes=5)),
        ],
        TieBreak.THEORY_TIME,
        0,
    )
    assert [(s.name, s.rank) for s in rows] == [("早", 1), ("晚", 2), ("未交", 3)]


def test_equal_on_every_key_share_the_rank_and_the_next_rank_is_skipped():
    rows = rank(
        [_s("丁", 50, 50, 50), _s("乙", 80, 60, 70), _s("甲", 80, 60, 70), _s("丙", 99, 99, 99)],
        "practical",
        2,
    )
    assert [(s.name, s.rank, s.advancing) for s in rows] == [
        ("丙", 1, True),
        ("乙", 2, True),
        ("甲", 2, True),  # tied at the boundary: both advance
        ("丁", 4, False),
    ]


def test_theory_finish_time_of_a_team_is_its_last_members_first_hand_in(district, enterprise):
    paper = make_paper(owner_region=district, title="竞赛理论考试")
    competition = make_competition(
        district,
        theory_paper=paper,
        tie_break=TieBreak.THEORY_TIME,
        theory_weight=D(100),
        practical_weight=D(0),
    )
    other = EnterpriseFactory(street=enterprise.street)
    early = add_team(competition, enterprise, "先交队")
    late = add_team(competition, other, "后交队")
    t0 = timezone.now() - timedelta(hours=2)
    e1, e2 = early.members.all()
    finish(paper, e1, 80, at=t0)
    finish(paper, e2, 80, at=t0 + timedelta(minutes=20))
    l1, l2 = late.members.all()
    finish(paper, l1, 80, at=t0 - timedelta(minutes=30))
    finish(paper, l2, 80, at=t0 + timedelta(minutes=40))
    finish(paper, l2, 70, at=t0 + timedelta(minutes=50), number=2)  # a later retake: best stays 80
    rows = services.standings(competition)
    assert [(s.name, s.total, s.rank) for s in rows] == [
        ("先交队", D("80.00"), 1),
        ("后交队", D("80.00"), 2),
    ]
    assert rows[0].theory_finished_at == t0 + timedelta(minutes=20)


def test_leaderboard_ordering_and_advancing(district, enterprise):
    competition = make_competition(
        district, advancing_count=2, theory_weight=D(0), practical_weight=D(100)
    )
    (item,) = add_items(competition, 10)
    (judge,) = add_judges(competition, 1)
    for name, value in (("一队", 6), ("二队", 9), ("三队", 7.5), ("四队", 8)):
        team = add_team(competition, EnterpriseFactory(street=enterprise.street), name, 1)
        score(team, item, judge, value)
    rows = services.standings(competition)
    assert [(s.rank, s.name, s.total, s.advancing) for s in rows] == [
        (1, "二队", D("90.00"), True),
        (2, "四队", D("80.00"), True),
        (3, "三队", D("75.00"), False),
        (4, "一队", D("60.00"), False),
    ]


def _build(district, street, teams):
    paper = make_paper(owner_region=district, title="竞赛理论考试")
    competition = make_competition(district, theory_paper=paper)
    items = add_items(competition, 10, 10, 10, 10, 10, 10, 10)
    judges = add_judges(competition, 3)
    for n in range(teams):
        team = add_team(competition, EnterpriseFactory(street=street), f"队{n}", 3)
        for person in team.members.all():
            finish(paper, person, 60 + n)
        for item in items:
            for judge in judges:
                score(team, item, judge, 5 + n % 5)
    return competition


@pytest.mark.parametrize("teams", [2, 12])
def test_standings_run_in_a_fixed_number_of_queries(
    district, street, teams, django_assert_num_queries
):
    competition = _build(district, street, teams)
    with django_assert_num_queries(5):
        rows = services.standings(competition)
    assert len(rows) == teams
    assert max(s.theory for s in rows) == D(60 + teams - 1)
    assert [s.rank for s in rows] == sorted(s.rank for s in rows)


def test_member_scores_count_once_per_person(district, enterprise):
    """A person in two teams of the same competition is not double counted in the attempts."""
    paper = make_paper(owner_region=district, title="竞赛理论考试")
    competition = make_competition(district, theory_paper=paper)
    person = PersonFactory(enterprise=enterprise)
    add_team(competition, enterprise, "甲", members=[person])
    add_team(competition, enterprise, "乙", members=[person])
    finish(paper, person, 88)
    assert [s.theory for s in services.standings(competition)] == [D("88.00"), D("88.00")]


@pytest.mark.parametrize("count", [0, 1, 4])
def test_many_competitions_in_six_queries(district, street, count, django_assert_num_queries):
    from competitions.models import Competition

    for _n in range(count):
        _build(district, street, 2)
    with django_assert_num_queries(6):
        results = services.standings_many(Competition.objects.order_by("pk"))
    assert len(results) == count
    for competition, rows in results:
        assert [s.total for s in rows] == [s.total for s in services.standings(competition)]


def test_each_competition_counts_only_its_own_paper(district, enterprise):
    from competitions.models import Competition

    person = PersonFactory(enterprise=enterprise)
    first_paper, second_paper = (
        make_paper(owner_region=district, title="竞赛理论考试"),
        make_paper(owner_region=district, title="竞赛理论考试"),
    )
    first = make_competition(district, name="一", theory_paper=first_paper)
    second = make_competition(district, name="二", theory_paper=second_paper)
    add_team(first, enterprise, "甲", members=[person])
    add_team(second, enterprise, "乙", members=[person])
    finish(first_paper, person, 60)
    finish(second_paper, person, 90)
    results = dict(
        services.standings_many(Competition.objects.filter(pk__in=[first.pk, second.pk]))
    )
    assert results[first][0].theory == D("60.00")
    assert results[second][0].theory == D("90.00")


def test_a_removed_judges_scores_no_longer_count(scored):
    from competitions.models import Judge, Score

    # j3 (the highest scores 10 and 20) leaves: with two judges the mean of the rest counts
    j3 = Judge.objects.filter(competition=scored).order_by("pk").last()
    j3.delete()
    assert Score.objects.filter(judge=j3.user).count() == 2  # kept, but not counted
    a = services.standings(scored)[0]
    assert list(a.items.values()) == [D("8.50"), D("15.00")]
    assert a.item_counts == dict.fromkeys(a.items, 2)
    # a judge of another competition does not count either
    other = make_competition(scored.region, name="另一场")
    Judge.objects.create(competition=other, user=j3.user)
    assert list(services.standings(scored)[0].items.values()) == [D("8.50"), D("15.00")]


def test_theory_counts_only_attempts_within_the_competitions_window(district, enterprise):
    paper = make_paper(owner_region=district, title="竞赛理论考试")
    competition = make_competition(
        district, theory_paper=paper, theory_weight=D(100), practical_weight=D(0)
    )
    (person,) = add_team(competition, enterprise, "A队", 1).members.all()
    now = timezone.now()
    last_year = datetime(competition.year - 1, 6, 1, 10, tzinfo=timezone.get_current_timezone())
    finish(paper, person, 100, at=last_year, number=1)  # the paper reused from last year
    finish(paper, person, 60, at=now - timedelta(hours=1), number=2)
    assert services.standings(competition)[0].theory == D("60.00")
    # the paper was reopened this year: attempts before its opening time do not count either
    paper.opens_at = now - timedelta(minutes=30)
    paper.save()
    assert services.standings(competition)[0].theory == D("0.00")
    paper.opens_at = None
    paper.save()
    competition.status = CompetitionStatus.CLOSED
    competition.save()
    assert competition.closed_at is not None
    finish(paper, person, 90, at=timezone.now() + timedelta(minutes=1), number=3)
    closed = services.standings(competition)[0]
    assert closed.theory == D("60.00")  # handed in after closing: the result does not move
    competition.status = CompetitionStatus.PUBLISHED
    competition.save(update_fields=["status"])
    competition.refresh_from_db()
    assert competition.closed_at is not None
    assert services.standings(competition)[0].theory == D("60.00")
    competition.status = CompetitionStatus.OPEN  # reopened: the window is open again
    competition.save()
    assert competition.closed_at is None
    assert services.standings(competition)[0].theory == D("90.00")
