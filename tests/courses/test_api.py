from datetime import date
from decimal import Decimal

import pytest

from courses import learning, records
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_my_enrolments_through_the_api(client, worker, course):
    learning.enrol(person=worker.person, course=course)
    client.force_login(worker)
    data = client.get("/api/v1/courses/mine").json()
    assert [(d["course"], d["lessons_total"], d["lessons_done"]) for d in data] == [
        (course.title, 2, 0)
    ]


def test_records_through_the_api_are_scoped(client, manager, enterprise, other_enterprise):
    for ent, title in ((enterprise, "本厂"), (other_enterprise, "外厂")):
        records.record_training(
            person=PersonFactory(enterprise=ent),
            on=date(2026, 2, 1),
            hours=Decimal("2"),
            kind="topic",
            source=None,
            title=title,
        )
    client.force_login(manager)
    data = client.get("/api/v1/courses/records?year=2026").json()
    assert [d["title"] for d in data] == ["本厂"]


def test_the_api_heartbeat_refuses_someone_not_enrolled(client, other_worker, course):
    client.force_login(other_worker)
    lesson = course.lessons().first()
    response = client.post(f"/api/v1/courses/lessons/{lesson.pk}/beat?start=true")
    assert response.status_code == 404
    assert response.json()["code"] == "not_enrolled"
