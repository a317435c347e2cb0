"""A render lost with a killed worker (the Redis broker does not redeliver it) is queued_tasks again by a
schedule once it is older than the task timeout plus the retry margin; nothing else is queued_tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from certificates import services
from certificates.models import Certificate
from portal import registry

pytestmark = pytest.mark.django_db


def _age(certificate, seconds):
    Certificate.objects.filter(pk=certificate.pk).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_only_old_unrendered_valid_certificates_are_queued_tasks_again(
    settings, issue, person, other_person, queued_tasks
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
    queued_tasks.clear()  # the issuing itself queued_tasks renders on commit (not in this test transaction)

    assert services.requeue_stalled_renders(now=timezone.now()) == 1
    assert queued_tasks == [(services.RENDER_TASK, lost.pk)]


def test_a_requeued_tasks_render_makes_the_pdf_once(issue, person, queued_tasks):
    lost = issue(person)
    _age(lost, 10_000)
    services.requeue_stalled_renders(now=timezone.now())
    (task, certificate_id) = queued_tasks[-1]
    from certificates import tasks

    assert tasks.render_certificate_pdf(certificate_id) is True
    assert tasks.render_certificate_pdf(certificate_id) is False  # a duplicate is a no-op
    queued_tasks.clear()
    assert services.requeue_stalled_renders(now=timezone.now()) == 0
    assert queued_tasks == []


def test_the_safety_net_is_scheduled():
    spec = registry.schedules["certificates.requeue_stalled_renders"]
    assert spec.func == "certificates.tasks.requeue_stalled_renders"
    assert spec.minutes <= 15
