from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from drills import compliance
from drills.models import FrequencyRule
from portal.models import Enterprise, Industry
from tests.drills.factories import make_drill
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def _held(enterprise, days_ago: int, plan_type: str, status="archived"):
    return make_drill(enterprise=enterprise, days=-days_ago, status=status, plan_type=plan_type)


def test_the_rules_are_loaded_from_the_csv_as_editable_data(db):
    rules = {(r.applies_to, r.counts): r for r in FrequencyRule.objects.all()}
    assert rules[("all", "comprehensive_special")].interval_months == 12
    assert rules[("all", "onsite")].interval_months == 6
    high = rules[("high_risk", "any")]
    assert high.interval_months == 6
    assert high.report_to_regulator
    assert "第八条" in high.source


def test_a_high_risk_enterprise_with_no_drill_in_six_months_is_overdue(street):
    chem = EnterpriseFactory(street=street, industry=Industry.HAZARDOUS_CHEMICALS)
    _held(chem, 200, "comprehensive")
    today = timezone.localdate()
    [row] = compliance.enterprise_compliance(enterprises=Enterprise.objects.filter(pk=chem.pk))
    overdue = {r.rule.applies_to for r in row.overdue_rules(today)}
    assert "high_risk" in overdue
    assert "all" in overdue  # no 现场处置方案 drill either


def test_an_ordinary_enterprise_drilled_recently_is_compliant_and_sees_its_next_due_date(
    enterprise,
):
    _held(enterprise, 30, "comprehensive")
    _held(enterprise, 60, "onsite")
    today = timezone.localdate()
    [row] = compliance.enterprise_compliance(
        enterprises=Enterprise.objects.filter(pk=enterprise.pk)
    )
    assert row.overdue_rules(today) == []
    onsite_last = timezone.localtime(timezone.now() - timedelta(days=60)).date()
    assert row.next_due_on == compliance.add_months(onsite_last, 6)


def test_planned_or_cancelled_drills_do_not_count(enterprise):
    _held(enterprise, 30, "onsite", status="planned")
    _held(enterprise, 20, "onsite", status="cancelled")
    [row] = compliance.enterprise_compliance(
        enterprises=Enterprise.objects.filter(pk=enterprise.pk)
    )
    onsite = next(r for r in row.rules if r.rule.counts == "onsite")
    assert onsite.last_drill_on is None
    assert onsite.overdue(timezone.localdate())


def test_an_edited_rule_changes_the_result(enterprise):
    _held(enterprise, 100, "onsite")
    FrequencyRule.objects.filter(counts="onsite").update(interval_months=3)
    [row] = compliance.enterprise_compliance(
        enterprises=Enterprise.objects.filter(pk=enterprise.pk)
    )
    onsite = next(r for r in row.rules if r.rule.counts == "onsite")
    assert onsite.overdue(timezone.localdate())


def test_add_months_clamps_to_the_end_of_the_month():
    assert compliance.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_the_supervisor_sees_overdue_enterprises_of_their_region_only(
    client, street_supervisor, enterprise, other_enterprise
):
    client.force_login(street_supervisor)
    html = client.get(reverse("drills:compliance") + "?overdue=1").content.decode()
    assert enterprise.name in html
    assert other_enterprise.name not in html


def test_a_manager_sees_only_their_own_enterprise_due_dates(
    client, manager, enterprise, other_enterprise
):
    client.force_login(manager)
    html = client.get(reverse("drills:compliance")).content.decode()
    assert enterprise.name in html
    assert other_enterprise.name not in html
    assert "从未演练" in html


def test_a_worker_is_refused_the_compliance_page(client, worker):
    client.force_login(worker)
    assert client.get(reverse("drills:compliance")).status_code == 403


def test_compliance_uses_the_same_number_of_queries_for_more_enterprises(
    street, django_assert_num_queries
):
    # Queries: 1 enterprises with street, 2 active rules, 3 last held drill per enterprise and plan
    # type, 4 last attended linked drill per enterprise, plan type and role.
    def run():
        with django_assert_num_queries(4):
            compliance.enterprise_compliance(enterprises=Enterprise.objects.all())

    for _ in range(2):
        _held(EnterpriseFactory(street=street), 10, "onsite")
    run()
    for _ in range(6):
        _held(EnterpriseFactory(street=street, industry=Industry.MINING), 40, "special")
    run()
