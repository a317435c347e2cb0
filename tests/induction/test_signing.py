"""Sign-off on the phone page: the trainee signs their side, the instructor named on the level (or
the enterprise's manager) the other; nobody else; a fully signed level writes its training record
once."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import TrainingRecord
from induction import services
from induction.services import Side
from tests.factories import make_supervisor, make_worker
from tests.induction.factories import induction, level_of, sign_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(enterprise):
    """A team leader (班组长) of enterprise A with a login."""
    return make_worker(enterprise, name="赵班长", category="team_leader")


@pytest.fixture
def ind(worker, leader):
    return induction(
        worker.person, starts_on=timezone.localdate() + timedelta(days=10), instructor=leader
    )


def _post(client, user, level, side):
    client.force_login(user)
    return client.post(reverse("induction:sign", args=[level.pk]), {"side": side, "confirm": "1"})


def test_the_trainee_signs_their_own_side_with_their_name_and_time(client, worker, ind):
    level = level_of(ind, 3)
    client.force_login(worker)
    page = client.get(reverse("induction:sign", args=[level.pk]))
    assert page.status_code == 200
    assert "受教育人签字确认" in page.content.decode()
    response = _post(client, worker, level, "trainee")
    assert response.status_code == 302
    level.refresh_from_db()
    assert level.trainee_signed_by == worker
    assert level.trainee_signed_at is not None
    assert level.instructor_signed_at is None


def test_the_trainee_cannot_sign_the_instructors_side(client, worker, ind):
    level = level_of(ind, 3)
    response = _post(client, worker, level, "instructor")
    assert response.status_code == 400
    assert "您不能代表该方签字。" in response.content.decode()
    level.refresh_from_db()
    assert level.instructor_signed_at is None
    assert level.trainee_signed_at is None


def test_the_named_instructor_signs_the_instructors_side_only(client, leader, ind):
    level = level_of(ind, 3)
    assert _post(client, leader, level, "trainee").status_code == 400
    assert _post(client, leader, level, "instructor").status_code == 302
    level.refresh_from_db()
    assert level.instructor_signed_by == leader
    assert level.trainee_signed_at is None


def test_the_enterprises_manager_may_sign_for_the_instructor(client, manager, ind):
    level = level_of(ind, 1)
    assert _post(client, manager, level, "instructor").status_code == 302
    level.refresh_from_db()
    assert level.instructor_signed_by == manager


def test_the_confirmation_tick_is_required(client, worker, ind):
    level = level_of(ind, 1)
    client.force_login(worker)
    response = client.post(reverse("induction:sign", args=[level.pk]), {"side": "trainee"})
    assert response.status_code == 400
    assert "请先勾选" in response.content.decode()
    level.refresh_from_db()
    assert level.trainee_signed_at is None


def test_outsiders_are_refused(client, ind, other_worker, other_manager, district, street):
    from tests.factories import StreetFactory

    level = level_of(ind, 1)
    elsewhere = make_supervisor(StreetFactory(name="三号街道", code="330100003", parent=district))
    # the region's own supervisor oversees but signs for nobody either
    for user in (other_worker, other_manager, elsewhere, make_supervisor(street)):
        client.force_login(user)
        assert client.get(reverse("induction:sign", args=[level.pk])).status_code == 404
        for side in ("trainee", "instructor"):
            assert _post(client, user, level, side).status_code == 404
    client.logout()
    response = client.get(reverse("induction:sign", args=[level.pk]))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    level.refresh_from_db()
    assert level.trainee_signed_at is None
    assert level.instructor_signed_at is None


def test_a_level_not_filled_in_cannot_be_signed(client, worker, leader):
    ind = induction(worker.person, starts_on=date(2030, 1, 1), instructor=leader, ready=1)
    level = level_of(ind, 2)
    level.instructor = leader
    level.save()
    response = _post(client, worker, level, "trainee")
    assert response.status_code == 400
    assert "尚未填写完整" in response.content.decode()


def test_a_signed_level_writes_one_training_record_however_often_it_is_signed(
    client, worker, leader, ind
):
    level = level_of(ind, 3)
    _post(client, worker, level, "trainee")
    assert not TrainingRecord.objects.exists()
    _post(client, leader, level, "instructor")
    _post(client, leader, level, "instructor")
    _post(client, worker, level, "trainee")
    services.sign(level=level, side=Side.TRAINEE, user=worker, now=timezone.now())
    record = TrainingRecord.objects.get()
    level.refresh_from_db()
    assert (record.person, record.date, record.hours, record.kind) == (
        worker.person,
        level.held_on,
        Decimal("8"),
        "level_team",
    )
    assert record.title == "三级安全教育·班组级（新入职）"
    # an edit of a signed level is refused: nothing changes, no second record
    assert not services.save_level(
        level=level, held_on=level.held_on, hours=Decimal("9"), content="x", instructor=leader
    )
    assert TrainingRecord.objects.count() == 1


def test_three_signed_levels_count_in_the_persons_hours(worker, leader, ind):
    sign_all(ind, trainee=worker, instructor=leader)
    kinds = sorted(TrainingRecord.objects.values_list("kind", flat=True))
    assert kinds == ["level_plant", "level_team", "level_workshop"]
    assert sum(r.hours for r in TrainingRecord.objects.all()) == 24


def test_an_edit_of_a_half_signed_level_voids_the_signature(client, worker, leader, ind):
    level = level_of(ind, 2)
    _post(client, worker, level, "trainee")
    level.refresh_from_db()
    assert services.save_level(
        level=level,
        held_on=level.held_on,
        hours=Decimal("9"),
        content=level.content,
        instructor=leader,
    )
    level.refresh_from_db()
    assert level.trainee_signed_at is None
    assert level.hours == 9


def test_the_pending_sign_offs_are_on_the_workbench(client, worker, leader, manager, ind):
    client.force_login(worker)
    html = client.get(reverse("portal:me")).content.decode()
    assert 'id="me-induction-sign"' in html
    assert "待您（受教育人）签字" in html
    client.force_login(leader)
    html = client.get(reverse("induction:pending")).content.decode()
    assert html.count("待您（授课人）签字") == 3
    sign_all(ind, trainee=worker, instructor=leader)
    client.force_login(worker)
    assert 'id="me-induction-sign"' not in client.get(reverse("portal:me")).content.decode()


def test_a_level_not_yet_held_cannot_be_signed(client, worker, leader):
    start = timezone.localdate() + timedelta(days=30)
    ind = induction(worker.person, starts_on=start, instructor=leader)
    level = level_of(ind, 2)
    services.save_level(
        level=level,
        held_on=timezone.localdate() + timedelta(days=1),
        hours=level.hours,
        content=level.content,
        instructor=leader,
    )
    response = _post(client, worker, level, "trainee")
    assert response.status_code == 400
    assert "教育结束后才能签字" in response.content.decode()
