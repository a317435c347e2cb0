"""The demo district shows the register: holders of both kinds, one expired, one due for review,
someone in a position needing a certificate they lack (demo_manager's 无证上岗)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from operators.models import CertificateStatus, OperatorCertificate, Scheme
from operators.statistics import unlicensed_figures
from portal.models import Notice, User
from portal.periods import Period
from portal.scoping import Scope

pytestmark = pytest.mark.django_db


def test_the_demo_has_both_kinds_an_expired_a_due_and_an_unlicensed_person(queued_tasks):
    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)  # again: nothing doubles
    today = timezone.localdate()
    certs = list(OperatorCertificate.objects.select_related("kind", "person"))
    schemes = {c.kind.scheme for c in certs}
    assert schemes == {Scheme.SPECIAL_OPERATION, Scheme.SPECIAL_EQUIPMENT}
    statuses = {c.status_on(today, c.rule()) for c in certs}
    assert CertificateStatus.EXPIRED in statuses
    assert CertificateStatus.REVIEW_DUE in statuses
    manager = User.objects.get(username="demo_manager")
    figures = unlicensed_figures(
        Scope.of_enterprise(manager.enterprise_id), Period.of_year(today.year)
    )
    assert figures["count"] == 2
    assert {r.missing_text for r in figures["rows"]} == {"叉车司机"}
    worker = User.objects.get(username="demo_worker")
    assert Notice.objects.filter(user=worker, key__startswith="operators:").count() == 1
    assert Notice.objects.filter(user=manager, key__startswith="operators:").exists()
