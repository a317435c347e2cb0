from __future__ import annotations

from datetime import date

import pytest

from certificates import tasks
from tests.certificates.factories import CertificateTemplateFactory, issue_manual_certificate


@pytest.fixture
def cert_template(db):
    return CertificateTemplateFactory(name="默认培训证书")


@pytest.fixture
def person(worker):
    return worker.person


@pytest.fixture
def other_person(other_worker):
    return other_worker.person


@pytest.fixture
def issue(cert_template):
    """issue(person, issued_on=..., render=True) → a certificate from a new ManualIssue source."""

    def _issue(person, *, issued_on: date | None = None, render: bool = False, **kwargs):
        certificate = issue_manual_certificate(
            person, template=cert_template, issued_on=issued_on, **kwargs
        )
        if render:
            tasks.render_certificate_pdf(certificate.pk)
            certificate.refresh_from_db()
        return certificate

    return _issue
