"""A render lost with a killed worker (the Redis broker does not redeliver it) is queued again by a
schedule once it is older than the task timeout plus the retry margin; nothing else is queued."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from certificates import services
from certificates.models import Certificate
from portal import registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args: calls.append(args))
    return calls


def _age(certificate, seconds):
    Certificate.objects.filter(pk=certificate.pk).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_only_old_unrendered_valid_certificates_are_queued_again(
    settings, issue, person, other_person, queued
):
    settings.Q_TIMEOUT = 300
    lost = issue(person)  # never rendered, issued long ago
    _age(lost, 300 + 121)
    fresh = issue(other_person)  # still within the timeout: its task may be running
    _age(fresh, 60)
    rendered = issue(person, render=True)
    _age(rendered, 3600)
    revoked = issue(other_person)
    Certificate.objects.filter(pk=revoked.pk).update(status=Certificate.Status.REVOKED)
    _age(revoked, 3600)
    queued.clear()  # the issuing itself queued renders on commit (not in this test transaction)

    assert services.requeue_stalled_renders(now=timezone.now()) == 1
    assert queued == [(services.RENDER_TASK, lost.pk)]


def test_a_requeued_render_makes_the_pdf_once(issue, person, queued):
    lost = issue(person)
    _age(lost, 10_000)
    services.requeue_stalled_renders(now=timezone.now())
    (task, certificate_id) = queued[-1]
    from certificates import tasks

    assert tasks.render_certificate_pdf(certificate_id) is True
    assert tasks.render_certificate_pdf(certificate_id) is False  # a duplicate is a no-op
    queued.clear()
    assert services.requeue_stalled_renders(now=timezone.now()) == 0
    assert queued == []


def test_the_safety_net_is_scheduled():
    spec = registry.schedules["certificates.requeue_stalled_renders"]
    assert spec.func == "certificates.tasks.requeue_stalled_renders"
    assert spec.minutes <= 15
