"""The reported figures (填报补报数): what enterprises reported on returns beyond what the portal
recorded individually, for a Scope and a Period, never a user.

    reported_figures(scope, period) -> Reported                 1 query
    merged_figures(scope, period) -> Merged                     recorded + reported, by line

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
from functools import lru_cache

from django.utils.text import format_lazy
from django.utils.translation import get_language
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


# --------------------------------------------------------------------------- merged


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    unit: str
    fmt: str  # "int" | "hours" | "money"
    items: tuple[str, ...]  # the return items whose reported values it adds up


def _lines() -> list[Line]:
    from drills.models import Drill
    from portal.models import PersonCategory

    lines = [
        Line(
            "training.person_times", _("培训人次"), _("人次"), "int", tuple(TRAINING_PERSON_TIMES)
        ),
        Line("training.hours", _("培训学时"), _("学时"), "hours", tuple(TRAINING_HOURS)),
    ]
    for category, label in PersonCategory.choices:
        key = f"training.{category}.person_times"
        lines.append(Line(key, format_lazy(_("培训人次：{c}"), c=label), _("人次"), "int", (key,)))
    lines.append(
        Line(
            "three_level.person_times",
            _("三级安全教育人次"),
            _("人次"),
            "int",
            ("three_level.person_times",),
        )
    )
    measures = (
        ("count", _("演练场次"), _("场"), "int"),
        ("person_times", _("参演人次"), _("人次"), "int"),
        ("money", _("投入资金（元）"), _("元"), "money"),
    )
    for measure, label, unit, fmt in measures:
        lines.append(
            Line(f"drills.{measure}", label, unit, fmt, tuple(drill_items("form", measure)))
        )
    for group, choices in (("level", Drill.Level.choices), ("form", Drill.Form.choices)):
        for value, choice in choices:
            for measure, label, unit, fmt in measures:
                key = f"drills.{group}.{value}.{measure}"
                lines.append(
                    Line(key, format_lazy("{c}：{m}", c=choice, m=label), unit, fmt, (key,))
                )
    for key, item in ITEMS.items():
        if item.group == "activity":
            lines.append(Line(key, item.label, item.unit, "int", (key,)))
    return lines


@lru_cache(maxsize=16)
def _line_texts(language: str | None) -> tuple[tuple[Line, str, str], ...]:
    """`_lines()` with their label and unit as text in `language` (the active one): fixed for a
    language, so built once per process and language instead of ~70 lazy translations a call."""
    return tuple((line, str(line.label), str(line.unit)) for line in _lines())


@dataclass
class Merged:
    """Per line: recorded (the apps' figures), reported (accepted returns), total = recorded +
    reported, pending (returns not yet accepted: apart, never in the total)."""

    lines: list[dict] = field(default_factory=list)
    accepted_filings: int = 0
    pending_filings: int = 0

    def line(self, key: str) -> dict:
        return next(line for line in self.lines if line["key"] == key)


MERGED = Figure(
    key="returns.merged_totals",
    label=_("合计（系统记录 + 已采纳的企业填报）"),
    unit=_("按项目"),
    definition=_(
        "每个项目：系统记录数（培训记录、演练的统计，与对应指标同一函数计算）加上已采纳的企业填报"
        "补报数；待采纳的补报数单列，不计入合计。"
    ),
    source=_("培训记录、演练、企业统计填报"),
    audience=STAFF,
    surfaces=SURFACES,
    pick=lambda r: {line["key"]: line["total"] for line in r.lines},
)


@computes(MERGED)
def merged_figures(scope: Scope, period: Period, *, training=None, drills=None) -> Merged:
    """The merged lines of a scope and period. `training` / `drills`: the results of
    training_statistics / drill_statistics for the same scope and period when the caller has
    them already (the dashboard), else computed here. Queries: three_level_education's 1,
    reported_figures' 1 (+ those two functions' when not given)."""
    from courses.statistics import three_level_education, training_statistics
    from drills.statistics import drill_statistics
    from returns.prefill import recorded_from

    training = training if training is not None else training_statistics(scope, period)
    drills = drills if drills is not None else drill_statistics(scope, period)
    recorded = recorded_from(training, drills, three_level_education(scope, period))
    reported = reported_figures(scope, period)
    out = Merged(
        accepted_filings=reported.accepted_filings, pending_filings=reported.pending_filings
    )
    for line, label, unit in _line_texts(get_language()):
        if line.key in recorded:
            rec = recorded[line.key]
        else:
            rec = sum((recorded.get(k, Decimal(0)) for k in line.items), Decimal(0))
        rep = reported.total(line.items)
        out.lines.append(
            {
                "key": line.key,
                "label": label,
                "unit": unit,
                "fmt": line.fmt,
                "recorded": rec,
                "reported": rep,
                "total": rec + rep,
                "pending": reported.total(line.items, pending=True),
            }
        )
    return out
