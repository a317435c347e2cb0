from datetime import date
from decimal import Decimal

import pytest

from courses import records
from courses.statistics import training_statistics
from portal.models import PersonCategory
from portal.periods import Period
from portal.scoping import scope_for
from tests.factories import EnterpriseFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _record(person, hours, on, source=None):
    records.record_training(
        person=person, on=on, hours=Decimal(hours), kind="topic", source=source, title="培训"
    )


@pytest.fixture
def known_data(enterprise, other_enterprise):
    a1 = PersonFactory(enterprise=enterprise, category=PersonCategory.PRINCIPAL)
    a2 = PersonFactory(enterprise=enterprise, category=PersonCategory.OTHER)
    b1 = PersonFactory(enterprise=other_enterprise, category=PersonCategory.OTHER)
    _record(a1, "8", date(2026, 1, 10))
    _record(a1, "4", date(2026, 2, 10))
    _record(a2, "2", date(2026, 2, 11))
    _record(b1, "6", date(2026, 2, 12))
    _record(b1, "5", date(2025, 12, 31))  # outside the period
    return a1, a2, b1


def test_statistics_on_a_known_data_set(supervisor, known_data, enterprise, other_enterprise):
    stats = training_statistics(
        scope_for(supervisor), Period.between(date(2026, 1, 1), date(2026, 12, 31))
    )
    assert (stats.count, stats.hours, stats.people) == (4, Decimal("20"), 3)
    by_cat = {r["key"]: (r["count"], r["hours"]) for r in stats.by_category}
    assert by_cat == {"principal": (2, Decimal("12")), "other": (2, Decimal("8"))}
    by_ent = {r["label"]: (r["count"], r["hours"]) for r in stats.by_enterprise}
    assert by_ent == {enterprise.name: (3, Decimal("14")), other_enterprise.name: (1, Decimal("6"))}
    by_street = {r["label"]: r["count"] for r in stats.by_street}
    assert by_street == {enterprise.street.name: 3, other_enterprise.street.name: 1}
    assert [(r["label"], r["count"]) for r in stats.by_period] == [("2026-01", 1), ("2026-02", 3)]


def test_statistics_are_scoped_to_the_user(manager, street_supervisor, worker, known_data):
    a1, a2, b1 = known_data
    for user in (manager, street_supervisor):
        stats = training_statistics(
            scope_for(user), Period.between(date(2026, 1, 1), date(2026, 12, 31))
        )
        assert (stats.count, stats.hours) == (3, Decimal("14"))
    stats = training_statistics(
        scope_for(worker), Period.between(date(2026, 1, 1), date(2026, 12, 31))
    )
    assert stats.count == 0


def test_a_worker_is_refused_the_statistics_page(client, worker):
    client.force_login(worker)
    assert client.get("/courses/statistics/").status_code == 403


def test_statistics_use_five_queries_at_two_sizes(supervisor, street, django_assert_num_queries):
    scope_for(supervisor)  # the scope is computed once per request, outside the count

    def run(n):
        enterprise = EnterpriseFactory(street=street)
        for i in range(n):
            _record(PersonFactory(enterprise=enterprise), "1", date(2026, 1 + i % 12, 1))
        # the training rollups' state (none here: a whole year, from the records), grouped by
        # category and enterprise, those enterprises (names, streets), by day, distinct people
        with django_assert_num_queries(5):
            training_statistics(
                scope_for(supervisor), Period.between(date(2026, 1, 1), date(2026, 12, 31))
            )

    run(2)
    run(12)
