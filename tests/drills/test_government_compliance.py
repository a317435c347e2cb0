"""The government bodies' drill frequency rule (生产安全事故应急条例第八条: 县级以上人民政府…、乡镇人民
政府、街道办事处 at least every 24 months), evaluated for the district and street regions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from drills import compliance
from drills.models import FrequencyRule
from portal.models import Region
from tests.drills.factories import make_drill
from tests.factories import RegionFactory, StreetFactory

pytestmark = pytest.mark.django_db


def _by_name(rows):
    return {row.region.name: row for row in rows}


def _held_by(region, days_ago: int, status="archived", **fields):
    fields.setdefault("plan_type", "comprehensive")
    return make_drill(region=region, days=-days_ago, status=status, **fields)


def test_the_government_rule_is_loaded_from_the_csv():
    rule = FrequencyRule.objects.get(applies_to="government")
    assert rule.interval_months == 24
    assert rule.counts == "any"
    assert "街道办事处" in rule.who


def test_district_and_streets_are_evaluated_but_not_communities(district, street, other_street):
    RegionFactory(name="一号社区", code="330100001001", parent=street, level="community")
    _held_by(district, 100)
    _held_by(street, 800)  # more than 24 months ago
    today = timezone.localdate()

    rows = _by_name(compliance.region_compliance(regions=Region.objects.all()))

    assert set(rows) == {"测试区", "一号街道", "二号街道"}
    assert [r.rule.applies_to for r in rows["测试区"].rules] == ["government"]
    district_last = timezone.localtime(timezone.now() - timedelta(days=100)).date()
    assert rows["测试区"].rules[0].last_drill_on == district_last
    assert rows["测试区"].next_due_on == compliance.add_months(district_last, 24)
    assert rows["测试区"].overdue_rules(today) == []
    assert rows["一号街道"].overdue_rules(today)  # drilled, but too long ago
    [never] = rows["二号街道"].rules
    assert never.last_drill_on is None
    assert never.overdue(today)


def test_only_held_drills_organised_by_the_region_itself_count(
    district, street, enterprise, other_street
):
    _held_by(street, 30, status="planned")
    _held_by(street, 20, status="cancelled")
    # an enterprise's drill in the street does not count for the street office
    make_drill(enterprise=enterprise, days=-10, status="archived")
    # nor does the district's own drill count for a street
    _held_by(district, 10)
    rows = _by_name(compliance.region_compliance(regions=Region.objects.all()))
    assert rows["一号街道"].rules[0].last_drill_on is None
    assert rows["测试区"].rules[0].last_drill_on is not None


def test_any_plan_type_counts_and_an_edited_rule_changes_the_result(street):
    _held_by(street, 200, plan_type="")
    today = timezone.localdate()
    [row] = compliance.region_compliance(regions=Region.objects.filter(pk=street.pk))
    assert row.overdue_rules(today) == []
    FrequencyRule.objects.filter(applies_to="government").update(interval_months=6)
    [row] = compliance.region_compliance(regions=Region.objects.filter(pk=street.pk))
    assert row.overdue_rules(today)
    FrequencyRule.objects.filter(applies_to="government").update(is_active=False)
    [row] = compliance.region_compliance(regions=Region.objects.filter(pk=street.pk))
    assert row.rules == []


def test_the_government_rule_does_not_apply_to_enterprises(enterprise):
    from portal.models import Enterprise

    [row] = compliance.enterprise_compliance(
        enterprises=Enterprise.objects.filter(pk=enterprise.pk)
    )
    assert "government" not in {r.rule.applies_to for r in row.rules}


def test_a_constant_number_of_queries_for_more_regions(district, django_assert_num_queries):
    # 1 regions, 2 active government rules, 3 last held drill per region and plan type.
    for n in range(2):
        _held_by(StreetFactory(name=f"街道{n}", code=f"33010009{n}", parent=district), 10)
    with django_assert_num_queries(3):
        compliance.region_compliance(regions=Region.objects.all())
    for n in range(2, 8):
        _held_by(StreetFactory(name=f"街道{n}", code=f"33010009{n}", parent=district), 10)
    with django_assert_num_queries(3):
        assert len(compliance.region_compliance(regions=Region.objects.all())) == 9


def test_the_page_shows_the_district_supervisor_every_government_body(
    client, supervisor, district, street, other_street
):
    _held_by(street, 30)
    client.force_login(supervisor)
    html = client.get(reverse("drills:compliance")).content.decode()
    assert "政府及街道" in html
    for name in ("测试区", "一号街道", "二号街道"):
        assert name in html
    assert "每 24 个月" in html


def test_a_street_supervisor_sees_only_their_street(client, street_supervisor, other_street):
    client.force_login(street_supervisor)
    html = client.get(reverse("drills:compliance")).content.decode()
    assert "政府及街道" in html
    assert "一号街道" in html
    assert "二号街道" not in html
    assert "测试区<div" not in html


def test_a_manager_sees_no_government_section(client, manager, street):
    client.force_login(manager)
    html = client.get(reverse("drills:compliance")).content.decode()
    assert "政府及街道" not in html
    assert "每 24 个月" not in html
