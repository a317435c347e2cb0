"""Issue 13, finding 9: managers saw the full 身份证号 in the admin edit form while the listing, the
inspect view and the export mask it. The form masks it now; changing it means typing a new one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PersonFactory, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(enterprise):
    return PersonFactory(enterprise=enterprise, name="张三", id_number=id_number(4242))


def _data(person, **changes):
    data = {
        "name": person.name,
        "id_number": person.masked_id_number,
        "mobile": person.mobile,
        "enterprise": person.enterprise_id,
        "category": person.category,
        "position": person.position,
        "operation_review_years": person.operation_review_years,
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_finding_9_the_manager_edit_form_masks_the_id_number(client, manager, person):
    client.force_login(manager)
    for name in ("edit", "inspect"):
        response = client.get(reverse(f"portal_people:{name}", args=[person.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        assert person.id_number not in html
        assert person.masked_id_number in html


@pytest.mark.parametrize("sent", ["masked", "blank"])
def test_finding_9_leaving_the_masked_value_or_nothing_keeps_the_stored_number(
    client, manager, person, sent
):
    stored = person.id_number
    client.force_login(manager)
    value = person.masked_id_number if sent == "masked" else ""
    response = client.post(
        reverse("portal_people:edit", args=[person.pk]),
        _data(person, name="张三丰", id_number=value),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.name == "张三丰"
    assert person.id_number == stored


def test_finding_9_typing_a_new_number_changes_it(client, manager, person):
    new = id_number(4343)
    client.force_login(manager)
    response = client.post(
        reverse("portal_people:edit", args=[person.pk]), _data(person, id_number=new.lower())
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.id_number == new.upper()


@pytest.mark.parametrize("bad", ["330102199013011234", "3302**********1234", "123"])
def test_finding_9_a_new_number_is_validated_as_before(client, manager, person, bad):
    stored = person.id_number
    client.force_login(manager)
    response = client.post(
        reverse("portal_people:edit", args=[person.pk]), _data(person, id_number=bad)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"]
    person.refresh_from_db()
    assert person.id_number == stored


def test_finding_9_another_persons_number_is_refused_as_a_duplicate(
    client, manager, person, enterprise
):
    other = PersonFactory(enterprise=enterprise, id_number=id_number(4444))
    client.force_login(manager)
    response = client.post(
        reverse("portal_people:edit", args=[person.pk]), _data(person, id_number=other.id_number)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"]


def test_finding_9_the_district_supervisor_still_sees_the_full_number(client, supervisor, person):
    """The export shows supervisors of the region the full number; the form does too."""
    client.force_login(supervisor)
    response = client.get(reverse("portal_people:edit", args=[person.pk]))
    assert person.id_number in response.content.decode()
