"""The completeness rule: three levels signed by both, each held before the start of work, hours
at least the rule table's minimum (24 h; 72 h in the training high-risk industries)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from induction import services
from induction.models import Status
from induction.statistics import State, person_states
from portal.models import Industry, Person
from tests.factories import EnterpriseFactory, make_manager, make_worker
from tests.induction.factories import induction, sign_all

pytestmark = pytest.mark.django_db

START = date(2026, 9, 1)
ON = date(2026, 11, 29)


def _complete(ind) -> bool:
    assessment = ind.assess(services.required_hours(ind.person.enterprise))
    state = person_states(Person.objects.filter(pk=ind.person.pk), ON).get(ind.person.pk)
    # the Python rule (card, admin) and the SQL one (figure, file column) agree
    assert assessment.complete == (state == State.COMPLETE), (assessment, state)
    return assessment.complete


def _signed(enterprise, **kwargs):
    user = make_worker(enterprise)
    boss = make_manager(enterprise)
    ind = induction(user.person, starts_on=START, instructor=boss, **kwargs)
    sign_all(ind, trainee=user, instructor=boss)
    ind.refresh_from_db()
    return ind


def test_the_minimum_is_24_hours_and_72_in_a_training_high_risk_industry():
    assert services.required_hours(EnterpriseFactory(industry=Industry.MACHINERY)) == Decimal("24")
    chemicals = EnterpriseFactory(industry=Industry.HAZARDOUS_CHEMICALS)
    assert chemicals.is_training_high_risk
    assert services.required_hours(chemicals) == Decimal("72")
    # 建筑施工 is high-risk for drills, not for training
    assert services.required_hours(EnterpriseFactory(industry=Industry.CONSTRUCTION)) == 24


def test_the_minimum_follows_the_rule_table_as_edited():
    from courses.models import TrainingRequirement

    TrainingRequirement.objects.filter(category="other", high_risk=False).update(
        initial_hours=Decimal("32")
    )
    assert services.required_hours(EnterpriseFactory(industry=Industry.MACHINERY)) == 32


def test_24_hours_signed_before_the_start_is_complete():
    ind = _signed(EnterpriseFactory(industry=Industry.MACHINERY), hours=(8, 8, 8))
    assert _complete(ind)
    assert ind.assess(Decimal("24")).status(ind.starts_on, ON) == Status.COMPLETE


def test_23_and_a_half_hours_is_not_enough():
    ind = _signed(EnterpriseFactory(industry=Industry.MACHINERY), hours=(8, 8, "7.5"))
    assert not _complete(ind)
    assessment = ind.assess(Decimal("24"))
    assert assessment.problems == ["三级教育合计 23.5 学时，不足规定的 24 学时。"]
    assert assessment.status(ind.starts_on, ON) == Status.OVERDUE
    assert assessment.status(ind.starts_on, date(2026, 8, 31)) == Status.IN_TRAINING


def test_a_high_risk_enterprise_needs_72_hours():
    chemicals = EnterpriseFactory(industry=Industry.HAZARDOUS_CHEMICALS)
    assert not _complete(_signed(chemicals, hours=(24, 24, "23.5")))
    assert _complete(_signed(chemicals, hours=(24, 24, 24)))
    assert not _complete(_signed(chemicals, hours=(8, 8, 8)))


def test_a_level_held_on_the_start_day_does_not_count_the_day_before_does():
    enterprise = EnterpriseFactory(industry=Industry.MACHINERY)
    on_the_day = _signed(enterprise, days_before=(10, 7, 0))
    assert not _complete(on_the_day)
    assert (
        "班组级的教育日期 2026-09-01 不早于上岗日期 2026-09-01。" in on_the_day.assess(24).problems
    )
    assert _complete(_signed(enterprise, days_before=(10, 7, 1)))


def test_a_level_signed_by_one_side_only_is_not_complete():
    enterprise = EnterpriseFactory()
    user = make_worker(enterprise)
    boss = make_manager(enterprise)
    ind = induction(user.person, starts_on=START, instructor=boss)
    sign_all(ind, trainee=user, instructor=boss, levels=(1, 2))
    level = ind.levels.get(level=3)
    services.sign(level=level, side=services.Side.TRAINEE, user=user, now=timezone.now())
    assert not _complete(ind)
    assert ind.assess(24).problems == ["班组级授课人未签字。"]
