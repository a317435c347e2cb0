"""Reporting duty: a rule that says drills must be reported to the regulator is checked; the
enterprise is told (portal.notices) once per drill when a held drill is unreported after the
rule's days."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from drills import reminders, tasks
from drills.models import FrequencyRule
from portal.models import Industry, Notice
from portal.registry import schedules
from tests.drills.factories import make_drill
from tests.factories import EnterpriseFactory, make_manager

pytestmark = pytest.mark.django_db


@pytest.fixture
def hotel(street):
    return EnterpriseFactory(street=street, industry=Industry.HOTEL)


def _held(enterprise, *, days_ago, status="archived", **fields):
    return make_drill(enterprise=enterprise, days=-days_ago, status=status, **fields)


def test_the_rule_table_has_the_days_of_the_reporting_duty(db):
    rule = FrequencyRule.objects.get(applies_to="high_risk")
    assert rule.report_to_regulator
    assert rule.report_within_days == 15
    assert "第八条" in rule.source


def test_an_unreported_drill_of_a_drill_rule_enterprise_is_notified_once(hotel):
    manager = make_manager(hotel)
    drill = _held(hotel, days_ago=20)
    now = timezone.now()
    assert reminders.notify_unreported(now=now) == 1
    assert reminders.notify_unreported(now=now + timedelta(hours=1)) == 0
    [notice] = Notice.objects.filter(user=manager)
    assert drill.title in notice.title
    assert notice.url.endswith(f"/drills/{drill.pk}/")


@pytest.mark.parametrize(("days_ago", "notified"), [(14, False), (16, True)])
def test_the_days_are_counted_from_the_drills_end(hotel, days_ago, notified):
    # planned_end = start + 2 h: 14 days ago is still within 15 days, 16 is past
    drill = _held(hotel, days_ago=days_ago)
    assert (drill in reminders.unreported_drills(now=timezone.now())) is notified


def test_a_reported_drill_or_an_ordinary_enterprise_is_not_notified(hotel, street):
    _held(hotel, days_ago=30, reported_to_regulator=True, reported_on=timezone.localdate())
    _held(EnterpriseFactory(street=street, industry=Industry.MACHINERY), days_ago=30)
    _held(hotel, days_ago=30, status="planned")
    assert reminders.unreported_drills(now=timezone.now()) == []


def test_an_edited_rule_changes_the_days_and_switching_the_duty_off_silences_it(hotel):
    drill = _held(hotel, days_ago=10)
    FrequencyRule.objects.filter(applies_to="high_risk").update(report_within_days=5)
    assert drill in reminders.unreported_drills(now=timezone.now())
    FrequencyRule.objects.filter(applies_to="high_risk").update(report_to_regulator=False)
    assert reminders.unreported_drills(now=timezone.now()) == []


def test_a_rule_requiring_a_report_needs_its_days(db):
    from django.core.exceptions import ValidationError

    rule = FrequencyRule.objects.get(applies_to="high_risk")
    rule.report_within_days = None
    with pytest.raises(ValidationError):
        rule.clean()


def test_the_check_is_scheduled_and_its_task_runs(hotel):
    assert schedules["drills.notify_unreported"].func == "drills.tasks.notify_unreported"
    make_manager(hotel)
    _held(hotel, days_ago=20)
    assert tasks.notify_unreported() == 1
