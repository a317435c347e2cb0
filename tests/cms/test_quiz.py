"""The campaign quiz (安全生产月知识竞赛): figures by enterprise and street on a hand-computed data
set, ranking and tie rules, query counts at two sizes, the quiz window, the entry button, the
scoped detail and export, and the live figures (fresh although the page is cached)."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cms import quiz
from cms.models import CampaignPage
from exams import engine
from exams.errors import ExamError
from exams.models import Attempt, Paper
from tests.cms.factories import add_campaign, publish
from tests.exams.factories import make_paper, make_questions
from tests.factories import EnterpriseFactory, PersonFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- data


@pytest.fixture
def quiz_paper(district):
    from exams.models import QuestionBank

    bank = QuestionBank.objects.create(name="竞赛题库", region=district)
    return make_paper(
        owner_region=district,
        questions=make_questions(bank, 4),
        points=25,
        title="安全生产月知识竞赛",
        pass_score=Decimal(60),
        attempts_allowed=2,
    )


@pytest.fixture
def campaign(campaign_index, quiz_paper):
    page = add_campaign(campaign_index, "安全生产月", start_offset=-3, end_offset=10)
    page.quiz_paper = quiz_paper
    page.body = [
        ("live_figure", {"figure": "campaign_quiz_participants", "label": "", "note": ""}),
        ("live_figure", {"figure": "campaign_quiz_average", "label": "", "note": ""}),
    ]
    return publish(page)


def finished(paper, person, score, number=1):
    return Attempt.objects.create(
        paper=paper,
        person=person,
        number=number,
        state=Attempt.State.FINISHED,
        finished_at=timezone.now(),
        score=Decimal(score),
        total=Decimal(100),
        passed=Decimal(score) >= paper.pass_score,
    )


@pytest.fixture
def world(quiz_paper, enterprise, other_enterprise, street, other_street, worker, other_worker):
    """Hand-computed data set.

    企业A (street 1): roster 4 active (+1 inactive); 王小明 best 80 (60 then 80), a2 70, a3 only an
      attempt in progress → 2 participants, rate 50.0 %, average 75.0.
    企业B (street 2): roster 2; 李小红 90 → 1 participant, rate 50.0 %, average 90.0 (ranks above A).
    企业C (street 1): roster 6, nobody took part in this quiz (one did another paper) → 0.0 %,
      no average.
    企业D (street 2): nobody on the roster → no rate (last).
    Street 1: 2 / 10 = 20.0 %, average 75.0; street 2: 1 / 2 = 50.0 %, average 90.0.
    Total: 3 / 12 = 25.0 %, average (80 + 70 + 90) / 3 = 80.0.
    """
    a1 = worker.person
    a2 = PersonFactory(enterprise=enterprise, name="张三")
    a3 = PersonFactory(enterprise=enterprise, name="李四")
    PersonFactory(enterprise=enterprise, name="赵六")
    PersonFactory(enterprise=enterprise, name="离职者", is_active=False)
    b1 = other_worker.person
    PersonFactory(enterprise=other_enterprise, name="钱七")
    c = EnterpriseFactory(name="企业C食品有限公司", street=street)
    for i in range(5):
        PersonFactory(enterprise=c, name=f"丙{i}")
    d = EnterpriseFactory(name="企业D物流有限公司", street=other_street)
    finished(quiz_paper, a1, 60, number=1)
    finished(quiz_paper, a1, 80, number=2)
    finished(quiz_paper, a2, 70)
    Attempt.objects.create(paper=quiz_paper, person=a3, number=1)  # in progress: not counted
    finished(quiz_paper, b1, 90)
    other = make_paper(owner_region=quiz_paper.region, title="别的考试")
    finished(other, PersonFactory(enterprise=c), 100)  # another paper: not counted
    return {"a": enterprise, "b": other_enterprise, "c": c, "d": d}


# ---------------------------------------------------------------- figures


def test_figures_by_enterprise_and_street_equal_the_hand_computed_values(quiz_paper, world):
    figures = quiz.quiz_figures(quiz_paper)
    by_name = {row.name: row for row in figures.enterprises}
    a, b = by_name["企业A化工有限公司"], by_name["企业B机械有限公司"]
    c, d = by_name["企业C食品有限公司"], by_name["企业D物流有限公司"]
    assert (a.participants, a.roster, a.rate, a.average) == (2, 4, Decimal("50.0"), Decimal("75.0"))
    assert (b.participants, b.roster, b.rate, b.average) == (1, 2, Decimal("50.0"), Decimal("90.0"))
    assert (c.participants, c.roster, c.rate, c.average) == (0, 6, Decimal("0.0"), None)
    assert (d.participants, d.roster, d.rate, d.average) == (0, 0, None, None)
    # The ranking: same rate → higher average first; no roster last.
    assert [row.name for row in figures.enterprises] == [
        "企业B机械有限公司",
        "企业A化工有限公司",
        "企业C食品有限公司",
        "企业D物流有限公司",
    ]
    assert [row.rank for row in figures.enterprises] == [1, 2, 3, 4]

    streets = {row.name: row for row in figures.streets}
    one, two = streets["一号街道"], streets["二号街道"]
    assert (one.participants, one.roster, one.rate, one.average) == (
        2,
        10,
        Decimal("20.0"),
        Decimal("75.0"),
    )
    assert (two.participants, two.roster, two.rate, two.average) == (
        1,
        2,
        Decimal("50.0"),
        Decimal("90.0"),
    )
    assert [row.name for row in figures.streets] == ["二号街道", "一号街道"]
    total = figures.total
    assert (total.participants, total.roster, total.rate, total.average) == (
        3,
        12,
        Decimal("25.0"),
        Decimal("80.0"),
    )


def test_equal_rate_and_average_are_ordered_by_name_and_share_a_rank(quiz_paper, street):
    second = EnterpriseFactory(name="乙公司", street=street)
    first = EnterpriseFactory(name="甲公司", street=street)
    third = EnterpriseFactory(name="丙公司", street=street)
    for enterprise, scores in ((second, [80, None]), (first, [80, None]), (third, [80, 50])):
        for score in scores:
            person = PersonFactory(enterprise=enterprise)
            if score is not None:
                finished(quiz_paper, person, score)
    rows = quiz.quiz_figures(quiz_paper).enterprises
    # 丙: 100 % beats the two 50 % ones; 乙 and 甲 tie on rate and average: by name (code point).
    assert [r.name for r in rows] == ["丙公司", *sorted(["乙公司", "甲公司"])]
    assert [r.rank for r in rows] == [1, 2, 2]


def test_live_figure_functions_count_people_once_and_average_their_best(quiz_paper, world):
    assert quiz.participant_count(quiz_paper) == 3
    assert quiz.average_best_score(quiz_paper) == Decimal("80.0")


def test_people_who_have_left_count_neither_on_the_roster_nor_as_participants(
    client, campaign, quiz_paper, street, supervisor
):
    """A leaver's finished attempt must not push the rate above 100 % nor move the average."""
    company = EnterpriseFactory(name="离职测试公司", street=street)
    stayer = PersonFactory(enterprise=company, name="在职者")
    leavers = [PersonFactory(enterprise=company, name=f"离职{i}") for i in range(2)]
    finished(quiz_paper, stayer, 60)
    for leaver in leavers:
        finished(quiz_paper, leaver, 100)
        leaver.is_active = False
        leaver.save()

    row = next(r for r in quiz.quiz_figures(quiz_paper).enterprises if r.key == company.pk)
    assert (row.participants, row.roster, row.rate, row.average) == (
        1,
        1,
        Decimal("100.0"),
        Decimal("60.0"),
    )
    # The live figures use the same definition as the ranking.
    assert quiz.participant_count(quiz_paper) == 1
    assert quiz.average_best_score(quiz_paper) == Decimal("60.0")
    # The detail page lists the same people as the figures count.
    client.force_login(supervisor)
    html = client.get(f"{campaign.quiz_detail_url}?enterprise={company.pk}").content.decode()
    assert "在职者" in html
    assert "离职0" not in html
    assert "300.0%" not in html
    assert "100.0%" in html


def test_the_live_figures_count_the_same_people_as_the_ranking(
    client, campaign, quiz_paper, world, django_assert_num_queries
):
    """Someone now in an enterprise the paper does not cover (moved out of the district) is not
    in the ranking, so not in the live figures either."""
    from tests.factories import RegionFactory, StreetFactory

    elsewhere = StreetFactory(
        name="外区街道", code="330200001", parent=RegionFactory(name="外区", code="330200")
    )
    moved = PersonFactory(enterprise=EnterpriseFactory(name="外区企业", street=elsewhere))
    finished(quiz_paper, moved, 20)

    total = quiz.quiz_figures(quiz_paper).total
    assert (total.participants, total.average) == (3, Decimal("80.0"))
    assert quiz.participant_count(quiz_paper) == total.participants
    assert quiz.average_best_score(quiz_paper) == total.average
    from cms.models import campaign_quiz_average, campaign_quiz_participants

    with django_assert_num_queries(2):
        assert campaign_quiz_participants(campaign) == 3
    with django_assert_num_queries(2):
        assert campaign_quiz_average(campaign) == "80.0"
    response = client.get(campaign.live_figures_url)
    assert response.json() == {
        "figures": {"campaign_quiz_participants": 3, "campaign_quiz_average": "80.0"}
    }


def _grow(quiz_paper, district, n):
    """n more enterprises with people and attempts, spread over two new streets."""
    from tests.factories import StreetFactory

    streets = [
        StreetFactory(name=f"扩展街道{n}-{i}", code=f"33010090{n % 10}{i}", parent=district)
        for i in range(2)
    ]
    for i in range(n):
        enterprise = EnterpriseFactory(name=f"扩展企业{n}-{i}", street=streets[i % 2])
        for j in range(3):
            person = PersonFactory(enterprise=enterprise)
            if j < 2:
                finished(quiz_paper, person, 50 + i + j)
                finished(quiz_paper, person, 40, number=2)


def test_figures_take_two_queries_at_two_sizes(
    quiz_paper, world, district, django_assert_num_queries
):
    paper = Paper.objects.select_related("region").get(pk=quiz_paper.pk)
    with django_assert_num_queries(2):
        small = quiz.quiz_figures(paper)
    _grow(quiz_paper, district, 12)
    with django_assert_num_queries(2):
        large = quiz.quiz_figures(paper)
    assert len(large.enterprises) == len(small.enterprises) + 12
    assert large.total.participants == small.total.participants + 24


def test_the_ranking_page_runs_the_same_queries_at_two_sizes(
    queries, client, campaign, world, district, django_assert_num_queries
):
    url = campaign.quiz_ranking_url
    client.get(url)  # warm Wagtail's site/page lookups
    with queries.capture() as small:
        assert client.get(url).status_code == 200
    _grow(campaign.quiz_paper, district, 15)
    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert "扩展企业15-14" in response.content.decode()


# ---------------------------------------------------------------- public ranking page


def test_anyone_sees_the_ranking_with_figures_but_no_person_names(client, campaign, world):
    response = client.get(campaign.quiz_ranking_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("企业B机械有限公司") < html.index("企业A化工有限公司")
    assert "50.0%" in html
    assert "75.0" in html
    assert "90.0" in html
    assert "一号街道" in html
    assert "二号街道" in html
    assert "22.2%" not in html
    for name in ("王小明", "李小红", "张三"):
        assert name not in html
    # No staff links for an anonymous visitor.
    assert campaign.quiz_detail_url not in html
    assert campaign.quiz_export_url not in html


def test_a_campaign_without_a_quiz_has_no_quiz_routes(client, campaign_index):
    page = add_campaign(campaign_index, "无竞赛的活动", start_offset=0, end_offset=3)
    assert client.get(page.url + "quiz/ranking/").status_code == 404
    assert client.get(page.url + "quiz/").status_code == 404
    assert "参加知识竞赛" not in client.get(page.url).content.decode()


# ---------------------------------------------------------------- the button and the window


def test_the_campaign_page_shows_the_button_and_sends_anonymous_visitors_to_login(client, campaign):
    html = client.get(campaign.url).content.decode()
    assert "参加知识竞赛" in html
    assert campaign.quiz_url in html
    response = client.get(campaign.quiz_url)
    assert response.status_code == 302
    login = reverse("portal:login")
    assert response["Location"].startswith(login)
    # The login page sends the visitor back to the quiz entry, which then opens the exam.
    next_url = parse_qs(urlsplit(response["Location"]).query)["next"][0]
    assert unquote(next_url) == unquote(campaign.quiz_url)


def test_a_worker_goes_from_the_button_to_the_exam_and_can_start_it(client, campaign, worker):
    client.force_login(worker)
    response = client.get(campaign.quiz_url)
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:paper", args=[campaign.quiz_paper_id])
    started = client.post(reverse("exams:start", args=[campaign.quiz_paper_id]))
    attempt = Attempt.objects.get(person=worker.person, paper=campaign.quiz_paper)
    assert started["Location"] == reverse("exams:attempt", args=[attempt.pk])


def test_a_worker_of_another_street_can_take_a_district_quiz(client, campaign, other_worker):
    client.force_login(other_worker)
    response = client.get(campaign.quiz_url)
    assert response["Location"] == reverse("exams:paper", args=[campaign.quiz_paper_id])


def test_an_account_without_a_person_is_told_why(client, campaign, supervisor):
    client.force_login(supervisor)
    response = client.get(campaign.quiz_url, follow=True)
    assert "尚未关联从业人员档案" in response.content.decode()


def test_the_quiz_is_closed_after_the_campaign_even_through_the_exam_engine(
    client, campaign_index, quiz_paper, worker
):
    page = add_campaign(campaign_index, "已结束的活动", start_offset=-20, end_offset=-2)
    page.quiz_paper = quiz_paper
    publish(page)
    client.force_login(worker)
    response = client.get(page.quiz_url, follow=True)
    assert "知识竞赛已结束" in response.content.decode()
    assert "参加知识竞赛" not in response.content.decode()
    with pytest.raises(ExamError) as error:
        engine.start_or_resume(paper=quiz_paper, person=worker.person, now=timezone.now())
    assert error.value.code == "not_open"
    assert not Attempt.objects.filter(paper=quiz_paper).exists()


def test_unpublishing_the_campaign_does_not_open_the_quiz_to_everyone(
    client, campaign, quiz_paper, worker
):
    """Without a live page the quiz window is not lifted: starts are refused."""
    now = timezone.now()
    assert quiz.start_check(quiz_paper, now) is None  # live and inside the window
    campaign.unpublish()
    with pytest.raises(ExamError) as error:
        engine.start_or_resume(paper=quiz_paper, person=worker.person, now=now)
    assert error.value.code == "not_open"
    assert "尚未发布" in error.value.message
    client.force_login(worker)
    client.post(reverse("exams:start", args=[quiz_paper.pk]))
    assert not Attempt.objects.filter(paper=quiz_paper).exists()


def test_a_draft_campaign_quiz_takes_no_attempts_before_it_is_published(
    campaign_index, quiz_paper, worker
):
    page = CampaignPage(
        title="草稿活动",
        theme=CampaignPage.Theme.OTHER,
        start_date=timezone.localdate() - timedelta(days=1),
        end_date=timezone.localdate() + timedelta(days=5),
        quiz_paper=quiz_paper,
        live=False,
    )
    campaign_index.add_child(instance=page)
    page.save_revision()
    now = timezone.now()
    assert quiz.start_check(quiz_paper, now)
    with pytest.raises(ExamError):
        engine.start_or_resume(paper=quiz_paper, person=worker.person, now=now)
    publish(page)
    attempt, created = engine.start_or_resume(paper=quiz_paper, person=worker.person, now=now)
    assert created


def test_an_attempt_started_just_before_the_campaign_ends_ends_with_it(
    campaign_index, quiz_paper, worker
):
    page = add_campaign(campaign_index, "今天结束的活动", start_offset=-5, end_offset=0)
    page.quiz_paper = quiz_paper
    publish(page)
    _opens, closes = quiz.quiz_window(page, quiz_paper)
    quiz_paper.duration_minutes = 60
    quiz_paper.save()
    now = closes - timedelta(minutes=1)  # 23:59 on the last day
    attempt, created = engine.start_or_resume(paper=quiz_paper, person=worker.person, now=now)
    assert created
    assert attempt.deadline == closes
    # Earlier in the campaign the full duration applies.
    earlier = closes - timedelta(hours=5)
    assert quiz.deadline_cap(quiz_paper, earlier) == closes
    other = make_paper(owner_region=quiz_paper.region, title="普通考试")
    assert quiz.deadline_cap(other, now) is None


def test_the_papers_own_dates_take_precedence_over_the_campaigns(
    campaign_index, quiz_paper, worker
):
    now = timezone.now()
    page = add_campaign(campaign_index, "六月的活动", start_offset=-60, end_offset=-30)
    page.quiz_paper = quiz_paper
    publish(page)
    quiz_paper.opens_at = now - timedelta(days=1)
    quiz_paper.closes_at = now + timedelta(days=1)
    quiz_paper.save()
    page.refresh_from_db()
    assert quiz.quiz_state(page, now) == "open"
    attempt, created = engine.start_or_resume(paper=quiz_paper, person=worker.person, now=now)
    assert created


def test_a_campaign_that_has_not_started_shows_no_button(client, campaign_index, quiz_paper):
    page = add_campaign(campaign_index, "下月活动", start_offset=5, end_offset=20)
    page.quiz_paper = quiz_paper
    publish(page)
    html = client.get(page.url).content.decode()
    assert "尚未开始" in html
    assert "参加知识竞赛" not in html


def test_papers_not_open_to_every_worker_are_refused_as_a_quiz(
    campaign, district, enterprise, quiz_paper
):
    practice = make_paper(owner_region=district, mode=Paper.Mode.PRACTICE, title="练习")
    own = make_paper(owner_enterprise=enterprise, title="企业自己的考试")
    draft = make_paper(owner_region=district, title="草稿", published=False)
    for paper, message in (
        (practice, "练习不能作为知识竞赛"),
        (own, "区（街道）级、面向全部人员"),
        (draft, "尚未发布"),
    ):
        campaign.quiz_paper = paper
        with pytest.raises(ValidationError) as error:
            campaign.full_clean()
        assert message in str(error.value.message_dict["quiz_paper"])
    campaign.quiz_paper = quiz_paper
    campaign.full_clean()


# ---------------------------------------------------------------- scoped detail and export


def test_detail_and_export_refuse_workers_and_send_anonymous_to_login(client, campaign, worker):
    for url in (campaign.quiz_detail_url, campaign.quiz_export_url):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("portal:login") in response["Location"]
    client.force_login(worker)
    assert client.get(campaign.quiz_detail_url).status_code == 403
    assert client.get(campaign.quiz_export_url).status_code == 403


def test_a_manager_sees_their_own_people_and_nothing_of_other_enterprises(
    client, campaign, world, manager, other_manager
):
    client.force_login(manager)
    html = client.get(campaign.quiz_detail_url).content.decode()
    assert "王小明" in html
    assert "张三" in html
    assert "赵六" in html
    assert "离职者" not in html
    assert "企业B机械有限公司" not in html
    assert "李小红" not in html
    assert client.get(campaign.quiz_detail_url + f"?enterprise={world['b'].pk}").status_code == 404
    assert client.get(campaign.quiz_detail_url + "?enterprise=x").status_code == 404
    assert client.get(campaign.quiz_export_url).status_code == 403

    client.force_login(other_manager)
    html = client.get(campaign.quiz_detail_url).content.decode()
    assert "李小红" in html
    assert "王小明" not in html
    assert client.get(campaign.quiz_detail_url + f"?enterprise={world['a'].pk}").status_code == 404


def test_a_street_supervisor_sees_only_their_streets_enterprises(
    client, campaign, world, street_supervisor
):
    client.force_login(street_supervisor)
    html = client.get(campaign.quiz_detail_url).content.decode()
    assert "企业A化工有限公司" in html
    assert "企业C食品有限公司" in html
    assert "企业B机械有限公司" not in html
    assert client.get(campaign.quiz_detail_url + f"?enterprise={world['b'].pk}").status_code == 404
    html = client.get(campaign.quiz_detail_url + f"?enterprise={world['a'].pk}").content.decode()
    assert "王小明" in html
    assert "80.0" in html

    response = client.get(campaign.quiz_export_url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("排名", "企业", "所属街道", "参与人数")
    assert [r[1] for r in rows[1:]] == ["企业A化工有限公司", "企业C食品有限公司"]
    assert rows[1] == (2, "企业A化工有限公司", "一号街道", 2, 4, 50.0, 75.0)


def test_the_district_supervisor_exports_every_enterprise(client, campaign, world, supervisor):
    client.force_login(supervisor)
    response = client.get(campaign.quiz_export_url)
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == [
        "企业B机械有限公司",
        "企业A化工有限公司",
        "企业C食品有限公司",
        "企业D物流有限公司",
    ]


def test_the_export_file_name_goes_through_gettext(client, campaign, supervisor, monkeypatch):
    from cms import quiz_views

    catalog = {"%(title)s-知识竞赛-%(date)s.xlsx": "%(title)s-quiz-%(date)s.xlsx"}
    monkeypatch.setattr(quiz_views, "_", lambda msgid: catalog.get(msgid, msgid))
    client.force_login(supervisor)
    response = client.get(campaign.quiz_export_url)
    disposition = unquote(response["Content-Disposition"])
    stamp = timezone.localdate().strftime("%Y%m%d")
    assert disposition.endswith(f"{campaign.title}-quiz-{stamp}.xlsx")
    assert "知识竞赛" not in disposition


# ---------------------------------------------------------------- live figures


def test_the_live_figures_show_the_real_count_and_average(client, campaign, world):
    html = client.get(campaign.url).content.decode()
    assert '<span class="figure-value">3</span>' in html
    assert '<span class="figure-value">80.0</span>' in html
    assert f'data-live-figure-src="{campaign.live_figures_url}"' in html
    assert "js/live_figures.js" in html


def test_the_figures_endpoint_is_fresh_while_the_page_is_served_from_the_cache(
    client, campaign, world, quiz_paper, enterprise
):
    assert client.get(campaign.url)["X-Page-Cache"] == "miss"
    finished(quiz_paper, PersonFactory(enterprise=enterprise), 100)
    cached = client.get(campaign.url)
    assert cached["X-Page-Cache"] == "hit"
    assert '<span class="figure-value">3</span>' in cached.content.decode()  # as rendered

    response = client.get(campaign.live_figures_url)
    assert "X-Page-Cache" not in response
    assert response.json() == {
        "figures": {"campaign_quiz_participants": 4, "campaign_quiz_average": "85.0"}
    }


def test_the_figures_endpoint_caches_its_answer_only_briefly(
    client, campaign, world, quiz_paper, enterprise, settings
):
    assert (
        client.get(campaign.live_figures_url).json()["figures"]["campaign_quiz_participants"] == 3
    )
    finished(quiz_paper, PersonFactory(enterprise=enterprise), 100)
    # Within CMS_LIVE_FIGURE_SECONDS the same answer is served (a crowd does not recount) ...
    assert (
        client.get(campaign.live_figures_url).json()["figures"]["campaign_quiz_participants"] == 3
    )
    # ... and after it the new count.
    from django.core.cache import cache

    cache.delete(f"cms:live-figures:{campaign.pk}")
    assert (
        client.get(campaign.live_figures_url).json()["figures"]["campaign_quiz_participants"] == 4
    )


def test_a_quiz_figure_on_a_page_without_a_quiz_says_it_is_unavailable(client, campaign_index):
    page = add_campaign(campaign_index, "无竞赛", start_offset=0, end_offset=3)
    page.body = [("live_figure", {"figure": "campaign_quiz_participants", "label": "", "note": ""})]
    publish(page)
    html = client.get(page.url).content.decode()
    assert "该数据项暂不可用" in html
    assert client.get(page.live_figures_url).json() == {"figures": {}}


def test_site_wide_figures_still_take_no_argument():
    from portal import registry

    figure = registry.live_figures["cms.published_pages"]
    assert not figure.per_page
    assert isinstance(figure.value(), int)
    assert registry.live_figures["campaign_quiz_participants"].value(None) is None


def test_campaign_page_models_keep_the_quiz_when_the_paper_goes(campaign, quiz_paper):
    quiz_paper.attempts.all().delete()
    quiz_paper.delete()
    page = CampaignPage.objects.get(pk=campaign.pk)
    assert page.quiz_paper_id is None
    assert page.quiz_state == ""


def test_a_login_only_campaign_keeps_its_quiz_routes_private(client, campaign, worker):
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(page=campaign, restriction_type=PageViewRestriction.LOGIN)
    for url in (campaign.quiz_ranking_url, campaign.live_figures_url):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("portal:login") in response["Location"]
    client.force_login(worker)
    assert client.get(campaign.quiz_ranking_url).status_code == 200


def test_the_editor_chooses_the_quiz_paper_in_the_page_editor(client, campaign, superuser):
    client.force_login(superuser)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[campaign.pk])).content.decode()
    assert 'name="quiz_paper"' in html
    assert "知识竞赛" in html


def test_the_exam_page_of_a_closed_campaign_quiz_offers_no_start(
    client, campaign_index, quiz_paper, worker
):
    page = add_campaign(campaign_index, "已结束的活动", start_offset=-20, end_offset=-2)
    page.quiz_paper = quiz_paper
    publish(page)
    client.force_login(worker)
    html = client.get(reverse("exams:paper", args=[quiz_paper.pk])).content.decode()
    assert "考试不在开放时间内" in html
    assert reverse("exams:start", args=[quiz_paper.pk]) not in html
