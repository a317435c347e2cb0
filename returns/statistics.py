"""The reported figures (填报补报数): what enterprises reported on returns beyond what the portal
recorded individually, for a Scope and a Period, never a user.

    reported_figures(scope, period) -> Reported                 1 query

Only forms marked 计入汇总 whose period lies inside the asked period count, so two overlapping
forms never add the same activity twice (ReturnForm.clean refuses two overlapping counted forms).
`accepted` holds the additional figures of accepted filings (the ones added to the recorded
figures in totals); `pending` those submitted or passed by the street but not yet accepted by the
district, shown apart and never in a total. Values are keyed by return item (returns.items);
`training_person_times`, `drills_count` … sum them the way the recorded figures are summed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from portal.figures import Figure, computes
from portal.periods import Period
from portal.scoping import Scope, scope_enterprise_q
from returns.items import ITEMS, drill_items
from returns.models import PENDING, Filing, FilingStatus, form_period, parse_value

STAFF = _("监管人员（本辖区）、企业安全管理员（本企业）")
SURFACES = ("/dashboard/", _("年度报告 PDF / xlsx / JSON"))


@dataclass
class Reported:
    accepted: dict[str, Decimal] = field(default_factory=dict)
    pending: dict[str, Decimal] = field(default_factory=dict)
    accepted_filings: int = 0
    pending_filings: int = 0

    def total(self, keys, *, pending: bool = False) -> Decimal:
        source = self.pending if pending else self.accepted
        return sum((source.get(k, Decimal(0)) for k in keys), Decimal(0))

    def training_person_times(self, *, pending: bool = False) -> Decimal:
        return self.total(TRAINING_PERSON_TIMES, pending=pending)

    def training_hours(self, *, pending: bool = False) -> Decimal:
        return self.total(TRAINING_HOURS, pending=pending)

    def drills(self, measure: str, *, pending: bool = False) -> Decimal:
        return self.total(drill_items("form", measure), pending=pending)


TRAINING_PERSON_TIMES = [
    k for k, i in ITEMS.items() if i.group == "training" and k.endswith(".person_times")
]
TRAINING_HOURS = [k for k, i in ITEMS.items() if i.group == "training" and k.endswith(".hours")]

ACCEPTED = Figure(
    key="returns.reported",
    label=_("企业填报补报数（已采纳）"),
    unit=_("按项目"),
    definition=_(
        "计入汇总、统计期间在所选期间内的统计报表中，区级已采纳的企业填报补报数（系统未逐条记录的"
        "活动）之和，按填报项目分列；驾驶舱和年度报告的合计 = 系统记录数 + 该补报数。"
    ),
    source=_("企业统计填报（已采纳）"),
    audience=STAFF,
    surfaces=SURFACES,
    pick=lambda r: r.accepted,
)
PENDING_FIGURE = Figure(
    key="returns.pending",
    label=_("企业填报补报数（待采纳）"),
    unit=_("按项目"),
    definition=_("同上，但为已提交或街道已审核、区级尚未采纳的填报；单独列示，不计入任何合计。"),
    source=_("企业统计填报（审核中）"),
    audience=STAFF,
    surfaces=SURFACES,
    pick=lambda r: r.pending,
)


@computes(ACCEPTED, PENDING_FIGURE)
def reported_figures(scope: Scope, period: Period) -> Reported:
    """Accepted and pending additional figures of the scope's enterprises. One query."""
    if scope.kind in (Scope.Kind.SELF, Scope.Kind.NONE):
        return Reported()
    rows = (
        Filing.objects.filter(scope_enterprise_q(scope, "enterprise"))
        .filter(
            form__counts_in_figures=True,
            form__year__gte=period.start.year,
            form__year__lte=period.end.year,
            status__in=(FilingStatus.ACCEPTED, *PENDING),
        )
        .values_list("status", "additional", "form__period_kind", "form__year", "form__number")
        .order_by()
    )
    accepted: dict[str, Decimal] = defaultdict(Decimal)
    pending: dict[str, Decimal] = defaultdict(Decimal)
    result = Reported()
    for status, additional, kind, year, number in rows:
        within = form_period(kind, year, number)
        if within.start < period.start or within.end > period.end:
            continue
        target = accepted if status == FilingStatus.ACCEPTED else pending
        if status == FilingStatus.ACCEPTED:
            result.accepted_filings += 1
        else:
            result.pending_filings += 1
        for key, text in additional.items():
            value = parse_value(text)
            if value:
                target[key] += value
    result.accepted = dict(accepted)
    result.pending = dict(pending)
    return result
