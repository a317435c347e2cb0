"""Factories for certificates; other apps' tests may import CertificateTemplateFactory."""

from __future__ import annotations

import factory

from certificates.models import CertificateTemplate, ManualIssue
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
