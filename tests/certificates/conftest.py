from __future__ import annotations

import pytest

from tests.certificates.factories import CertificateTemplateFactory


@pytest.fixture
def cert_template(db):
    return CertificateTemplateFactory(name="默认培训证书")


@pytest.fixture
def person(worker):
    return worker.person


@pytest.fixture
def other_person(other_worker):
    return other_worker.person
