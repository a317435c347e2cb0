"""Deadline reminders through the notice service (before and after the due date, once each) and
the supervisors' tracker (filed / late / returned) with its .xlsx export."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal import registry
from portal.models import Notice
from returns import services
from returns.models import Filing
from returns.reminders import send_reminders
from tests.factories import EnterpriseFactory, make_manager, make_supervisor
from tests.returns.factories import make_form

pytestmark = pytest.mark.django_db


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=9))


def _submit(form, enterprise, user, *, now=None):
    return services.save_filing(
        filing=services.filing_for(form, enterprise),
        user=user,
        additional={"activity.lectures": Decimal(1)},
        note="宣讲",
        submit=True,
        now=now or timezone.now(),
    )


def test_a_manager_is_reminded_once_before_and_once_after_the_due_date(
    manager, other_manager, enterprise, other_enterprise, street
):
    due = date(2027, 1, 31)
    form = make_form(street.parent, due_on=due)
    _submit(form, other_enterprise, other_manager)  # B filed: never reminded
    assert send_reminders(now=_at(due - timedelta(days=10))) == 0  # too early
    assert send_reminders(now=_at(due - timedelta(days=2))) == 1
    assert send_reminders(now=_at(due - timedelta(days=1))) == 0  # once
    assert send_reminders(now=_at(due + timedelta(days=1))) == 1
    assert send_reminders(now=_at(due + timedelta(days=5))) == 0  # once
    titles = list(
        Notice.objects.filter(user=manager).order_by("created_at").values_list("title", flat=True)
    )
    assert len(titles) == 2
    assert "将于 2027-01-31 截止" in titles[0]
    assert "已逾期未提交" in titles[1]
    assert not Notice.objects.filter(user=other_manager).exists()
    assert Notice.objects.filter(user=manager, kind="returns").count() == 2


def test_a_submitted_return_gets_no_reminder_a_returned_one_does(
    manager, enterprise, street, street_supervisor
):
    due = date(2027, 1, 31)
    form = make_form(street.parent, due_on=due)
    filing = _submit(form, enterprise, manager)
    assert send_reminders(now=_at(due - timedelta(days=1))) == 0
    services.review(
        filing=filing, user=street_supervisor, action="return", reason="请核对", now=timezone.now()
    )
    assert send_reminders(now=_at(due + timedelta(days=1))) == 1


def test_the_reminders_run_on_a_schedule():
    spec = registry.schedules["returns.reminders"]
    assert spec.func == "returns.tasks.send_reminders"
    assert spec.minutes == 60


def test_the_tracker_shows_filed_late_and_returned_and_exports_them(
    client, supervisor, manager, other_manager, enterprise, other_enterprise, street, other_street
):
    due = date(2026, 1, 31)  # passed
    form = make_form(street.parent, due_on=due, year=2025)
    third = EnterpriseFactory(name="企业C", street=other_street)
    make_manager(third)
    _submit(form, enterprise, manager, now=_at(due - timedelta(days=3)))  # on time
    late = _submit(form, other_enterprise, other_manager, now=_at(due + timedelta(days=2)))
    late.status = "returned"
    late.reason = "数据有误"
    late.save()
    client.force_login(supervisor)
    url = reverse("returns_admin:tracker", args=[form.pk])
    response = client.get(url)
    counts = response.context["counts"]
    assert counts == {
        "targets": 3,
        "filed": 1,
        "accepted": 0,
        "returned": 1,
        "late": 2,  # B (returned, not filed) and C (nothing) after the due date
        "not_filed": 2,
    }
    rows = {r.enterprise: r for r in response.context["rows"]}
    assert not rows[enterprise.name].late
    assert rows[other_enterprise.name].reason == "数据有误"
    late_only = client.get(url, {"status": "late"}).context["rows"]
    assert {r.enterprise for r in late_only} == {other_enterprise.name, "企业C"}
    book = load_workbook(BytesIO(client.get(url, {"export": "xlsx"}).content))
    sheet = book.active
    values = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [v[1] for v in values] == [enterprise.name, other_enterprise.name, "企业C"]
    assert values[1][5] == "数据有误"


def test_a_street_supervisor_tracks_only_their_street(
    client, street_supervisor, enterprise, other_enterprise, street, other_street
):
    form = make_form(street.parent)
    client.force_login(street_supervisor)
    rows = client.get(reverse("returns_admin:tracker", args=[form.pk])).context["rows"]
    assert [r.enterprise for r in rows] == [enterprise.name]
    only_b = make_form(street.parent, name="二号街道", streets=[other_street])
    assert client.get(reverse("returns_admin:tracker", args=[only_b.pk])).status_code == 404


def test_managers_and_workers_have_no_tracker(client, manager, worker, street):
    form = make_form(street.parent)
    for user in (manager, worker):
        client.force_login(user)
        response = client.get(reverse("returns_admin:tracker", args=[form.pk]))
        assert response.status_code in (302, 403)
    assert not Filing.objects.exists()
    assert make_supervisor  # the other street's supervisor is swept in test_admin_custom_sweep
