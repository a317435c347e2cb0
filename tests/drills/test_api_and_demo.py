from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from drills import participation
from drills.models import (
    CorrectiveAction,
    Drill,
    DrillStatus,
    Evaluation,
    EvaluationTemplate,
    Finding,
    Participation,
)
from portal.api import _hash
from portal.models import ApiToken

pytestmark = pytest.mark.django_db


def _bearer(user) -> dict:
    key = f"k-{user.username}"
    ApiToken.objects.get_or_create(
        key_hash=_hash(key),
        defaults={"user": user, "expires_at": timezone.now() + timedelta(days=1)},
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_the_api_checks_a_participant_in_with_the_scanned_url(
    client, worker, drill, worker_participation
):
    drill.status = "executing"
    drill.save()
    url = "https://portal.example" + participation.checkin_url(drill=drill, now=timezone.now())
    response = client.post(
        "/api/v1/drills/checkin", {"code": url}, content_type="application/json", **_bearer(worker)
    )
    assert response.status_code == 200
    assert response.json()["title"] == drill.title
    worker_participation.refresh_from_db()
    assert worker_participation.checked_in_at is not None


def test_the_api_refuses_an_expired_code_with_a_stable_code(
    client, worker, drill, worker_participation
):
    drill.status = "executing"
    drill.save()
    code = participation.checkin_code(drill=drill, now=timezone.now() - timedelta(minutes=3))
    response = client.post(
        "/api/v1/drills/checkin", {"code": code}, content_type="application/json", **_bearer(worker)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "checkin_refused"
    assert "已过期" in response.json()["message"]


def test_statistics_api_is_for_managers_and_supervisors_only(client, worker, supervisor, drill):
    q = "/api/v1/drills/statistics?start=2026-01-01&end=2026-12-31"
    assert client.get(q, **_bearer(worker)).status_code == 403
    response = client.get(q, **_bearer(supervisor))
    assert response.status_code == 200
    assert response.json()["total"]["drills"] == 0  # the fixture drill is only planned
    assert (
        client.get(
            "/api/v1/drills/statistics?start=2026-12-31&end=2026-01-01", **_bearer(supervisor)
        ).status_code
        == 400
    )


def test_the_demo_seeder_makes_every_state_and_the_linked_district_drill_and_is_idempotent(db):
    from drills.demo import seed_drills
    from portal.demo import seed_organizations

    ctx = seed_organizations("demo-pass-2026")
    seed_drills(ctx)
    counts = (
        Drill.objects.count(),
        Participation.objects.count(),
        Finding.objects.count(),
        CorrectiveAction.objects.count(),
    )
    seed_drills(seed_organizations("demo-pass-2026"))
    assert counts == (
        Drill.objects.count(),
        Participation.objects.count(),
        Finding.objects.count(),
        CorrectiveAction.objects.count(),
    )
    assert set(Drill.objects.values_list("status", flat=True)) == set(DrillStatus.values)
    linked = Drill.objects.get(title="危险化学品道路运输事故联合演练")
    assert linked.is_linked
    assert linked.enterprise is None
    assert linked.participating_enterprises.count() == 3
    assert linked.participations.count() > 10
    assert Evaluation.objects.filter(submitted_at__isnull=False).exists()
    assert CorrectiveAction.objects.filter(status="open", finding__grade="deficiency").exists()


def test_evaluation_templates_are_edited_in_the_admin_with_their_items(client, superuser):
    template = EvaluationTemplate.objects.get(form="tabletop")
    client.force_login(superuser)
    response = client.get(f"/admin/drills_templates/edit/{template.pk}/")
    assert response.status_code == 200
    assert template.items.first().text in response.content.decode()
