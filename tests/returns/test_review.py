"""Review: the street passes or returns with a reason, the enterprise resubmits, the district
accepts; every change is kept (who, when, old → new)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from returns import services
from returns.models import Filing, FilingChange, FilingStatus
from tests.returns.factories import make_form

pytestmark = pytest.mark.django_db


def _submitted(enterprise, manager, street, value="10"):
    form = make_form(street.parent)
    filing = services.filing_for(form, enterprise)
    return services.save_filing(
        filing=filing,
        user=manager,
        additional={"training.other.person_times": Decimal(value)},
        note="外包班组培训",
        submit=True,
        now=timezone.now(),
    )


def _review(client, filing, action, reason=""):
    return client.post(
        reverse("returns_admin:review", args=[filing.pk]), {"action": action, "reason": reason}
    )


def test_the_street_returns_with_a_reason_the_manager_resubmits_the_district_accepts(
    client, enterprise, manager, street, street_supervisor, supervisor
):
    filing = _submitted(enterprise, manager, street)
    # the street returns it, with a reason
    client.force_login(street_supervisor)
    response = _review(client, filing, "return")
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED  # no reason: refused
    _review(client, filing, "return", "人次与签到表不符，请核对")
    filing.refresh_from_db()
    assert filing.status == FilingStatus.RETURNED
    # the manager sees why, on the list and on the form
    client.force_login(manager)
    assert "人次与签到表不符" in client.get(reverse("returns_admin:index")).content.decode()
    page = client.get(reverse("returns_admin:fill", args=[filing.form_id]))
    assert "人次与签到表不符" in page.content.decode()
    # fixes and resubmits
    response = client.post(
        reverse("returns_admin:fill", args=[filing.form_id]),
        {"add__training__other__person_times": "8", "note": "按签到表更正", "submit": "1"},
    )
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED
    assert filing.additional == {"training.other.person_times": "8"}
    # the district cannot accept before the street passed it
    client.force_login(supervisor)
    _review(client, filing, "accept")
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED
    client.force_login(street_supervisor)
    _review(client, filing, "pass")
    client.force_login(supervisor)
    _review(client, filing, "accept")
    filing.refresh_from_db()
    assert filing.status == FilingStatus.ACCEPTED
    assert filing.accepted_at is not None
    # locked for the manager
    client.force_login(manager)
    client.post(
        reverse("returns_admin:fill", args=[filing.form_id]),
        {"add__training__other__person_times": "80", "note": "x", "submit": "1"},
    )
    filing.refresh_from_db()
    assert filing.additional == {"training.other.person_times": "8"}


def test_every_change_is_kept_with_who_when_old_and_new(
    client, enterprise, manager, street, street_supervisor
):
    filing = _submitted(enterprise, manager, street)
    services.review(
        filing=filing, user=street_supervisor, action="return", reason="请核对", now=timezone.now()
    )
    filing.refresh_from_db()
    services.save_filing(
        filing=filing,
        user=manager,
        additional={"training.other.person_times": Decimal("8")},
        note="更正",
        submit=True,
        now=timezone.now(),
    )
    changes = list(FilingChange.objects.filter(filing=filing).order_by("pk"))
    figure = [c for c in changes if c.field == "其他从业人员培训人次"]
    assert [(c.old, c.new, c.user) for c in figure] == [("", "10", manager), ("10", "8", manager)]
    statuses = [(c.action, c.old, c.new, c.user) for c in changes if c.field == "状态"]
    assert statuses == [
        ("submit", "草稿", "已提交，待街道审核", manager),
        ("return", "已提交，待街道审核", "已退回", street_supervisor),
        ("submit", "已退回", "已提交，待街道审核", manager),
    ]
    reason = next(c for c in changes if c.field == "退回原因")
    assert (reason.new, reason.user) == ("请核对", street_supervisor)
    # shown on the filing page
    client.force_login(street_supervisor)
    text = client.get(reverse("returns_admin:filing", args=[filing.pk])).content.decode()
    assert "变更记录" in text
    assert "请核对" in text


def test_a_manager_cannot_review_their_own_return(client, enterprise, manager, street):
    filing = _submitted(enterprise, manager, street)
    client.force_login(manager)
    response = _review(client, filing, "pass")
    # refused (Wagtail answers PermissionDenied with its "no permission" redirect)
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert Filing.objects.get().status == FilingStatus.SUBMITTED


def test_another_streets_supervisor_cannot_pass_a_return(
    client, enterprise, manager, street, other_street
):
    from tests.factories import make_supervisor

    filing = _submitted(enterprise, manager, street)
    client.force_login(make_supervisor(other_street))
    assert _review(client, filing, "pass").status_code == 404
    assert Filing.objects.get().status == FilingStatus.SUBMITTED


def test_the_review_queue_lists_what_each_supervisor_acts_on(
    client, enterprise, manager, street, street_supervisor, supervisor
):
    filing = _submitted(enterprise, manager, street)
    client.force_login(street_supervisor)
    assert enterprise.name in client.get(reverse("returns_admin:index")).content.decode()
    services.review(filing=filing, user=street_supervisor, action="pass", now=timezone.now())
    client.force_login(supervisor)
    response = client.get(reverse("portal:me"))
    section = next(s for s in response.context["sections"] if s["section"].key == "returns-todo")
    assert section["context"]["items"][0]["count"] == 1
