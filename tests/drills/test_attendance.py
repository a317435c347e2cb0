"""参演人次 counts attendance: a participation counts when checked in (QR) or marked present by
the controller; no-shows are listed apart; a headcount of people on no roster counts too. One
definition (Drill.objects.with_person_times / Drill.attendance) behind every surface."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from drills import participation, reports
from drills.forms import DrillForm
from drills.models import Drill, Participation
from drills.statistics import drill_statistics
from portal.periods import Period
from portal.scoping import scope_for
from tests.drills.factories import make_drill
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _held_drill_with_a_no_show(enterprise, manager, *, headcount=0):
    drill = make_drill(
        enterprise=enterprise, days=-3, status="archived", created_by=manager, headcount=headcount
    )
    came_by_qr = PersonFactory(enterprise=enterprise, name="扫码到场")
    marked_present = PersonFactory(enterprise=enterprise, name="人工确认")
    absent = PersonFactory(enterprise=enterprise, name="缺席未到")
    Participation.objects.create(drill=drill, person=came_by_qr, checked_in_at=timezone.now())
    part = Participation.objects.create(drill=drill, person=marked_present)
    participation.set_manual_check_in(participation=part, present=True, now=timezone.now())
    Participation.objects.create(drill=drill, person=absent)
    return drill


def test_a_no_show_is_not_counted_in_the_statistics(enterprise, manager):
    _held_drill_with_a_no_show(enterprise, manager)
    today = timezone.localdate()
    stats = drill_statistics(
        scope_for(manager), Period("custom", today - timedelta(days=30), today, "")
    )
    assert stats.total.person_times == 2  # was 3: every row counted, checked in or not


def test_a_headcount_of_people_on_no_roster_counts(enterprise, manager):
    drill = _held_drill_with_a_no_show(enterprise, manager, headcount=40)
    today = timezone.localdate()
    stats = drill_statistics(
        scope_for(manager), Period("custom", today - timedelta(days=30), today, "")
    )
    assert stats.total.person_times == 42
    attendance = drill.attendance()
    assert attendance.person_times == 42
    assert [p.name for p in attendance.no_shows] == ["缺席未到"]
    assert Drill.objects.filter(pk=drill.pk).person_times() == 42
    annotated = Drill.objects.with_person_times().get(pk=drill.pk)
    assert (annotated.attended, annotated.no_shows, annotated.person_times) == (2, 1, 42)


def test_unmarking_a_participant_takes_them_out_of_the_count(enterprise, manager):
    drill = _held_drill_with_a_no_show(enterprise, manager)
    part = drill.participations.get(person__name="人工确认")
    participation.set_manual_check_in(participation=part, present=False, now=timezone.now())
    assert drill.attendance().person_times == 1


def test_the_detail_page_lists_no_shows_apart_for_the_organiser(client, enterprise, manager):
    drill = _held_drill_with_a_no_show(enterprise, manager, headcount=5)
    client.force_login(manager)
    html = client.get(reverse("drills:detail", args=[drill.pk])).content.decode()
    assert "参演 7 人次" in html
    assert "未到 1 人" in html
    assert "缺席未到" in html


def test_a_participant_sees_the_figures_but_not_who_stayed_away(client, enterprise, manager):
    drill = _held_drill_with_a_no_show(enterprise, manager)
    user = PersonFactory(enterprise=enterprise)
    from tests.factories import UserFactory

    login = UserFactory()
    user.user = login
    user.save()
    Participation.objects.create(drill=drill, person=user, checked_in_at=timezone.now())
    client.force_login(login)
    html = client.get(reverse("drills:detail", args=[drill.pk])).content.decode()
    assert "未到 1 人" in html
    assert "缺席未到" not in html


def test_the_list_page_shows_attendance_not_rows(client, enterprise, manager):
    drill = _held_drill_with_a_no_show(enterprise, manager, headcount=10)
    client.force_login(manager)
    response = client.get(reverse("drills:list"))
    row = next(d for d in response.context["page"] if d.pk == drill.pk)
    assert row.person_times == 12


def test_the_after_action_report_separates_no_shows(enterprise, manager):
    drill = _held_drill_with_a_no_show(enterprise, manager, headcount=3)
    report = reports.render_report(drill_id=drill.pk)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(report.file.read())).pages)
    assert "参演 5 人次" in text
    assert "未到 1 人" in text


def test_the_form_records_a_headcount_and_refuses_a_negative_one(enterprise, manager):
    drill = make_drill(enterprise=enterprise, created_by=manager)
    form = DrillForm(instance=drill, user=manager)
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["participating_enterprises"] = []
    data["planned_start"] = timezone.localtime(drill.planned_start).strftime("%Y-%m-%dT%H:%M")
    data["planned_end"] = timezone.localtime(drill.planned_end).strftime("%Y-%m-%dT%H:%M")
    data["enterprise"] = enterprise.pk
    data["headcount"] = "-1"
    assert not DrillForm(data, instance=drill, user=manager).is_valid()
    data["headcount"] = "120"
    form = DrillForm(data, instance=drill, user=manager)
    assert form.is_valid(), form.errors
    form.save()
    drill.refresh_from_db()
    assert drill.headcount == 120


def test_the_api_gives_the_attendance_to_the_organiser(client, enterprise, manager):
    drill = _held_drill_with_a_no_show(enterprise, manager, headcount=8)
    client.force_login(manager)
    body = client.get(f"/api/v1/drills/{drill.pk}/attendance").json()
    assert body == {
        "drill_id": drill.pk,
        "person_times": 10,
        "attended": 2,
        "headcount": 8,
        "no_shows": 1,
        "no_show_names": ["缺席未到"],
    }


def test_the_api_refuses_a_worker_and_another_enterprise(
    client, enterprise, manager, worker, other_manager
):
    drill = _held_drill_with_a_no_show(enterprise, manager)
    Participation.objects.create(drill=drill, person=worker.person, checked_in_at=timezone.now())
    client.force_login(worker)
    assert client.get(f"/api/v1/drills/{drill.pk}/attendance").status_code == 403
    client.force_login(other_manager)
    assert client.get(f"/api/v1/drills/{drill.pk}/attendance").status_code == 404
