"""The 工作台 (the landing page after login): each role sees its own blocks and no block links to a
page its reader cannot open; /admin/ without admin access is a Chinese page, not a redirect loop;
participants do not see a drill's budget or regulator flag; a passed formal exam is done."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from drills.models import Participation
from exams.access import MyExam
from exams.models import Attempt, Paper
from tests.drills.factories import make_drill

pytestmark = pytest.mark.django_db

ME = "/accounts/me/"


def _blocks(response) -> str:
    return response.content.decode()


def test_a_worker_lands_on_their_exams_and_courses_not_on_a_managers_to_do(client, worker):
    client.force_login(worker)
    html = _blocks(client.get(ME))
    assert "我的工作台" in html
    assert 'id="me-exams"' in html
    assert 'id="me-courses"' in html
    assert 'id="me-drill-todo"' not in html
    assert 'id="me-training-todo"' not in html


def test_a_manager_lands_on_their_to_do_with_counts(client, manager, enterprise):
    make_drill(enterprise=enterprise, days=0.01)
    client.force_login(manager)
    html = _blocks(client.get(ME))
    for key in ("drill-todo", "training-todo", "certificate-todo", "exam-todo", "figures"):
        assert f'id="me-{key}"' in html, key
    assert reverse("drills:week") in html


def test_a_login_without_a_person_record_gets_no_practice_or_wrong_book_link(client, editor):
    client.force_login(editor)
    html = _blocks(client.get(ME))
    assert 'id="me-content-todo"' in html
    assert reverse("exams:practice") not in html
    assert reverse("exams:wrong-book") not in html
    assert 'id="me-exams"' not in html


def test_the_admin_refuses_a_worker_with_a_chinese_page_not_a_redirect_loop(client, worker):
    client.force_login(worker)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert "没有管理后台权限" in response.content.decode()
    assert len(response.redirect_chain) == 1


def test_the_admin_still_opens_for_a_manager(client, manager):
    client.force_login(manager)
    assert client.get("/admin/").status_code == 200


def test_a_participant_does_not_see_the_budget_or_the_regulator_flag(
    client, worker, manager, enterprise
):
    drill = make_drill(enterprise=enterprise)
    Participation.objects.create(drill=drill, person=worker.person, role="player")
    url = reverse("drills:detail", args=[drill.pk])
    client.force_login(worker)
    html = client.get(url).content.decode()
    assert "预算/实际投入" not in html
    assert "报告监管部门" not in html
    client.force_login(manager)
    assert "预算/实际投入" in client.get(url).content.decode()


def test_a_passed_formal_exam_offers_no_more_attempts():
    paper = Paper(mode=Paper.Mode.EXAM, attempts_allowed=3)
    passed = Attempt(state=Attempt.State.FINISHED, passed=True, score=Decimal("90"))
    row = MyExam(paper=paper, attempts=[passed])
    assert row.passed_attempt is passed
    assert row.attempts_left is None


def test_a_failed_formal_exam_still_counts_the_attempts_left():
    paper = Paper(mode=Paper.Mode.EXAM, attempts_allowed=3)
    failed = Attempt(state=Attempt.State.FINISHED, passed=False, score=Decimal("40"))
    row = MyExam(paper=paper, attempts=[failed])
    assert row.passed_attempt is None
    assert row.attempts_left == 2


def test_the_home_page_links_no_drill_the_visitor_cannot_open(client, district, worker):
    drill = make_drill(region=district, title="区级公开演练")
    html = client.get("/").content.decode()
    if "区级公开演练" in html:
        assert reverse("drills:detail", args=[drill.pk]) not in html
    client.force_login(worker)  # not a participant of the district drill: no link either
    html = client.get("/").content.decode()
    assert reverse("drills:detail", args=[drill.pk]) not in html


def test_the_training_to_do_counts_the_short_people_as_the_compliance_figure_does(
    rf, manager, enterprise, other_enterprise
):
    from django.utils import timezone

    from courses.apps import todo_context
    from courses.statistics import compliance_summary
    from portal.models import PersonCategory
    from portal.periods import Period
    from portal.scoping import scope_for
    from tests.dashboard.factories import add_record
    from tests.factories import PersonFactory

    today = timezone.localdate()
    short = PersonFactory(enterprise=enterprise, category=PersonCategory.PRINCIPAL)
    done = PersonFactory(enterprise=enterprise, category=PersonCategory.PRINCIPAL)
    add_record(done, today, "100")
    add_record(short, today, "1")
    PersonFactory(enterprise=other_enterprise, category=PersonCategory.PRINCIPAL)  # not theirs
    request = rf.get("/")
    request.user = manager

    [item] = todo_context(request)["items"]

    summary = compliance_summary(scope_for(manager), Period.of_year(today.year))
    assert item["count"] == summary.short == summary.required - summary.compliant
    assert item["count"] == 1  # `short`; the other enterprise's principal is not theirs
    assert summary.compliant == 1
