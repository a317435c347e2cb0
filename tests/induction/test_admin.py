"""The manager's pages: list (scoped, with status), add, edit with the three levels (errors keep
the input), the 登记卡 PDF."""

from __future__ import annotations

import re
import shutil
import subprocess  # nosec B404
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from induction.models import Induction, Reason
from tests.factories import PersonFactory, make_supervisor, make_worker
from tests.induction.factories import induction, level_of, sign_all

pytestmark = pytest.mark.django_db

INDEX = "/admin/induction/"


@pytest.fixture
def leader(enterprise):
    return make_worker(enterprise, name="赵班长", category="team_leader")


def test_a_manager_lists_their_enterprises_inductions_with_status(
    client, manager, worker, other_worker, leader
):
    mine = induction(worker.person, starts_on=date(2026, 1, 10), instructor=leader)
    induction(other_worker.person, starts_on=date(2026, 1, 10))
    client.force_login(manager)
    html = client.get(INDEX).content.decode()
    assert worker.person.name in html
    assert other_worker.person.name not in html
    assert "未完成已上岗" in html
    assert reverse("induction_admin:edit", args=[mine.pk]) in html


def test_a_supervisor_sees_counts_by_enterprise_and_one_enterprise_on_request(
    client, street_supervisor, enterprise, other_enterprise, worker, other_worker
):
    induction(worker.person, starts_on=date(2026, 1, 10))
    induction(other_worker.person, starts_on=date(2026, 1, 10))
    client.force_login(street_supervisor)
    html = client.get(INDEX).content.decode()
    assert 'id="induction-by-enterprise"' in html
    assert enterprise.name in html
    assert other_enterprise.name not in html
    assert client.get(f"{INDEX}?enterprise={other_enterprise.pk}").status_code == 404
    html = client.get(f"{INDEX}?enterprise={enterprise.pk}").content.decode()
    assert 'id="induction-flagged-people"' in html
    assert worker.person.name in html


def test_workers_and_anonymous_visitors_are_refused(client, worker):
    client.force_login(worker)
    assert client.get(INDEX).status_code in (302, 403)
    client.logout()
    assert client.get(INDEX).status_code == 302


def test_a_manager_adds_an_induction_and_is_sent_to_its_levels(client, manager, worker):
    client.force_login(manager)
    response = client.post(
        reverse("induction_admin:add"),
        {"person": worker.person.pk, "reason": Reason.TRANSFER, "starts_on": "2030-03-01"},
    )
    ind = Induction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("induction_admin:edit", args=[ind.pk])
    assert ind.levels.count() == 3
    assert ind.created_by == manager


def test_a_manager_cannot_add_for_another_enterprises_person(client, manager, other_worker):
    client.force_login(manager)
    response = client.post(
        reverse("induction_admin:add"),
        {"person": other_worker.person.pk, "reason": Reason.NEW_HIRE, "starts_on": "2030-03-01"},
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Induction.objects.exists()


def _edit_data(ind, **levels):
    data = {
        "reason": ind.reason,
        "starts_on": ind.starts_on.isoformat(),
        "position": "",
        "workshop": "一车间",
        "team": "甲班",
        "notes": "",
    }
    for n in (1, 2, 3):
        data.update(
            {
                f"level{n}-held_on": "",
                f"level{n}-hours": "",
                f"level{n}-content": "",
                f"level{n}-instructor": "",
            }
        )
    data.update(levels)
    return data


def test_the_edit_saves_the_levels(client, manager, worker, leader):
    ind = induction(worker.person, starts_on=date(2030, 3, 1), ready=0)
    client.force_login(manager)
    data = _edit_data(
        ind,
        **{
            "level3-held_on": "2030-02-28",
            "level3-hours": "8",
            "level3-content": "岗位操作规程\n应急处置卡",
            "level3-instructor": str(leader.pk),
        },
    )
    response = client.post(reverse("induction_admin:edit", args=[ind.pk]), data)
    assert response.status_code == 302
    level = level_of(ind, 3)
    assert level.content_items == ["岗位操作规程", "应急处置卡"]
    assert level.instructor == leader
    ind.refresh_from_db()
    assert ind.workshop == "一车间"


def test_a_level_on_the_start_day_is_refused_and_the_input_is_kept(client, manager, worker, leader):
    ind = induction(worker.person, starts_on=date(2030, 3, 1), ready=0)
    client.force_login(manager)
    data = _edit_data(
        ind,
        **{
            "level3-held_on": "2030-03-01",
            "level3-hours": "8",
            "level3-content": "岗位操作规程保留",
            "level3-instructor": str(leader.pk),
        },
    )
    response = client.post(reverse("induction_admin:edit", args=[ind.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "教育日期须早于上岗日期（2030-03-01）" in html
    assert "岗位操作规程保留" in html
    assert 'value="2030-03-01"' in html
    assert level_of(ind, 3).held_on is None  # nothing saved


def test_the_instructor_must_be_of_the_same_enterprise_and_not_the_trainee(
    client, manager, worker, other_worker
):
    ind = induction(worker.person, starts_on=date(2030, 3, 1), ready=0)
    client.force_login(manager)
    for outsider in (other_worker, worker):
        data = _edit_data(
            ind,
            **{
                "level1-held_on": "2030-02-01",
                "level1-hours": "8",
                "level1-content": "法规",
                "level1-instructor": str(outsider.pk),
            },
        )
        response = client.post(reverse("induction_admin:edit", args=[ind.pk]), data)
        assert response.status_code == 200
        assert "选择一个有效的选项" in response.content.decode()


def test_a_signed_level_is_locked_in_the_form(client, manager, worker, leader):
    ind = induction(worker.person, starts_on=date(2030, 3, 1), instructor=leader)
    sign_all(ind, trainee=worker, instructor=leader, levels=(1,))
    client.force_login(manager)
    data = _edit_data(
        ind,
        **{"level1-held_on": "2030-01-01", "level1-hours": "1", "level1-content": "改"},
    )
    response = client.post(reverse("induction_admin:edit", args=[ind.pk]), data)
    assert response.status_code == 302
    level = level_of(ind, 1)
    assert level.is_signed
    assert level.hours == 8
    assert level.content != "改"


def test_others_cannot_open_or_change_an_induction(client, worker, other_manager, district, leader):
    from tests.factories import StreetFactory

    ind = induction(worker.person, starts_on=date(2030, 3, 1), instructor=leader)
    elsewhere = make_supervisor(StreetFactory(name="三号街道", code="330100003", parent=district))
    for user in (other_manager, elsewhere):
        client.force_login(user)
        assert client.get(reverse("induction_admin:edit", args=[ind.pk])).status_code == 404
        assert client.post(reverse("induction_admin:card", args=[ind.pk])).status_code == 404
        response = client.post(reverse("induction_admin:edit", args=[ind.pk]), _edit_data(ind))
        assert response.status_code == 404
    for user in (worker, leader):
        client.force_login(user)
        response = client.get(reverse("induction_admin:edit", args=[ind.pk]))
        assert response.status_code in (302, 403)


EXPECTED = 16


def test_the_list_takes_the_same_number_of_queries_at_two_sizes(
    client, manager, enterprise, leader, queries
):
    # Queries (without the session read, which the Redis session backend does not run): user, its
    # permissions (one query, portal.auth), Wagtail's user profile, groups, then locale and the
    # page/collection/site permissions of the admin menu 4 (8 of the admin); the figure 4 (rule
    # table, inductions
    # aggregate, recent hires without one, the flagged people); the page: count, inductions with
    # their people, their levels, the rule table.
    def grow(n):
        for _ in range(n):
            person = PersonFactory(enterprise=enterprise)
            ind = induction(person, starts_on=date(2026, 1, 10), instructor=leader)
            level_of(ind, 1).save()

    client.force_login(manager)
    grow(2)
    assert len(queries.page(client, INDEX)) == EXPECTED
    grow(8)
    assert len(queries.page(client, INDEX)) == EXPECTED
    response = client.get(INDEX)
    assert response.content.decode().count('data-status="overdue"') == 10


def _card(client, ind, capture, monkeypatch):
    """Asks for the card (queued), runs the queued render as the render cluster would, and
    fetches the file the progress page links to."""
    from induction import tasks
    from portal.models import Progress

    calls = []
    monkeypatch.setattr(
        "django_q.tasks.async_task", lambda func, *args, **opts: calls.append((func, args, opts))
    )
    with capture(execute=True):
        response = client.post(reverse("induction_admin:card", args=[ind.pk]))
    assert response.status_code == 302
    record = Progress.objects.get(key=f"induction.card:{ind.pk}")
    assert response["Location"] == reverse("portal:progress", args=[record.pk])
    [(func, args, opts)] = calls
    assert func == "induction.tasks.render_card"
    assert opts["cluster"] == "render"
    assert tasks.render_card(*args, progress_id=opts["progress_id"]) == "done"
    record.refresh_from_db()
    assert record.status == Progress.Status.DONE
    return client.get(record.result_url)


def _pdftotext(content: bytes) -> str:
    out = subprocess.run(  # nosec B603 B607
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    )
    return re.sub(r"\s+", "", out.stdout.decode())  # table cells wrap


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_card_pdf_shows_the_person_levels_hours_and_signatures(
    client, manager, worker, leader, django_capture_on_commit_callbacks, monkeypatch
):
    leader.first_name = "赵班长"
    leader.save()
    ind = induction(
        worker.person, starts_on=timezone.localdate() + timedelta(days=30), instructor=leader
    )
    sign_all(ind, trainee=worker, instructor=leader, levels=(1, 2))
    client.force_login(manager)
    response = _card(client, ind, django_capture_on_commit_callbacks, monkeypatch)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _pdftotext(b"".join(response.streaming_content))
    for expected in (
        "三级安全教育登记卡",
        worker.person.name,
        "公司（厂）级",
        "车间（部门）级",
        "班组级",
        "安全生产法律法规",
        "合计学时",
        "赵班长",
        "授课人未签字",
        "新入职",
    ):
        assert expected in text, expected
    assert worker.person.id_number not in text  # masked
