"""The training rollups (courses.rollups) give the figures the records give, after every kind of
change: a new record, an edited record, a deleted record, a person changing enterprise or
category — before the scheduled refresh (records since the watermark added live; an edit or a
deletion makes the figures live until the refresh) and after it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from courses import rollups
from courses.models import TrainingRecord, TrainingRequirement, TrainingRollupState
from courses.statistics import compliance_summary, training_statistics
from portal.models import PersonCategory
from portal.periods import Period
from portal.registry import schedules
from portal.scoping import Scope
from tests.dashboard.factories import add_record
from tests.factories import EnterpriseFactory, PersonFactory

pytestmark = pytest.mark.django_db

YEARS = (2025, 2026)


@pytest.fixture
def people(district, street, other_street, enterprise, other_enterprise):
    TrainingRequirement.objects.all().delete()
    for risk in (False, True):
        TrainingRequirement.objects.create(
            category=PersonCategory.PRINCIPAL, high_risk=risk, annual_hours=Decimal("8")
        )
        TrainingRequirement.objects.create(
            category=PersonCategory.SAFETY_MANAGER, high_risk=risk, annual_hours=Decimal("4")
        )
    third = EnterpriseFactory(street=street, is_training_high_risk=True)
    made = []
    for i, (ent, category) in enumerate(
        [
            (enterprise, PersonCategory.PRINCIPAL),
            (enterprise, PersonCategory.SAFETY_MANAGER),
            (enterprise, PersonCategory.OTHER),
            (other_enterprise, PersonCategory.PRINCIPAL),
            (other_enterprise, PersonCategory.SAFETY_MANAGER),
            (third, PersonCategory.PRINCIPAL),
        ]
    ):
        person = PersonFactory(enterprise=ent, category=category)
        for year in YEARS:
            add_record(person, date(year, 1 + i, 10), str(2 + i))
            add_record(person, date(year, 6 + i % 3, 20), "3")
        made.append(person)
    return {"people": made, "enterprises": [enterprise, other_enterprise, third]}


def _scopes(district, street, enterprise):
    return [
        Scope.everything(),
        Scope.of_region(district),
        Scope.of_region(street),
        Scope.of_enterprise(enterprise.pk),
    ]


def _snapshot(scope: Scope, year: int) -> dict:
    period = Period.of_year(year)
    t = training_statistics(scope, period)
    c = compliance_summary(scope, period, by="enterprise")
    return {
        "count": t.count,
        "hours": t.hours,
        "people": t.people,
        "by_category": [(r["key"], r["count"], r["hours"]) for r in t.by_category],
        "by_enterprise": sorted((r["key"], r["count"], r["hours"]) for r in t.by_enterprise),
        "by_street": sorted((r["key"], r["count"], r["hours"]) for r in t.by_street),
        "by_period": [(r["key"], r["count"], r["hours"]) for r in t.by_period],
        "compliance": (c.required, c.compliant, c.no_requirement),
        "compliance_groups": [(g.key, g.required, g.compliant, g.no_requirement) for g in c.groups],
    }


def _live(scope: Scope, year: int) -> dict:
    """The same figures from the records alone (the rollups taken out of play)."""
    state = TrainingRollupState.objects.filter(pk=1).first()
    TrainingRollupState.objects.filter(pk=1).update(stale=True)
    try:
        return _snapshot(scope, year)
    finally:
        if state is not None:
            TrainingRollupState.objects.filter(pk=1).update(stale=state.stale)


def _assert_same(scopes, *, rolled: bool) -> None:
    for year in YEARS:
        assert (rollups.current(Period.of_year(year)) is not None) is rolled
        for scope in scopes:
            assert _snapshot(scope, year) == _live(scope, year), (scope, year)


def _check(scopes) -> None:
    """Before the refresh (as the change left the rollups) and after it."""
    state = TrainingRollupState.objects.get(pk=1)
    _assert_same(scopes, rolled=not state.stale)
    rollups.refresh()
    _assert_same(scopes, rolled=True)


def test_the_rollups_give_the_figures_of_the_records_after_every_kind_of_change(
    people, district, street, enterprise, other_enterprise
):
    scopes = _scopes(district, street, enterprise)
    rollups.refresh()
    _assert_same(scopes, rolled=True)
    assert _snapshot(Scope.everything(), 2026)["count"] == 12

    # A new record: counted at once (above the watermark), the rollups still answer.
    principal, manager = people["people"][0], people["people"][1]
    add_record(principal, date(2026, 3, 3), "5")
    add_record(PersonFactory(enterprise=other_enterprise), date(2026, 12, 31), "1")
    _check(scopes)

    # An edited record (hours, date into the other year, category): live until the refresh.
    record = TrainingRecord.objects.filter(person=manager, date__year=2026).first()
    record.hours = Decimal("9")
    record.date = date(2025, 12, 31)
    record.category = PersonCategory.OTHER
    record.save()
    assert TrainingRollupState.objects.get(pk=1).stale
    _check(scopes)

    # A deleted record.
    TrainingRecord.objects.filter(person=principal, date__year=2025).first().delete()
    assert TrainingRollupState.objects.get(pk=1).stale
    _check(scopes)

    # Records deleted with their person (a cascade).
    people["people"][4].delete()
    _check(scopes)

    # A person changing enterprise: the records keep the enterprise of their day, 学时达标 follows
    # the person.
    principal.enterprise = other_enterprise
    principal.save()
    _check(scopes)

    # A person changing category (now without a requirement, then back with one).
    manager.category = PersonCategory.OTHER
    manager.save()
    _check(scopes)
    other = people["people"][2]
    other.category = PersonCategory.PRINCIPAL
    other.save()
    _check(scopes)

    # A new record for a person whose hours the rollup already holds, after the refresh.
    add_record(other, date(2026, 9, 9), "8")
    _check(scopes)


def test_a_period_other_than_a_whole_year_is_computed_from_the_records(people):
    rollups.refresh()
    assert rollups.current(Period.between(date(2026, 1, 1), date(2026, 6, 30))) is None
    assert rollups.current(Period.of_year(2026)) is not None


def test_the_refresh_runs_on_a_schedule():
    spec = schedules["courses.refresh_training_rollups"]
    assert spec.func == "courses.tasks.refresh_training_rollups"
    assert spec.minutes == rollups.REFRESH_MINUTES
    from courses.tasks import refresh_training_rollups

    assert refresh_training_rollups() == 0  # no records yet
