from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.db import IntegrityError

from certificates import services
from certificates.models import Certificate, CertificateEvent
from tests.certificates.factories import ManualIssueFactory


def _issue(source, template, **kwargs):
    return services.issue_certificate(
        person=source.person,
        source=source,
        template=template,
        title="安全培训合格证书",
        details={"subject": source.subject, "score": source.score},
        **kwargs,
    )


@pytest.mark.django_db
def test_issuing_twice_for_the_same_source_yields_one_certificate(person, cert_template):
    source = ManualIssueFactory(person=person, template=cert_template)

    first = _issue(source, cert_template)
    second = _issue(source, cert_template)

    assert first.pk == second.pk
    assert Certificate.objects.count() == 1
    assert CertificateEvent.objects.filter(action="issued").count() == 1


@pytest.mark.django_db
def test_a_racing_issuer_gets_the_winners_certificate(person, cert_template):
    # given a source whose certificate another worker inserts between our check and our insert
    source = ManualIssueFactory(person=person, template=cert_template)
    winner = _issue(source, cert_template)
    real_lookup = services._live_certificate
    lookups = []

    def lookup_that_misses_first(content_type, object_id):
        lookups.append(object_id)
        return None if len(lookups) == 1 else real_lookup(content_type, object_id)

    # when our first look misses the winner, so our insert hits the unique constraint
    with mock.patch.object(services, "_live_certificate", side_effect=lookup_that_misses_first):
        result = _issue(source, cert_template)

    # then we get the winner's row and no second certificate exists
    assert len(lookups) == 2  # the insert failed and the winner was read back
    assert result.pk == winner.pk
    assert Certificate.objects.count() == 1


@pytest.mark.django_db
def test_the_unique_constraint_refuses_a_second_live_certificate_per_source(person, cert_template):
    source = ManualIssueFactory(person=person, template=cert_template)
    cert = _issue(source, cert_template)

    with pytest.raises(IntegrityError):
        Certificate.objects.create(
            person=person,
            template=cert_template,
            source_content_type=cert.source_content_type,
            source_object_id=cert.source_object_id,
            serial="X-1",
            title="重复",
            issued_on=date(2026, 1, 1),
        )


@pytest.mark.django_db
def test_serials_follow_the_template_format_and_count_up_per_year(person, cert_template):
    a = _issue(ManualIssueFactory(person=person, template=cert_template), cert_template)
    b = _issue(ManualIssueFactory(person=person, template=cert_template), cert_template)
    c = _issue(
        ManualIssueFactory(person=person, template=cert_template),
        cert_template,
        issued_on=date(2025, 3, 1),
    )

    year = a.issued_on.year
    assert a.serial == f"AQ-{year}-000001"
    assert b.serial == f"AQ-{year}-000002"
    assert c.serial == "AQ-2025-000001"


@pytest.mark.django_db
def test_validity_months_set_the_expiry_date(person, cert_template):
    cert = _issue(
        ManualIssueFactory(person=person, template=cert_template),
        cert_template,
        issued_on=date(2024, 1, 31),
    )
    assert cert.valid_until == date(2027, 1, 31)

    cert_template.validity_months = 0
    cert_template.save()
    forever = _issue(ManualIssueFactory(person=person, template=cert_template), cert_template)
    assert forever.valid_until is None


@pytest.mark.django_db
def test_issuing_enqueues_the_pdf_render_after_commit(
    person, cert_template, django_capture_on_commit_callbacks
):
    source = ManualIssueFactory(person=person, template=cert_template)
    with mock.patch("django_q.tasks.async_task") as async_task:
        with django_capture_on_commit_callbacks(execute=True):
            cert = _issue(source, cert_template)

    async_task.assert_called_once_with(
        "certificates.tasks.render_certificate_pdf", cert.pk, cluster="render"
    )


def test_a_template_body_may_use_only_known_placeholders():
    from django.core.exceptions import ValidationError

    from certificates.models import validate_body, validate_serial_format

    validate_body("{holder_name}参加{subject}，成绩{score}。")
    with pytest.raises(ValidationError, match="未知的占位符"):
        validate_body("{holder}参加培训")
    with pytest.raises(ValidationError, match="花括号"):
        validate_body("{holder_name 参加培训")
    with pytest.raises(ValidationError, match="seq"):
        validate_serial_format("AQ-{year}")
    validate_serial_format("AQ-{year}-{seq:06d}")


@pytest.mark.django_db
def test_details_may_carry_decimals_and_dates(person, cert_template):
    from decimal import Decimal

    source = ManualIssueFactory(person=person, template=cert_template)
    cert = services.issue_certificate(
        person=person,
        source=source,
        template=cert_template,
        title="证书",
        details={"score": Decimal("92.5"), "exam_date": date(2026, 6, 1)},
    )
    cert.refresh_from_db()
    assert cert.details == {"score": "92.5", "exam_date": "2026-06-01"}
