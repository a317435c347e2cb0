from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from courses import learning
from courses.models import Enrolment
from portal.models import Person, PersonCategory
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _due():
    return (timezone.localdate() + timedelta(days=30)).isoformat()


def test_a_manager_assigns_a_course_to_a_category_of_their_own_people(
    client, manager, enterprise, other_enterprise, course
):
    leaders = PersonFactory.create_batch(
        2, enterprise=enterprise, category=PersonCategory.TEAM_LEADER
    )
    PersonFactory(enterprise=enterprise, category=PersonCategory.OTHER)
    PersonFactory(enterprise=other_enterprise, category=PersonCategory.TEAM_LEADER)
    client.force_login(manager)
    response = client.post(
        "/courses/assign/",
        {"course": course.pk, "mode": "category", "categories": ["team_leader"], "due_on": _due()},
    )
    assert response.status_code == 302
    assigned = set(Enrolment.objects.values_list("person_id", flat=True))
    assert assigned == {p.pk for p in leaders}
    assert all(e.assigned_by == manager for e in Enrolment.objects.all())


def test_assigning_to_the_whole_enterprise_leaves_other_enterprises_alone(
    client, manager, enterprise, other_enterprise, course
):
    mine = PersonFactory.create_batch(3, enterprise=enterprise)
    PersonFactory.create_batch(2, enterprise=other_enterprise)
    client.force_login(manager)
    client.post("/courses/assign/", {"course": course.pk, "mode": "all", "due_on": _due()})
    assert set(Enrolment.objects.values_list("person_id", flat=True)) == {p.pk for p in mine}


def test_a_manager_cannot_select_another_enterprises_person(
    client, manager, other_enterprise, course
):
    stranger = PersonFactory(enterprise=other_enterprise)
    client.force_login(manager)
    response = client.post(
        "/courses/assign/",
        {"course": course.pk, "mode": "selection", "people": [stranger.pk], "due_on": _due()},
    )
    assert response.status_code == 200
    assert "people" in response.context["form"].errors
    assert not Enrolment.objects.exists()


def test_the_service_refuses_people_outside_the_users_scope(manager, other_enterprise, course):
    stranger = PersonFactory(enterprise=other_enterprise)
    with pytest.raises(PermissionDenied):
        learning.assign_course(
            user=manager,
            course=course,
            people=Person.objects.filter(pk=stranger.pk),
            due_on=timezone.localdate(),
        )
    assert not Enrolment.objects.exists()


def test_a_worker_may_not_assign_courses(client, worker, course):
    client.force_login(worker)
    assert client.get("/courses/assign/").status_code == 403
    response = client.post(
        "/courses/assign/", {"course": course.pk, "mode": "all", "due_on": _due()}
    )
    assert response.status_code == 403
    assert not Enrolment.objects.exists()


def test_a_due_date_in_the_past_is_refused(client, manager, enterprise, course):
    PersonFactory(enterprise=enterprise)
    client.force_login(manager)
    response = client.post(
        "/courses/assign/",
        {
            "course": course.pk,
            "mode": "all",
            "due_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
    )
    assert "完成期限不能早于今天" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_a_street_supervisor_sees_progress_only_in_their_street(
    client, street_supervisor, enterprise, other_enterprise, course
):
    a = PersonFactory(enterprise=enterprise, name="甲某")
    b = PersonFactory(enterprise=other_enterprise, name="乙某")
    Enrolment.objects.create(person=a, course=course)
    Enrolment.objects.create(person=b, course=course)
    client.force_login(street_supervisor)
    html = client.get("/courses/enrolments/").content.decode()
    assert "甲某" in html
    assert "乙某" not in html
