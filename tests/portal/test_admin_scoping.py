"""A manager of enterprise B is refused enterprise A's people in the admin, the front site and exports."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import PersonFactory


@pytest.fixture
def people_a(enterprise):
    return [PersonFactory(enterprise=enterprise, name=f"甲企业员工{i}") for i in range(3)]


@pytest.fixture
def people_b(other_enterprise):
    return [PersonFactory(enterprise=other_enterprise, name=f"乙企业员工{i}") for i in range(2)]


def test_the_people_listing_shows_only_the_managers_enterprise(
    client, other_manager, people_a, people_b
):
    client.force_login(other_manager)
    response = client.get(reverse("portal_people:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "乙企业员工0" in html
    assert "甲企业员工0" not in html
    # ID numbers are masked in the listing
    assert people_b[0].id_number not in html
    assert people_b[0].masked_id_number in html


@pytest.mark.parametrize("view", ["edit", "delete", "inspect", "history"])
def test_another_enterprises_person_is_404_in_every_admin_view(
    client, other_manager, people_a, view
):
    client.force_login(other_manager)
    response = client.get(reverse(f"portal_people:{view}", args=[people_a[0].pk]))
    assert response.status_code == 404


def test_the_manager_can_edit_their_own_people_but_not_move_them_to_another_enterprise(
    client, manager, enterprise, other_enterprise, people_a
):
    client.force_login(manager)
    url = reverse("portal_people:edit", args=[people_a[0].pk])
    response = client.get(url)
    assert response.status_code == 200
    # the enterprise field offers only their own enterprise
    assert list(response.context["form"].fields["enterprise"].queryset) == [enterprise]

    person = people_a[0]
    data = {
        "name": person.name,
        "id_number": person.id_number,
        "mobile": person.mobile,
        "enterprise": other_enterprise.pk,
        "category": person.category,
        "position": person.position,
        "is_active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 200  # the form is shown again with an error
    assert response.context["form"].errors["enterprise"]
    person.refresh_from_db()
    assert person.enterprise == enterprise


def test_a_manager_cannot_create_a_person_in_another_enterprise(client, manager, other_enterprise):
    from tests.factories import id_number

    client.force_login(manager)
    data = {
        "name": "越权",
        "id_number": id_number(7100),
        "enterprise": other_enterprise.pk,
        "category": "other",
    }
    response = client.post(reverse("portal_people:add"), data)
    assert response.status_code == 200
    assert not other_enterprise.people.exists()


def test_another_enterprise_is_404_for_a_manager(client, other_manager, enterprise):
    client.force_login(other_manager)
    assert client.get(reverse("portal_enterprises:edit", args=[enterprise.pk])).status_code == 404


def test_the_export_contains_only_the_managers_people_with_masked_ids(
    client, other_manager, people_a, people_b
):
    client.force_login(other_manager)
    response = client.get(reverse("portal_admin:roster-export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"乙企业员工0", "乙企业员工1"}
    ids = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert people_b[0].masked_id_number in ids


def test_a_supervisor_exports_the_region_with_full_ids(client, supervisor, people_a, people_b):
    client.force_login(supervisor)
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("portal_admin:roster-export")).content)
    ).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 5
    assert people_a[0].id_number in {r[1] for r in rows}


def test_a_street_supervisor_is_refused_another_streets_people(
    client, street_supervisor, people_a, people_b
):
    client.force_login(street_supervisor)
    html = client.get(reverse("portal_people:index")).content.decode()
    assert "甲企业员工0" in html
    assert "乙企业员工0" not in html
    assert client.get(reverse("portal_people:edit", args=[people_b[0].pk])).status_code == 404


def test_a_worker_cannot_open_the_admin_people_listing_or_export(client, worker, people_a):
    client.force_login(worker)
    assert client.get(reverse("portal_people:index")).status_code in (302, 403)
    assert client.get(reverse("portal_admin:roster-export")).status_code in (302, 403)


def test_anonymous_is_sent_to_login(client, people_a):
    response = client.get(reverse("portal_people:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_import_page_offers_the_template_and_imports_into_the_managers_enterprise(
    client, manager, enterprise
):
    from portal.services import ROSTER_COLUMNS
    from tests.factories import id_number
    from tests.portal.xlsx_helpers import confirm_import, xlsx_upload

    client.force_login(manager)
    page = client.get(reverse("portal_admin:roster-import"))
    assert reverse("portal_admin:roster-template") in page.content.decode()
    template = client.get(reverse("portal_admin:roster-template"))
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")

    upload = xlsx_upload(ROSTER_COLUMNS, [["新员工", id_number(7001), "", "其他从业人员"]])
    url = reverse("portal_admin:roster-import")
    preview = client.post(url, {"enterprise": enterprise.pk, "file": upload})
    assert not enterprise.people.exists()  # a preview saves nothing
    response = confirm_import(client, url, preview)
    assert response.status_code == 200  # the sheet of first passwords, shown this once
    assert response.templates[0].name == "portal/admin/initial_passwords.html"
    assert enterprise.people.filter(name="新员工").exists()


def test_the_import_page_lists_bad_rows_and_imports_nothing(client, manager, enterprise):
    from portal.services import ROSTER_COLUMNS
    from tests.portal.xlsx_helpers import xlsx_upload

    client.force_login(manager)
    upload = xlsx_upload(ROSTER_COLUMNS, [["坏数据", "123", "", "其他从业人员"]])
    response = client.post(
        reverse("portal_admin:roster-import"), {"enterprise": enterprise.pk, "file": upload}
    )
    assert response.status_code == 200
    assert "第2行" in response.content.decode()
    assert not enterprise.people.exists()


def test_a_manager_cannot_import_into_another_enterprise(client, manager, other_enterprise):
    from portal.services import ROSTER_COLUMNS
    from tests.factories import id_number
    from tests.portal.xlsx_helpers import xlsx_upload

    client.force_login(manager)
    upload = xlsx_upload(ROSTER_COLUMNS, [["越权", id_number(7002), "", "其他从业人员"]])
    response = client.post(
        reverse("portal_admin:roster-import"), {"enterprise": other_enterprise.pk, "file": upload}
    )
    assert response.status_code == 200  # form error: not a valid choice
    assert not other_enterprise.people.exists()


def test_the_people_listing_runs_a_fixed_number_of_queries(queries, client, manager, enterprise):
    """Listing queries do not grow with rows: measured at 5 and 40 people."""

    client.force_login(manager)
    counts = []
    for total in (5, 40):
        while enterprise.people.count() < total:
            PersonFactory(enterprise=enterprise)
        with queries.capture() as ctx:
            assert client.get(reverse("portal_people:index")).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
