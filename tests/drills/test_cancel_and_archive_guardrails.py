"""Cancelling a drill asks for a reason (which the participants get as a notice); archiving is
offered disabled, with the reason, while corrective actions block it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from drills.models import Participation
from portal.models import Notice
from tests.drills.factories import make_drill

pytestmark = pytest.mark.django_db


@pytest.fixture
def drill(enterprise, worker):
    drill = make_drill(enterprise=enterprise)
    Participation.objects.create(drill=drill, person=worker.person, role="player")
    return drill


def test_a_cancellation_without_a_reason_changes_nothing(client, manager, drill):
    client.force_login(manager)
    response = client.post(reverse("drills:transition", args=[drill.pk]), {"to": "cancelled"})
    assert response.status_code == 302
    drill.refresh_from_db()
    assert drill.status == "planned"
    assert not Notice.objects.exists()


def test_a_cancellation_with_a_reason_tells_the_participants(client, manager, worker, drill):
    client.force_login(manager)
    client.post(
        reverse("drills:transition", args=[drill.pk]), {"to": "cancelled", "reason": "台风预警"}
    )
    drill.refresh_from_db()
    assert drill.status == "cancelled"
    notice = Notice.objects.get(user=worker)
    assert "台风预警" in notice.body


def test_a_participant_may_not_cancel(client, worker, drill):
    client.force_login(worker)
    client.post(reverse("drills:transition", args=[drill.pk]), {"to": "cancelled", "reason": "x"})
    drill.refresh_from_db()
    assert drill.status == "planned"


def test_the_cancel_button_asks_for_a_reason_first(client, manager, drill):
    client.force_login(manager)
    html = client.get(reverse("drills:detail", args=[drill.pk])).content.decode()
    assert 'name="reason"' in html
    assert "确认取消演练" in html
