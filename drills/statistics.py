"""The drill figures: 演练场次, 参演人次, 投入资金, 开展演练的企业数, 联动演练 by level and
corrective actions. Every function takes a `Scope` and a `Period`, never a user.

    drills_in(scope) -> QuerySet[Drill]                        the drills a scope may see
    person_times() -> expression                               参演人次 of one drill (see below)
    drill_statistics(scope, period) -> DrillStatistics         1 query
    drill_statistics_of(scope, periods) -> list[DrillStatistics] 1 query (several periods)
    linked_drills(scope, period) -> dict[level label, int]     1 query
    linked_drills_of(scope, periods) -> list[dict]             1 query (several periods)
    corrective_actions(scope, period, *, today) -> dict        1 query
    corrective_actions_of(scope, [(period, today)]) -> list    1 query (several periods)

Held drills (实施 and later) that started in the period count. 参演人次 is defined in exactly one
place, `person_times()`: the participations that attended (checked in, or marked present by the
controller) plus the drill's headcount of people on no roster; no-shows never count.
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drills.access import scope_drill_q
from drills.models import CorrectiveAction, Drill, Participation, person_times_expression
from portal import snapshots
from portal.db.prepared import fetch
from portal.figures import Figure, computes, record
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


def _buckets(periods: list[Period]) -> tuple[list[tuple[date, int]], list[tuple[int, str]]]:
    """The months of the periods: (steps, buckets). `buckets` lists (period index, "2026-06");
    `steps` lists (day, value): a drill planned before the day (in the site's time zone) and not
    before the previous step's day is in bucket `value` (-1: between the periods). Plain values,
    cheap to make on every call; `_bucket_case` makes the SQL of them once per shape."""
    steps, buckets = [], []
    for index, period in sorted(enumerate(periods), key=lambda item: item[1].start):
        steps.append((period.start, -1))
        first = date(period.start.year, period.start.month, 1)
        while first <= period.end:
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            steps.append((min(following, period.end + timedelta(days=1)), len(buckets)))
            buckets.append((index, f"{first:%Y-%m}"))
            first = following
    return steps, buckets


def _bucket_case(steps: list[tuple[date, int]]) -> Case:
    """A CASE giving planned_start's bucket (`_buckets`), as comparisons with the months' first
    instants (Django's TruncMonth with a time zone is a Python function per row on SQLite); -1
    outside the periods. Integers, so that grouping on them sorts no text."""
    tz = timezone.get_current_timezone()
    return Case(
        *(
            When(
                planned_start__lt=datetime.combine(day, datetime.min.time(), tzinfo=tz),
                then=Value(value),
            )
            for day, value in steps
        ),
        default=Value(-1),
        output_field=IntegerField(),
    )


_MONEY_PLACES = Decimal(1).scaleb(-Drill._meta.get_field("spent").decimal_places)


def _add(bucket: Bucket, n: int, pt, money) -> None:
    bucket.drills += n
    bucket.person_times += int(pt or 0)  # PostgreSQL's SUM of integers is numeric
    if isinstance(money, float):  # SQLite's SUM of a decimal column: as Django converts it
        money = decimal.Context(prec=15).create_decimal_from_float(money).quantize(_MONEY_PLACES)
    bucket.money += money or Decimal(0)


@computes(DRILLS, PERSON_TIMES, MONEY, ENTERPRISES)
def drill_statistics(
    scope: Scope, period: Period, *, by_enterprise: bool = True
) -> DrillStatistics:
    """Counts, 参演人次 and money actually spent (元), in total and by form, level, accident type,
    street (the organiser's street; region-organised drills under the region's name) and month
    ("2026-06"); keys of the by_* dicts are the choice labels; `by_enterprise` (the organising
    enterprise's drills) only when asked. One query whatever the data size."""
    return _drill_statistics_of(scope, [period], by_enterprise=by_enterprise)[0]


@snapshots.kept
def drill_statistics_of(
    scope: Scope, periods: list[Period], *, by_enterprise: bool = False
) -> list[DrillStatistics]:
    """`drill_statistics` of several periods (the annual report's two years) in one query."""
    out = _drill_statistics_of(scope, periods, by_enterprise=by_enterprise)
    for period, stats in zip(periods, out, strict=True):
        record(drill_statistics, (scope, period), {"by_enterprise": by_enterprise}, stats)
    return out


def _drill_statistics_of(
    scope: Scope, periods: list[Period], *, by_enterprise: bool
) -> list[DrillStatistics]:
    """`drill_statistics` of several periods (the annual report's two years) in one query: the
    held drills of the scope and periods with their 参演人次 (`person_times()`'s definition: the
    attended participations of those drills only, joined to them and counted per drill in one
    grouped pass instead of one correlated count per drill, plus the headcount), grouped by every breakdown's key and bucket (period,
    month) on integers; the organising enterprises counted distinct per period; per organising
    enterprise only when asked."""
    steps, buckets = _buckets(periods)

    def build() -> tuple[str, list]:
        lo = min(p.bounds[0] for p in periods)
        hi = max(p.bounds[1] for p in periods)
        bucket = _bucket_case(steps)
        held = (
            drills_in(scope)
            .held()
            .filter(planned_start__gte=lo, planned_start__lt=hi)
            .order_by()
            .annotate(bucket=bucket)
            .values(
                "id",
                "form",
                "level",
                "accident_type",
                "enterprise_id",
                "headcount",
                "spent",
                "bucket",
                s_id=F("enterprise__street_id"),
                s_name=F("enterprise__street__name"),
                o_id=F("organiser_region_id"),
                o_name=F("organiser_region__name"),
            )
        )
        # the period of a bucket: buckets are consecutive per period
        firsts = [
            i for i, (index, _m) in enumerate(buckets) if i == 0 or buckets[i - 1][0] != index
        ]
        period_case = " ".join(
            f"WHEN h.bucket >= {i} THEN {buckets[i][0]}" for i in reversed(firsts)
        )
        held_sql, held_params = held.query.sql_with_params()
        # the attended participations (ParticipationQuerySet.attended) of the held drills only: joined
        # to `h`, the drills of the scope and periods read once, never grouped over every drill's
        attended = Participation.objects.attended().order_by().values("drill_id")
        att_sql, att_params = attended.query.sql_with_params()
        # the grouping keys as binary text on PostgreSQL (a collation-aware sort costs more than the
        # rest of the query); SQLite compares bytes already
        c = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
        keys = f"h.form{c}, h.level{c}, h.accident_type{c}"
        period = f"CASE {period_case} ELSE -1 END"
        # 参演人次 of a drill, its attended participations counted in `a`
        pt = "h.headcount + COALESCE(a.n, 0)"
        arms = [
            f"SELECT 0, {keys}, h.s_id, MAX(h.s_name), h.o_id, MAX(h.o_name), h.bucket, "  # nosec B608
            f"COUNT(*), SUM({pt}), SUM(h.spent) FROM h LEFT JOIN a ON a.drill_id = h.id "
            f"WHERE h.bucket >= 0 GROUP BY {keys}, h.s_id, h.o_id, h.bucket",
            f"SELECT 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, {period}, "  # nosec B608
            f"COUNT(DISTINCT h.enterprise_id), NULL, NULL FROM h WHERE h.bucket >= 0 "
            f"GROUP BY {period}",
        ]
        if by_enterprise:
            arms.append(
                f"SELECT 2, NULL, NULL, NULL, h.enterprise_id, NULL, NULL, NULL, {period}, "  # nosec B608
                f"COUNT(*), SUM({pt}), SUM(h.spent) FROM h LEFT JOIN a ON a.drill_id = h.id "
                f"WHERE h.bucket >= 0 AND h.enterprise_id IS NOT NULL "
                f"GROUP BY h.enterprise_id, {period}"
            )
        # Each arm groups `h` directly (no third CTE of every drill's row copied with its 参演人次:
        # 7.6 → 5.7 ms for a district's year of 2,500 drills on PostgreSQL)
        sql = (
            f"WITH h AS ({held_sql}), "  # nosec B608
            f"a AS (SELECT p.drill_id, COUNT(*) AS n FROM ({att_sql}) p "
            "WHERE p.drill_id IN (SELECT h.id FROM h) GROUP BY p.drill_id) "
            + " UNION ALL ".join(arms)
        )
        return sql, [*held_params, *att_params]

    # built once per scope, periods and breakdown (portal.db.prepared): the ORM takes longer to
    # build it than the database to run it
    key = (
        "drills.statistics.drill_statistics_of",
        snapshots.frozen(scope),
        tuple((p.start, p.end) for p in periods),
        by_enterprise,
    )
    # in key order (the breakdowns' dicts keep it), whatever the database's collation
    rows = sorted(
        fetch(key, build),
        key=lambda r: (r[0], r[1] or "", r[2] or "", r[3] or "", r[5] or r[7] or "", r[8]),
    )
    # Labels translated once, not once per group (a lazy label costs a gettext each time).
    labels = {
        name: {key: str(label) for key, label in choices}
        for name, choices in (
            ("form", Drill.Form.choices),
            ("level", Drill.Level.choices),
            ("accident_type", Drill._meta.get_field("accident_type").choices),
        )
    }
    out = []
    for period in periods:
        out.append(
            {
                "period": period,
                "total": Bucket(),
                "groups": {
                    k: defaultdict(Bucket)
                    for k in ("form", "level", "accident_type", "street", "month")
                },
                "enterprises": 0,
                "by_enterprise": defaultdict(Bucket),
            }
        )
    for kind, form, level, accident, s_id, s_name, _o_id, o_name, b, n, pt, money in rows:
        if kind == 1:
            if b >= 0:
                out[b]["enterprises"] = n
            continue
        if kind == 2:
            if b >= 0:
                _add(out[b]["by_enterprise"][s_id], n, pt, money)
            continue
        index, month = buckets[b]
        entry = out[index]
        groups = entry["groups"]
        keys = {
            "form": labels["form"][form],
            "level": labels["level"][level],
            "accident_type": labels["accident_type"][accident],
            "street": s_name or o_name or "",
            "month": month,
        }
        _add(entry["total"], n, pt, money)
        for k, v in keys.items():
            _add(groups[k][v], n, pt, money)
    return [
        DrillStatistics(
            start=e["period"].start,
            end=e["period"].end,
            total=e["total"],
            by_form=dict(e["groups"]["form"]),
            by_level=dict(e["groups"]["level"]),
            by_accident_type=dict(e["groups"]["accident_type"]),
            by_street=dict(e["groups"]["street"]),
            by_month=dict(sorted(e["groups"]["month"].items())),
            enterprises=e["enterprises"],
            by_enterprise=dict(e["by_enterprise"]),
        )
        for e in out
    ]


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
    return _linked_drills_of(scope, [period])[0]


@snapshots.kept
def linked_drills_of(scope: Scope, periods: list[Period]) -> list[dict[str, int]]:
    """`linked_drills` of several periods (the annual report's two years) in one query."""
    out = _linked_drills_of(scope, periods)
    for period, counts in zip(periods, out, strict=True):
        record(linked_drills, (scope, period), {}, counts)
    return out


def _linked_drills_of(scope: Scope, periods: list[Period]) -> list[dict[str, int]]:
    def build() -> tuple[str, list]:
        in_period = Q()
        which = []
        for index, period in enumerate(periods):
            lo, hi = period.bounds
            in_period |= Q(planned_start__gte=lo, planned_start__lt=hi)
            which.append(When(planned_start__gte=lo, planned_start__lt=hi, then=Value(index)))
        return (
            drills_in(scope)
            .held()
            .filter(in_period, is_linked=True)
            .annotate(p=Case(*which, default=Value(-1), output_field=IntegerField()))
            .values_list("level", "p")
            .annotate(n=Count("pk"))
            .order_by()
            .query.sql_with_params()
        )

    rows = fetch(
        (
            "drills.statistics.linked_drills_of",
            snapshots.frozen(scope),
            tuple((p.start, p.end) for p in periods),
        ),
        build,
    )
    counts = [dict.fromkeys(Drill.Level.values, 0) for _ in periods]
    for level, index, n in rows:
        if index >= 0 and level in counts[index]:
            counts[index][level] += n
    return counts


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
    return _corrective_actions_of(scope, [(period, today)])[0]


@snapshots.kept
def corrective_actions_of(scope: Scope, asked: list[tuple[Period, date]]) -> list[dict[str, int]]:
    """`corrective_actions` of several (period, today) pairs (the annual report's two years,
    each as of its last day) in one aggregate query."""
    out = _corrective_actions_of(scope, asked)
    for (period, today), counts in zip(asked, out, strict=True):
        record(corrective_actions, (scope, period), {"today": today}, counts)
    return out


def _corrective_actions_of(scope: Scope, asked: list[tuple[Period, date]]) -> list[dict[str, int]]:
    names = ["open"]
    for index in range(len(asked)):
        names += [f"overdue_{index}", f"opened_{index}", f"closed_{index}"]

    def build() -> tuple[str, list]:
        verified = CorrectiveAction.Status.VERIFIED
        sums = {"open": Count("pk", filter=~Q(status=verified))}
        for index, (period, today) in enumerate(asked):
            lo, hi = period.bounds
            sums[f"overdue_{index}"] = Count("pk", filter=~Q(status=verified) & Q(due_on__lt=today))
            sums[f"opened_{index}"] = Count(
                "pk",
                filter=Q(
                    finding__drill__planned_start__gte=lo, finding__drill__planned_start__lt=hi
                ),
            )
            sums[f"closed_{index}"] = Count(
                "pk", filter=Q(status=verified, verified_at__gte=lo, verified_at__lt=hi)
            )
        # one row of counts over every action (a constant grouping key groups nothing)
        return (
            CorrectiveAction.objects.filter(finding__drill__in=drills_in(scope).values("pk"))
            .order_by()
            .annotate(every=Value(1))
            .values("every")
            .annotate(**sums)
            .values_list(*names)
            .query.sql_with_params()
        )

    (found,) = fetch(
        (
            "drills.statistics.corrective_actions_of",
            snapshots.frozen(scope),
            tuple((period.start, period.end, today) for period, today in asked),
        ),
        build,
    )
    # aggregates without GROUP BY: exactly one row, zeros when the scope has no actions
    row = dict(zip(names, found, strict=True))
    return [
        {
            "open": row["open"],
            "overdue": row[f"overdue_{index}"],
            "opened": row[f"opened_{index}"],
            "closed": row[f"closed_{index}"],
        }
        for index in range(len(asked))
    ]
