"""Issue 13, finding 1: in /admin/ a manager whose enterprise only takes part in a district drill
could edit that drill (even move it to their enterprise), change the role of another enterprise's
participant and mark a corrective action verified. The admin now asks the front end's capability
functions (access.can_manage, can_change_participation, can_manage_action) before any write."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from drills.models import CorrectiveAction, Drill, Finding, ParticipantRole, Participation
from tests.drills.factories import make_drill

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_drill(district, other_enterprise):
    """Organised by the district; enterprise B takes part."""
    drill = make_drill(region=district, title="区级联合演练")
    drill.participating_enterprises.add(other_enterprise)
    return drill


@pytest.fixture
def participation_a(district_drill, worker):
    return Participation.objects.create(
        drill=district_drill, person=worker.person, role=ParticipantRole.PLAYER
    )


@pytest.fixture
def action(district_drill):
    finding = Finding.objects.create(drill=district_drill, grade="deficiency", description="堵塞")
    return CorrectiveAction.objects.create(
        finding=finding,
        description="清理通道",
        owner_name="甲",
        due_on=date(2030, 1, 1),
        status=CorrectiveAction.Status.DONE,
    )


def _refused(response) -> bool:
    return response.status_code in (403, 404) or (
        response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    )


def test_finding_1_a_participating_manager_sees_but_cannot_edit_or_move_a_district_drill(
    client, other_manager, other_enterprise, district, district_drill
):
    client.force_login(other_manager)
    # they may list and inspect it ...
    listing = client.get(reverse("drills_drills:index"))
    assert district_drill in listing.context["object_list"]
    assert reverse("drills_drills:edit", args=[district_drill.pk]) not in listing.content.decode()
    inspect = client.get(reverse("drills_drills:inspect", args=[district_drill.pk]))
    assert inspect.status_code == 200
    # ... but not edit, move, copy or delete it
    edit = reverse("drills_drills:edit", args=[district_drill.pk])
    assert _refused(client.get(edit))
    response = client.post(
        edit, {"title": "被挪走的演练", "enterprise": other_enterprise.pk, "organiser_region": ""}
    )
    assert _refused(response)
    district_drill.refresh_from_db()
    assert district_drill.organiser_region == district
    assert district_drill.enterprise_id is None
    assert district_drill.title == "区级联合演练"
    assert _refused(client.post(reverse("drills_drills:delete", args=[district_drill.pk])))
    assert _refused(client.get(reverse("drills_drills:copy", args=[district_drill.pk])))
    assert Drill.objects.filter(pk=district_drill.pk).exists()


def test_finding_1_the_district_supervisor_still_edits_the_district_drill(
    client, supervisor, district_drill
):
    client.force_login(supervisor)
    response = client.get(reverse("drills_drills:edit", args=[district_drill.pk]))
    assert response.status_code == 200


def test_finding_1_a_participating_manager_cannot_change_another_enterprises_participant(
    client, other_manager, participation_a
):
    """They do not even list it: like the front end, they see their own people's rows only."""
    client.force_login(other_manager)
    listing = client.get(reverse("drills_participations:index"))
    assert participation_a not in listing.context["object_list"]
    url = reverse("drills_participations:edit", args=[participation_a.pk])
    assert _refused(client.get(url))
    assert _refused(client.post(url, {"role": ParticipantRole.COMMANDER}))
    participation_a.refresh_from_db()
    assert participation_a.role == ParticipantRole.PLAYER
    # the front end refuses the same change with the same function
    front = reverse(
        "drills:participant-update", args=[participation_a.drill_id, participation_a.pk]
    )
    assert client.post(front, {"action": "role", "role": "commander"}).status_code == 403


def test_finding_1_a_participating_manager_cannot_verify_a_corrective_action(
    client, other_manager, action
):
    client.force_login(other_manager)
    url = reverse("drills_actions:edit", args=[action.pk])
    assert _refused(client.get(url))
    data = {
        "description": action.description,
        "owner_name": action.owner_name,
        "due_on": "2030-01-01",
        "status": CorrectiveAction.Status.VERIFIED,
        "verification": "已验证",
    }
    assert _refused(client.post(url, data))
    action.refresh_from_db()
    assert action.status == CorrectiveAction.Status.DONE
    # the front end refuses it too
    front = reverse("drills:action-update", args=[action.finding.drill_id, action.pk])
    assert client.post(front, {"op": "verify", "verification": "已验证"}).status_code == 403


def test_finding_1_a_save_that_would_move_a_row_out_of_reach_is_refused(
    client, manager, other_enterprise, drill, monkeypatch
):
    """Defence in depth: were the form to offer another enterprise (a choice list forgotten), the
    saved row is checked with can_manage again and the save is rolled back."""
    from drills import access
    from portal.models import Enterprise

    monkeypatch.setattr(access, "organisable_enterprises", lambda user: Enterprise.objects.all())
    client.force_login(manager)
    url = reverse("drills_drills:edit", args=[drill.pk])
    form = client.get(url).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if value is True:
            value = "on"
        elif hasattr(value, "strftime"):
            value = value.strftime("%Y-%m-%d %H:%M")
        data[name] = value
    data["enterprise"] = other_enterprise.pk
    response = client.post(url, data)
    assert response.status_code == 200
    assert "不在您的管理范围内" in response.content.decode()
    drill.refresh_from_db()
    assert drill.enterprise_id == manager.enterprise_id


def test_finding_1_a_participating_manager_lists_and_changes_their_own_people(
    client, other_manager, other_worker, district_drill, participation_a
):
    own = Participation.objects.create(
        drill=district_drill, person=other_worker.person, role=ParticipantRole.PLAYER
    )
    client.force_login(other_manager)
    listing = client.get(reverse("drills_participations:index"))
    assert list(listing.context["object_list"]) == [own]
    url = reverse("drills_participations:edit", args=[own.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"role": ParticipantRole.OBSERVER, "checked_in_at": ""})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.role == ParticipantRole.OBSERVER
