"""Expiry reminders 60 and 30 days before: holder and manager, email + in-site notice, once each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from certificates import services
from certificates.models import ExpiryReminder
from portal.models import Notice
from tests.factories import make_worker


def _expiring_in(issue, person, days, cert_template):
    """A certificate (36-month template) whose expiry is `days` from today."""
    certificate = issue(person)
    certificate.valid_until = timezone.localdate() + timedelta(days=days)
    certificate.save()
    return certificate


@pytest.fixture
def with_emails(worker, manager):
    worker.email = "worker@example.com"
    worker.save()
    manager.email = "manager@example.com"
    manager.save()


@pytest.mark.django_db
def test_the_holder_and_the_manager_are_reminded_once_60_days_before(
    person, issue, cert_template, with_emails, other_manager
):
    certificate = _expiring_in(issue, person, 55, cert_template)
    today = timezone.localdate()

    first = services.send_expiry_reminders(today=today)
    second = services.send_expiry_reminders(today=today)

    assert first == 2
    assert second == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["manager@example.com", "worker@example.com"]
    assert all(certificate.serial in m.body for m in mail.outbox)
    assert ExpiryReminder.objects.filter(days_before=60).count() == 2
    # one portal notice each: the holder's leads to 我的证书, the manager's to the admin record
    holder_notice = Notice.objects.get(user__person=person)
    manager_notice = Notice.objects.exclude(user__person=person).get()
    assert holder_notice.kind == manager_notice.kind == "certificates"
    assert certificate.serial in holder_notice.body
    assert holder_notice.url == reverse("certificates:mine")
    assert manager_notice.url == reverse("certificates_certificates:inspect", args=[certificate.pk])
    # the other enterprise's manager hears nothing
    assert not ExpiryReminder.objects.filter(recipient=other_manager).exists()
    assert not Notice.objects.filter(user=other_manager).exists()


@pytest.mark.django_db
def test_the_30_day_reminder_follows_the_60_day_one(person, issue, cert_template, with_emails):
    certificate = _expiring_in(issue, person, 45, cert_template)
    today = timezone.localdate()
    services.send_expiry_reminders(today=today)

    services.send_expiry_reminders(today=today + timedelta(days=16))  # 29 days left
    services.send_expiry_reminders(today=today + timedelta(days=17))

    kinds = sorted(certificate.reminders.values_list("days_before", flat=True))
    assert kinds == [30, 30, 60, 60]
    assert len(mail.outbox) == 4
    assert Notice.objects.filter(kind="certificates").count() == 4


@pytest.mark.django_db
def test_certificates_far_from_expiry_revoked_or_expired_get_no_reminder(
    person, issue, cert_template, with_emails, supervisor
):
    _expiring_in(issue, person, 90, cert_template)
    _expiring_in(issue, person, -1, cert_template)
    revoked = _expiring_in(issue, person, 20, cert_template)
    services.revoke_certificate(certificate=revoked, user=supervisor, reason="撤销测试")

    assert services.send_expiry_reminders(today=timezone.localdate()) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_reminder_is_an_in_site_notice_until_read(client, worker, person, issue, cert_template):
    certificate = _expiring_in(issue, person, 20, cert_template)
    services.send_expiry_reminders(today=timezone.localdate())
    client.force_login(worker)

    page = client.get(reverse("certificates:mine")).content.decode()
    response = client.post(
        reverse("portal:notices-read-all"),
        {"kind": "certificates", "next": reverse("certificates:mine")},
    )
    after = client.get(reverse("certificates:mine")).content.decode()

    assert "到期" in page
    assert certificate.title in page
    assert "30天提醒" in page
    assert response["Location"] == reverse("certificates:mine")
    assert "30天提醒" not in after
    # read notices stay on the 通知 page
    assert "30天提醒" in client.get(reverse("portal:notices")).content.decode()


@pytest.mark.django_db
def test_a_read_reminder_is_not_noticed_again_on_the_next_run(worker, person, issue, cert_template):
    _expiring_in(issue, person, 20, cert_template)
    services.send_expiry_reminders(today=timezone.localdate())
    Notice.objects.filter(user=worker).update(read_at=timezone.now())

    services.send_expiry_reminders(today=timezone.localdate())
    services.send_expiry_reminders(today=timezone.localdate() + timedelta(days=1))

    assert Notice.objects.filter(user=worker).count() == 1
    assert not Notice.objects.filter(user=worker, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_nobody_can_open_someone_elses_reminder_notice(
    client, other_worker, person, issue, cert_template
):
    _expiring_in(issue, person, 20, cert_template)
    services.send_expiry_reminders(today=timezone.localdate())
    notice = Notice.objects.get(user__person=person)
    client.force_login(other_worker)

    response = client.post(reverse("portal:notice-open", args=[notice.pk]))

    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


@pytest.mark.django_db
def test_the_reminder_run_costs_the_same_queries_for_more_certificates(
    queries, enterprise, manager, issue, cert_template
):
    # queries: due certificates (+person), managers of their enterprises, bulk insert of the
    # reminder rows, bulk insert of their portal notices, [savepoint] select of unsent rows (+certificate, person, recipient), update.
    def run_with(n):
        ExpiryReminder.objects.all().delete()
        for i in range(n):
            person = make_worker(enterprise, name=f"人员{n}-{i}").person
            _expiring_in(issue, person, 40, cert_template)
        with queries.capture() as ctx:
            services.send_expiry_reminders(today=timezone.localdate())
        return len(ctx.captured_queries), ExpiryReminder.objects.count()

    small_queries, small_rows = run_with(2)
    large_queries, large_rows = run_with(8)

    assert small_rows > 0
    assert large_rows > small_rows
    assert small_queries == large_queries


@pytest.mark.django_db
def test_reading_notices_never_redirects_off_site(client, worker, person, issue, cert_template):
    _expiring_in(issue, person, 20, cert_template)
    services.send_expiry_reminders(today=timezone.localdate())
    client.force_login(worker)

    response = client.post(
        reverse("portal:notices-read-all"),
        {"kind": "certificates", "next": "/\\\\evil.example.com"},
    )

    assert response["Location"] == reverse("portal:notices")


@pytest.mark.django_db
def test_the_admin_home_shows_the_managers_unread_expiry_notices(
    client, manager, person, issue, cert_template
):
    client.force_login(manager)
    assert "证书到期提醒" not in client.get("/admin/").content.decode()
    certificate = _expiring_in(issue, person, 20, cert_template)
    services.send_expiry_reminders(today=timezone.localdate())
    notice = Notice.objects.get(user=manager)

    html = client.get("/admin/").content.decode()
    response = client.post(
        reverse("portal:notices-read-all"), {"kind": "certificates", "next": "/admin/"}
    )

    assert "证书到期提醒" in html
    assert certificate.serial in html
    assert reverse("portal:notice-open", args=[notice.pk]) in html
    assert response["Location"] == "/admin/"
    assert "证书到期提醒" not in client.get("/admin/").content.decode()
