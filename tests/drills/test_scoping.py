from __future__ import annotations

import pytest
from django.urls import reverse

from drills import access
from drills.models import CorrectiveAction, Finding, Participation, ScriptStep
from tests.drills.factories import make_drill

pytestmark = pytest.mark.django_db


def _drill_urls(drill) -> list[str]:
    part = Participation.objects.create(
        drill=drill, external_name="外部专家", external_unit="区应急局"
    )
    step = ScriptStep.objects.create(drill=drill, order=1, planned_time="09:00", content="报警")
    finding = Finding.objects.create(drill=drill, grade="deficiency", description="问题")
    action = CorrectiveAction.objects.create(
        finding=finding, description="措施", owner_name="甲", due_on="2030-01-01"
    )
    names = [
        "detail",
        "edit",
        "participants",
        "checkin",
        "checkin-qr",
        "checkin-status",
        "script",
        "evaluate",
        "findings",
        "report",
    ]
    urls = [reverse(f"drills:{n}", args=[drill.pk]) for n in names]
    urls += [
        reverse("drills:participant-update", args=[drill.pk, part.pk]),
        reverse("drills:script-record", args=[drill.pk, step.pk]),
        reverse("drills:action-update", args=[drill.pk, action.pk]),
        reverse("drills:transition", args=[drill.pk]),
        reverse("drills:summary", args=[drill.pk]),
        reverse("drills:attachment-upload", args=[drill.pk]),
        reverse("drills:report-request", args=[drill.pk]),
    ]
    return urls


def test_another_enterprises_manager_gets_404_on_every_drill_url(client, other_manager, drill):
    client.force_login(other_manager)
    for url in _drill_urls(drill):
        assert client.get(url).status_code in (404, 405), url
        assert (
            client.post(url, {"to": "cancelled", "action": "remove", "op": "done"}).status_code
            == 404
        ), url
    drill.refresh_from_db()
    assert drill.status == "planned"
    assert drill.participations.count() == 1


def test_a_worker_not_taking_part_gets_404(client, other_worker, drill):
    client.force_login(other_worker)
    assert client.get(reverse("drills:detail", args=[drill.pk])).status_code == 404


def test_a_participating_worker_sees_the_drill_but_cannot_manage_it(
    client, worker, drill, worker_participation
):
    client.force_login(worker)
    assert client.get(reverse("drills:detail", args=[drill.pk])).status_code == 200
    assert client.get(reverse("drills:edit", args=[drill.pk])).status_code == 403
    assert (
        client.post(reverse("drills:transition", args=[drill.pk]), {"to": "preparing"}).status_code
        == 403
    )
    assert client.get(reverse("drills:create")).status_code == 403


def test_a_street_supervisor_sees_their_streets_drill_but_not_another_streets(
    client, street_supervisor, drill, other_drill
):
    client.force_login(street_supervisor)
    assert client.get(reverse("drills:detail", args=[drill.pk])).status_code == 200
    assert client.get(reverse("drills:detail", args=[other_drill.pk])).status_code == 404
    html = client.get(reverse("drills:list")).content.decode()
    assert drill.title in html
    assert other_drill.title not in html


def test_the_district_supervisor_sees_all_drills_of_the_district(
    client, supervisor, drill, other_drill
):
    client.force_login(supervisor)
    html = client.get(reverse("drills:list")).content.decode()
    assert drill.title in html
    assert other_drill.title in html


def test_a_supervisor_does_not_edit_an_enterprise_drill_but_manages_a_region_drill(
    client, supervisor, drill, district
):
    client.force_login(supervisor)
    assert client.get(reverse("drills:edit", args=[drill.pk])).status_code == 403
    region_drill = make_drill(region=district, title="区级联动演练")
    assert client.get(reverse("drills:edit", args=[region_drill.pk])).status_code == 200


def test_a_street_supervisor_cannot_manage_a_district_drill(street_supervisor, district):
    region_drill = make_drill(region=district)
    assert not access.visible_drills(street_supervisor).filter(pk=region_drill.pk).exists()
    assert not access.can_manage(street_supervisor, region_drill)


def test_a_participating_enterprises_manager_sees_the_linked_drill_and_adds_only_their_people(
    client, other_manager, other_enterprise, other_worker, worker, district
):
    region_drill = make_drill(region=district, title="区级联动演练")
    region_drill.participating_enterprises.add(other_enterprise)
    client.force_login(other_manager)
    assert client.get(reverse("drills:detail", args=[region_drill.pk])).status_code == 200
    response = client.post(
        reverse("drills:participants", args=[region_drill.pk]),
        {
            "action": "add",
            "mode": "selected",
            "people": [other_worker.person.pk, worker.person.pk],
            "role": "player",
        },
    )
    # worker (enterprise A) is not among the choices: the form refuses and adds nobody
    assert response.status_code == 200
    assert not region_drill.participations.exists()
    client.post(
        reverse("drills:participants", args=[region_drill.pk]),
        {"action": "add", "mode": "selected", "people": [other_worker.person.pk], "role": "player"},
    )
    assert list(region_drill.participations.values_list("person_id", flat=True)) == [
        other_worker.person.pk
    ]


def test_the_admin_listing_and_edit_view_are_scoped(client, manager, drill, other_drill):
    client.force_login(manager)
    html = client.get("/admin/drills_drills/").content.decode()
    assert drill.title in html
    assert other_drill.title not in html
    assert client.get(f"/admin/drills_drills/edit/{other_drill.pk}/").status_code == 404
    assert client.get(f"/admin/drills_drills/edit/{drill.pk}/").status_code == 200
