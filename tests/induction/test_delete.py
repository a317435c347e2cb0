"""Deleting an induction: a confirmation page, then the delete, for the enterprise's manager and
the supervisors above only; refused with the reason (nothing deleted) once any level is signed by
both sides, because its training record counts in the hours and the annual report."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from courses.models import TrainingRecord
from induction.models import Induction, InductionLevel
from tests.factories import StreetFactory, make_supervisor, make_worker
from tests.induction.factories import induction, sign_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(enterprise):
    return make_worker(enterprise, name="赵班长", category="team_leader")


def _url(ind) -> str:
    return reverse("induction_admin:delete", args=[ind.pk])


def test_a_manager_confirms_and_deletes_an_unsigned_induction(client, manager, worker, leader):
    ind = induction(worker.person, starts_on=date(2030, 3, 1), instructor=leader)
    sign_all(ind, trainee=worker, instructor=leader, levels=())  # none signed
    client.force_login(manager)
    page = client.get(_url(ind))
    assert page.status_code == 200
    assert "确定删除" in page.content.decode()
    assert Induction.objects.filter(pk=ind.pk).exists()  # the page deletes nothing
    response = client.post(_url(ind))
    assert response.status_code == 302
    assert response["Location"] == reverse("induction_admin:index")
    assert not Induction.objects.filter(pk=ind.pk).exists()
    assert not InductionLevel.objects.filter(induction_id=ind.pk).exists()


def test_a_half_signed_induction_may_be_deleted_by_a_supervisor_above(
    client, street_supervisor, worker, leader
):
    from induction import services
    from tests.induction.factories import level_of

    ind = induction(worker.person, starts_on=date(2030, 3, 1), instructor=leader)
    services.sign(
        level=level_of(ind, 1),
        side=services.Side.TRAINEE,
        user=worker,
        now=__import__("django.utils.timezone").utils.timezone.now(),
    )
    client.force_login(street_supervisor)
    assert client.post(_url(ind)).status_code == 302
    assert not Induction.objects.filter(pk=ind.pk).exists()


def test_an_induction_with_a_level_signed_by_both_is_not_deleted(client, manager, worker, leader):
    ind = induction(worker.person, starts_on=date(2030, 3, 1), instructor=leader)
    sign_all(ind, trainee=worker, instructor=leader, levels=(1,))
    assert TrainingRecord.objects.filter(person=worker.person).count() == 1
    client.force_login(manager)
    page = client.get(_url(ind)).content.decode()
    assert "已由学员和授课人签字" in page
    assert "公司（厂）级" in page
    assert "确定删除" not in page
    response = client.post(_url(ind))
    assert response.status_code == 400
    assert "不能删除" in response.content.decode()
    assert Induction.objects.filter(pk=ind.pk).exists()
    assert InductionLevel.objects.filter(induction=ind).count() == 3
    assert TrainingRecord.objects.filter(person=worker.person).count() == 1


def test_others_may_not_delete(client, worker, leader, other_manager, district):
    ind = induction(worker.person, starts_on=date(2030, 3, 1), instructor=leader)
    elsewhere = make_supervisor(StreetFactory(name="三号街道", code="330100003", parent=district))
    for user in (other_manager, elsewhere):
        client.force_login(user)
        assert client.get(_url(ind)).status_code == 404
        assert client.post(_url(ind)).status_code == 404
    for user in (worker, leader):  # the trainee and the instructor are not managers
        client.force_login(user)
        assert client.post(_url(ind)).status_code in (302, 403)
    client.logout()
    assert client.post(_url(ind)).status_code == 302
    assert Induction.objects.filter(pk=ind.pk).exists()
