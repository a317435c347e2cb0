"""我的操作证: the holder sees their certificates (status, next review or expiry) on the 工作台 and
on a phone page; the scanned copy opens for the holder, their manager and a supervisor, and for
nobody else (another worker, another enterprise's manager, an anonymous visitor)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from operators.models import OperatorCertificate
from portal.roles import sync_role_groups
from tests.operators.factories import certificate, equipment_kind, operation_kind

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _roles(db):
    sync_role_groups()


def _add_years(day: date, years: int) -> date:
    return day.replace(year=day.year + years) if (day.month, day.day) != (2, 29) else day


@pytest.fixture
def held(worker):
    """Three certificates of the worker: valid, due for review within 90 days, expired."""
    today = timezone.localdate()
    valid = certificate(
        worker.person, equipment_kind("N1"), issued=today - timedelta(days=200), number="N1-OK"
    )
    valid.authority = "宁波市市场监督管理局"
    valid.scan.save("n1.pdf", ContentFile(b"%PDF-1.4 scan"), save=True)
    # 特种作业: review 3 years after issue, here in 30 days.
    due = certificate(
        worker.person,
        operation_kind("低压电工作业"),
        issued=_add_years(today + timedelta(days=30), -3),
        number="T-DUE",
    )
    expired = certificate(
        worker.person,
        equipment_kind("Q2"),
        issued=today - timedelta(days=2000),
        expires_on=today - timedelta(days=1),
        number="Q2-OLD",
    )
    return valid, due, expired


def test_the_holder_sees_each_certificate_with_its_status_and_next_date(client, worker, held):
    valid, due, expired = held
    client.force_login(worker)
    me = client.get(reverse("portal:me")).content.decode()
    assert "我的操作证" in me
    assert "N1-OK" in me
    assert "T-DUE" in me
    assert "Q2-OLD" in me
    assert reverse("operators:mine") in me

    page = client.get(reverse("operators:mine"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="viewport"' in body  # the phone layout of base.html
    rows = {row["c"].number: row for row in page.context["section"]["certificates"]}
    assert rows["N1-OK"]["status"] == "valid"
    assert rows["T-DUE"]["status"] == "review_due"
    assert rows["T-DUE"]["due"].is_review
    assert rows["T-DUE"]["due"].on == due.first_issued_on.replace(year=due.first_issued_on.year + 3)
    assert rows["Q2-OLD"]["status"] == "expired"
    assert "宁波市市场监督管理局" in body
    assert f"{due.first_issued_on:%Y-%m-%d}" in body
    assert reverse("operators:scan", args=[valid.pk]) in body
    assert reverse("operators:scan", args=[due.pk]) not in body  # no scanned copy


def test_no_block_without_certificates_and_a_note_on_the_page(client, worker, other_worker, held):
    client.force_login(other_worker)
    assert "我的操作证" not in client.get(reverse("portal:me")).content.decode()
    body = client.get(reverse("operators:mine")).content.decode()
    assert "暂无特种作业或特种设备作业人员证记录" in body
    assert "N1-OK" not in body


def test_the_scan_opens_for_the_holder_their_manager_and_a_supervisor(
    client, worker, manager, supervisor, held
):
    url = reverse("operators:scan", args=[held[0].pk])
    for user in (worker, manager, supervisor):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == b"%PDF-1.4 scan"
        assert response["Cache-Control"] == "private, no-store"


def test_the_scan_is_refused_to_everyone_else(
    client, enterprise, other_worker, other_manager, held
):
    from tests.factories import make_worker

    url = reverse("operators:scan", args=[held[0].pk])
    colleague = make_worker(enterprise, name="同事")
    for outsider in (colleague, other_worker, other_manager):
        client.force_login(outsider)
        assert client.get(url).status_code == 404, outsider
    client.logout()
    response = client.get(url)
    assert response.status_code == 302
    assert "login" in response["Location"]
    # a certificate without a scanned copy: 404 for the holder too
    client.force_login(held[0].person.user)
    no_scan = OperatorCertificate.objects.get(number="T-DUE")
    assert client.get(reverse("operators:scan", args=[no_scan.pk])).status_code == 404
