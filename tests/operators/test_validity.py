"""The validity rules are seed data citing their articles, and each one decides what it says —
on the boundary days (the review or expiry day still valid, the day after not)."""

from __future__ import annotations

from datetime import date

import pytest

from operators.models import CertificateStatus, OperatorKind, Scheme, ValidityRule
from tests.factories import PersonFactory
from tests.operators.factories import certificate, equipment_kind, operation_kind

pytestmark = pytest.mark.django_db


def test_the_rules_are_seeded_with_their_articles():
    so = ValidityRule.objects.get(scheme=Scheme.SPECIAL_OPERATION)
    se = ValidityRule.objects.get(scheme=Scheme.SPECIAL_EQUIPMENT)
    assert (so.validity_years, so.review_years, so.long_service_review_years) == (6, 3, 6)
    assert so.long_service_years == 10
    assert so.refresher_hours == 8
    assert "第30号" in so.source
    assert "第十九条" in so.source
    assert "第二十一条" in so.source
    assert se.validity_years == 4
    assert se.review_years is None
    assert "第二十二条" in se.source
    assert "TSG Z6001" in se.source
    assert so.reminder_days() == se.reminder_days() == (90, 30)


def test_the_catalogues_hold_both_kinds():
    assert {"N1", "Q1", "Q2", "G1", "G2", "R1"} <= set(
        OperatorKind.objects.filter(scheme=Scheme.SPECIAL_EQUIPMENT).values_list("code", flat=True)
    )
    # one 特种作业 kind per entry of the seeded 30号令 catalogue
    from portal.models import SpecialOperation

    assert OperatorKind.objects.filter(scheme=Scheme.SPECIAL_OPERATION).count() == (
        SpecialOperation.objects.count()
    )
    assert operation_kind("低压电工作业").special_operation.category.name == "电工作业"


def test_a_new_catalogue_entry_gets_its_kind():
    from portal.models import SpecialOperation, SpecialOperationCategory

    category = SpecialOperationCategory.objects.create(name="测试作业")
    op = SpecialOperation.objects.create(category=category, name="测试项目")
    assert OperatorKind.objects.get(special_operation=op).name == "测试项目"


def test_special_operation_valid_six_years_review_every_three():
    person = PersonFactory()
    cert = certificate(person, operation_kind(), issued=date(2020, 3, 1))
    assert cert.expires_on == date(2026, 3, 1)  # from the rule: 6 years
    rule = cert.rule()
    due = cert.next_due(rule, date(2022, 1, 1))
    assert due.on == date(2023, 3, 1)
    assert due.is_review
    assert cert.status_on(date(2022, 11, 30), rule) == CertificateStatus.VALID
    assert cert.status_on(date(2022, 12, 1), rule) == CertificateStatus.REVIEW_DUE  # 90 days
    assert cert.status_on(date(2023, 3, 1), rule) == CertificateStatus.REVIEW_DUE  # the day itself
    assert cert.status_on(date(2023, 3, 2), rule) == CertificateStatus.REVIEW_OVERDUE
    assert not cert.is_valid_on(date(2023, 3, 2), rule)
    cert.last_reviewed_on = date(2023, 2, 10)
    # next review would be 2026-02-10, before the expiry: due then
    assert cert.next_due(rule, date(2023, 3, 2)).on == date(2026, 2, 10)
    assert cert.is_valid_on(date(2023, 3, 2), rule)
    assert cert.status_on(date(2026, 3, 1), rule) == CertificateStatus.REVIEW_OVERDUE
    cert.last_reviewed_on = date(2023, 3, 1)
    assert cert.next_due(rule, date(2024, 1, 1)) == type(cert.next_due(rule, date(2024, 1, 1)))(
        date(2026, 3, 1), False
    )
    assert cert.is_valid_on(date(2026, 3, 1), rule)
    assert cert.status_on(date(2026, 3, 2), rule) == CertificateStatus.EXPIRED


def test_ten_years_of_compliant_work_makes_the_review_every_six_years():
    person = PersonFactory()
    cert = certificate(
        person, operation_kind(), issued=date(2020, 3, 1), in_trade_since=date(2012, 6, 1)
    )
    rule = cert.rule()
    # not yet 10 years in the trade: 3 years
    assert cert.review_interval(rule, date(2022, 5, 31)) == 3
    # from the tenth anniversary: 6 years, which reaches the expiry (no review before it)
    assert cert.review_interval(rule, date(2022, 6, 1)) == 6
    assert cert.next_due(rule, date(2023, 3, 2)).is_review is False
    assert cert.is_valid_on(date(2023, 3, 2), rule)
    cert.no_violations = False
    assert cert.review_interval(rule, date(2023, 3, 2)) == 3
    assert not cert.is_valid_on(date(2023, 3, 2), rule)


def test_the_rule_is_editable_and_followed():
    rule = ValidityRule.objects.get(scheme=Scheme.SPECIAL_OPERATION)
    rule.long_service_years = 8
    rule.save()
    cert = certificate(
        PersonFactory(), operation_kind(), issued=date(2020, 3, 1), in_trade_since=date(2014, 6, 1)
    )
    assert cert.review_interval(cert.rule(), date(2022, 6, 1)) == 6


def test_special_equipment_renewed_every_four_years():
    cert = certificate(PersonFactory(), equipment_kind("Q2"), issued=date(2022, 5, 10))
    assert cert.expires_on == date(2026, 5, 10)
    rule = cert.rule()
    due = cert.next_due(rule, date(2025, 1, 1))
    assert due.on == date(2026, 5, 10)
    assert not due.is_review
    assert cert.status_on(date(2026, 2, 8), rule) == CertificateStatus.VALID
    assert cert.status_on(date(2026, 2, 9), rule) == CertificateStatus.REVIEW_DUE  # 90 days
    assert cert.is_valid_on(date(2026, 5, 10), rule)
    assert cert.status_on(date(2026, 5, 11), rule) == CertificateStatus.EXPIRED


def test_a_rule_with_bad_reminder_days_is_refused():
    from django.core.exceptions import ValidationError

    rule = ValidityRule.objects.get(scheme=Scheme.SPECIAL_EQUIPMENT)
    rule.remind_days = "九十"
    with pytest.raises(ValidationError) as exc:
        rule.full_clean()
    assert "提前提醒天数" in str(exc.value)


def test_a_certificate_cannot_expire_before_it_is_issued():
    from django.core.exceptions import ValidationError

    cert = certificate(PersonFactory(), equipment_kind(), issued=date(2022, 5, 10))
    cert.expires_on = date(2022, 1, 1)
    with pytest.raises(ValidationError) as exc:
        cert.full_clean()
    assert "有效期至不能早于或等于初次领证日期" in str(exc.value)


def test_a_special_operation_certificate_keeps_the_persons_review_dates_in_step():
    from portal.models import PersonCategory

    kind = operation_kind()
    person = PersonFactory(
        category=PersonCategory.SPECIAL_OPERATOR, special_operation=kind.special_operation
    )
    certificate(
        person, kind, issued=date(2019, 4, 1), number="T-1", in_trade_since=date(2005, 1, 1)
    )
    person.refresh_from_db()
    assert person.operation_certificate_no == "T-1"
    assert person.operation_certificate_issued_on == date(2019, 4, 1)
    assert person.operation_review_years == 6
