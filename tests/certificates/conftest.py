from __future__ import annotations

from datetime import date

import pytest

from certificates import services, tasks
from tests.certificates.factories import CertificateTemplateFactory, ManualIssueFactory


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
        source = ManualIssueFactory(person=person, template=cert_template)
        certificate = services.issue_certificate(
            person=person,
            source=source,
            template=cert_template,
            title="安全培训合格证书",
            details={"subject": source.subject, "score": source.score},
            issued_on=issued_on,
            **kwargs,
        )
        if render:
            tasks.render_certificate_pdf(certificate.pk)
            certificate.refresh_from_db()
        return certificate

    return _issue
