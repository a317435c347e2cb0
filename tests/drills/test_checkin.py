from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from drills import participation

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_drill(drill):
    drill.status = "executing"
    drill.save()
    return drill


def test_a_participant_scanning_the_current_code_is_checked_in(
    client, worker, live_drill, worker_participation
):
    client.force_login(worker)
    url = participation.checkin_url(drill=live_drill, now=timezone.now())
    response = client.get(url)
    assert response.status_code == 200
    assert "签到成功" in response.content.decode()
    worker_participation.refresh_from_db()
    assert worker_participation.checked_in_at is not None
    assert worker_participation.check_in_method == "qr"


def test_the_previous_minutes_code_is_still_accepted(worker, live_drill, worker_participation):
    now = timezone.now()
    code = participation.checkin_code(drill=live_drill, now=now - timedelta(seconds=60))
    assert participation.read_checkin_code(code=code, now=now) == live_drill


def test_a_code_two_minutes_old_is_refused_as_expired(
    client, worker, live_drill, worker_participation
):
    client.force_login(worker)
    code = participation.checkin_code(drill=live_drill, now=timezone.now() - timedelta(seconds=150))
    response = client.get(reverse("drills:checkin-scan", args=[code]))
    assert response.status_code == 400
    assert "已过期" in response.content.decode()
    worker_participation.refresh_from_db()
    assert worker_participation.checked_in_at is None


def test_a_forged_code_is_refused(client, worker, live_drill, worker_participation):
    client.force_login(worker)
    minute = int(timezone.now().timestamp()) // 60
    forged = signing.Signer(salt="something-else").sign(f"{live_drill.uid.hex}.{minute}")
    response = client.get(reverse("drills:checkin-scan", args=[forged]))
    assert response.status_code == 400
    assert "无效" in response.content.decode()
    tampered = participation.checkin_code(drill=live_drill, now=timezone.now())[:-2] + "xx"
    assert client.get(reverse("drills:checkin-scan", args=[tampered])).status_code == 400
    worker_participation.refresh_from_db()
    assert worker_participation.checked_in_at is None


def test_someone_not_on_the_list_is_told_so(client, other_worker, live_drill):
    client.force_login(other_worker)
    response = client.get(participation.checkin_url(drill=live_drill, now=timezone.now()))
    assert response.status_code == 400
    assert "不在本次演练的参演人员名单中" in response.content.decode()


def test_scanning_requires_login(client, live_drill):
    response = client.get(participation.checkin_url(drill=live_drill, now=timezone.now()))
    assert response.status_code == 302


def test_a_planned_drill_is_not_open_for_check_in(client, worker, drill, worker_participation):
    client.force_login(worker)
    response = client.get(participation.checkin_url(drill=drill, now=timezone.now()))
    assert response.status_code == 400
    assert "不在签到时段" in response.content.decode()


def test_the_organiser_screen_shows_an_svg_qr_and_other_managers_get_404(
    client, manager, other_manager, live_drill
):
    client.force_login(manager)
    response = client.get(reverse("drills:checkin-qr", args=[live_drill.pk]))
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert b"http://www.w3.org/2000/svg" in response.content  # standalone SVG, renders in <img>
    assert (
        "签到二维码" in client.get(reverse("drills:checkin", args=[live_drill.pk])).content.decode()
    )
    client.force_login(other_manager)
    assert client.get(reverse("drills:checkin-qr", args=[live_drill.pk])).status_code == 404


def test_a_worker_cannot_open_the_organiser_screen(
    client, worker, live_drill, worker_participation
):
    client.force_login(worker)
    assert client.get(reverse("drills:checkin", args=[live_drill.pk])).status_code == 403


def test_the_organiser_can_tick_people_by_hand_and_untick(
    client, manager, live_drill, worker_participation
):
    client.force_login(manager)
    url = reverse("drills:participant-update", args=[live_drill.pk, worker_participation.pk])
    client.post(url, {"action": "present", "next": "checkin"})
    worker_participation.refresh_from_db()
    assert worker_participation.check_in_method == "manual"
    client.post(url, {"action": "absent"})
    worker_participation.refresh_from_db()
    assert worker_participation.checked_in_at is None
