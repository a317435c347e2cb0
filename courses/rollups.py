"""Training rollups: 培训人次 and 学时 summed per (enterprise, category, year), per (enterprise,
month) and per (person, enterprise, year), 参训人数 per (enterprise, year) and 学时达标 per (person,
year), so that the dashboard
and the annual report need not read every training record or judge every person of a district.

    refresh() -> TrainingRollupState          rebuild the tables (django-q2 schedule, 5 min)
    unchanged_state() -> TrainingRollupState | None   the state while nothing was written since
    current(period) -> TrainingRollupState | None   the state when the rollups may answer `period`
    changed_people(state, year) -> list[int] | None   the people 学时达标 of `year` judges live
    changed_q(state, field, year) -> Q          the same as a condition in SQL
    compliance_years(state, year) -> bool       whether 学时达标 of `year` is rolled up
    snapshot()                                  context: the state and changed people read once
    mark_stale(pk) / mark_all_stale()           something the rollups hold changed

The rollups are never the definition of a figure: `courses.statistics` computes every figure from
the training records, and reads the rollups only as a faster path to the same number:
- they answer whole calendar years only (the annual report, the dashboard's 全年); any other
  period is computed from the records;
- they hold the records with pk ≤ `watermark` as they were at the last refresh; the records
  inserted since (pk > watermark) are read live and added, so a new record counts at once;
- editing or deleting a record at or below the watermark (post_save / post_delete) marks the
  rollups stale, and the figures are computed from the records until the next refresh.
A person moving to another enterprise or category changes no training rollup: a training record
keeps the enterprise and category of the day it was written (`record_training`).

学时达标 (`PersonYearCompliance`) holds each active person's judgement per year as of the refresh,
by the one definition (`courses.statistics.requirement_people`), and `EnterpriseYearCompliance`
its sums per enterprise. `compliance_summary` sums the latter, less the rows of the people changed
since (`changed_people`: saved since the refresh — Person.updated_at
covers another enterprise or category, a new hire, leaving, the certificate dates — or with records
written since the watermark), whom it judges live, so that the live work is proportional to the
changes, not to the district. What no person's save shows marks the rollups stale: an edited or
deleted record, a person deleted, the requirement table changed, an enterprise moved in or out of
the training rule's high-risk list (its own save, or the high-risk industry table's; its street
may change: the rollups are summed per enterprise and joined to its street when read).

tests/courses/test_rollups.py checks that every figure computed through the rollups equals the
one computed from the records after each kind of change.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from django.db import connection, transaction
from django.db.models import F, Max, Min, Q, QuerySet
from django.utils import timezone

from courses.models import (
    EnterpriseMonthTraining,
    EnterpriseYearCompliance,
    EnterpriseYearPeople,
    EnterpriseYearTraining,
    PersonYearCompliance,
    PersonYearTraining,
    TrainingRecord,
    TrainingRequirement,
    TrainingRollupState,
)
from portal import snapshots
from portal.db import changes
from portal.db.prepared import fetch
from portal.models import Enterprise, HighRiskIndustry, Person
from portal.periods import Period

# Above this many people changed since the last refresh, 学时达标 is computed from the records
# (the rollups are behind: the schedule has not run).
MAX_DELTA_PEOPLE = 2000
REFRESH_MINUTES = 5
# 学时达标 is rolled up for at most this many years (the latest, up to next year).
COMPLIANCE_YEARS = 10


def _year_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS integer)"
    return f"CAST(substr({column}, 1, 4) AS integer)"


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"substr({column}, 1, 7) || '-01'"


def refresh() -> TrainingRollupState:
    """Rebuild the rollups from the training records, in one transaction: three INSERT … SELECT
    … GROUP BY over the records up to the current largest pk (the watermark)."""
    records = TrainingRecord._meta.db_table
    started = timezone.now()
    with transaction.atomic():
        state, _created = TrainingRollupState.objects.select_for_update().get_or_create(pk=1)
        # Read before the records: anything committed after it moves the version past the one
        # stored below, and the next scheduled refresh runs (unchanged_state).
        version = changes.version(connection)
        watermark = TrainingRecord.objects.aggregate(m=Max("pk"))["m"] or 0
        for model in (
            EnterpriseYearTraining,
            EnterpriseMonthTraining,
            PersonYearTraining,
            PersonYearCompliance,
            EnterpriseYearCompliance,
            EnterpriseYearPeople,
        ):
            model.objects.all().delete()
        year, month = _year_sql("date"), _month_sql("date")
        statements = [
            (
                EnterpriseYearTraining,
                "enterprise_id, category, year, count, hours",
                f"enterprise_id, category, {year}, COUNT(*), SUM(hours)",
                f"enterprise_id, category, {year}",
            ),
            (
                EnterpriseMonthTraining,
                "enterprise_id, month, count, hours",
                f"enterprise_id, {month}, COUNT(*), SUM(hours)",
                f"enterprise_id, {month}",
            ),
            (
                PersonYearTraining,
                "person_id, enterprise_id, year, count, hours, multi",
                f"person_id, enterprise_id, {year}, COUNT(*), SUM(hours), FALSE",
                f"person_id, enterprise_id, {year}",
            ),
        ]
        with connection.cursor() as cur:
            for model, columns, select, group in statements:
                cur.execute(
                    f"INSERT INTO {model._meta.db_table} ({columns}) "  # nosec B608 # fixed names
                    f"SELECT {select} FROM {records} WHERE id <= %s GROUP BY {group}",
                    [watermark],
                )
            person_year = PersonYearTraining._meta.db_table
            cur.execute(
                f"UPDATE {person_year} SET multi = TRUE WHERE EXISTS ("  # nosec B608 # fixed
                f"SELECT 1 FROM {person_year} q WHERE q.person_id = {person_year}.person_id "
                f"AND q.year = {person_year}.year AND q.enterprise_id <> {person_year}.enterprise_id)"
            )
            cur.execute(
                f"INSERT INTO {EnterpriseYearPeople._meta.db_table} "  # nosec B608 # fixed names
                "(enterprise_id, year, people) SELECT enterprise_id, year, COUNT(*) "
                f"FROM {person_year} WHERE NOT multi GROUP BY enterprise_id, year"
            )
        first, last = _compliance_years()
        for year in range(first, last + 1):
            _insert_compliance(year)
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {EnterpriseYearCompliance._meta.db_table} "  # nosec B608 # fixed
                "(enterprise_id, year, required, compliant, no_requirement) "
                "SELECT enterprise_id, year, "
                "SUM(CASE WHEN required THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN required AND compliant THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN required THEN 0 ELSE 1 END) "
                f"FROM {PersonYearCompliance._meta.db_table} GROUP BY enterprise_id, year"
            )
        state.watermark = watermark
        # As of the start: a person saved during the refresh counts as changed since it.
        state.refreshed_at = started
        state.compliance_first_year, state.compliance_last_year = first, last
        state.stale = False
        # A figure computed while this ran may have read both the old and the new rollups: the
        # version moves (the rollups are DERIVED: no trigger), by exactly 1.
        changes.touch(connection)
        state.data_version = version + 1
        state.save()
    return state


def unchanged_state() -> TrainingRollupState | None:
    """The rollup state when a refresh would rebuild the same rows: refreshed today, not stale,
    the same years of 学时达标, and nothing written to a watched table since the refresh (the
    data version is the one it stored: a new or edited record by any path — raw SQL, a queryset
    update, a record committed late below the watermark —, a person saved, a rule table …).
    None when the rollups need a refresh. Three small queries."""
    state = TrainingRollupState.objects.filter(pk=1, stale=False).first()
    if state is None or state.refreshed_at is None or state.data_version is None:
        return None
    if timezone.localtime(state.refreshed_at).date() != timezone.localdate():
        return None
    if state.data_version != changes.version(connection):
        return None
    if _compliance_years() != (state.compliance_first_year, state.compliance_last_year):
        return None
    return state


def _compliance_years() -> tuple[int, int]:
    """The years 学时达标 is rolled up for: those of the records (as rolled up) with this year
    and the last (the dashboard and the annual report), at most COMPLIANCE_YEARS, up to next
    year."""
    this = timezone.localdate().year
    span = PersonYearTraining.objects.aggregate(lo=Min("year"), hi=Max("year"))
    last = min(max(span["hi"] or this, this), this + 1)
    first = max(min(span["lo"] or this - 1, this - 1), last - COMPLIANCE_YEARS + 1)
    return first, last


def _insert_compliance(year: int) -> None:
    """One INSERT … SELECT of every active person's 学时达标 for `year`, judged by the one
    definition (`courses.statistics.requirement_people`) from the records."""
    from courses.statistics import requirement_people
    from portal.scoping import Scope, scope_people

    people = requirement_people(scope_people(Scope.everything()).filter(is_active=True), year)
    sql, params = (
        people.annotate(p_id=F("pk"))
        .values("p_id", "enterprise_id", "required", "got")
        .order_by()
        .query.sql_with_params()
    )
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {PersonYearCompliance._meta.db_table} "  # nosec B608 # the ORM's SQL
            "(person_id, enterprise_id, year, required, compliant) "
            "SELECT t.p_id, t.enterprise_id, %s, t.required IS NOT NULL, "
            f"t.required IS NOT NULL AND t.got >= t.required FROM ({sql}) t",
            [year, *params],
        )


def changed_people(state: TrainingRollupState, year: int | None = None) -> list[int] | None:
    """The people whose 学时达标 (of `year`, or of any year) the rollup may not hold as it is now:
    saved since the refresh (Person.updated_at: a new person, another enterprise or category,
    left) or with records written since the watermark dated in or before `year` (the
    certificate-cycle rule reads earlier years; a later record changes no judgement of `year`).
    None when there are more than MAX_DELTA_PEOPLE of them (compute live). One query."""
    if state.refreshed_at is None:
        return None
    return _remembered(
        ("changed", state.watermark, state.refreshed_at, year),
        lambda: _changed_people(state, year),
    )


def _changed_parts(state: TrainingRollupState, year: int | None) -> tuple[QuerySet, QuerySet]:
    """The two halves of the changed people (one definition): the people of the records written
    since the watermark (dated in or before `year`), the people saved since the refresh."""
    records = TrainingRecord.objects.filter(pk__gt=state.watermark)
    if year is not None:
        records = records.filter(date__lte=date(year, 12, 31))
    records = records.order_by().values_list("person_id")
    saved = Person.objects.filter(updated_at__gte=state.refreshed_at).order_by().values_list("pk")
    return records, saved


def _changed_people(state: TrainingRollupState, year: int | None) -> list[int] | None:
    def build() -> tuple[str, list]:
        records, saved = _changed_parts(state, year)
        return records.union(saved)[: MAX_DELTA_PEOPLE + 1].query.sql_with_params()

    # its SQL built once per watermark, refresh, year and limit (portal.db.prepared)
    key = (
        "courses.rollups.changed_people",
        state.watermark,
        state.refreshed_at,
        year,
        MAX_DELTA_PEOPLE,
    )
    changed = [pk for (pk,) in fetch(key, build)]
    return changed if len(changed) <= MAX_DELTA_PEOPLE else None


def changed_q(state: TrainingRollupState, field: str = "pk", year: int | None = None) -> Q:
    """`changed_people(state, year)` as a condition on a person's pk (`field`), in SQL: a query
    using it is the same query whoever changed since, so its SQL is built once
    (portal.db.prepared)."""
    records, saved = _changed_parts(state, year)
    return Q(**{f"{field}__in": records.union(saved)})


def compliance_years(state: TrainingRollupState | None, year: int) -> bool:
    """Whether the rollup holds 学时达标 for `year`."""
    if state is None or state.compliance_first_year is None:
        return False
    return state.compliance_first_year <= year <= state.compliance_last_year


def current(period: Period) -> TrainingRollupState | None:
    """The rollup state when the rollups may answer `period` (a whole calendar year, rollups
    built and not stale); None otherwise. One query for a whole year, none for other periods."""
    whole_year = (
        period.start.month,
        period.start.day,
        period.end.month,
        period.end.day,
    ) == (1, 1, 12, 31) and period.start.year == period.end.year
    if not whole_year:
        return None
    return _remembered(
        "state", lambda: TrainingRollupState.objects.filter(pk=1, stale=False).first()
    )


_snapshot: ContextVar[dict | None] = ContextVar("courses_rollups_snapshot", default=None)


def _remembered(key, read):
    """read()'s value, read once within a `snapshot()`. A figure part reusing it depends on the
    tables its query read (portal.snapshots.depends_on), as if it had run the query itself."""
    memo = _snapshot.get()
    if memo is None:
        return read()
    if key in memo:
        value, sources = memo[key]
        snapshots.depends_on(sources)
        return value
    with snapshots.reading() as sources:
        value = read()
    memo[key] = (value, frozenset(sources))
    return value


@contextmanager
def snapshot():
    """Within it, the rollup state and the people changed since the refresh are read once (the
    first `current` / `changed_people`) and reused: a dashboard or an annual report asks for
    them once per figure and year; every figure of the page then reads the same snapshot."""
    token = _snapshot.set({}) if _snapshot.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _snapshot.reset(token)


def mark_stale(pk: int | None) -> None:
    """A record at or below the watermark was edited or deleted: compute live until refreshed.
    The version moves (a figure computed between the edit and this read the old rollups)."""
    if pk is None:
        return
    if TrainingRollupState.objects.filter(watermark__gte=pk, stale=False).update(stale=True):
        changes.touch(connection)


def mark_all_stale() -> None:
    """Something every person's 学时达标 may depend on changed (the requirement table, an
    enterprise's training-rule risk, a person deleted): compute live until refreshed."""
    if TrainingRollupState.objects.filter(stale=False).update(stale=True):
        changes.touch(connection)


def _changed(sender, instance, created=False, **kwargs) -> None:
    if not created:
        mark_stale(instance.pk)


def _deleted(sender, instance, **kwargs) -> None:
    mark_stale(instance.pk)


def _all_changed(sender, instance, **kwargs) -> None:
    mark_all_stale()


def _enterprise_loaded(sender, instance, **kwargs) -> None:
    instance._rollup_risk = instance.__dict__.get("is_training_high_risk")


def _enterprise_saved(sender, instance, created=False, **kwargs) -> None:
    """An enterprise moved in or out of the training rule's high-risk list: the requirements of
    all its people change. (Its street may change freely: the rollups are per enterprise.)"""
    if not created and instance.is_training_high_risk != getattr(
        instance, "_rollup_risk", instance.is_training_high_risk
    ):
        mark_all_stale()
    instance._rollup_risk = instance.is_training_high_risk


def connect() -> None:
    from django.db.models.signals import post_delete, post_init, post_save

    post_save.connect(_changed, sender=TrainingRecord, dispatch_uid="courses.rollups.changed")
    post_delete.connect(_deleted, sender=TrainingRecord, dispatch_uid="courses.rollups.deleted")
    for signal, sender, name in (
        (post_save, TrainingRequirement, "requirement_saved"),
        (post_delete, TrainingRequirement, "requirement_deleted"),
        (post_delete, Person, "person_deleted"),
        # Its save / delete updates the enterprises' training-rule flags in bulk (no signal).
        (post_save, HighRiskIndustry, "high_risk_saved"),
        (post_delete, HighRiskIndustry, "high_risk_deleted"),
    ):
        signal.connect(_all_changed, sender=sender, dispatch_uid=f"courses.rollups.{name}")
    post_init.connect(
        _enterprise_loaded, sender=Enterprise, dispatch_uid="courses.rollups.enterprise_loaded"
    )
    post_save.connect(
        _enterprise_saved, sender=Enterprise, dispatch_uid="courses.rollups.enterprise_saved"
    )
