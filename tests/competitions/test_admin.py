"""Management in the Wagtail admin: set-up by supervisors (scoped), teams by managers (own
enterprise only), results page, .xlsx export and awarding certificates (idempotent)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from competitions import services
from competitions.models import Award, Competition, CompetitionStatus, Team
from tests.competitions.factories import add_items, add_judges, add_team, make_competition, score
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def _competition_data(region, **extra):
    data = {
        "name": "街道应急技能比武",
        "year": "2026",
        "region": region.pk,
        "status": "draft",
        "theory_paper": "",
        "theory_weight": "30",
        "practical_weight": "70",
        "combination": "trimmed",
        "tie_break": "theory",
        "advancing_count": "2",
        "award_count": "3",
        "certificate_template": "",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-name": "灭火器实操",
        "items-0-max_score": "10",
        "items-0-sort_order": "0",
        "items-0-id": "",
        "items-1-name": "心肺复苏",
        "items-1-max_score": "20",
        "items-1-sort_order": "1",
        "items-1-id": "",
        "judges-TOTAL_FORMS": "0",
        "judges-INITIAL_FORMS": "0",
        "judges-MIN_NUM_FORMS": "0",
        "judges-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return data


def test_supervisor_sets_up_a_competition_with_items_and_judges(client, street_supervisor, street):
    judge = UserFactory(username="judge_expert")
    client.force_login(street_supervisor)
    data = _competition_data(
        street,
        **{"judges-TOTAL_FORMS": "1", "judges-0-user": judge.pk, "judges-0-id": ""},
    )
    response = client.post(reverse("competitions_competitions:add"), data)
    assert response.status_code == 302, response.context["form"].errors
    competition = Competition.objects.get(name="街道应急技能比武")
    assert [(i.name, i.max_score) for i in competition.items.all()] == [
        ("灭火器实操", Decimal(10)),
        ("心肺复苏", Decimal(20)),
    ]
    assert services.is_judge(judge, competition)


def test_weights_not_adding_up_are_refused_and_nothing_saved(client, street_supervisor, street):
    client.force_login(street_supervisor)
    data = _competition_data(street, practical_weight="60")
    response = client.post(reverse("competitions_competitions:add"), data)
    assert response.status_code == 200
    assert "理论成绩权重与实操成绩权重之和须为100%。" in response.content.decode()
    assert 'value="街道应急技能比武"' in response.content.decode()
    assert not Competition.objects.exists()


def test_street_supervisor_cannot_host_in_or_open_the_district(
    client, street_supervisor, district, other_street
):
    client.force_login(street_supervisor)
    response = client.post(
        reverse("competitions_competitions:add"), _competition_data(other_street)
    )
    assert response.status_code == 200
    assert not Competition.objects.exists()
    district_one = make_competition(district)
    url = reverse("competitions_competitions:edit", args=[district_one.pk])
    assert client.get(url).status_code == 404
    listing = client.get(reverse("competitions_competitions:index")).content.decode()
    assert "应急救援技能大赛" not in listing


def test_worker_and_manager_refused_from_competition_admin(client, worker, manager, district):
    competition = make_competition(district)
    for user in (worker, manager):
        client.force_login(user)
        for url in (
            reverse("competitions_competitions:index"),
            reverse("competitions_competitions:edit", args=[competition.pk]),
            reverse("competitions_admin:results", args=[competition.pk]),
        ):
            response = client.get(url)
            assert response.status_code in (302, 403, 404), (user, url)
            assert "应急救援技能大赛" not in response.content.decode()


def _team_data(competition, enterprise, name, members):
    return {
        "competition": competition.pk,
        "enterprise": enterprise.pk,
        "name": name,
        "members": [p.pk for p in members],
    }


def test_manager_registers_their_own_enterprises_team(client, manager, enterprise, district):
    competition = make_competition(district)
    people = [PersonFactory(enterprise=enterprise) for _ in range(2)]
    client.force_login(manager)
    response = client.post(
        reverse("competitions_teams:add"), _team_data(competition, enterprise, "A厂队", people)
    )
    assert response.status_code == 302
    team = Team.objects.get(name="A厂队")
    assert set(team.members.all()) == set(people)


def test_manager_cannot_register_another_enterprise_or_its_people(
    client, manager, enterprise, other_enterprise, district
):
    competition = make_competition(district)
    outsider = PersonFactory(enterprise=other_enterprise)
    client.force_login(manager)
    response = client.post(
        reverse("competitions_teams:add"),
        _team_data(competition, other_enterprise, "冒名队", [outsider]),
    )
    assert response.status_code == 200
    response = client.post(
        reverse("competitions_teams:add"), _team_data(competition, enterprise, "混编队", [outsider])
    )
    assert response.status_code == 200
    assert not Team.objects.exists()


def test_other_enterprises_manager_cannot_touch_a_team(client, other_manager, enterprise, district):
    competition = make_competition(district)
    team = add_team(competition, enterprise, "A厂队")
    client.force_login(other_manager)
    for name in ("edit", "delete"):
        url = reverse(f"competitions_teams:{name}", args=[team.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "改名"}).status_code == 404
    assert "A厂队" not in client.get(reverse("competitions_teams:index")).content.decode()
    team.refresh_from_db()
    assert team.name == "A厂队"


def test_no_registration_in_a_closed_competition(client, manager, enterprise, district):
    competition = make_competition(district, status=CompetitionStatus.CLOSED)
    client.force_login(manager)
    response = client.post(
        reverse("competitions_teams:add"),
        _team_data(competition, enterprise, "迟到队", [PersonFactory(enterprise=enterprise)]),
    )
    assert response.status_code == 200  # a closed competition is not even a choice
    assert not Team.objects.exists()


def test_no_team_changes_after_close(client, manager, enterprise, district):
    competition = make_competition(district)
    team = add_team(competition, enterprise, "A厂队", 1)
    competition.status = CompetitionStatus.CLOSED
    competition.save()
    client.force_login(manager)
    data = _team_data(competition, enterprise, "改名队", list(team.members.all()))
    response = client.post(reverse("competitions_teams:edit", args=[team.pk]), data)
    assert response.status_code == 200
    assert "竞赛已结束，不能报名或修改队伍。" in response.content.decode()
    team.refresh_from_db()
    assert team.name == "A厂队"


@pytest.fixture
def finished_competition(district, enterprise, other_enterprise):
    from certificates.models import CertificateTemplate

    template = CertificateTemplate.objects.create(
        name="竞赛获奖证书", title="荣誉证书", body="{holder_name} {subject}", issuer="区应急管理局"
    )
    competition = make_competition(
        district,
        status=CompetitionStatus.CLOSED,
        certificate_template=template,
        award_count=1,
        advancing_count=1,
        theory_weight=Decimal(0),
        practical_weight=Decimal(100),
    )
    (item,) = add_items(competition, 10)
    (judge,) = add_judges(competition, 1)
    winner = add_team(competition, enterprise, "冠军队", 2)
    second = add_team(competition, other_enterprise, "亚军队", 2)
    score(winner, item, judge, 9)
    score(second, item, judge, 7)
    return competition


def test_results_page_and_xlsx_export(client, supervisor, finished_competition):
    client.force_login(supervisor)
    url = reverse("competitions_admin:results", args=[finished_competition.pk])
    html = client.get(url).content.decode()
    assert html.index("冠军队") < html.index("亚军队")
    response = client.get(url + "?export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "名次",
        "队伍",
        "企业",
        "队员人数",
        "理论成绩",
        "项目1（满分10）",
        "实操成绩",
        "总分",
        "晋级",
    ]
    assert rows[1][:2] == [1, "冠军队"]
    assert rows[1][-1] == "是"
    assert [str(v) for v in rows[1][4:8]] == ["0", "9", "90", "90"]
    assert rows[2][:2] == [2, "亚军队"]
    assert rows[2][-1] in ("", None)


def test_results_page_refused_outside_scope(client, street_supervisor, finished_competition):
    client.force_login(street_supervisor)
    url = reverse("competitions_admin:results", args=[finished_competition.pk])
    assert client.get(url).status_code == 404
    assert (
        client.post(reverse("competitions_admin:award", args=[finished_competition.pk])).status_code
        == 404
    )


def test_award_certificates_is_idempotent(client, supervisor, finished_competition):
    from certificates.models import Certificate

    client.force_login(supervisor)
    url = reverse("competitions_admin:award", args=[finished_competition.pk])
    response = client.post(url, follow=True)
    assert "已为2名获奖队员颁发证书（本次新颁发2张）。" in response.content.decode()
    winners = set(Team.objects.get(name="冠军队").members.values_list("pk", flat=True))
    certificates = Certificate.objects.filter(person__in=winners)
    assert certificates.count() == 2
    assert {c.details["score"] for c in certificates} == {"90.00"}
    response = client.post(url, follow=True)
    assert "已为2名获奖队员颁发证书（本次新颁发0张）。" in response.content.decode()
    assert Certificate.objects.count() == 2
    assert Award.objects.count() == 2
    assert services.award_certificates(competition=finished_competition, user=supervisor) == (0, 2)


def test_award_refused_while_open_or_without_template(supervisor, finished_competition):
    from django.core.exceptions import ValidationError

    finished_competition.status = CompetitionStatus.OPEN
    finished_competition.save()
    with pytest.raises(ValidationError, match="竞赛结束后才能颁发证书。"):
        services.award_certificates(competition=finished_competition, user=supervisor)
    finished_competition.status = CompetitionStatus.CLOSED
    finished_competition.certificate_template = None
    finished_competition.save()
    with pytest.raises(ValidationError, match="请先为竞赛选择获奖证书模板。"):
        services.award_certificates(competition=finished_competition, user=supervisor)
    assert not Award.objects.exists()


def test_demo_seeder_is_idempotent(db):
    from competitions.models import Judge, PracticalItem, Score
    from portal import registry
    from portal.demo import seed_organizations

    ctx = seed_organizations("demo-pass-2026")
    registry.seeders["certificates"].func(ctx)
    registry.seeders["exams"].func(ctx)

    def counts():
        return [m.objects.count() for m in (Competition, Team, PracticalItem, Judge, Score)] + [
            Team.members.through.objects.count()
        ]

    registry.seeders["competitions"].func(ctx)
    first = counts()
    registry.seeders["competitions"].func(ctx)
    assert counts() == first
    assert first[:5] == [1, 4, 7, 3, first[4]]
    assert first[4] > 0
    competition = Competition.objects.get()
    rows = services.standings(competition)
    assert len(rows) == 4
    assert rows[0].total > 0
    assert competition.leaderboard_public


def test_admin_forms_render_with_scoped_choices(
    client, street_supervisor, manager, street, other_street, enterprise, other_enterprise
):
    from tests.factories import make_manager

    inside = UserFactory(username="judge_in_street")
    inside.region = street
    inside.save()
    outside = make_manager(other_enterprise)
    outside.username = "manager_elsewhere"
    outside.save()
    expert = UserFactory(username="outside_expert")
    client.force_login(street_supervisor)
    response = client.get(reverse("competitions_competitions:add"))
    assert response.status_code == 200
    judges = response.context["form"].formsets["judges"].empty_form.fields["user"].queryset
    assert inside in judges
    assert expert in judges
    assert outside not in judges
    regions = response.context["form"].fields["region"].queryset
    assert street in regions
    assert other_street not in regions
    competition = make_competition(street.parent)
    client.force_login(manager)
    response = client.get(reverse("competitions_teams:add"))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields["enterprise"].queryset) == [enterprise]
    assert competition in form.fields["competition"].queryset
    assert not form.fields["members"].queryset.exclude(enterprise=enterprise).exists()


def test_a_judge_outside_the_supervisors_region_is_refused(
    client, street_supervisor, street, other_enterprise
):
    from tests.factories import make_manager

    outside = make_manager(other_enterprise)
    client.force_login(street_supervisor)
    data = _competition_data(
        street, **{"judges-TOTAL_FORMS": "1", "judges-0-user": outside.pk, "judges-0-id": ""}
    )
    response = client.post(reverse("competitions_competitions:add"), data)
    assert response.status_code == 200
    assert not Competition.objects.exists()


@pytest.mark.parametrize("status", [CompetitionStatus.CLOSED, CompetitionStatus.PUBLISHED])
def test_no_team_deletion_after_close(client, manager, supervisor, enterprise, district, status):
    competition = make_competition(district)
    (item,) = add_items(competition, 10)
    (judge,) = add_judges(competition, 1)
    team = add_team(competition, enterprise, "A厂队", 1)
    score(team, item, judge, 8)
    competition.status = status
    competition.save()
    url = reverse("competitions_teams:delete", args=[team.pk])
    for user in (manager, supervisor):
        client.force_login(user)
        response = client.post(url, follow=True)
        assert response.status_code == 200
        assert "竞赛已结束，不能删除参赛队伍。" in response.content.decode()
        assert Team.objects.filter(pk=team.pk).exists()
    assert team.scores.count() == 1


def test_team_deletion_while_open_and_never_of_an_awarded_team(
    client, manager, enterprise, district
):
    from django.db.models import RestrictedError

    competition = make_competition(district)
    kept = add_team(competition, enterprise, "获奖队", 1)
    gone = add_team(competition, enterprise, "退赛队", 1)
    Award.objects.create(
        competition=competition, team=kept, person=kept.members.get(), rank=1, total=Decimal(90)
    )
    client.force_login(manager)
    client.post(reverse("competitions_teams:delete", args=[gone.pk]))
    assert not Team.objects.filter(pk=gone.pk).exists()
    response = client.post(reverse("competitions_teams:delete", args=[kept.pk]), follow=True)
    assert "该队伍已获奖，不能删除。" in response.content.decode()
    assert Team.objects.filter(pk=kept.pk).exists()
    with pytest.raises(RestrictedError):
        kept.delete()
    competition.delete()  # the whole competition still goes with its teams and awards
    assert not Award.objects.exists()


def test_a_person_is_in_one_team_per_competition(client, manager, enterprise, district):
    competition = make_competition(district)
    person, other = (PersonFactory(enterprise=enterprise, name=n) for n in ("张三", "李四"))
    first = add_team(competition, enterprise, "一队", [person])
    client.force_login(manager)
    response = client.post(
        reverse("competitions_teams:add"),
        _team_data(competition, enterprise, "二队", [person, other]),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "以下人员已在本竞赛的其他队伍中：张三（一队）" in html
    assert 'value="二队"' in html  # what was typed is kept
    assert not Team.objects.filter(name="二队").exists()
    # editing the team they are in is fine, and so is another competition
    response = client.post(
        reverse("competitions_teams:edit", args=[first.pk]),
        _team_data(competition, enterprise, "一队改", [person]),
    )
    assert response.status_code == 302
    later = make_competition(district, name="下一场")
    response = client.post(
        reverse("competitions_teams:add"), _team_data(later, enterprise, "二队", [person, other])
    )
    assert response.status_code == 302
    assert set(Team.objects.get(competition=later).members.all()) == {person, other}


def test_max_score_cannot_drop_below_an_existing_score(client, street_supervisor, street):
    judge = UserFactory(username="judge_expert")
    client.force_login(street_supervisor)
    data = _competition_data(
        street,
        status="open",
        **{"judges-TOTAL_FORMS": "1", "judges-0-user": judge.pk, "judges-0-id": ""},
    )
    assert client.post(reverse("competitions_competitions:add"), data).status_code == 302
    competition = Competition.objects.get(name="街道应急技能比武")
    item1, item2 = competition.items.all()
    team = add_team(competition, PersonFactory().enterprise, "A队", 1)
    score(team, item1, judge, "8.5")
    edit = {
        **data,
        "items-INITIAL_FORMS": "2",
        "items-0-id": item1.pk,
        "items-1-id": item2.pk,
        "judges-INITIAL_FORMS": "1",
        "judges-0-id": competition.judges.get().pk,
        "items-0-max_score": "8",
    }
    url = reverse("competitions_competitions:edit", args=[competition.pk])
    response = client.post(url, edit)
    assert response.status_code == 200
    assert "已有裁判评分8.5分，满分不能低于该分值。" in response.content.decode()
    item1.refresh_from_db()
    assert item1.max_score == Decimal(10)
    assert services.standings(competition)[0].practical <= 100
    assert client.post(url, {**edit, "items-0-max_score": "8.5"}).status_code == 302
    item1.refresh_from_db()
    assert item1.max_score == Decimal("8.5")


def test_awarding_again_after_the_ranking_changed(supervisor, finished_competition):
    from certificates.models import Certificate
    from competitions.models import Score

    assert services.award_certificates(competition=finished_competition, user=supervisor) == (2, 2)
    champions = set(Team.objects.get(name="冠军队").members.values_list("pk", flat=True))
    runners = set(Team.objects.get(name="亚军队").members.values_list("pk", flat=True))
    # a score corrected after the first run: 亚军队 now wins
    Score.objects.filter(team__name="亚军队").update(value=Decimal("9.5"))
    assert services.award_certificates(competition=finished_competition, user=supervisor) == (2, 2)
    assert set(Award.objects.values_list("person_id", flat=True)) == runners
    gone = Certificate.objects.filter(person__in=champions)
    assert {c.status for c in gone} == {Certificate.Status.REVOKED}
    assert {c.status_reason for c in gone} == {"竞赛排名变动，不再获奖"}
    valid = Certificate.objects.filter(person__in=runners, status=Certificate.Status.VALID)
    assert {c.details["score"] for c in valid} == {"95.00"}
    assert all("第1名（亚军队）" in c.details["subject"] for c in valid)
    # the same rank with another total: the certificate is reissued with the new figures
    Score.objects.filter(team__name="亚军队").update(value=Decimal("9.8"))
    assert services.award_certificates(competition=finished_competition, user=supervisor) == (2, 2)
    live = Certificate.objects.live().filter(person__in=runners)
    assert {c.details["score"] for c in live} == {"98.00"}
    assert {c.status for c in live} == {Certificate.Status.VALID}
    assert Certificate.objects.filter(status=Certificate.Status.REPLACED).count() == 2
    assert {a.total for a in Award.objects.all()} == {Decimal("98.00")}
    # nothing changed: nothing new
    assert services.award_certificates(competition=finished_competition, user=supervisor) == (0, 2)


def test_a_supervisor_can_save_a_competition_with_a_judge_from_elsewhere(
    client, street_supervisor, street, other_enterprise
):
    from competitions.models import Judge
    from tests.factories import make_manager

    elsewhere = make_manager(other_enterprise)  # added by the district, outside the street
    competition = make_competition(street, status=CompetitionStatus.DRAFT)
    judge = Judge.objects.create(competition=competition, user=elsewhere)
    client.force_login(street_supervisor)
    url = reverse("competitions_competitions:edit", args=[competition.pk])
    data = _competition_data(
        street,
        name="改名后的比武",
        **{
            "items-TOTAL_FORMS": "0",
            "judges-TOTAL_FORMS": "1",
            "judges-INITIAL_FORMS": "1",
            "judges-0-id": judge.pk,
            "judges-0-user": elsewhere.pk,
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302
    competition.refresh_from_db()
    assert competition.name == "改名后的比武"
    assert services.is_judge(elsewhere, competition)
    # still no way to add another account from elsewhere
    newcomer = make_manager(other_enterprise)
    data.update({"judges-TOTAL_FORMS": "2", "judges-1-id": "", "judges-1-user": newcomer.pk})
    assert client.post(url, data).status_code == 200
    assert not services.is_judge(newcomer, competition)


def test_deleting_a_judges_account_with_scores_is_refused_clearly(
    client, superuser, district, enterprise
):
    competition = make_competition(district)
    (item,) = add_items(competition, 10)
    judge, idle = add_judges(competition, 2)
    score(add_team(competition, enterprise, "A队", 1), item, judge, 8)
    client.force_login(superuser)
    response = client.post(reverse("wagtailusers_users:delete", args=[judge.pk]), follow=True)
    assert response.status_code == 200
    assert "该账号在技能竞赛中有裁判评分记录，不能删除；如不再使用，请停用该账号。" in (
        response.content.decode()
    )
    assert type(judge).objects.filter(pk=judge.pk).exists()
    # a judge who scored nothing can go
    response = client.post(reverse("wagtailusers_users:delete", args=[idle.pk]))
    assert response.status_code == 302
    assert not type(idle).objects.filter(pk=idle.pk).exists()


def test_a_judge_who_scored_cannot_be_removed_after_close(client, street_supervisor, street):
    from competitions.models import Judge

    competition = make_competition(street, status=CompetitionStatus.CLOSED)
    (item,) = add_items(competition, 10)
    judge, idle = add_judges(competition, 2)
    score(add_team(competition, PersonFactory().enterprise, "A队", 1), item, judge, 8)
    rows = list(Judge.objects.filter(competition=competition).order_by("pk"))
    data = _competition_data(
        street,
        status="closed",
        **{
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "1",
            "items-0-id": item.pk,
            "items-0-name": item.name,
            "items-0-max_score": "10",
            "items-0-sort_order": "0",
            "judges-TOTAL_FORMS": "2",
            "judges-INITIAL_FORMS": "2",
            "judges-0-id": rows[0].pk,
            "judges-0-user": judge.pk,
            "judges-0-DELETE": "on",
            "judges-1-id": rows[1].pk,
            "judges-1-user": idle.pk,
        },
    )
    client.force_login(street_supervisor)
    url = reverse("competitions_competitions:edit", args=[competition.pk])
    response = client.post(url, data)
    assert response.status_code == 200
    assert "竞赛已结束，已评分的裁判不能移除或更换。" in response.content.decode()
    assert services.is_judge(judge, competition)
    assert services.standings(competition)[0].practical == Decimal("80.00")
    # a judge who scored nothing may go
    del data["judges-0-DELETE"]
    data["judges-1-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert not services.is_judge(idle, competition)
    assert services.is_judge(judge, competition)
