"""District-wide drill settings (frequency rules, evaluation templates): only district-level
supervisors and superusers change them; a street supervisor reads them and is refused writes."""

from __future__ import annotations

import pytest

from drills import access
from drills.models import EvaluationTemplate, FrequencyRule

RULE_FIELDS = {
    "who": "所有生产经营单位",
    "drill": "现场处置方案演练",
    "applies_to": "all",
    "counts": "onsite",
    "interval_months": "3",
    "source": "测试依据",
    "is_active": "on",
}


@pytest.fixture
def rule(db) -> FrequencyRule:
    return FrequencyRule.objects.filter(counts="onsite", applies_to="all").first()


@pytest.fixture
def template(db) -> EvaluationTemplate:
    return EvaluationTemplate.objects.filter(form="live").first()


def test_who_may_edit_district_rules(supervisor, street_supervisor, manager, worker, superuser):
    assert access.can_edit_district_rules(supervisor)
    assert access.can_edit_district_rules(superuser)
    assert not access.can_edit_district_rules(street_supervisor)
    assert not access.can_edit_district_rules(manager)
    assert not access.can_edit_district_rules(worker)


def test_a_district_supervisor_changes_a_rule(client, supervisor, rule):
    client.force_login(supervisor)
    url = f"/admin/drills_rules/edit/{rule.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {**RULE_FIELDS, "who": rule.who})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.interval_months == 3


def test_a_street_supervisor_reads_but_cannot_change_or_add_rules(client, street_supervisor, rule):
    before = rule.interval_months
    count = FrequencyRule.objects.count()
    client.force_login(street_supervisor)
    listing = client.get("/admin/drills_rules/")
    assert listing.status_code == 200
    assert rule.drill in listing.content.decode()
    assert f"/admin/drills_rules/edit/{rule.pk}/" not in listing.content.decode()
    assert "/admin/drills_rules/new/" not in listing.content.decode()
    assert client.get(f"/admin/drills_rules/inspect/{rule.pk}/").status_code == 200

    for url in (f"/admin/drills_rules/edit/{rule.pk}/", "/admin/drills_rules/new/"):
        assert client.get(url).status_code in (302, 403)
        response = client.post(url, {**RULE_FIELDS, "interval_months": "1"})
        assert response.status_code in (302, 403)
    rule.refresh_from_db()
    assert rule.interval_months == before
    assert FrequencyRule.objects.count() == count


def test_a_street_supervisor_cannot_change_evaluation_templates(
    client, street_supervisor, supervisor, template
):
    client.force_login(street_supervisor)
    assert client.get("/admin/drills_templates/").status_code == 200
    url = f"/admin/drills_templates/edit/{template.pk}/"
    assert client.get(url).status_code in (302, 403)
    response = client.post(url, {"name": "被改掉的模板", "form": template.form})
    assert response.status_code in (302, 403)
    template.refresh_from_db()
    assert template.name != "被改掉的模板"
    assert client.get("/admin/drills_templates/new/").status_code in (302, 403)

    client.force_login(supervisor)
    assert client.get(url).status_code == 200
    assert client.get("/admin/drills_templates/new/").status_code == 200


def test_a_manager_only_reads_rules(client, manager, rule):
    client.force_login(manager)
    assert client.get("/admin/drills_rules/").status_code == 200
    assert client.get(f"/admin/drills_rules/edit/{rule.pk}/").status_code in (302, 403)
