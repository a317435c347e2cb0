"""成绩查询: the admin menu link to the results of every paper a user may read — including the
district papers a manager's people took, which are not in the manager's 试卷 listing."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from exams import access, engine
from portal.roles import sync_role_groups
from tests.exams.factories import make_paper

RESULTS_URL = "/admin/exams/results/"


@pytest.fixture(autouse=True)
def _roles(db):
    sync_role_groups()


@pytest.fixture
def district_paper(district, questions, worker, other_worker):
    paper = make_paper(owner_region=district, questions=questions, title="区级安全知识考试")
    now = timezone.now()
    for user in (worker, other_worker):
        attempt, _ = engine.start_or_resume(paper=paper, person=user.person, now=now)
        engine.submit_attempt(attempt=attempt, now=now)
    return paper


def test_the_address(db):
    assert reverse("exams_admin:result-papers") == RESULTS_URL


def test_a_manager_sees_the_menu_item_and_the_district_paper_their_people_took(
    client, manager, district_paper, other_enterprise, questions
):
    other_paper = make_paper(owner_enterprise=other_enterprise, title="B企业内部考试")
    client.force_login(manager)
    admin_home = client.get("/admin/").content.decode()
    assert RESULTS_URL in admin_home
    assert json.dumps("成绩查询")[1:-1] in admin_home  # the sidebar's JSON escapes Chinese
    # the 试卷 listing shows only the manager's own papers …
    assert "区级安全知识考试" not in client.get("/admin/exams_papers/").content.decode()
    # … 成绩查询 also the district paper, with the count of the manager's own people's attempts
    response = client.get(RESULTS_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "区级安全知识考试" in body
    assert reverse("exams_admin:results", args=[district_paper.pk]) in body
    assert reverse("exams_admin:statistics", args=[district_paper.pk]) not in body
    assert [row["attempts"] for row in response.context["rows"]] == [1]
    assert other_paper.title not in body


def test_a_supervisor_sees_every_paper_of_their_region(client, supervisor, district_paper):
    client.force_login(supervisor)
    response = client.get(RESULTS_URL)
    [row] = response.context["rows"]
    assert row["paper"] == district_paper
    assert row["attempts"] == 2
    assert reverse("exams_admin:statistics", args=[district_paper.pk]) in response.content.decode()


def test_an_outside_manager_whose_people_took_nothing_sees_no_paper(
    client, district, questions, worker, manager, other_manager
):
    paper = make_paper(owner_region=district, questions=questions, title="只有A企业参加的考试")
    now = timezone.now()
    attempt, _ = engine.start_or_resume(paper=paper, person=worker.person, now=now)
    engine.submit_attempt(attempt=attempt, now=now)
    client.force_login(other_manager)
    response = client.get(RESULTS_URL)
    assert response.context["rows"] == []
    assert "只有A企业参加的考试" not in response.content.decode()


def test_a_worker_has_no_menu_item_and_is_refused(client, worker, district_paper):
    from django.test import RequestFactory

    from exams.wagtail_hooks import register_results_menu_item

    request = RequestFactory().get("/admin/")
    request.user = worker
    assert not register_results_menu_item().is_shown(request)
    client.force_login(worker)
    assert RESULTS_URL not in client.get("/admin/").content.decode()
    assert client.get(RESULTS_URL).status_code in (302, 403)


def test_the_page_runs_the_same_queries_for_more_papers(
    queries, client, supervisor, district, questions, django_assert_num_queries
):

    client.force_login(supervisor)
    counts = []
    for n in (2, 6):
        while access.result_papers(supervisor).count() < n:
            make_paper(owner_region=district, questions=questions)
        client.get(RESULTS_URL)
        with queries.capture() as ctx:
            assert client.get(RESULTS_URL).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
