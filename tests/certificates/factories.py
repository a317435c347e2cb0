"""Factories for certificates; other apps' tests may import them and issue_manual_certificate."""

from __future__ import annotations

import factory

from certificates import services
from certificates.models import Certificate, CertificateTemplate, ManualIssue
from tests.factories import PersonFactory


class CertificateTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificateTemplate
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"培训合格证书模板{n}")
    title = "安全培训合格证书"
    body = (
        "{holder_name}（身份证号 {id_number}）于 {issued_on} 参加“{subject}”，"
        "成绩 {score}，经考核合格，特发此证。"
    )
    issuer = "测试区应急管理局"
    signatory = "张主任"
    validity_months = 36
    serial_format = "AQ-{year}-{seq:06d}"


class ManualIssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ManualIssue

    person = factory.SubFactory(PersonFactory)
    template = factory.SubFactory(CertificateTemplateFactory)
    subject = "危险化学品安全作业培训"
    score = "92"
    reason = "线下培训考核合格，补录证书"


def issue_manual_certificate(
    person, *, template=None, title: str = "安全培训合格证书", **overrides
) -> Certificate:
    """Issues a certificate from a new ManualIssue source, as staff do for offline training.

    `template` defaults to a new CertificateTemplate; `overrides` go to
    `services.issue_certificate` (details, issued_on, issued_by, reason). `details` defaults to
    the source's subject and score.
    """
    if template is None:
        template = CertificateTemplateFactory()
    source = ManualIssueFactory(person=person, template=template)
    overrides.setdefault("details", {"subject": source.subject, "score": source.score})
    return services.issue_certificate(
        person=person, source=source, template=template, title=title, **overrides
    )
