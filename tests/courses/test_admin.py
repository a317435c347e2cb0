from datetime import date
from decimal import Decimal

import pytest

from courses.models import TrainingRequirement
from courses.records import record_training
from tests.courses.factories import TrainingClassFactory
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(enterprise, other_enterprise):
    mine = record_training(
        person=PersonFactory(enterprise=enterprise, name="本厂员工"),
        on=date(2026, 3, 1),
        hours=Decimal("2"),
        kind="topic",
        source=None,
        title="本厂培训",
    )
    theirs = record_training(
        person=PersonFactory(enterprise=other_enterprise, name="外厂员工"),
        on=date(2026, 3, 1),
        hours=Decimal("2"),
        kind="topic",
        source=None,
        title="外厂培训",
    )
    return mine, theirs


def test_the_admin_record_listing_is_scoped_to_the_manager(client, manager, records):
    mine, theirs = records
    client.force_login(manager)
    html = client.get("/admin/courses_records/").content.decode()
    assert "本厂培训" in html
    assert "外厂培训" not in html
    assert client.get(f"/admin/courses_records/inspect/{theirs.pk}/").status_code == 404
    assert client.get(f"/admin/courses_records/inspect/{mine.pk}/").status_code == 200


def test_another_managers_class_is_404_in_the_admin(client, manager, other_enterprise):
    theirs = TrainingClassFactory(enterprise=other_enterprise)
    client.force_login(manager)
    assert client.get(f"/admin/courses_classes/edit/{theirs.pk}/").status_code == 404


def test_a_supervisor_edits_requirements_and_a_manager_may_not(client, supervisor, manager):
    requirement = TrainingRequirement.objects.get(category="principal", high_risk=True)
    url = f"/admin/courses_requirements/edit/{requirement.pk}/"
    client.force_login(manager)
    assert client.get(url).status_code in (302, 403)
    client.force_login(supervisor)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "category": "principal",
            "high_risk": "on",
            "initial_hours": "50",
            "annual_hours": "16",
            "note": "调整",
        },
    )
    assert response.status_code == 302
    requirement.refresh_from_db()
    assert requirement.initial_hours == Decimal("50")
