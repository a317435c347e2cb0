"""The legal drill frequency (docs/rules.md): for each enterprise and government body, the rules
that apply, the last held drill and when the next one is due."""

from __future__ import annotations

import calendar as pycalendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import F, Max, QuerySet
from django.utils import timezone

from drills.models import HELD_STATES, Drill, FrequencyRule, Participation
from portal.models import Enterprise, Region
from portal.scoping import visible_enterprises, visible_regions


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, pycalendar.monthrange(year, month)[1]))


@dataclass
class RuleStatus:
    rule: FrequencyRule
    last_drill_on: date | None
    due_on: date | None  # None: never drilled, due now

    def overdue(self, today: date) -> bool:
        return self.due_on is None or self.due_on < today


class _ComplianceRow:
    rules: list[RuleStatus]

    @property
    def next_due_on(self) -> date | None:
        dues = [r.due_on for r in self.rules]
        if any(d is None for d in dues):
            return None
        return min(dues) if dues else None

    def overdue_rules(self, today: date) -> list[RuleStatus]:
        return [r for r in self.rules if r.overdue(today)]


@dataclass
class EnterpriseCompliance(_ComplianceRow):
    enterprise: Enterprise
    rules: list[RuleStatus]


@dataclass
class RegionCompliance(_ComplianceRow):
    """A government body: the district (区人民政府 and its departments) or a street/township
    (街道办事处/乡镇人民政府). Communities are not government bodies."""

    region: Region
    rules: list[RuleStatus]


def _rules_for(rules: list[FrequencyRule], enterprise: Enterprise) -> list[FrequencyRule]:
    return [
        r
        for r in rules
        if r.applies_to == FrequencyRule.AppliesTo.ALL
        or (r.applies_to == FrequencyRule.AppliesTo.HIGH_RISK and enterprise.is_drill_high_risk)
    ]


def _statuses(
    rules: list[FrequencyRule],
    last_by_type: dict[str, date],
    linked: dict[tuple[str, str], date] | None = None,
) -> list[RuleStatus]:
    """Each rule with the last held drill that counts for it (by plan type) and the next due date.
    `linked`: (plan type, role) → last linked drill the enterprise's people attended in that role;
    it counts for the rules whose linked_roles name the role."""
    statuses = []
    for rule in rules:
        types = rule.plan_types()
        dates = [d for pt, d in last_by_type.items() if types is None or pt in types]
        roles_counted = set(rule.linked_roles or [])
        dates += [
            d
            for (pt, role), d in (linked or {}).items()
            if role in roles_counted and (types is None or pt in types)
        ]
        last_on = max(dates) if dates else None
        statuses.append(
            RuleStatus(
                rule=rule,
                last_drill_on=last_on,
                due_on=add_months(last_on, rule.interval_months) if last_on else None,
            )
        )
    return statuses


def enterprise_compliance(*, enterprises: QuerySet[Enterprise]) -> list[EnterpriseCompliance]:
    """For each enterprise, each applicable rule with the last held drill counting for it and the
    next due date. Four queries whatever the number of enterprises:
    1. enterprises (with street), 2. active rules, 3. last held drill date per enterprise and plan
    type (organised by the enterprise), 4. last held linked drill another body organised that the
    enterprise joined (参演企业) and its people attended, per enterprise, plan type and role (the
    rule's linked_roles say which roles count)."""
    enterprise_list = list(
        enterprises.select_related("street").only(
            "name", "is_drill_high_risk", "street__name", "street__path"
        )
    )
    rules = list(
        FrequencyRule.objects.filter(is_active=True).exclude(
            applies_to=FrequencyRule.AppliesTo.GOVERNMENT
        )
    )
    last: dict[int, dict[str, date]] = defaultdict(dict)
    rows = (
        Drill.objects.held()
        .filter(enterprise_id__in=enterprises.values("pk"))
        .values("enterprise_id", "plan_type")
        .annotate(last=Max("planned_start"))
    )
    for row in rows:
        last[row["enterprise_id"]][row["plan_type"]] = timezone.localtime(row["last"]).date()
    linked: dict[int, dict[tuple[str, str], date]] = defaultdict(dict)
    for row in (
        Participation.objects.attended()
        .filter(
            drill__status__in=HELD_STATES,
            drill__is_linked=True,
            drill__participating_enterprises=F("person__enterprise"),
            person__enterprise_id__in=enterprises.values("pk"),
        )
        .exclude(drill__plan_type="")
        .values("person__enterprise_id", "drill__plan_type", "role")
        .annotate(last=Max("drill__planned_start"))
        .order_by()
    ):
        key = (row["drill__plan_type"], row["role"])
        linked[row["person__enterprise_id"]][key] = timezone.localtime(row["last"]).date()
    return [
        EnterpriseCompliance(
            enterprise=enterprise,
            rules=_statuses(
                _rules_for(rules, enterprise),
                last.get(enterprise.pk, {}),
                linked.get(enterprise.pk, {}),
            ),
        )
        for enterprise in enterprise_list
    ]


GOVERNMENT_LEVELS = (Region.Level.DISTRICT, Region.Level.STREET)


def government_regions(user) -> QuerySet[Region]:
    """The government bodies a user oversees: the district and street regions of their subtree
    (none for managers and workers)."""
    return visible_regions(user).filter(level__in=GOVERNMENT_LEVELS)


def region_compliance(*, regions: QuerySet[Region]) -> list[RegionCompliance]:
    """The government rule(s) (《生产安全事故应急条例》第八条: 县级以上人民政府及其负有安全生产
    监督管理职责的部门、乡镇人民政府、街道办事处 at least every 24 months) for each district/street
    region. A drill counts for a region when the region organised it (organiser_region set, no
    organising enterprise) and it has been held. Three queries whatever the number of regions."""
    regions = regions.filter(level__in=GOVERNMENT_LEVELS)
    region_list = list(regions.order_by("path").only("name", "level", "path"))
    rules = list(
        FrequencyRule.objects.filter(is_active=True, applies_to=FrequencyRule.AppliesTo.GOVERNMENT)
    )
    last: dict[int, dict[str, date]] = defaultdict(dict)
    rows = (
        Drill.objects.held()
        .filter(enterprise__isnull=True, organiser_region_id__in=regions.values("pk"))
        .values("organiser_region_id", "plan_type")
        .annotate(last=Max("planned_start"))
    )
    for row in rows:
        last[row["organiser_region_id"]][row["plan_type"]] = timezone.localtime(row["last"]).date()
    return [
        RegionCompliance(region=region, rules=_statuses(rules, last.get(region.pk, {})))
        for region in region_list
    ]


def overdue_enterprises(*, user, today: date) -> list[EnterpriseCompliance]:
    return [
        c
        for c in enterprise_compliance(enterprises=visible_enterprises(user))
        if c.overdue_rules(today)
    ]
