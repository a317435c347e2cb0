"""特种作业人员: 8 hours of safety training before each certificate review (every 3 years, or 6
for 10+ years of compliant work), computed per certificate cycle from the person's certificate
dates, not demanded every year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from courses import compliance, records
from courses.models import TrainingRequirement
from portal.models import Person, PersonCategory, SpecialOperation
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _operator(enterprise, issued_on=None, review_years=3):
    return PersonFactory(
        enterprise=enterprise,
        category=PersonCategory.SPECIAL_OPERATOR,
        special_operation=SpecialOperation.objects.first(),
        hired_on=date(2015, 1, 1),
        operation_certificate_issued_on=issued_on,
        operation_review_years=review_years,
    )


def _record(person, on, hours):
    records.record_training(
        person=person, on=on, hours=Decimal(hours), kind="refresher", source=None, title="复审培训"
    )


def _row(person, year):
    [row] = compliance.compliance_rows(people=Person.objects.filter(pk=person.pk), year=year)
    return row


def test_the_table_asks_8_hours_per_review_cycle_not_per_year(db):
    for risk in (False, True):
        req = TrainingRequirement.objects.get(category="special_operator", high_risk=risk)
        assert (req.annual_hours, req.review_cycle_hours) == (None, Decimal("8"))
        assert "复审" in req.note


def test_no_hours_are_demanded_in_a_year_without_a_review(enterprise):
    operator = _operator(enterprise, issued_on=date(2024, 5, 10))  # review 2027-05-10
    row = _row(operator, 2026)
    assert row.required is None  # was 8 h every year
    assert not row.has_requirement  # neither 达标 nor 未达标: counted apart


def test_in_the_review_year_the_hours_of_the_whole_cycle_count(enterprise):
    operator = _operator(enterprise, issued_on=date(2023, 5, 10))  # review 2026-05-10
    _record(operator, date(2024, 3, 1), "5")  # in the cycle, an earlier year
    _record(operator, date(2026, 5, 10), "3")  # on the review day: still before it
    _record(operator, date(2023, 5, 9), "8")  # before the cycle: does not count
    _record(operator, date(2026, 5, 11), "8")  # after the review: next cycle
    row = _row(operator, 2026)
    assert (row.required, row.hours, row.is_compliant) == (Decimal("8"), Decimal("8"), True)
    assert row.review_on == date(2026, 5, 10)
    assert "2026-05-10" in row.requirement_label


def test_one_hour_short_before_the_review_is_not_compliant(enterprise):
    operator = _operator(enterprise, issued_on=date(2020, 9, 1))  # reviews 2023-09-01, 2026-09-01
    _record(operator, date(2023, 8, 1), "8")  # the previous cycle's hours do not carry over
    _record(operator, date(2025, 1, 1), "7")
    row = _row(operator, 2026)
    assert (row.required, row.hours, row.shortfall) == (Decimal("8"), Decimal("7"), Decimal("1"))


def test_a_six_year_review_interval_moves_the_review(enterprise):
    operator = _operator(enterprise, issued_on=date(2020, 9, 1), review_years=6)
    assert _row(operator, 2023).required is None
    assert _row(operator, 2026).required == Decimal("8")


def test_a_certificate_issued_this_year_has_no_review_due(enterprise):
    operator = _operator(enterprise, issued_on=date(2026, 2, 1))
    assert _row(operator, 2026).required is None


def test_without_certificate_dates_no_cycle_can_be_computed(enterprise):
    assert _row(_operator(enterprise), 2026).required is None


def test_a_leap_day_certificate_is_reviewed_on_28_february(enterprise):
    operator = _operator(enterprise, issued_on=date(2024, 2, 29))
    assert operator.review_cycle(date(2027, 1, 1)) == (date(2024, 2, 29), date(2027, 2, 28))


def test_the_dashboard_counts_the_same_cycle_rule(enterprise, supervisor):
    from courses.statistics import compliance_summary
    from portal.periods import Period
    from portal.scoping import scope_for

    due = _operator(enterprise, issued_on=date(2023, 5, 10))
    _record(due, date(2025, 1, 1), "8")
    _operator(enterprise, issued_on=date(2024, 5, 10))  # no review in 2026: not counted
    short = _operator(enterprise, issued_on=date(2023, 7, 1))
    _record(short, date(2026, 1, 1), "2")
    counts = compliance_summary(
        scope_for(supervisor), Period("year", date(2026, 1, 1), date(2026, 12, 31), "2026")
    )
    figures = {"people": counts.required, "compliant": counts.compliant}
    rows = [
        r
        for r in compliance.compliance_rows(people=Person.objects.all(), year=2026)
        if r.required is not None
    ]
    assert (figures["people"], figures["compliant"]) == (
        len(rows),
        sum(r.is_compliant for r in rows),
    )
    assert (figures["people"], figures["compliant"]) == (2, 1)
