"""The training figures: 培训人次, 学时, 参训人数 (by category, enterprise, street, month), 学时达标率
and the people trained by programme. Every function takes a `Scope` and a `Period`, never a user.

    scoped_records(scope) -> QuerySet[TrainingRecord]
    training_statistics(scope, period, *, by="month", places=…) -> TrainingStats  5 (rollups 10)
    training_year_statistics(scope, years) -> list[TrainingStats]   the same by year, 4 for all years
    three_level_education(scope, period) -> int                                   1 query
    requirement_people(people, year) -> QuerySet[Person]    annotated required / initial / got
    compliance_summary(scope, period, *, by=None) -> ComplianceCounts     3 (rollups 3 or 5)
    compliance_breakdown(scope, period, *, by) -> list[ComplianceCounts]  3 (rollups 3 or 5)
    programme_people(scope, period) -> list[dict]                                 1 query
    programme_figures(scope, period, *, programme) -> ProgrammeFigures            3 queries
    study_hours(scope, period) -> list[EnterpriseHours]                           3 queries

Whole-year training figures may be read through the training rollups (`courses.rollups`),
never defined there: the same numbers as from the records, fewer rows read. Each such figure is
the rollup's sums as of its refresh plus what changed since (the records above the watermark, the
people saved since), two queries; within a figure snapshot's computation the sums are a part of
their own (`_rollup_half`), served again until the next refresh, so that after a new record only
what changed since is read. (The rollup counts above are those of a computation with nothing
kept.)

学时达标率 (compliance) is defined once, in `requirement_people`: the active people of the scope
whose category (and enterprise risk) has a training-hour requirement for the year (the initial
figure when hired that year); 达标 when their training hours in that year reach it. People with no
requirement are counted apart (`no_requirement`), never as 达标. The per-person list of
/courses/compliance/ (`courses.compliance.compliance_rows`) reads the same annotated queryset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, ExtractDay, ExtractMonth, ExtractYear, Mod
from django.utils.translation import gettext_lazy as _

from courses import rollups
from courses.models import (
    ClassRegistration,
    EnterpriseMonthTraining,
    EnterpriseYearCompliance,
    EnterpriseYearPeople,
    EnterpriseYearTraining,
    PersonYearCompliance,
    PersonYearTraining,
    SourceKind,
    StudySession,
    TrainingKind,
    TrainingRecord,
    TrainingRequirement,
    TrainingRollupState,
)
from portal import snapshots
from portal.db.prepared import fetch
from portal.figures import Figure, computes, percentage, record
from portal.models import Enterprise, Person, PersonCategory
from portal.periods import Period
from portal.scoping import Scope, scope_enterprise_q, scope_people

T = TypeVar("T")
STAFF = _("监管人员（本辖区）、企业安全管理员（本企业）")


def scoped_records(scope: Scope) -> QuerySet[TrainingRecord]:
    """Training records of a scope: its enterprises' / region's, or a worker's own."""
    if scope.is_self:
        return TrainingRecord.objects.filter(person_id=scope.person_id)
    if scope.is_none:
        return TrainingRecord.objects.none()
    if scope.is_region:
        # A semi-join on the (small) enterprise table rather than a join per record.
        return TrainingRecord.objects.filter(
            enterprise_id__in=Enterprise.objects.filter(scope_enterprise_q(scope)).values("pk")
        )
    return TrainingRecord.objects.filter(scope_enterprise_q(scope, "enterprise"))


# --------------------------------------------------------------------------- 培训人次 and 学时


@dataclass
class TrainingStats:
    count: int = 0
    hours: Decimal = Decimal("0")
    people: int = 0
    by_category: list[dict] = field(default_factory=list)
    by_enterprise: list[dict] = field(default_factory=list)
    by_street: list[dict] = field(default_factory=list)
    by_period: list[dict] = field(default_factory=list)


TRAINING_SURFACES = (
    "/dashboard/",
    "/courses/statistics/",
    _("年度报告 PDF / xlsx / JSON"),
)

PERSON_TIMES = Figure(
    key="training.person_times",
    label=_("培训人次"),
    unit=_("人次"),
    definition=_("统计期间内培训日期落在期间内的培训记录条数（一人参加一次培训记一人次）。"),
    source=_("培训记录（课程完成、线下培训班签到、演练、外部导入）"),
    audience=STAFF,
    surfaces=TRAINING_SURFACES,
    pick=lambda r: r.count,
)
HOURS = Figure(
    key="training.hours",
    label=_("培训学时"),
    unit=_("学时"),
    definition=_("统计期间内培训记录学时之和。"),
    source=_("培训记录"),
    audience=STAFF,
    surfaces=TRAINING_SURFACES,
    pick=lambda r: r.hours,
)
PEOPLE = Figure(
    key="training.people",
    label=_("参训人数"),
    unit=_("人"),
    definition=_("统计期间内至少有一条培训记录的不同人员数。"),
    source=_("培训记录"),
    audience=STAFF,
    surfaces=TRAINING_SURFACES,
    pick=lambda r: r.people,
)


def _by_category_dict(result) -> dict | None:
    if not result.by_category and result.count:
        return None  # computed without the breakdown
    return {row["key"]: row["count"] for row in result.by_category}


BY_CATEGORY = Figure(
    key="training.person_times_by_category",
    label=_("培训人次（按人员类别）"),
    unit=_("人次"),
    definition=_(
        "培训人次按培训时登记的人员类别分列（主要负责人、安全管理人员、特种作业人员等）。"
    ),
    source=_("培训记录（类别为培训当时的人员类别）"),
    audience=STAFF,
    surfaces=TRAINING_SURFACES,
    pick=_by_category_dict,
)


_ROLLUP_SCOPES = (Scope.Kind.ALL, Scope.Kind.REGION, Scope.Kind.ENTERPRISE)


def _rollup_q(scope: Scope, field: str = "enterprise_id") -> Q:
    """The rows of a training rollup belonging to a scope (ALL, REGION or ENTERPRISE)."""
    if scope.kind == Scope.Kind.REGION:
        return Q(
            **{f"{field}__in": Enterprise.objects.filter(scope_enterprise_q(scope)).values("pk")}
        )
    if scope.kind == Scope.Kind.ENTERPRISE:
        return Q(**{field: scope.enterprise_id})
    return Q()


def _rollup_half(name: str, shape: tuple, compute: Callable[[], T]) -> T:
    """The rollup half of a figure read through the rollups: the sums the rollup tables hold as of
    their refresh (`shape` names the scope, the period and the rollup state). Within a figure
    snapshot's computation it is a part of its own (portal.snapshots.part): it reads the rollup
    tables, the enterprises and the regions only, so that after a new training record it is served
    and only the live half (the records since the watermark, the people changed since the refresh)
    is computed. Anywhere else it is simply computed."""
    return snapshots.part(f"courses.statistics.rollup_half.{name}", (shape,), {}, compute)


def _sums_rows(key: tuple, rows: Callable[[], QuerySet], keys: tuple[str, ...]) -> list[tuple]:
    """(*keys, 人次, 学时) of `rows()` (rows of *keys, n, h) summed per keys in SQL: one query, its
    SQL built once per `key`."""

    def build() -> tuple[str, list]:
        sql, params = rows().query.sql_with_params()
        columns = ", ".join(f'u."{k}"' for k in keys)
        query = (
            f'SELECT {columns}, SUM(u."n"), SUM(u."h") FROM ({sql}) u '  # nosec B608 # ORM SQL
            f"GROUP BY {columns}"
        )
        return query, params

    return [
        (*row[:-2], int(row[-2] or 0), _decimal(row[-1]))
        for row in fetch(("courses.statistics._summed", *key, keys), build)
    ]


def _decimal(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.1"))


def _summed(
    shape: tuple, rolled: Callable[[], QuerySet], since: Callable[[], QuerySet], *keys: str
) -> list[tuple]:
    """(*keys, 人次, 学时) of the rollup rows (`rolled()`: rows of *keys, n, h) plus the records
    since the watermark (`since()`: the same rows grouped from the records), each summed per keys
    in SQL so that few rows reach Python, and added up here: the rollup half kept
    (`_rollup_half`), the records' one query. `shape` names what both depend on."""
    sums: dict[tuple, tuple[int, Decimal]] = {}
    for rows in (
        _rollup_half(f"sums{keys}", shape, lambda: _sums_rows((*shape, "rolled"), rolled, keys)),
        _sums_rows((*shape, "since"), since, keys),
    ):
        for *key, n, h in rows:
            before = sums.get(tuple(key), (0, Decimal("0")))
            sums[tuple(key)] = (before[0] + n, before[1] + h)
    return [(*key, n, h) for key, (n, h) in sums.items()]


def _unrefreshed_sql(state: TrainingRollupState) -> tuple[str, list]:
    """SQL of 1 while the rollups are still those of `state` (neither refreshed nor marked stale
    since), else 0. A live half that also reads a rollup table (学时达标's changed people's rows,
    参训人数's people already rolled up) selects it in its own statement: its rows and the rollup's
    sums it is added to (read earlier, or kept) are then of the same refresh, or the figure is
    computed from the records instead (a refresh committing in between, every few minutes at
    most, would otherwise take away or leave out the people it moved)."""
    sql, params = (
        TrainingRollupState.objects.filter(pk=1, refreshed_at=state.refreshed_at, stale=False)
        .values("pk")
        .order_by()
        .query.sql_with_params()
    )
    return f"(SELECT COUNT(*) FROM ({sql}) s)", list(params)  # nosec B608 # the ORM's SQL


class _RolledPeople:
    """参训人数 off the rollups (`.count()`): the enterprises' people with records at no other
    enterprise that year, plus the people with records at several (distinct) — the rollup half,
    kept (`_rollup_half`) — plus the people of the records since the watermark the rollup does not
    hold in the scope (one query). `shape` names what `delta()` (those records) depends on: the
    SQL is built once per shape and year. `everyone()`: the year's records in the scope, counted
    instead if the rollups were refreshed meanwhile (`_unrefreshed_sql`)."""

    def __init__(
        self,
        shape: tuple,
        in_scope: Callable[[], Q],
        year: int,
        delta: Callable[[], QuerySet],
        *,
        state: TrainingRollupState,
        everyone: Callable[[], QuerySet],
    ):
        self.shape, self.in_scope, self.year, self.delta = shape, in_scope, year, delta
        self.state, self.everyone = state, everyone

    def _rolled_sql(self) -> tuple[str, list]:
        in_scope, year = self.in_scope(), self.year
        (singles, s_params), (multi, m_params) = (
            part.order_by().query.sql_with_params()
            for part in (
                EnterpriseYearPeople.objects.filter(in_scope, year=year).values("people"),
                PersonYearTraining.objects.filter(in_scope, year=year, multi=True)
                .values("person_id")
                .distinct(),
            )
        )
        return (
            f"(SELECT COALESCE(SUM(a.people), 0) FROM ({singles}) a)"  # nosec B608 # ORM
            f" + (SELECT COUNT(*) FROM ({multi}) b)",
            [*s_params, *m_params],
        )

    def _new_sql(self) -> tuple[str, list]:
        in_scope, year = self.in_scope(), self.year
        new, params = (
            self.delta()
            .exclude(
                Exists(
                    PersonYearTraining.objects.filter(
                        in_scope, year=year, person_id=OuterRef("person_id")
                    )
                )
            )
            .values("person_id")
            .distinct()
            .order_by()
            .query.sql_with_params()
        )
        return f"(SELECT COUNT(*) FROM ({new}) c)", list(params)  # nosec B608 # ORM

    def count(self) -> int:
        return self.count_many([self])[0]

    @staticmethod
    def _counts(
        key: tuple,
        counts: list[_RolledPeople],
        sql: Callable,
        *,
        few_rows: bool = False,
        check: TrainingRollupState | None = None,
    ) -> list[int]:
        """One statement selecting sql(count) of each count (`few_rows`: portal.db.plans), and
        with `check` last `_unrefreshed_sql(check)`."""

        def build() -> tuple[str, list]:
            parts = [sql(c) for c in counts]
            if check is not None:
                parts.append(_unrefreshed_sql(check))
            query = "SELECT " + ", ".join(text for text, _p in parts)
            return query, [p for _text, params in parts for p in params]

        shape = (
            "courses.statistics._RolledPeople",
            *key,
            *((c.shape, c.year) for c in counts),
            check and check.refreshed_at,
        )
        (row,) = fetch(shape, build, few_rows=few_rows)
        return [int(value) for value in row]

    @staticmethod
    def count_many(counts: list[_RolledPeople]) -> list[int]:
        """Several years' counts: the rollup half kept, the new people in one statement."""
        rolled = _rollup_half(
            "people",
            tuple((c.shape, c.year) for c in counts),
            lambda: _RolledPeople._counts(("rolled",), counts, _RolledPeople._rolled_sql),
        )
        # The records since the watermark are the few written since the last refresh (minutes):
        # each looked up in the rollup by index, not the year's rollup rows hashed.
        *new, unrefreshed = _RolledPeople._counts(
            ("new",), counts, _RolledPeople._new_sql, few_rows=True, check=counts[0].state
        )
        if not unrefreshed:
            return [_people_of(c.everyone()).count() for c in counts]
        return [a + b for a, b in zip(rolled, new, strict=True)]


def _people_of(records: QuerySet[TrainingRecord]) -> QuerySet:
    """参训人数 from the records: the distinct people of `records` (`.count()`)."""
    return records.values("person_id").distinct().order_by()


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _grouped(records: QuerySet[TrainingRecord]) -> list[dict]:
    """The period's records grouped by category and enterprise: one query on the records table
    alone, from which the totals and every breakdown but the period are summed."""
    return list(
        records.values("category", "enterprise_id")
        .annotate(n=Count("pk"), h=Sum("hours"))
        .order_by()
    )


def _rows(groups: dict, labels: dict) -> list[dict]:
    rows = [
        {"key": key, "label": labels.get(key, key), "count": n, "hours": h}
        for key, (n, h) in groups.items()
    ]
    rows.sort(key=lambda r: (-r["hours"], str(r["key"])))
    return rows


@computes(PERSON_TIMES, HOURS, PEOPLE, BY_CATEGORY)
def training_statistics(
    scope: Scope,
    period: Period,
    *,
    by: str = "month",
    breakdown: bool = True,
    places: tuple[str, ...] = ("enterprise", "street"),
) -> TrainingStats:
    """人次 and hours in total and by category, enterprise, street and month (or year, by="year").
    A fixed number of queries whatever the data size: the rollup state, then from the records
    (4: grouped by category and enterprise; those enterprises' names and streets; by day;
    distinct people) or, for a whole year with fresh rollups, through them (9: by category; by
    enterprise; names and streets; by month; distinct people — each but the names twice, the
    rollup's sums (`_rollup_half`) and the records since the watermark); fewer for one year by year
    (the annual report: its one row is the totals). With breakdown=False only the totals (人次,
    学时, 参训人数): one query, from the records. `places`: the breakdowns by enterprise and by
    street wanted (empty lists for the others): places=() reads no enterprise names (one query
    fewer; through the rollups three: no per-enterprise sums either); places=("street",) through
    the rollups sums by category and street in SQL with the streets' names in one query each
    half (three fewer: a few rows instead of one per enterprise, the category sums added up from
    them)."""

    def records() -> QuerySet[TrainingRecord]:
        return scoped_records(scope).filter(date__gte=period.start, date__lte=period.end)

    if not breakdown:
        totals = records().aggregate(
            n=Count("pk"), h=Sum("hours"), p=Count("person", distinct=True)
        )
        return TrainingStats(
            count=totals["n"], hours=totals["h"] or Decimal("0"), people=totals["p"]
        )
    state = rollups.current(period) if scope.kind in _ROLLUP_SCOPES else None
    by_cat: dict[str, tuple[int, Decimal]] = {}
    by_ent: dict[int, tuple[int, Decimal]] = {}
    by_street: dict[int, tuple[int, Decimal]] | None = None  # summed in SQL (rollups)
    street_names: dict[int, str] = {}  # read with them
    if state is None:
        for row in _grouped(records()):
            for sums, key in ((by_cat, row["category"]), (by_ent, row["enterprise_id"])):
                n, h = sums.get(key, (0, Decimal("0")))
                sums[key] = (n + row["n"], h + (row["h"] or Decimal("0")))

        def day_rows():
            return records().values("date").annotate(n=Count("pk"), h=Sum("hours")).order_by()

        people_qs = _people_of(records())
    else:
        # The same sums read off the rollups (records up to the watermark) plus the records
        # written since (pk above it), summed in SQL (one query each): see courses.rollups.
        # Each query's SQL is built once per shape (portal.db.prepared): the same scope, period
        # and watermark make the same SQL, whatever was written since.
        year = period.start.year
        shape = (
            "training_statistics",
            snapshots.frozen(scope),
            period.start,
            period.end,
            state.watermark,
        )

        def in_scope() -> Q:
            return _rollup_q(scope)

        def delta() -> QuerySet[TrainingRecord]:
            return records().filter(pk__gt=state.watermark).order_by()

        def rolled() -> QuerySet[EnterpriseYearTraining]:
            return EnterpriseYearTraining.objects.filter(in_scope(), year=year).annotate(
                n=F("count"), h=F("hours")
            )

        if "street" in places and "enterprise" not in places:
            # By category and street in one query (a few rows: categories × streets), with the
            # streets' names; the category and street sums are added up from it here.
            by_street = {}
            place = {"street": F("enterprise__street_id"), "s_name": F("enterprise__street__name")}

            def rolled_places() -> QuerySet:
                return (
                    rolled().annotate(**place).values_list("category", "street", "s_name", "n", "h")
                )

            def since_places() -> QuerySet:
                return (
                    delta()
                    .annotate(**place)
                    .values_list("category", "street", "s_name")
                    .annotate(n=Count("pk"), h=Sum("hours"))
                )

            for category, street, s_name, n, h in _summed(
                shape, rolled_places, since_places, "category", "street", "s_name"
            ):
                for sums, key in ((by_cat, category), (by_street, street)):
                    before = sums.get(key, (0, Decimal("0")))
                    sums[key] = (before[0] + n, before[1] + h)
                if street is not None:
                    street_names[street] = s_name
        else:
            keys: list[tuple[dict, str]] = [(by_cat, "category")]
            if "enterprise" in places:
                keys.append((by_ent, "enterprise_id"))
            for sums, key in keys:

                def rolled_by(key: str = key) -> QuerySet:
                    return rolled().values_list(key, "n", "h")

                def since_by(key: str = key) -> QuerySet:
                    return delta().values_list(key).annotate(n=Count("pk"), h=Sum("hours"))

                sums.update({row[0]: row[1:] for row in _summed(shape, rolled_by, since_by, key)})

        def months() -> QuerySet:
            return (
                EnterpriseMonthTraining.objects.filter(
                    in_scope(), month__gte=period.start, month__lte=period.end
                )
                .annotate(day=F("month"), n=F("count"), h=F("hours"))
                .values_list("day", "n", "h")
            )

        def days_since() -> QuerySet:
            return (
                delta()
                .annotate(day=F("date"))
                .values_list("day")
                .annotate(n=Count("pk"), h=Sum("hours"))
            )

        def day_rows():
            return [
                {"date": _as_date(d), "n": n, "h": h}
                for d, n, h in _summed(shape, months, days_since, "day")
            ]

        people_qs = _RolledPeople(shape, in_scope, year, delta, state=state, everyone=records)
    sums: dict[str, dict] = {"category": dict(by_cat), "enterprise": dict(by_ent), "street": {}}
    names: dict[str, dict] = {"enterprise": {}, "street": {}}
    count = sum(n for n, _h in by_cat.values())
    hours = sum((h for _n, h in by_cat.values()), Decimal("0"))
    if by_street is not None:
        sums["street"] = by_street
        names["street"] = street_names
    elif places:
        # The scope's enterprises (its records' are among them) rather than thousands of pks.
        named = (
            Enterprise.objects.filter(scope_enterprise_q(scope))
            if scope.kind in _ROLLUP_SCOPES and by_ent
            else Enterprise.objects.filter(pk__in=set(by_ent))
        )
        enterprises = {
            row["pk"]: row
            for row in named.values("pk", "name", "street_id", "street__name").order_by()
        }
        for pk, (n, h) in by_ent.items():
            enterprise = enterprises.get(pk, {})
            street_id = enterprise.get("street_id")
            before = sums["street"].get(street_id, (0, Decimal("0")))
            sums["street"][street_id] = (before[0] + n, before[1] + h)
            names["enterprise"][pk] = enterprise.get("name", "")
            names["street"][street_id] = enterprise.get("street__name", "")
    labels = {key: str(label) for key, label in PersonCategory.choices}
    # Grouped by day and summed by month (or year) here: SQLite truncates dates with a Python
    # function called once per row, a day has at most 366 groups a year.
    periods: dict[date, list] = {}
    if by == "year" and period.start.year == period.end.year:
        # One year by year (the annual report): its one row is the totals, no further query.
        by_day = [{"date": period.start, "n": count, "h": hours}] if count else []
    else:
        by_day = day_rows()
    for row in by_day:
        key = date(row["date"].year, 1, 1) if by == "year" else row["date"].replace(day=1)
        bucket = periods.setdefault(key, [0, Decimal("0")])
        bucket[0] += row["n"]
        bucket[1] += row["h"] or Decimal("0")
    by_period = [
        {
            "key": key,
            "label": f"{key:%Y}" if by == "year" else f"{key:%Y-%m}",
            "count": n,
            "hours": h,
        }
        for key, (n, h) in sorted(periods.items())
    ]
    people = people_qs.count()
    return TrainingStats(
        count=count,
        hours=hours,
        people=people,
        by_category=_rows(sums["category"], labels),
        by_enterprise=_rows(sums["enterprise"], names["enterprise"])
        if "enterprise" in places
        else [],
        by_street=_rows(sums["street"], names["street"]) if "street" in places else [],
        by_period=by_period,
    )


@snapshots.kept
def training_year_statistics(scope: Scope, years: list[int]) -> list[TrainingStats]:
    """`training_statistics(scope, Period.of_year(year), by="year", places=())` of several years
    (the annual report's two) — the same figures, through the rollups in four queries for all the
    years (by year and category; 参训人数 of each year in one statement; each the rollup's sums
    and the records since) instead of four per year.
    Without fresh rollups (or for a scope they do not cover) one call per year."""
    state = rollups.current(Period.of_year(years[0])) if scope.kind in _ROLLUP_SCOPES else None
    if state is None:  # (the one rollup state answers every whole year alike)
        return [
            training_statistics(scope, Period.of_year(year), by="year", places=()) for year in years
        ]
    shape = ("training_year_statistics", snapshots.frozen(scope), tuple(years), state.watermark)

    def in_scope() -> Q:
        return _rollup_q(scope)

    def delta() -> QuerySet[TrainingRecord]:
        return (
            scoped_records(scope)
            .filter(date__gte=date(min(years), 1, 1), date__lte=date(max(years), 12, 31))
            .filter(pk__gt=state.watermark)
            .order_by()
        )

    def rolled() -> QuerySet:
        return (
            EnterpriseYearTraining.objects.filter(in_scope(), year__in=years)
            .annotate(y=F("year"), n=F("count"), h=F("hours"))
            .values_list("y", "category", "n", "h")
        )

    def since() -> QuerySet:
        return (
            delta()
            .annotate(y=ExtractYear("date"))
            .values_list("y", "category")
            .annotate(n=Count("pk"), h=Sum("hours"))
        )

    by_cat: dict[int, dict[str, tuple[int, Decimal]]] = {year: {} for year in years}
    for y, category, n, h in _summed(shape, rolled, since, "y", "category"):
        if int(y) in by_cat:
            by_cat[int(y)][category] = (n, h)

    def delta_of(year: int) -> Callable[[], QuerySet[TrainingRecord]]:
        return lambda: delta().filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31))

    people = _RolledPeople.count_many(
        [
            _RolledPeople(
                shape,
                in_scope,
                year,
                delta_of(year),
                state=state,
                everyone=lambda year=year: scoped_records(scope).filter(
                    date__gte=date(year, 1, 1), date__lte=date(year, 12, 31)
                ),
            )
            for year in years
        ]
    )
    labels = {key: str(label) for key, label in PersonCategory.choices}
    out = []
    for year, n_people in zip(years, people, strict=True):
        count = sum(n for n, _h in by_cat[year].values())
        hours = sum((h for _n, h in by_cat[year].values()), Decimal("0"))
        key = date(year, 1, 1)
        out.append(
            TrainingStats(
                count=count,
                hours=hours,
                people=n_people,
                by_category=_rows(by_cat[year], labels),
                by_enterprise=[],
                by_street=[],
                by_period=[{"key": key, "label": f"{key:%Y}", "count": count, "hours": hours}]
                if count
                else [],
            )
        )
        record(
            training_statistics,
            (scope, Period.of_year(year)),
            {"by": "year", "places": ()},
            out[-1],
        )
    return out


THREE_LEVEL = Figure(
    key="training.three_level_person_times",
    label=_("三级安全教育人次"),
    unit=_("人次"),
    definition=_(
        "统计期间内培训类型为三级安全教育（厂级、车间级、班组级）的培训记录条数，每级各记一人次。"
    ),
    source=_("培训记录（培训类型）"),
    audience=STAFF,
    surfaces=(_("统计填报（预填的系统记录数）"),),
    pick=lambda r: r,
)


@computes(THREE_LEVEL)
def three_level_education(scope: Scope, period: Period) -> int:
    """三级安全教育人次: the period's training records of the three levels. One query, its SQL
    built once per scope and period (portal.db.prepared)."""

    def build() -> tuple[str, list]:
        sql, params = (
            scoped_records(scope)
            .filter(
                date__gte=period.start,
                date__lte=period.end,
                kind__in=[
                    TrainingKind.LEVEL_PLANT,
                    TrainingKind.LEVEL_WORKSHOP,
                    TrainingKind.LEVEL_TEAM,
                ],
            )
            .order_by()
            .values("pk")
            .query.sql_with_params()
        )
        return f"SELECT COUNT(*) FROM ({sql}) r", list(params)  # nosec B608 # the ORM's SQL

    scoped = snapshots.frozen(scope)
    ((count,),) = fetch(
        ("courses.statistics.three_level_education", scoped, period.start, period.end), build
    )
    return int(count)


# --------------------------------------------------------------------------- 学时达标率


def requirement_table() -> dict[tuple[str, bool], TrainingRequirement]:
    return {(r.category, r.high_risk): r for r in TrainingRequirement.objects.all()}


class _Year(Func):
    """The year of a date column as an integer, natively on SQLite (Django's ExtractYear calls a
    Python function per row there)."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="CAST(EXTRACT(YEAR FROM %(expressions)s) AS integer)"
        )

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="CAST(substr(%(expressions)s, 1, 4) AS integer)"
        )


def requirement_people(
    people: QuerySet[Person], year: int, table: dict | None = None
) -> QuerySet[Person]:
    """`people` annotated with `required` (the hours required of them in `year`, None when they
    have no requirement that year), `initial` (the initial-training figure applies: hired that
    year and the table has one), `got` (the hours that count against it) and `review_key`
    (yyyymmdd of the certificate review the hours are due before, for the per-cycle rule; else
    None). The one definition of 学时达标: required is not None and got >= required.

    Two rules, both from the requirement table (by category and the enterprise's training-rule
    risk): a yearly figure (the initial one when hired that year), judged on the hours of `year`;
    and a per-certificate-cycle figure (特种作业人员: `review_cycle_hours`, 8 h before each review of
    the operation certificate), judged only in a year a review falls (first issue date + k × the
    review interval, k ≥ 1), on the hours from the cycle's start up to the review day (both
    included). A 29 February certificate is reviewed on 28 February (`Person.review_cycle`).
    Two queries when evaluated (the requirement table, unless given as `table`, then the people)."""
    if table is None:
        table = requirement_table()
    whens, initial_whens, cycle_whens = [], [], []
    for (category, high_risk), requirement in table.items():
        match = {"category": category, "enterprise__is_training_high_risk": high_risk}
        if requirement.review_cycle_hours:
            cycle_whens.append(
                When(cycle_due=True, **match, then=Value(requirement.review_cycle_hours))
            )
        initial = requirement.hours_for(hired_this_year=True)
        annual = requirement.hours_for(hired_this_year=False)
        if requirement.initial_hours is not None:
            whens.append(When(hired_on__year=year, **match, then=Value(initial)))
            initial_whens.append(When(hired_on__year=year, **match, then=Value(True)))
        if annual is not None:
            whens.append(When(**match, then=Value(annual)))
    decimal = DecimalField(max_digits=8, decimal_places=1)
    hours_field = DecimalField(max_digits=10, decimal_places=1)
    hours = (
        TrainingRecord.objects.filter(
            person=OuterRef("pk"), date__gte=date(year, 1, 1), date__lte=date(year, 12, 31)
        )
        .order_by()
        .values("person")
        .annotate(h=Sum("hours"))
        .values("h")
    )
    got = Coalesce(Subquery(hours), Value(Decimal(0)), output_field=hours_field)
    if not cycle_whens:
        return people.annotate(
            # typed NULLs: with an empty requirement table the CASE has no WHEN and compiles to a
            # bare NULL, which PostgreSQL types as text (then "numeric >= text" in the judgement)
            required=Case(*whens, default=Cast(Value(None), decimal), output_field=decimal),
            initial=Case(*initial_whens, default=Value(False), output_field=BooleanField()),
            got=got,
            review_key=Cast(Value(None), IntegerField()),
        )
    issued = "operation_certificate_issued_on"
    month_day = ExtractMonth(issued) * 100 + ExtractDay(issued)
    cycle_hours = (
        TrainingRecord.objects.filter(person=OuterRef("pk"))
        .annotate(
            day_key=ExtractYear("date") * 10000 + ExtractMonth("date") * 100 + ExtractDay("date")
        )
        .filter(day_key__gte=OuterRef("cycle_start_key"), day_key__lte=OuterRef("cycle_review_key"))
        .order_by()
        .values("person")
        .annotate(h=Sum("hours"))
        .values("h")
    )
    people = (
        people.annotate(
            cycle_step=Coalesce(F("operation_review_years"), Value(3)),
            cycle_issued_year=_Year(issued),
        )
        .annotate(
            cycle_rest=Mod(Value(year) - F("cycle_issued_year"), F("cycle_step")),
            cycle_review_key=Value(year * 10000) + month_day,
            cycle_start_key=(Value(year) - F("cycle_step")) * 10000 + month_day,
        )
        .annotate(
            cycle_due=Case(
                When(
                    Q(**{f"{issued}__isnull": False})
                    & Q(cycle_issued_year__lt=year)
                    & Q(cycle_rest=0),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .annotate(
            cycle_required=Case(*cycle_whens, default=Value(None), output_field=decimal),
        )
    )
    in_cycle = Q(cycle_required__isnull=False)
    return people.annotate(
        required=Case(
            When(in_cycle, then=F("cycle_required")),
            *whens,
            default=Value(None),
            output_field=decimal,
        ),
        initial=Case(
            When(in_cycle, then=Value(False)),
            *initial_whens,
            default=Value(False),
            output_field=BooleanField(),
        ),
        got=Case(
            When(
                in_cycle,
                then=Coalesce(Subquery(cycle_hours), Value(Decimal(0)), output_field=hours_field),
            ),
            default=got,
            output_field=hours_field,
        ),
        review_key=Case(
            When(in_cycle, then=F("cycle_review_key")),
            default=Value(None),
            output_field=IntegerField(),
        ),
    )


@dataclass
class ComplianceCounts:
    year: int
    required: int  # people with a requirement
    compliant: int  # of whom met it
    no_requirement: int  # people with no requirement, apart
    key: object = None
    label: str = ""
    groups: list = field(default_factory=list)  # per street / enterprise (compliance_summary by=)

    @property
    def people(self) -> int:
        """Everyone counted: with and without a requirement."""
        return self.required + self.no_requirement

    @property
    def short(self) -> int:
        return self.required - self.compliant

    @property
    def rate(self) -> Decimal | None:
        return percentage(self.compliant, self.required)


COMPLIANCE_SURFACES = (
    "/courses/compliance/",
    "/courses/compliance/?format=xlsx",
    "/dashboard/",
    _("年度报告 PDF / xlsx / JSON"),
    "/api/v1/courses/compliance",
)
_COMPLIANCE = _(
    "在职人员中，其人员类别（及所在企业是否属高危行业）有年度培训学时要求者（当年入职按初次培训要求），"
    "统计年度（期间结束日所在年份）内培训学时达到要求的人数；无要求的人员单列，不计入达标或分母。"
)
COMPLIANCE_REQUIRED = Figure(
    key="compliance.required",
    label=_("有学时要求人数"),
    unit=_("人"),
    definition=_COMPLIANCE,
    source=_("人员（在职、类别、入职日期、所在企业）、培训学时要求表、培训记录"),
    audience=STAFF,
    surfaces=COMPLIANCE_SURFACES,
    pick=lambda r: r.required,
)
COMPLIANCE_COMPLIANT = Figure(
    key="compliance.compliant",
    label=_("学时达标人数"),
    unit=_("人"),
    definition=_COMPLIANCE,
    source=COMPLIANCE_REQUIRED.source,
    audience=STAFF,
    surfaces=COMPLIANCE_SURFACES,
    pick=lambda r: r.compliant,
)
COMPLIANCE_RATE = Figure(
    key="compliance.rate",
    label=_("学时达标率"),
    unit="%",
    definition=_("学时达标人数 ÷ 有学时要求人数，保留一位小数；无人有要求时不计算（显示“—”）。"),
    source=COMPLIANCE_REQUIRED.source,
    audience=STAFF,
    surfaces=COMPLIANCE_SURFACES,
    pick=lambda r: r.rate,
)
COMPLIANCE_NONE = Figure(
    key="compliance.no_requirement",
    label=_("无学时要求人数"),
    unit=_("人"),
    definition=_("在职人员中，其人员类别没有年度培训学时要求的人数（单列，不计入达标率）。"),
    source=COMPLIANCE_REQUIRED.source,
    audience=STAFF,
    surfaces=COMPLIANCE_SURFACES,
    pick=lambda r: r.no_requirement,
)

_GROUPS = {
    "street": ("enterprise__street_id", "enterprise__street__name", "enterprise__street__code"),
    "enterprise": ("enterprise_id", "enterprise__name", None),
}


def _group_counts(rows, year: int, by: str) -> list[ComplianceCounts]:
    """ComplianceCounts per group from (key, label, code, required, compliant, none) rows, rows
    of the same group (the rollup's, the changed people's taken away and the live ones) summed; a
    group left with nobody (its people all moved away since the refresh) is not listed; in label
    order (then key), the same whatever the database's collation."""
    merged: dict[object, ComplianceCounts] = {}
    for key_, label_, code_, n_required, n_compliant, n_none in rows:
        key = code_ if _GROUPS[by][2] else key_
        group = merged.setdefault(key, ComplianceCounts(year, 0, 0, 0, key=key, label=label_ or ""))
        group.required += int(n_required or 0)
        group.compliant += int(n_compliant or 0)
        group.no_requirement += int(n_none or 0)
    listed = [g for g in merged.values() if g.required or g.no_requirement]
    return sorted(listed, key=lambda g: (g.label, g.key is None, str(g.key)))


def _counts_sql(people: QuerySet[Person], by: str | None) -> tuple[str, list]:
    """The counts of `requirement_people`'s rows, in total (one row) or per group, as rows of
    ([key, label, code,] required, compliant, no_requirement). The rows are computed once in a
    materialised CTE and counted outside it: counted in place, every FILTER would evaluate the
    requirement's CASE (and its hours subquery) again for each person."""
    group: list[str] = []
    if by is not None:
        g_key, g_label, g_code = _GROUPS[by]
        people = people.annotate(g_key=F(g_key), g_label=F(g_label), g_code=F(g_code or g_key))
        group = ["g_key", "g_label", "g_code"]
    people = people.annotate(p_id=F("pk"))
    sql, params = (
        people.values(*group, "p_id", "required", "got").order_by().query.sql_with_params()
    )
    columns = "".join(f"t.{c}, " for c in group)
    query = (
        f"WITH t AS MATERIALIZED ({sql}) SELECT {columns}"  # nosec B608 # the ORM's own SQL
        "SUM(CASE WHEN t.required IS NOT NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN t.required IS NOT NULL AND t.got >= t.required THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN t.required IS NULL THEN 1 ELSE 0 END) FROM t"
    )
    if group:
        query += " GROUP BY t.g_key, t.g_label, t.g_code"
    return query, list(params)


def _less(q: Q) -> Case:
    return Case(When(q, then=Value(-1)), default=Value(0))


def _rolled_sql(scope: Scope, year: int, by: str | None) -> tuple[str, list]:
    """The counts the 学时达标 rollup (courses.rollups) holds as of its refresh: its per-enterprise
    sums, added up in SQL (per group with `by`)."""
    group = _group_columns(by)
    return _group_sums_sql(
        EnterpriseYearCompliance.objects.filter(_rollup_q(scope), year=year)
        .annotate(**group, n_r=F("required"), n_c=F("compliant"), n_x=F("no_requirement"))
        .values_list(*group, "n_r", "n_c", "n_x"),
        group,
    )


def _group_columns(by: str | None) -> dict:
    if by is None:
        return {}
    key, label, code = _GROUPS[by]
    return {"g_key": F(key), "g_label": F(label), "g_code": F(code or key)}


def _group_sums_sql(rows: QuerySet, group: dict) -> tuple[str, list]:
    """(n_r, n_c, n_x) of `rows` summed in SQL, per group (g_key, g_label, g_code) if any."""
    sql, params = rows.order_by().query.sql_with_params()
    columns = "".join(f"u.{c}, " for c in group)
    query = f"SELECT {columns}SUM(u.n_r), SUM(u.n_c), SUM(u.n_x) FROM ({sql}) u"  # nosec B608 # ORM
    if group:
        query += " GROUP BY u.g_key, u.g_label, u.g_code"
    return query, list(params)


def _changed_sql(
    scope: Scope, year: int, by: str | None, state: TrainingRollupState, table: dict
) -> tuple[str, list]:
    """The live half of 学时达标 through the rollup: the rollup rows of the people changed since
    its refresh taken away (negative counts) and those people judged live — one statement, so
    that both halves see the same changed people (one snapshot of the data); each row ends with
    `_unrefreshed_sql(state)`."""
    group = _group_columns(by)
    less, l_params = _group_sums_sql(
        PersonYearCompliance.objects.filter(
            _rollup_q(scope), rollups.changed_q(state, "person_id", year), year=year
        )
        .annotate(
            **group,
            n_r=_less(Q(required=True)),
            n_c=_less(Q(required=True, compliant=True)),
            n_x=_less(Q(required=False)),
        )
        .values_list(*group, "n_r", "n_c", "n_x"),
        group,
    )
    changed = scope_people(scope).filter(rollups.changed_q(state, year=year), is_active=True)
    live, j_params = _counts_sql(requirement_people(changed, year, table), by)
    check, c_params = _unrefreshed_sql(state)
    query = (
        f"SELECT x.*, {check} FROM (SELECT * FROM ({less}) r "  # nosec B608 # the ORM's SQL
        f"UNION ALL SELECT * FROM ({live}) c) x"
    )
    return query, [*c_params, *l_params, *j_params]


def _compliance_rows(
    key: tuple, build: Callable[[], tuple[str, list]], *, few_changed: bool = False
) -> list[tuple]:
    """The rows of one 学时达标 statement, its SQL built once per `key` (portal.db.prepared);
    `few_changed`: it judges only the people changed since the rollups' refresh (at most
    MAX_DELTA_PEOPLE), looked up by index (portal.db.plans)."""
    return fetch(("courses.statistics.compliance_summary", *key), build, few_rows=few_changed)


@computes(COMPLIANCE_REQUIRED, COMPLIANCE_COMPLIANT, COMPLIANCE_RATE, COMPLIANCE_NONE)
def compliance_summary(scope: Scope, period: Period, *, by: str | None = None) -> ComplianceCounts:
    """学时达标 of the scope's active people for the year the period ends in; with by="street" or
    "enterprise", also per street / enterprise in `groups` (the totals are their sums).

    From the 学时达标 rollup when it holds the year (courses.rollups): its sums as of the refresh
    (one query, kept as a part of a figure snapshot being computed: `_rollup_half`), less the rows
    of the people changed since (`changed_people`) and those people judged live, in one more
    statement — 3 queries (the rollup state, the changed people, the sums), 5 when someone
    changed (the requirement table and the live half). From the records and people otherwise: 3
    queries (the state, the requirement table, the people), 2 for a scope the rollups do not
    cover. Each statement's SQL is built once per scope, year, grouping, rule table and rollup
    state (portal.db.prepared)."""
    year = period.end.year
    state = rollups.current(Period.of_year(year)) if scope.kind in _ROLLUP_SCOPES else None
    changed = rollups.changed_people(state, year) if rollups.compliance_years(state, year) else None

    def from_records() -> list[tuple]:
        table = requirement_table()
        return _compliance_rows(
            ("live", snapshots.frozen(scope), year, by, snapshots.frozen(table)),
            lambda: _counts_sql(
                requirement_people(scope_people(scope).filter(is_active=True), year, table), by
            ),
        )

    if changed is None:
        rows = from_records()
    else:
        rolled_key = ("rolled", snapshots.frozen(scope), year, by)
        rows = _rollup_half(
            f"compliance.{by}",
            (*rolled_key, state.refreshed_at),
            lambda: _compliance_rows(rolled_key, lambda: _rolled_sql(scope, year, by)),
        )
        if changed:
            table = requirement_table()
            live = _compliance_rows(
                (
                    "changed",
                    snapshots.frozen(scope),
                    year,
                    by,
                    snapshots.frozen(table),
                    state.watermark,
                    state.refreshed_at,
                ),
                lambda: _changed_sql(scope, year, by, state, table),
                few_changed=True,
            )
            if all(row[-1] for row in live):
                rows = rows + [row[:-1] for row in live]
            else:  # refreshed meanwhile: the rollup's sums and these rows are of two refreshes
                rows = from_records()
    if by is None:
        required, compliant, none = (sum(int(row[i] or 0) for row in rows) for i in range(3))
        return ComplianceCounts(year, required, compliant, none)
    groups = _group_counts(rows, year, by)
    return ComplianceCounts(
        year,
        sum(g.required for g in groups),
        sum(g.compliant for g in groups),
        sum(g.no_requirement for g in groups),
        groups=groups,
    )


def compliance_breakdown(scope: Scope, period: Period, *, by: str) -> list[ComplianceCounts]:
    """`compliance_summary` per street (by="street", key = the street's code) or per enterprise
    (by="enterprise", key = its pk)."""
    return compliance_summary(scope, period, by=by).groups


# --------------------------------------------------------------------------- programmes


PROGRAMME_PEOPLE = Figure(
    key="programmes.people_trained",
    label=_("培训项目培训人数（按期次）"),
    unit=_("人"),
    definition=_(
        "培训项目（如双百双千）各期次中，结束日期在统计期间内的线下培训班已签到的不同人员数。"
    ),
    source=_("线下培训班报名（签到时间）、培训班所属期次与项目"),
    audience=STAFF,
    surfaces=(_("年度报告 PDF / xlsx / JSON"),),
    pick=lambda r: {(row["programme"], row["cohort"]): row["people"] for row in r},
)


@computes(PROGRAMME_PEOPLE)
def programme_people(scope: Scope, period: Period) -> list[dict]:
    """People who attended classes of a programme ending in the period, per programme and
    cohort ("cohort" "" for classes of no cohort) and per programme in total (cohort None).
    One query."""
    registrations = ClassRegistration.objects.filter(
        scope_enterprise_q(scope, "person__enterprise"),
        attended_at__isnull=False,
        training_class__programme__isnull=False,
        training_class__ends_on__gte=period.start,
        training_class__ends_on__lte=period.end,
    )
    rows = list(
        registrations.values(
            "training_class__programme_id",
            "training_class__programme__name",
            "training_class__cohort__name",
            "person_id",
        )
        .distinct()
        .order_by()
    )
    programmes: dict[str, dict] = {}
    for row in rows:
        name = row["training_class__programme__name"]
        cohort = row["training_class__cohort__name"] or ""
        entry = programmes.setdefault(name, {"all": set(), "cohorts": {}})
        entry["all"].add(row["person_id"])
        entry["cohorts"].setdefault(cohort, set()).add(row["person_id"])
    out = []
    for name in sorted(programmes):
        entry = programmes[name]
        out.append({"programme": name, "cohort": None, "people": len(entry["all"])})
        for cohort in sorted(entry["cohorts"]):
            if cohort:
                out.append(
                    {"programme": name, "cohort": cohort, "people": len(entry["cohorts"][cohort])}
                )
    return out


PROGRAMME_SURFACES = ("/courses/programmes/<pk>/",)
_PROGRAMME_SOURCE = _("线下培训班报名（签到时间）、培训班所属项目与期次、人员所在企业")
PROGRAMME_ENTERPRISES = Figure(
    key="programmes.enterprises_covered",
    label=_("培训项目覆盖企业数"),
    unit=_("家"),
    definition=_(
        "培训项目（如双百双千）的线下培训班中，签到时间在统计期间内的已签到人员现所在企业的"
        "不同企业数（项目页：项目开始至今，不分辖区，与项目目标企业数对照）。"
    ),
    source=_PROGRAMME_SOURCE,
    audience=STAFF,
    surfaces=PROGRAMME_SURFACES,
    pick=lambda r: r.enterprises_covered,
)
PROGRAMME_TRAINED = Figure(
    key="programmes.people_to_date",
    label=_("培训项目已培训人数"),
    unit=_("人"),
    definition=_(
        "培训项目的线下培训班中，签到时间在统计期间内的已签到不同人员数，每人只计一次"
        "（项目页：项目开始至今，不分辖区，与项目目标人数对照）。"
    ),
    source=_PROGRAMME_SOURCE,
    audience=STAFF,
    surfaces=PROGRAMME_SURFACES,
    pick=lambda r: r.people_trained,
)
PROGRAMME_COHORTS = Figure(
    key="programmes.cohort_people_to_date",
    label=_("培训项目各期次已培训人数"),
    unit=_("人"),
    definition=_(
        "培训项目各期次的线下培训班中，签到时间在统计期间内的已签到不同人员数，按期次分列"
        "（一人参加两期各计一次；项目页：项目开始至今，不分辖区）。"
    ),
    source=_PROGRAMME_SOURCE,
    audience=STAFF,
    surfaces=PROGRAMME_SURFACES,
    pick=lambda r: {row["cohort"].pk: row["people"] for row in r.by_cohort},
)


@dataclass
class ProgrammeFigures:
    enterprises_covered: int
    people_trained: int
    target_enterprises: int
    target_people: int
    by_cohort: list[dict]

    @staticmethod
    def _pct(value: int, target: int) -> int:
        return min(100, round(100 * value / target)) if target else 0

    @property
    def enterprises_percent(self) -> int:
        return self._pct(self.enterprises_covered, self.target_enterprises)

    @property
    def people_percent(self) -> int:
        return self._pct(self.people_trained, self.target_people)


@computes(PROGRAMME_ENTERPRISES, PROGRAMME_TRAINED, PROGRAMME_COHORTS)
def programme_figures(scope: Scope, period: Period, *, programme) -> ProgrammeFigures:
    """One programme's progress against its targets: the enterprises covered and the people
    trained (attended at least one of its classes, attendance in the period; people of the
    scope), in total and per cohort. The programme page asks for everyone to date
    (`Scope.everything()`, the programme's start to today): its targets are the programme's.
    Three queries."""
    lo, hi = period.bounds
    attended = ClassRegistration.objects.filter(
        scope_enterprise_q(scope, "person__enterprise"),
        training_class__programme=programme,
        attended_at__gte=lo,
        attended_at__lt=hi,
    )
    totals = attended.aggregate(
        people=Count("person", distinct=True),
        enterprises=Count("person__enterprise", distinct=True),
    )
    per_cohort = dict(
        attended.filter(training_class__cohort__isnull=False)
        .values_list("training_class__cohort")
        .annotate(n=Count("person", distinct=True))
        .values_list("training_class__cohort", "n")
    )
    cohorts = [{"cohort": c, "people": per_cohort.get(c.pk, 0)} for c in programme.cohorts.all()]
    return ProgrammeFigures(
        enterprises_covered=totals["enterprises"],
        people_trained=totals["people"],
        target_enterprises=programme.target_enterprises,
        target_people=programme.target_people,
        by_cohort=cohorts,
    )


# --------------------------------------------------------------------------- study-log hours


@dataclass
class EnterpriseHours:
    enterprise_id: int
    name: str
    measured_seconds: int
    credited_hours: Decimal

    @property
    def measured_hours(self) -> Decimal:
        from courses.learning import measured_hours

        return measured_hours(self.measured_seconds)


STUDY_SURFACES = ("/courses/study-log/",)
STUDY_MEASURED = Figure(
    key="study.measured_hours",
    label=_("在线学习实测学时（按企业）"),
    unit=_("学时"),
    definition=_(
        "开始时间在统计期间内的在线学习会话计入的学习秒数之和，按人员现所在企业分列，"
        "按每学时分钟数折算为学时、向下保留一位小数（学习日志页：所选结束日期所在年度）。"
    ),
    source=_("在线学习会话（计入秒数）"),
    audience=STAFF,
    surfaces=STUDY_SURFACES,
    pick=lambda r: {row.enterprise_id: row.measured_hours for row in r},
)
STUDY_CREDITED = Figure(
    key="study.credited_hours",
    label=_("在线课程记入学时（按企业）"),
    unit=_("学时"),
    definition=_(
        "培训日期在统计期间内、来源为在线课程的培训记录学时之和，按记录时所在企业分列"
        "（与实测学时对照，供核查争议）。"
    ),
    source=_("培训记录（来源：在线课程）"),
    audience=STAFF,
    surfaces=STUDY_SURFACES,
    pick=lambda r: {row.enterprise_id: row.credited_hours for row in r},
)


@computes(STUDY_MEASURED, STUDY_CREDITED)
def study_hours(scope: Scope, period: Period) -> list[EnterpriseHours]:
    """Per enterprise of the scope with any: study time measured in the period (sessions
    started in it) and the 学时 of the online-course training records dated in it. Three
    queries at any size."""
    lo, hi = period.bounds
    enterprises = list(
        Enterprise.objects.filter(scope_enterprise_q(scope))
        .order_by("name")
        .values_list("pk", "name")
    )
    ids = [pk for pk, _name in enterprises]
    measured = dict(
        StudySession.objects.filter(
            person__enterprise_id__in=ids, started_at__gte=lo, started_at__lt=hi
        )
        .values_list("person__enterprise_id")
        .annotate(s=Sum("credited_seconds"))
        .values_list("person__enterprise_id", "s")
    )
    credited = dict(
        TrainingRecord.objects.filter(
            enterprise_id__in=ids,
            date__gte=period.start,
            date__lte=period.end,
            source_kind=SourceKind.COURSE,
        )
        .values_list("enterprise_id")
        .annotate(h=Sum("hours"))
        .values_list("enterprise_id", "h")
    )
    return [
        EnterpriseHours(
            enterprise_id=pk,
            name=name,
            measured_seconds=measured.get(pk) or 0,
            credited_hours=credited.get(pk) or Decimal("0"),
        )
        for pk, name in enterprises
        if measured.get(pk) or credited.get(pk)
    ]
