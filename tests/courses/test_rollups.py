"""The training rollups (courses.rollups) give the figures the records give, after every kind of
change: a new record, an edited record, a deleted record, a person changing enterprise or
category — before the scheduled refresh (records since the watermark added live; an edit or a
deletion makes the figures live until the refresh) and after it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from courses import rollups
from courses.models import (
    PersonYearTraining,
    TrainingRecord,
    TrainingRequirement,
    TrainingRollupState,
)
from courses.statistics import (
    compliance_summary,
    training_statistics,
    training_year_statistics,
)
from portal.models import HighRiskIndustry, PersonCategory
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
    streets = training_statistics(scope, period, places=("street",))  # summed in SQL
    assert streets.by_enterprise == []
    assert training_statistics(scope, period, places=()).by_street == []
    # the annual report's two years in one call: each year as training_statistics by year
    both = training_year_statistics(scope, [year, year - 1])
    assert both == [
        training_statistics(scope, Period.of_year(y), by="year", places=())
        for y in (year, year - 1)
    ]
    c = compliance_summary(scope, period, by="enterprise")
    s = compliance_summary(scope, period, by="street")
    total = compliance_summary(scope, period)
    return {
        "count": t.count,
        "hours": t.hours,
        "people": t.people,
        "by_category": [(r["key"], r["count"], r["hours"]) for r in t.by_category],
        "by_enterprise": sorted((r["key"], r["count"], r["hours"]) for r in t.by_enterprise),
        "by_street": sorted((r["key"], r["count"], r["hours"]) for r in t.by_street),
        "by_street_alone": [
            (r["key"], r["label"], r["count"], r["hours"]) for r in streets.by_street
        ],
        "by_street_labels": [(r["key"], r["label"]) for r in t.by_street],
        "by_period": [(r["key"], r["count"], r["hours"]) for r in t.by_period],
        "compliance": (c.required, c.compliant, c.no_requirement),
        "compliance_groups": [(g.key, g.required, g.compliant, g.no_requirement) for g in c.groups],
        "compliance_streets": [
            (g.key, g.label, g.required, g.compliant, g.no_requirement) for g in s.groups
        ],
        "compliance_total": (total.required, total.compliant, total.no_requirement),
        "years": [(y.count, y.hours, y.people, y.by_category, y.by_period) for y in both],
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
        state = rollups.current(Period.of_year(year))
        assert (state is not None) is rolled
        if rolled:  # 学时达标 through its rollup, the changed people judged live
            assert rollups.compliance_years(state, year)
            assert rollups.changed_people(state) is not None
        for scope in scopes:
            assert _snapshot(scope, year) == _live(scope, year), (scope, year)


def _check(scopes) -> None:
    """Before the refresh (as the change left the rollups) and after it."""
    state = TrainingRollupState.objects.get(pk=1)
    _assert_same(scopes, rolled=not state.stale)
    rollups.refresh()
    _assert_same(scopes, rolled=True)


def test_the_rollups_give_the_figures_of_the_records_after_every_kind_of_change(
    people, district, street, other_street, enterprise, other_enterprise
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
    # … and trained there too: records of one year at two enterprises (参训人数 counts them once).
    add_record(principal, date(2026, 10, 10), "2")
    _check(scopes)
    assert PersonYearTraining.objects.filter(person=principal, year=2026, multi=True).count() == 2

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

    # A person hired this year (no records: short of the initial figure) and one leaving.
    PersonFactory(
        enterprise=enterprise, category=PersonCategory.PRINCIPAL, hired_on=date(2026, 3, 1)
    )
    gone = people["people"][3]
    gone.is_active = False
    gone.save()
    _check(scopes)

    # A person with no records deleted (no record signal): stale until the refresh.
    PersonFactory(enterprise=enterprise, category=PersonCategory.SAFETY_MANAGER).delete()
    assert TrainingRollupState.objects.get(pk=1).stale
    _check(scopes)

    # An enterprise moving to another street: the rollups are per enterprise, still fresh.
    third = people["enterprises"][2]
    third.street = other_street
    third.save()
    assert not TrainingRollupState.objects.get(pk=1).stale
    _check(scopes)

    # An enterprise leaving the training rule's high-risk list: every requirement may change.
    third = type(third).objects.get(pk=third.pk)
    was = third.is_training_high_risk
    third.training_high_risk_override = not was
    third.save()
    assert third.is_training_high_risk is not was
    assert TrainingRollupState.objects.get(pk=1).stale
    _check(scopes)

    # The high-risk industry table edited (the enterprises' flags updated in bulk).
    HighRiskIndustry.objects.update_or_create(
        industry=third.industry, defaults={"training_high_risk": True}
    )
    assert TrainingRollupState.objects.get(pk=1).stale
    _check(scopes)

    # The requirement table edited.
    TrainingRequirement.objects.filter(category=PersonCategory.PRINCIPAL).update(
        annual_hours=Decimal("40")
    )
    TrainingRequirement.objects.filter(category=PersonCategory.PRINCIPAL).first().save()
    assert TrainingRollupState.objects.get(pk=1).stale
    _check(scopes)


def test_the_certificate_cycle_rule_through_the_rollups(people, district, street, enterprise):
    """特种作业: 8 h before each review of the certificate, over the cycle's years. The person's
    certificate dates (saved on the person) and a record of an earlier year written after the
    refresh both change the year's 学时达标."""
    scopes = _scopes(district, street, enterprise)
    TrainingRequirement.objects.create(
        category=PersonCategory.SPECIAL_OPERATOR,
        high_risk=False,
        annual_hours=None,
        review_cycle_hours=Decimal("8"),
    )
    operator = PersonFactory(enterprise=enterprise, category=PersonCategory.SPECIAL_OPERATOR)
    add_record(operator, date(2025, 4, 1), "5")
    rollups.refresh()
    _assert_same(scopes, rolled=True)

    operator.operation_certificate_issued_on = date(2023, 5, 1)  # reviewed 2026-05-01
    operator.save()
    _check(scopes)
    assert compliance_summary(Scope.of_enterprise(enterprise.pk), Period.of_year(2026)).short

    add_record(operator, date(2024, 6, 1), "3")  # in the cycle, written after the refresh
    snapshot = _snapshot(Scope.of_enterprise(enterprise.pk), 2026)
    assert snapshot == _live(Scope.of_enterprise(enterprise.pk), 2026)
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


def test_the_scheduled_refresh_rebuilds_only_when_something_changed(people, monkeypatch):
    """A rebuild of a city's rollups takes 10–40 s: the schedule skips it while nothing was
    written since the last one (the data version it stored has not moved)."""
    from django.db import connection

    from courses.tasks import refresh_training_rollups

    def rebuilt() -> bool:
        before = TrainingRollupState.objects.get(pk=1).refreshed_at
        refresh_training_rollups()
        return TrainingRollupState.objects.get(pk=1).refreshed_at != before

    rollups.refresh()
    assert not rebuilt()
    principal = people["people"][0]
    add_record(principal, date(2026, 5, 5), "1")  # a record since the watermark
    assert rebuilt()
    assert not rebuilt()
    principal.save()  # a person saved since the refresh
    assert rebuilt()
    rollups.mark_stale(TrainingRecord.objects.order_by("pk").first().pk)  # an edited record
    assert rebuilt()
    assert not rebuilt()
    # A record changed by raw SQL (no signal, no stale mark): the data version moved.
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {TrainingRecord._meta.db_table} SET hours = hours + 1")  # nosec B608
    assert rebuilt()
    assert not rebuilt()
    TrainingRollupState.objects.update(refreshed_at=timezone.now() - timedelta(days=1))
    assert rebuilt()  # at least once a day


def test_a_snapshot_reads_the_state_and_the_changed_people_once_and_only_within_it(
    people, district, street, enterprise, django_assert_num_queries
):
    """courses.rollups.snapshot (a dashboard, an annual report): the rollup state and the people
    changed since the refresh are read once for every figure and year of the call; after it, a
    change is seen at once, and the figures read through a snapshot equal the records'."""
    rollups.refresh()
    person = people["people"][0]
    with rollups.snapshot():
        with django_assert_num_queries(2):  # the state, the changed people
            state = rollups.current(Period.of_year(2026))
            assert rollups.current(Period.of_year(2025)) is state
            assert rollups.changed_people(state) == []
            assert rollups.changed_people(rollups.current(Period.of_year(2026))) == []
        with rollups.snapshot():  # nested: the same snapshot
            with django_assert_num_queries(0):
                assert rollups.current(Period.of_year(2026)) is state
    add_record(person, date(2026, 3, 1), "1")
    with django_assert_num_queries(2):
        assert person.pk in rollups.changed_people(rollups.current(Period.of_year(2026)))
    for scope in _scopes(district, street, enterprise):
        with rollups.snapshot():
            through = _snapshot(scope, 2026)
        assert through == _live(scope, 2026), scope
