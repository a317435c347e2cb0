"""未完成三级教育上岗 as Excel: the rows of the user's scope (a manager their enterprise, a
supervisor their region, or one enterprise of it), every cell through safe_cell; refused to
workers, to anonymous visitors and for an enterprise outside the supervisor's region."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import StreetFactory, make_supervisor

pytestmark = pytest.mark.django_db

INDEX = "/admin/induction/"


def _hire(person, *, position=""):
    person.hired_on = timezone.localdate() - timedelta(days=10)  # no 三级教育 registered
    person.position = position
    person.save()


def _rows(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_a_manager_exports_their_enterprises_flagged_people(client, manager, worker, other_worker):
    _hire(worker.person, position="=HYPERLINK(1)")
    _hire(other_worker.person)
    client.force_login(manager)
    html = client.get(INDEX).content.decode()
    assert 'id="induction-flagged-xlsx"' in html
    rows = _rows(client.get(INDEX, {"format": "xlsx"}))
    header = rows.index(["企业", "姓名", "身份证号", "岗位", "入职日期", "情况"])
    data = rows[header + 1 :]
    assert len(data) == 1
    [(enterprise, name, id_number, position, _hired, reason)] = data
    assert name == worker.person.name
    assert id_number == worker.person.masked_id_number
    assert position == "'=HYPERLINK(1)"  # neutralised by safe_cell
    assert reason == "入职未登记三级教育"
    assert enterprise == worker.person.enterprise.name


def test_a_supervisor_exports_their_region_or_one_enterprise_of_it(
    client, street_supervisor, worker, other_worker, enterprise, other_enterprise
):
    _hire(worker.person)
    _hire(other_worker.person)
    client.force_login(street_supervisor)
    names = [r[1] for r in _rows(client.get(INDEX, {"format": "xlsx"}))]
    assert worker.person.name in names
    assert other_worker.person.name not in names  # another street's enterprise
    one = [r[1] for r in _rows(client.get(INDEX, {"format": "xlsx", "enterprise": enterprise.pk}))]
    assert worker.person.name in one
    refused = client.get(INDEX, {"format": "xlsx", "enterprise": other_enterprise.pk})
    assert refused.status_code == 404


def test_workers_anonymous_and_other_streets_get_no_file(client, worker, district):
    _hire(worker.person)
    client.force_login(worker)
    assert client.get(INDEX, {"format": "xlsx"}).status_code in (302, 403)
    elsewhere = make_supervisor(StreetFactory(name="三号街道", code="330100003", parent=district))
    client.force_login(elsewhere)
    names = [r[1] for r in _rows(client.get(INDEX, {"format": "xlsx"}))]
    assert worker.person.name not in names
    client.logout()
    assert client.get(INDEX, {"format": "xlsx"}).status_code == 302
