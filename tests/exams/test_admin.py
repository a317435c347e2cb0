"""Admin (Wagtail): banks, questions and papers scoped to the administrator; import view with the
template; results per paper (filter, .xlsx export); statistics; event logs — and who is refused."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from exams import engine
from exams.models import Paper, Question, QuestionBank
from portal.roles import sync_role_groups
from tests.exams.factories import make_paper, make_questions
from tests.exams.test_import import row, xlsx
from tests.portal.xlsx_helpers import confirm_import


@pytest.fixture(autouse=True)
def _roles(db):
    sync_role_groups()


@pytest.fixture
def finished_paper(district, questions, worker, other_worker):
    paper = make_paper(owner_region=district, questions=questions)
    now = timezone.now()
    for user in (worker, other_worker):
        attempt, _ = engine.start_or_resume(paper=paper, person=user.person, now=now)
        engine.submit_attempt(attempt=attempt, now=now)
    return paper


def test_a_manager_sees_only_their_enterprises_banks(client, manager, enterprise, other_bank, bank):
    own = QuestionBank.objects.create(name="企业A题库", enterprise=enterprise)
    client.force_login(manager)
    body = client.get(reverse("exams_banks:index")).content.decode()
    assert own.name in body
    assert other_bank.name not in body
    assert bank.name not in body
    assert client.get(reverse("exams_banks:edit", args=[other_bank.pk])).status_code == 404


def test_the_examiner_and_the_supervisor_see_their_regions_banks(
    client, examiner, supervisor, street_supervisor, bank, other_bank
):
    for user in (examiner, supervisor):
        client.force_login(user)
        body = client.get(reverse("exams_banks:index")).content.decode()
        assert bank.name in body
        assert other_bank.name in body
    client.force_login(street_supervisor)
    body = client.get(reverse("exams_banks:index")).content.decode()
    assert bank.name not in body
    assert other_bank.name not in body


def test_a_worker_cannot_open_the_exam_admin(client, worker, finished_paper):
    client.force_login(worker)
    assert client.get(reverse("exams_banks:index")).status_code in (302, 403)
    assert client.get(reverse("exams_admin:results", args=[finished_paper.pk])).status_code in (
        302,
        403,
    )


def test_a_question_is_added_through_the_admin_form_with_answers_as_people_write_them(
    client, examiner, bank
):
    client.force_login(examiner)
    response = client.post(
        reverse("exams_questions:add"),
        {
            "bank": bank.pk,
            "type": "multiple",
            "stem": "后台录入的多选题",
            "option_A": "甲",
            "option_B": "乙",
            "option_C": "丙",
            "answer": "C、A",
            "explanation": "",
            "difficulty": 2,
            "knowledge_points": "消防",
            "status": "active",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    q = Question.objects.get(stem="后台录入的多选题")
    assert q.options == ["甲", "乙", "丙"]
    assert q.answer == "AC"


def test_a_bad_question_is_refused_with_a_reason(client, examiner, bank):
    client.force_login(examiner)
    response = client.post(
        reverse("exams_questions:add"),
        {
            "bank": bank.pk,
            "type": "single",
            "stem": "坏题",
            "option_A": "甲",
            "option_B": "乙",
            "answer": "E",
            "difficulty": 2,
            "status": "active",
        },
    )
    assert response.status_code == 200
    assert "没有对应的选项" in response.content.decode()
    assert not Question.objects.filter(stem="坏题").exists()


def test_a_manager_cannot_put_a_question_into_another_enterprises_bank(client, manager, other_bank):
    client.force_login(manager)
    response = client.post(
        reverse("exams_questions:add"),
        {
            "bank": other_bank.pk,
            "type": "single",
            "stem": "越权",
            "option_A": "甲",
            "option_B": "乙",
            "answer": "A",
            "difficulty": 2,
            "status": "active",
        },
    )
    assert response.status_code == 200
    assert not Question.objects.filter(stem="越权").exists()


def test_the_import_view_lists_bad_rows_and_imports_good_files(client, examiner, bank):
    client.force_login(examiner)
    url = reverse("exams_admin:import")
    bad = xlsx([row(stem="好"), row(answer="Q")])
    response = client.post(url, {"bank": bank.pk, "file": bad})
    assert "第3行" in response.content.decode()
    assert not Question.objects.exists()
    good = xlsx([row(stem="好")])
    preview = client.post(url, {"bank": bank.pk, "file": good})
    assert not Question.objects.exists()  # a preview saves nothing
    response = confirm_import(client, url, preview)
    assert response.status_code == 302
    assert Question.objects.filter(stem="好").exists()
    template = client.get(reverse("exams_admin:import-template"))
    assert template.status_code == 200
    assert load_workbook(io.BytesIO(template.content)).active["A1"].value == "题型"


def test_a_manager_cannot_import_into_another_enterprises_bank(client, manager, other_bank):
    client.force_login(manager)
    response = client.post(
        reverse("exams_admin:import"), {"bank": other_bank.pk, "file": xlsx([row()])}
    )
    assert response.status_code == 200
    assert not Question.objects.exists()
    assert client.get(reverse("exams_admin:bank-export", args=[other_bank.pk])).status_code == 404


def test_results_are_filtered_scoped_and_exported(
    client, supervisor, manager, other_manager, finished_paper, enterprise
):
    client.force_login(supervisor)
    url = reverse("exams_admin:results", args=[finished_paper.pk])
    body = client.get(url).content.decode()
    assert "王小明" in body
    assert "李小红" in body
    body = client.get(url, {"enterprise": enterprise.pk}).content.decode()
    assert "王小明" in body
    assert "李小红" not in body
    export = client.get(url, {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet["A1"].value == "姓名"
    assert sheet.max_row == 3
    # a manager reads their own people's results of a district paper, not the other enterprise's
    client.force_login(manager)
    body = client.get(url).content.decode()
    assert "王小明" in body
    assert "李小红" not in body
    attempt = finished_paper.attempts.get(person__enterprise=enterprise)
    other = finished_paper.attempts.exclude(pk=attempt.pk).get()
    assert client.get(reverse("exams_admin:events", args=[attempt.pk])).status_code == 200
    assert client.get(reverse("exams_admin:events", args=[other.pk])).status_code == 404


def test_results_page_runs_the_same_queries_for_2_and_8_attempts(
    queries, client, supervisor, district, questions, enterprise, django_assert_num_queries
):
    from tests.factories import PersonFactory

    paper = make_paper(owner_region=district, questions=questions, attempts_allowed=0)
    client.force_login(supervisor)
    url = reverse("exams_admin:results", args=[paper.pk])
    counts = []
    for n in (2, 8):
        now = timezone.now()
        for _i in range(n):
            attempt, _ = engine.start_or_resume(
                paper=paper, person=PersonFactory(enterprise=enterprise), now=now
            )
            engine.submit_attempt(attempt=attempt, now=now)
        client.get(url)

        with queries.capture() as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    # session, user, groups, permissions, paper, enterprises of the filter, attempts + people
    assert counts[0] == counts[1], counts


def test_statistics_and_events_pages_render(client, examiner, finished_paper):
    client.force_login(examiner)
    assert (
        client.get(reverse("exams_admin:statistics", args=[finished_paper.pk])).status_code == 200
    )
    attempt = finished_paper.attempts.first()
    body = client.get(reverse("exams_admin:events", args=[attempt.pk])).content.decode()
    assert "开始" in body
    assert "交卷" in body


def draw_paper_form(*, region, bank, **fields) -> dict:
    """The admin's add-paper form, a draw paper with one rule (9 single-choice questions of
    `bank`, 2 points each); `fields` overrides any field."""
    data = {
        "title": "抽题考试",
        "mode": "exam",
        "instructions": "",
        "region": region.pk,
        "enterprise": "",
        "published": "on",
        "pass_score": "6",
        "duration_minutes": "30",
        "opens_at": "",
        "closes_at": "",
        "attempts_allowed": "1",
        "blur_limit": "0",
        "shuffle_questions": "on",
        "shuffle_options": "on",
        "multi_scoring": "all",
        "review_policy": "score",
        "review_from": "",
        "certificate_template": "",
        "open_to_all": "on",
        "audience_cohort": "",
        "selection": "draw",
        "draw_rules-TOTAL_FORMS": "1",
        "draw_rules-INITIAL_FORMS": "0",
        "draw_rules-MIN_NUM_FORMS": "0",
        "draw_rules-MAX_NUM_FORMS": "1000",
        "draw_rules-0-bank": bank.pk,
        "draw_rules-0-type": "single",
        "draw_rules-0-difficulty_min": "1",
        "draw_rules-0-difficulty_max": "5",
        "draw_rules-0-knowledge_point": "",
        "draw_rules-0-count": "9",
        "draw_rules-0-points": "2",
        "draw_rules-0-id": "",
        "draw_rules-0-ORDER": "",
        "paper_questions-TOTAL_FORMS": "0",
        "paper_questions-INITIAL_FORMS": "0",
        "paper_questions-MIN_NUM_FORMS": "0",
        "paper_questions-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def test_a_paper_is_created_with_draw_rules_in_the_admin(client, examiner, district, bank):
    make_questions(bank, 5, "single")
    client.force_login(examiner)
    data = draw_paper_form(region=district, bank=bank)
    response = client.post(reverse("exams_papers:add"), data)
    assert response.status_code == 200
    assert "只有5道可用试题" in response.content.decode()
    data["draw_rules-0-count"] = "4"
    response = client.post(reverse("exams_papers:add"), data)
    assert response.status_code == 302, json.dumps(
        response.context["form"].errors if response.context else {}
    )
    paper = Paper.objects.get(title="抽题考试")
    assert paper.total_score == 8
    assert paper.draw_rules.count() == 1


def test_a_manager_administers_only_their_enterprises_papers(
    client, manager, enterprise, district, questions
):
    own = make_paper(owner_enterprise=enterprise, questions=questions, title="企业A内部考试")
    district_paper = make_paper(owner_region=district, questions=questions, title="全区统一考试")
    client.force_login(manager)
    body = client.get(reverse("exams_papers:index")).content.decode()
    assert own.title in body
    assert district_paper.title not in body
    assert client.get(reverse("exams_papers:edit", args=[own.pk])).status_code == 200
    assert client.get(reverse("exams_papers:edit", args=[district_paper.pk])).status_code == 404
    assert (
        client.get(reverse("exams_admin:statistics", args=[district_paper.pk])).status_code == 404
    )


def test_the_question_list_does_not_leak_other_enterprises_questions(
    client, manager, enterprise, other_bank
):
    make_questions(other_bank, 1)
    own_bank = QuestionBank.objects.create(name="企业A自有题库", enterprise=enterprise)
    make_questions(own_bank, 1)
    client.force_login(manager)
    body = client.get(reverse("exams_questions:index")).content.decode()
    assert "企业A自有题库" in body
    assert "企业B题库" not in body
