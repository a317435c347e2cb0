"""The drill figures: 演练场次, 参演人次, 投入资金, 开展演练的企业数, 联动演练 by level and
corrective actions. Every function takes a `Scope` and a `Period`, never a user.

    drills_in(scope) -> QuerySet[Drill]                        the drills a scope may see
    person_times() -> expression                               参演人次 of one drill (see below)
    drill_statistics(scope, period) -> DrillStatistics         2 queries
    linked_drills(scope, period) -> dict[level label, int]     1 query
    corrective_actions(scope, period, *, today) -> dict        1 query

Held drills (实施 and later) that started in the period count. 参演人次 is defined in exactly one
place, `person_times()`: the participations that attended (checked in, or marked present by the
controller) plus the drill's headcount of people on no roster; no-shows never count.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Case, CharField, Count, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drills.access import scope_drill_q
from drills.models import CorrectiveAction, Drill, person_times_expression
from portal.figures import Figure, computes
from portal.periods import Period
from portal.scoping import Scope

STAFF = _("监管人员（本辖区）、企业安全管理员（本企业及本企业参加的演练）")
SURFACES = ("/dashboard/", "/api/v1/drills/statistics", _("年度报告 PDF / xlsx / JSON"))


def drills_in(scope: Scope) -> QuerySet[Drill]:
    return Drill.objects.filter(scope_drill_q(scope))


def person_times():
    """参演人次 of a drill, as an expression on the drill (attended participations plus the
    drill's headcount of people on no roster): the one definition, `drills.models`'
    `person_times_expression`."""
    return person_times_expression()


@dataclass
class Bucket:
    drills: int = 0
    person_times: int = 0
    money: Decimal = Decimal(0)


@dataclass
class DrillStatistics:
    start: object
    end: object
    total: Bucket
    by_form: dict[str, Bucket]
    by_level: dict[str, Bucket]
    by_accident_type: dict[str, Bucket]
    by_street: dict[str, Bucket]
    by_month: dict[str, Bucket]
    enterprises: int
    by_enterprise: dict[int, Bucket]  # organising enterprise's pk → its drills


DRILLS = Figure(
    key="drills.count",
    label=_("演练场次"),
    unit=_("场"),
    definition=_(
        "计划开始时间在统计期间内、状态为已实施及以后（已实施、待评估、已归档）的演练场数。"
    ),
    source=_("演练"),
    audience=STAFF,
    surfaces=SURFACES,
    pick=lambda r: r.total.drills,
)
PERSON_TIMES = Figure(
    key="drills.person_times",
    label=_("参演人次"),
    unit=_("人次"),
    definition=_(
        "上述演练的参演人次之和：签到或由导调人工确认到场的参演人员，加上名册外参演人数"
        "（居民、访客等）；名单上未到场的人员不计。"
    ),
    source=_("演练参演人员"),
    audience=STAFF,
    surfaces=SURFACES,
    pick=lambda r: r.total.person_times,
)
MONEY = Figure(
    key="drills.money",
    label=_("投入资金"),
    unit=_("元"),
    definition=_("上述演练实际投入资金之和。"),
    source=_("演练（实际投入资金）"),
    audience=STAFF,
    surfaces=SURFACES,
    pick=lambda r: r.total.money,
)
ENTERPRISES = Figure(
    key="drills.enterprises",
    label=_("开展演练的企业数"),
    unit=_("家"),
    definition=_("上述演练中由企业组织的演练的不同组织企业数。"),
    source=_("演练（组织企业）"),
    audience=STAFF,
    surfaces=SURFACES,
    pick=lambda r: r.enterprises,
)


def _local_month(period: Period) -> Case:
    """ "2026-06": the month of planned_start in the site's time zone, as comparisons with the
    months' first instants (Django's TruncMonth with a time zone is a Python function per row on
    SQLite)."""
    tz = timezone.get_current_timezone()
    whens, first = [], date(period.start.year, period.start.month, 1)
    while first <= period.end:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        whens.append(
            When(
                planned_start__lt=datetime.combine(following, datetime.min.time(), tzinfo=tz),
                then=Value(f"{first:%Y-%m}"),
            )
        )
        first = following
    return Case(*whens, default=Value(""), output_field=CharField())


def _add(bucket: Bucket, row: dict) -> None:
    bucket.drills += row["n"]
    bucket.person_times += row["pt"] or 0
    bucket.money += row["money"] or Decimal(0)


@computes(DRILLS, PERSON_TIMES, MONEY, ENTERPRISES)
def drill_statistics(scope: Scope, period: Period) -> DrillStatistics:
    """Counts, 参演人次 and money actually spent (元), in total and by form, level, accident type,
    street (the organiser's street; region-organised drills under the region's name) and month
    ("2026-06"); keys of the by_* dicts are the choice labels. Two grouped queries whatever the
    data size (the breakdowns; per organising enterprise)."""
    lo, hi = period.bounds
    held = (
        drills_in(scope)
        .held()
        .filter(planned_start__gte=lo, planned_start__lt=hi)
        .annotate(pt=person_times())
        .order_by()
    )
    sums = {"n": Count("pk"), "pt": Sum("pt"), "money": Sum("spent")}
    # Grouped in SQL, not one row per drill: by the keys of every breakdown but the organiser
    # (month in the site's time zone), and by organising enterprise apart.
    rows = held.values(
        "form",
        "level",
        "accident_type",
        "enterprise__street__name",
        "organiser_region__name",
        month=_local_month(period),
    ).annotate(**sums)
    per_enterprise = held.filter(enterprise__isnull=False).values("enterprise_id").annotate(**sums)
    # Labels translated once, not once per group (a lazy label costs a gettext each time).
    labels = {
        name: {key: str(label) for key, label in choices}
        for name, choices in (
            ("form", Drill.Form.choices),
            ("level", Drill.Level.choices),
            ("accident_type", Drill._meta.get_field("accident_type").choices),
        )
    }
    total = Bucket()
    groups: dict[str, dict[str, Bucket]] = {
        k: defaultdict(Bucket) for k in ("form", "level", "accident_type", "street", "month")
    }
    for row in rows:
        keys = {
            "form": labels["form"][row["form"]],
            "level": labels["level"][row["level"]],
            "accident_type": labels["accident_type"][row["accident_type"]],
            "street": row["enterprise__street__name"] or row["organiser_region__name"] or "",
            "month": row["month"],
        }
        for bucket in [total] + [groups[k][v] for k, v in keys.items()]:
            _add(bucket, row)
    by_enterprise: dict[int, Bucket] = defaultdict(Bucket)
    for row in per_enterprise:
        _add(by_enterprise[row["enterprise_id"]], row)
    return DrillStatistics(
        start=period.start,
        end=period.end,
        total=total,
        by_form=dict(groups["form"]),
        by_level=dict(groups["level"]),
        by_accident_type=dict(groups["accident_type"]),
        by_street=dict(groups["street"]),
        by_month=dict(sorted(groups["month"].items())),
        enterprises=len(by_enterprise),
        by_enterprise=dict(by_enterprise),
    )


LINKED = Figure(
    key="drills.linked_by_level",
    label=_("多级联动演练场次（按级别）"),
    unit=_("场"),
    definition=_("上述演练中标记为多级联动演练的场数，按演练级别分列。"),
    source=_("演练（多级联动、级别）"),
    audience=STAFF,
    surfaces=(_("年度报告 PDF / xlsx / JSON"),),
    pick=lambda r: r,
)


@computes(LINKED)
def linked_drills(scope: Scope, period: Period) -> dict[str, int]:
    """Held linked drills (多级联动) of the period by level value ("district" …); every level
    present, 0 when none. One query."""
    lo, hi = period.bounds
    counts = dict(
        drills_in(scope)
        .held()
        .filter(is_linked=True, planned_start__gte=lo, planned_start__lt=hi)
        .values_list("level")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("level", "n")
    )
    return {level: counts.get(level, 0) for level in Drill.Level.values}


ACTIONS_OPEN = Figure(
    key="actions.open",
    label=_("未关闭整改措施"),
    unit=_("项"),
    definition=_(
        "可见演练的整改措施中尚未验证关闭的项数（统计日当天，不限期间）；其中超过完成期限的为逾期。"
    ),
    source=_("演练评估发现的整改措施"),
    audience=STAFF,
    surfaces=("/dashboard/",),
    pick=lambda r: r["open"],
)
ACTIONS_OVERDUE = Figure(
    key="actions.overdue",
    label=_("逾期整改措施"),
    unit=_("项"),
    definition=_("未关闭整改措施中完成期限早于统计日的项数。"),
    source=ACTIONS_OPEN.source,
    audience=STAFF,
    surfaces=("/dashboard/",),
    pick=lambda r: r["overdue"],
)
ACTIONS_OPENED = Figure(
    key="actions.opened",
    label=_("新增整改措施"),
    unit=_("项"),
    definition=_("统计期间内举行的演练所提出的整改措施项数。"),
    source=ACTIONS_OPEN.source,
    audience=STAFF,
    surfaces=(_("年度报告 PDF / xlsx / JSON"),),
    pick=lambda r: r["opened"],
)
ACTIONS_CLOSED = Figure(
    key="actions.closed",
    label=_("验证关闭整改措施"),
    unit=_("项"),
    definition=_("验证时间在统计期间内、已验证关闭的整改措施项数。"),
    source=ACTIONS_OPEN.source,
    audience=STAFF,
    surfaces=(_("年度报告 PDF / xlsx / JSON"),),
    pick=lambda r: r["closed"],
)


@computes(ACTIONS_OPEN, ACTIONS_OVERDUE, ACTIONS_OPENED, ACTIONS_CLOSED)
def corrective_actions(scope: Scope, period: Period, *, today) -> dict[str, int]:
    """Corrective actions of the scope's drills: open and overdue as of `today`; opened (their
    drill started in the period) and closed (verified in the period). One query."""
    lo, hi = period.bounds
    verified = CorrectiveAction.Status.VERIFIED
    return CorrectiveAction.objects.filter(
        finding__drill__in=drills_in(scope).values("pk")
    ).aggregate(
        open=Count("pk", filter=~Q(status=verified)),
        overdue=Count("pk", filter=~Q(status=verified) & Q(due_on__lt=today)),
        opened=Count(
            "pk",
            filter=Q(finding__drill__planned_start__gte=lo, finding__drill__planned_start__lt=hi),
        ),
        closed=Count("pk", filter=Q(status=verified, verified_at__gte=lo, verified_at__lt=hi)),
    )
