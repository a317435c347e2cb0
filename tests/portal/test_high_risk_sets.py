"""Two high-risk sets, one per law: the training rule (生产经营单位安全培训规定 → 48/16 h) and the
drill rule (生产安全事故应急条例第八条 → drills every 6 months, reported). Seeded from
high_risk_industries.csv with their articles, editable, each with tests at its boundary."""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.compliance import compliance_rows
from drills.compliance import enterprise_compliance
from portal.models import Enterprise, HighRiskIndustry, Industry, Person, PersonCategory
from tests.factories import EnterpriseFactory, PersonFactory

pytestmark = pytest.mark.django_db

TRAINING_AND_DRILL = [
    Industry.COAL_MINING,
    Industry.MINING,
    Industry.HAZARDOUS_CHEMICALS,
    Industry.FIREWORKS,
    Industry.METALLURGY,
]
DRILL_ONLY = [
    Industry.CONSTRUCTION,
    Industry.RAIL_TRANSIT,
    Industry.HOTEL,
    Industry.MALL,
    Industry.ENTERTAINMENT,
    Industry.SCENIC_AREA,
]
NEITHER = [
    Industry.MACHINERY,
    Industry.SHIPBUILDING,
    Industry.WAREHOUSING,
    Industry.TRADE,
    Industry.OTHER,
]


def test_every_industry_is_seeded_with_its_article(db):
    rows = {r.industry: r for r in HighRiskIndustry.objects.all()}
    assert set(rows) == set(Industry.values)
    assert "第八条" in rows[Industry.CONSTRUCTION].source
    assert "安全培训规定第九条" in rows[Industry.FIREWORKS].source
    assert "同上" not in "".join(r.source for r in rows.values())


@pytest.mark.parametrize("industry", TRAINING_AND_DRILL)
def test_the_training_rule_industries_are_under_both(street, industry):
    e = EnterpriseFactory(street=street, industry=industry)
    assert (e.is_training_high_risk, e.is_drill_high_risk) == (True, True)


@pytest.mark.parametrize("industry", DRILL_ONLY)
def test_construction_and_crowded_venues_are_under_the_drill_rule_only(street, industry):
    e = EnterpriseFactory(street=street, industry=industry)
    assert (e.is_training_high_risk, e.is_drill_high_risk) == (False, True)


@pytest.mark.parametrize("industry", NEITHER)
def test_other_industries_are_under_neither(street, industry):
    e = EnterpriseFactory(street=street, industry=industry)
    assert (e.is_training_high_risk, e.is_drill_high_risk) == (False, False)


def _principal_requirement(enterprise) -> Decimal:
    boss = PersonFactory(
        enterprise=enterprise, category=PersonCategory.PRINCIPAL, hired_on=date(2010, 1, 1)
    )
    [row] = compliance_rows(
        people=Person.objects.filter(pk=boss.pk), year=timezone.localdate().year
    )
    return row.required


def _drill_rules(enterprise) -> set[str]:
    [row] = enterprise_compliance(enterprises=Enterprise.objects.filter(pk=enterprise.pk))
    return {r.rule.applies_to for r in row.rules}


def test_a_construction_firm_drills_half_yearly_but_trains_at_the_ordinary_figures(street):
    builder = EnterpriseFactory(street=street, industry=Industry.CONSTRUCTION)
    assert _principal_requirement(builder) == Decimal("12")  # not 16: not under 48/16
    assert "high_risk" in _drill_rules(builder)


def test_a_mall_is_under_the_half_yearly_drill_rule(street):
    mall = EnterpriseFactory(street=street, industry=Industry.MALL)
    assert "high_risk" in _drill_rules(mall)
    assert _principal_requirement(mall) == Decimal("12")


def test_a_chemical_plant_is_under_both_rules(street):
    chem = EnterpriseFactory(street=street, industry=Industry.HAZARDOUS_CHEMICALS)
    assert _principal_requirement(chem) == Decimal("16")
    assert "high_risk" in _drill_rules(chem)


def test_editing_the_table_moves_the_enterprises(street):
    builder = EnterpriseFactory(street=street, industry=Industry.CONSTRUCTION)
    row = HighRiskIndustry.objects.get(industry=Industry.CONSTRUCTION)
    row.training_high_risk = True
    row.save()
    builder.refresh_from_db()
    assert builder.is_training_high_risk
    row.delete()
    builder.refresh_from_db()
    assert (builder.is_training_high_risk, builder.is_drill_high_risk) == (False, False)


def test_a_manual_override_wins_for_its_own_law_only(street):
    shop = EnterpriseFactory(street=street, industry=Industry.TRADE, drill_high_risk_override=True)
    assert (shop.is_training_high_risk, shop.is_drill_high_risk) == (False, True)
    row = HighRiskIndustry.objects.get(industry=Industry.TRADE)
    row.save()  # a refresh leaves an overridden flag alone
    shop.refresh_from_db()
    assert shop.is_drill_high_risk


def test_the_seed_resolves_as_above_into_the_article_it_means(db):
    migration = importlib.import_module(
        "portal.migrations.0006_seed_high_risk_industries_and_migrate_enterprises"
    )
    rows = [
        {"industry": "宾馆", "source": "应急条例第八条（人员密集场所）"},
        {"industry": "商场", "source": "同上"},
        {"industry": "危险化学品", "source": "培训：同上；演练：应急条例第八条"},
    ]
    sources = [source for _row, source in migration._sources(rows)]
    assert sources[1] == "应急条例第八条（人员密集场所）"
    assert sources[2].startswith("培训：生产经营单位安全培训规定第九条")


def test_refreshing_the_flags_repairs_stale_ones(street):
    from portal.models import refresh_high_risk_flags

    builder = EnterpriseFactory(street=street, industry=Industry.CONSTRUCTION)
    Enterprise.objects.filter(pk=builder.pk).update(
        is_training_high_risk=True, is_drill_high_risk=False
    )
    refresh_high_risk_flags()
    builder.refresh_from_db()
    assert (builder.is_training_high_risk, builder.is_drill_high_risk) == (False, True)
