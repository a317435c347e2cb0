"""A district or street linked drill exercising a plan earns the participating enterprises
credit in drill-frequency compliance, when their people attended in a role the rule counts."""

from __future__ import annotations

import pytest
from django.utils import timezone

from drills import compliance
from drills.models import Drill, FrequencyRule, Participation
from portal.models import Enterprise
from tests.drills.factories import make_drill
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _onsite(enterprise):
    [row] = compliance.enterprise_compliance(
        enterprises=Enterprise.objects.filter(pk=enterprise.pk)
    )
    return next(r for r in row.rules if r.rule.counts == "onsite")


def _linked_drill(district, enterprise, *, role="player", attended=True, linked=True, **fields):
    drill = make_drill(
        region=district, days=-20, status="archived", plan_type="onsite", is_linked=linked, **fields
    )
    drill.participating_enterprises.add(enterprise)
    Participation.objects.create(
        drill=drill,
        person=PersonFactory(enterprise=enterprise),
        role=role,
        checked_in_at=timezone.now() if attended else None,
    )
    return drill


def test_an_enterprise_taking_part_in_a_district_linked_drill_gets_credit(district, enterprise):
    assert _onsite(enterprise).last_drill_on is None
    drill = _linked_drill(district, enterprise)
    status = _onsite(enterprise)
    assert status.last_drill_on == timezone.localtime(drill.planned_start).date()
    assert not status.overdue(timezone.localdate())


def test_the_credit_is_for_the_plan_type_the_drill_exercised_only(district, enterprise):
    _linked_drill(district, enterprise)  # 现场处置方案
    [row] = compliance.enterprise_compliance(
        enterprises=Enterprise.objects.filter(pk=enterprise.pk)
    )
    yearly = next(r for r in row.rules if r.rule.counts == "comprehensive_special")
    assert yearly.last_drill_on is None


@pytest.mark.parametrize(
    ("role", "attended", "linked", "credited"),
    [
        ("player", True, True, True),
        ("commander", True, True, True),
        ("support", True, True, True),
        ("observer", True, True, False),  # 观摩 does not exercise the plan (rule table)
        ("evaluator", True, True, False),
        ("player", False, True, False),  # a no-show earns nothing
        ("player", True, False, False),  # not a linked drill
    ],
)
def test_which_roles_count_is_the_rule_tables_word(
    district, enterprise, role, attended, linked, credited
):
    _linked_drill(district, enterprise, role=role, attended=attended, linked=linked)
    assert (_onsite(enterprise).last_drill_on is not None) is credited


def test_an_edited_rule_can_count_observers_or_nobody(district, enterprise):
    _linked_drill(district, enterprise, role="observer")
    FrequencyRule.objects.filter(counts="onsite").update(linked_roles=["observer"])
    assert _onsite(enterprise).last_drill_on is not None
    FrequencyRule.objects.filter(counts="onsite").update(linked_roles=[])
    assert _onsite(enterprise).last_drill_on is None


def test_people_of_an_enterprise_not_listed_as_participating_earn_nothing(
    district, enterprise, other_enterprise
):
    drill = _linked_drill(district, enterprise)
    drill.participating_enterprises.remove(enterprise)
    assert _onsite(enterprise).last_drill_on is None


def test_a_planned_linked_drill_earns_nothing_yet(district, enterprise):
    drill = _linked_drill(district, enterprise)
    Drill.objects.filter(pk=drill.pk).update(status="planned")
    assert _onsite(enterprise).last_drill_on is None


def test_the_rule_table_says_which_roles_count_and_is_seeded(db):
    rule = FrequencyRule.objects.get(applies_to="all", counts="onsite")
    assert set(rule.linked_roles) == {"commander", "director", "support", "player"}
    government = FrequencyRule.objects.get(applies_to="government")
    assert government.linked_roles == []
