"""Figure snapshots (portal.snapshots): a dashboard or an annual report asked again while nothing
changed is its snapshot (one query); after every kind of change — through the ORM, a queryset's
update(), bulk_create, raw SQL, a cascade — what is served equals what the figures' functions
compute live, for a district, a street and an enterprise."""

from __future__ import annotations

import re
from contextlib import nullcontext
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone, translation

from courses import rollups, statistics
from courses.models import TrainingRecord, TrainingRequirement, TrainingRollupState
from courses.tasks import refresh_training_rollups
from dashboard import services
from drills.models import CorrectiveAction, Drill, Finding, Participation
from portal import snapshots
from portal.db import changes
from portal.figures import recording
from portal.models import FigureSnapshot, PersonCategory
from portal.periods import Period
from portal.scoping import Scope
from tests.competitions.factories import add_team, finish, make_competition
from tests.dashboard.factories import add_record, held_drill
from tests.exams.factories import make_paper
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 29)
YEAR = Period("year", date(2026, 1, 1), date(2026, 12, 31), "2026")
JUNE = Period("month", date(2026, 6, 1), date(2026, 6, 30), "2026-06")


@pytest.fixture
def views(known_data, supervisor, street, enterprise):
    """What each surface asks for: the district's year, a street's year, an enterprise's June,
    the district's annual report."""
    targets = {
        "district": services.default_target(supervisor),
        "street": services.region_target(supervisor, street.code),
        "enterprise": services.enterprise_target(supervisor, enterprise.pk),
    }

    def ask() -> dict:
        report = services.annual_report(target=targets["district"], year=2026)
        report.pop("generated_at")
        return {
            "district": services.dashboard_figures(
                target=targets["district"], period=YEAR, today=TODAY
            ),
            "street": services.dashboard_figures(
                target=targets["street"], period=YEAR, today=TODAY
            ),
            "enterprise": services.dashboard_figures(
                target=targets["enterprise"], period=JUNE, today=TODAY
            ),
            "report": report,
        }

    return ask


def _live(ask) -> dict:
    """Computed now, from the records alone (no snapshot; the training rollups out of play)."""
    state = TrainingRollupState.objects.filter(pk=1).first()
    TrainingRollupState.objects.filter(pk=1).update(stale=True)  # a DERIVED table: no trigger
    try:
        with snapshots.live():
            return ask()
    finally:
        if state is not None:
            TrainingRollupState.objects.filter(pk=1).update(stale=state.stale)


def _change_and_check(ask, change) -> None:
    before = ask()  # stored (or already stored): the snapshots a stale read would serve
    assert ask() == before
    change()
    live = _live(ask)
    assert live != before, "the change must move a figure, or this check proves nothing"
    served = ask()
    for name in live:
        assert served[name] == live[name], name


def _raw_sql_update():
    table = TrainingRecord._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET hours = hours + 1 WHERE date >= %s", ["2026-01-01"])  # nosec B608


def test_what_is_served_equals_the_live_figures_after_every_kind_of_change(
    views, known_data, enterprise, other_enterprise, street, district
):
    principal, operator, other = (
        known_data["principal"],
        known_data["operator"],
        known_data["other"],
    )
    paper = make_paper(owner_region=district, title="年度考试")
    changes = {
        "a new training record": lambda: add_record(principal, date(2026, 6, 15), "3"),
        "an edited training record": lambda: _save(
            TrainingRecord.objects.filter(person=other, date__year=2026).first(),
            hours=Decimal("20"),
        ),
        "records updated in bulk": lambda: TrainingRecord.objects.filter(person=principal).update(
            date=date(2026, 6, 30)
        ),
        "a deleted training record": lambda: (
            TrainingRecord.objects.filter(person=operator).first().delete()
        ),
        "the rollups refreshed, then a record": lambda: (
            rollups.refresh(),
            add_record(other, date(2026, 6, 20), "2"),
        ),
        "a person moving to another enterprise": lambda: _save(
            principal, enterprise=other_enterprise
        ),
        "a person changing category": lambda: _save(other, category=PersonCategory.PRINCIPAL),
        "records made in bulk": lambda: TrainingRecord.objects.bulk_create(
            [
                TrainingRecord(
                    person=operator,
                    enterprise=enterprise,
                    category=operator.category,
                    date=date(2026, 6, 2),
                    hours=Decimal("1"),
                    kind="topic",
                    source_kind="external",
                    title="班组安全活动",
                )
                for _ in range(3)
            ]
        ),
        # No signal marks the rollups stale for these two: the scheduled refresh repairs them
        # (it runs: the data version moved since the last one).
        "raw SQL, then the scheduled refresh": lambda: (
            _raw_sql_update(),
            refresh_training_rollups(),
        ),
        "the requirement table updated in bulk, then the scheduled refresh": lambda: (
            TrainingRequirement.objects.filter(category=PersonCategory.PRINCIPAL).update(
                annual_hours=Decimal("1")
            ),
            refresh_training_rollups(),
        ),
        "a drill held": lambda: held_drill(
            enterprise, date(2026, 6, 12), form=Drill.Form.TABLETOP, spent="250", people=3
        ),
        "a participant checked in": lambda: _check_in(enterprise),
        "a drill's spending corrected": lambda: Drill.objects.filter(
            enterprise=other_enterprise
        ).update(spent=Decimal("777")),
        "a corrective action opened": lambda: _corrective_action(enterprise),
        "an exam taken": lambda: finish(paper, principal, 90, at=_at(2026, 6, 8)),
        "an enterprise moving street": lambda: _save(enterprise, street=other_enterprise.street),
        "a competition held": lambda: _competition(district, enterprise, principal),
        "a drill deleted with its participants": lambda: Drill.objects.filter(
            enterprise=other_enterprise
        ).delete(),
    }
    for name, change in changes.items():
        try:
            _change_and_check(views, change)
        except AssertionError as error:
            raise AssertionError(f"after {name}: {error}") from error


def _save(obj, **fields):
    obj = type(obj).objects.get(pk=obj.pk)
    for key, value in fields.items():
        setattr(obj, key, value)
    obj.save()


def _at(y, m, d):
    return timezone.make_aware(timezone.datetime(y, m, d, 10, 0))


def _check_in(enterprise):
    drill = held_drill(enterprise, date(2026, 6, 14), form=Drill.Form.LIVE, spent="0", people=0)
    Participation.objects.create(drill=drill, person=PersonFactory(enterprise=enterprise))
    Participation.objects.filter(drill=drill).update(checked_in_at=drill.planned_start)


def _corrective_action(enterprise):
    drill = Drill.objects.filter(enterprise=enterprise).first()
    finding = Finding.objects.create(drill=drill, grade="general", description="疏散通道堵塞")
    CorrectiveAction.objects.create(
        finding=finding, description="清理通道", due_on=date(2026, 12, 1), owner_name="张三"
    )


def _competition(district, enterprise, person):
    competition = make_competition(district, name="应急救援技能竞赛", year=2026)
    add_team(competition, enterprise, "一队", members=[person])
    competition.status = "closed"  # the annual report takes closed or published ones
    competition.save()


def test_asked_again_with_nothing_changed_it_is_one_query(
    views, django_assert_num_queries, supervisor
):
    target = services.default_target(supervisor)
    first = services.dashboard_figures(target=target, period=YEAR, today=TODAY)
    with django_assert_num_queries(1):
        again = services.dashboard_figures(target=target, period=YEAR, today=TODAY)
    assert again == first
    assert again is not first
    report = services.annual_report(target=target, year=2026)
    with django_assert_num_queries(1):
        again = services.annual_report(target=target, year=2026)
    assert again["generated_at"] >= report["generated_at"]
    assert again["training"] == report["training"]


def test_a_rollup_refresh_or_stale_mark_makes_the_figures_computed_again(
    views, supervisor, known_data, queries
):
    """A refresh repairs what no signal marked, and a figure computed while it ran may have read
    both states; a record edited after a refresh makes the rollups stale after its own commit:
    both move the data version (the rollups are DERIVED tables, their writers touch it)."""
    target = services.default_target(supervisor)
    add_record(known_data["principal"], date(2026, 6, 15), "3")  # since the watermark
    rollups.refresh()
    views()
    for change in (
        rollups.refresh,
        lambda: rollups.mark_stale(TrainingRecord.objects.order_by("pk").first().pk),
    ):
        change()
        with queries.capture() as ctx:
            services.dashboard_figures(target=target, period=YEAR, today=TODAY)
        assert len(ctx.captured_queries) > 10  # computed
        assert views() == _live(views)


def test_a_write_no_figure_reads_keeps_the_snapshots(views, supervisor, django_assert_num_queries):
    from portal.models import Notice

    target = services.default_target(supervisor)
    services.dashboard_figures(target=target, period=YEAR, today=TODAY)
    Notice.objects.create(user=supervisor, key="k", title="通知", body="")
    with django_assert_num_queries(1):
        services.dashboard_figures(target=target, period=YEAR, today=TODAY)


def test_each_language_time_zone_day_and_period_has_its_own_snapshot(views, supervisor):
    target = services.default_target(supervisor)
    zh = services.dashboard_figures(target=target, period=YEAR, today=TODAY)
    with translation.override("en"):
        en = services.dashboard_figures(target=target, period=YEAR, today=TODAY)
        with snapshots.live():
            assert en == services.dashboard_figures(target=target, period=YEAR, today=TODAY)
    assert en.charts != zh.charts  # rendered titles in each language
    assert services.dashboard_figures(target=target, period=YEAR, today=TODAY) == zh
    later = services.dashboard_figures(target=target, period=YEAR, today=TODAY + timedelta(1))
    with snapshots.live():
        assert later == services.dashboard_figures(
            target=target, period=YEAR, today=TODAY + timedelta(1)
        )
    assert services.dashboard_figures(target=target, period=JUNE, today=TODAY).training.count < (
        zh.training.count
    )
    with timezone.override("UTC"):
        services.dashboard_figures(target=target, period=YEAR, today=TODAY)
    assert FigureSnapshot.objects.filter(parent="").count() == 5


def test_a_new_release_never_serves_an_older_releases_snapshot(
    views, supervisor, monkeypatch, queries
):
    target = services.default_target(supervisor)
    services.dashboard_figures(target=target, period=YEAR, today=TODAY)
    monkeypatch.setattr(snapshots, "code_version", lambda: "another release")
    with queries.capture() as ctx:
        services.dashboard_figures(target=target, period=YEAR, today=TODAY)
    assert len(ctx.captured_queries) > 10  # computed, its parts too
    assert FigureSnapshot.objects.filter(parent="").count() == 2


def test_the_every_surface_recording_always_computes(views, supervisor):
    target = services.default_target(supervisor)
    services.dashboard_figures(target=target, period=YEAR, today=TODAY)
    with recording() as rec:
        services.dashboard_figures(target=target, period=YEAR, today=TODAY)
    assert rec.values("training.person_times") == [6]


def test_an_unreadable_snapshot_is_computed_again(views, supervisor):
    target = services.default_target(supervisor)
    first = services.dashboard_figures(target=target, period=YEAR, today=TODAY)
    FigureSnapshot.objects.update(data=b"not a pickle")  # the snapshot and its parts
    assert services.dashboard_figures(target=target, period=YEAR, today=TODAY) == first
    FigureSnapshot.objects.get(parent="")  # stored again
    assert services.dashboard_figures(target=target, period=YEAR, today=TODAY) == first


def test_an_older_snapshot_never_replaces_a_newer_one(views, supervisor):
    from portal.db import changes

    target = services.default_target(supervisor)
    services.dashboard_figures(target=target, period=YEAR, today=TODAY)
    snapshot = FigureSnapshot.objects.get(parent="")
    assert snapshot.version == changes.version(connection)
    snapshots._store(snapshot.key, snapshot.version - 1, "older")
    snapshot.refresh_from_db()
    assert snapshot.version == changes.version(connection)
    assert isinstance(
        services.dashboard_figures(target=target, period=YEAR, today=TODAY), services.Dashboard
    )


def test_the_schedule_tidies_the_version_and_old_snapshots(views, supervisor, queries):
    from portal.db import changes
    from portal.registry import schedules
    from portal.tasks import tidy_figure_snapshots

    assert "portal.tidy_figure_snapshots" in schedules
    target = services.default_target(supervisor)
    services.dashboard_figures(target=target, period=YEAR, today=TODAY)
    old = FigureSnapshot.objects.create(
        key="x" * 64, version=0, data=b"", stored_at=timezone.now() - timedelta(days=3)
    )
    version = changes.version(connection)
    tidy_figure_snapshots()
    assert changes.version(connection) == version
    assert not FigureSnapshot.objects.filter(pk=old.pk).exists()
    assert FigureSnapshot.objects.filter(parent="").count() == 1  # today's still served
    with queries.capture() as ctx:
        services.dashboard_figures(target=target, period=YEAR, today=TODAY)
    assert len(ctx.captured_queries) == 1


_TABLE = re.compile(r'"(\w+)"')


def test_every_table_the_figures_read_is_watched(
    known_data, supervisor, street, enterprise, queries
):
    """The dashboard (district, street, enterprise; a year and a month; from the records and
    through the rollups) and the annual report read only watched tables: a figure reading a new
    table that is not watched would be served stale from its snapshot."""
    existing = set(connection.introspection.table_names())
    targets = [
        services.default_target(supervisor),
        services.region_target(supervisor, street.code),
        services.enterprise_target(supervisor, enterprise.pk),
    ]
    periods = [
        Period("year", date(2026, 1, 1), date(2026, 12, 31), "2026"),
        Period("month", date(2026, 6, 1), date(2026, 6, 30), "2026-06"),
    ]
    read: set[str] = set()
    for refreshed in (False, True):
        if refreshed:
            rollups.refresh()
            add_record(known_data["principal"], date(2026, 6, 3), "2")  # since the watermark
        with snapshots.live(), queries.capture() as ctx:
            for target in targets:
                for period in periods:
                    services.dashboard_figures(
                        target=target, period=period, today=date(2026, 11, 29)
                    )
                services.annual_report(target=target, year=2026)
        for query in ctx.captured_queries:
            assert query["sql"], "a query the check cannot read"
            read |= set(_TABLE.findall(query["sql"])) & existing
    assert {"courses_trainingrecord", "drills_drill", "exams_attempt"} <= read
    assert read - changes.watched_tables() == changes.derived_tables()


def test_the_page_reads_its_figures_in_one_query_and_shows_a_change_at_once(
    client, supervisor, known_data, queries
):
    from django.urls import reverse

    client.force_login(supervisor)
    url = reverse("dashboard:index") + "?period=year&year=2026"

    def persons_times() -> str:
        html = client.get(url).content.decode()
        return html.split('<span class="l">培训人次</span>')[0].rsplit('<span class="n">', 1)[1]

    assert persons_times() == "6</span>"  # the site's settings row is made at the first request
    assert persons_times() == "6</span>"
    with queries.capture() as ctx:
        assert persons_times() == "6</span>"
    sql = [q["sql"] for q in ctx.captured_queries]
    assert sum("portal_figuresnapshot" in q for q in sql) == 1
    assert not [q for q in sql if "courses_" in q or "drills_" in q or "exams_" in q]
    add_record(known_data["other"], date(2026, 10, 1), "2")
    assert persons_times() == "7</span>"
    with snapshots.live():
        assert persons_times() == "7</span>"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's lock wait")
def test_on_sqlite_a_store_waits_briefly_for_another_writer_then_gives_up(views, supervisor):
    raw = connection.connection
    (before,) = raw.execute("PRAGMA busy_timeout").fetchone()
    with snapshots._short_wait():
        assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == snapshots.SQLITE_STORE_WAIT_MS
    assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == before


def test_a_store_that_fails_still_shows_the_figures(views, supervisor, monkeypatch):
    from django.db import OperationalError

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    target = services.default_target(supervisor)
    monkeypatch.setattr(snapshots.pickle, "dumps", locked)
    board = services.dashboard_figures(target=target, period=YEAR, today=TODAY)
    assert board.training.count == 6
    assert not FigureSnapshot.objects.exists()


# --------------------------------------------------------------------------- parts


def _tables_read(queries, compute) -> set[str]:
    """The tables the queries inside compute() read (not the snapshots' store: its parameters,
    shown in the captured SQL, name the tables its parts read)."""
    with queries.capture() as ctx:
        compute()
    return set().union(
        *(
            snapshots.tables_in(q["sql"])
            for q in ctx.captured_queries
            if not q["sql"].lstrip().upper().startswith(("INSERT", "SAVEPOINT", "RELEASE"))
        )
    )


def test_a_change_recomputes_only_the_parts_that_read_its_table(
    views, known_data, other_enterprise, queries
):
    """Each statistics function's result is kept as a part with the versions of the tables it
    read: after a new training record the drills', exams' and certificates' figures are served,
    after a drill the training figures are; what is served still equals the live figures."""
    views()
    drills = {"drills_drill", "drills_participation", "exams_attempt", "certificates_certificate"}
    add_record(known_data["principal"], date(2026, 6, 15), "3")
    read = _tables_read(queries, views)
    assert "courses_trainingrecord" in read
    assert not read & drills
    Drill.objects.filter(enterprise=other_enterprise).update(spent=Decimal("777"))
    read = _tables_read(queries, views)
    assert "drills_drill" in read
    assert not read & {"courses_trainingrecord", "exams_attempt", "certificates_certificate"}
    assert views() == _live(views)


ROLLUP_SUMS = {
    "courses_enterpriseyeartraining",
    "courses_enterprisemonthtraining",
    "courses_enterpriseyearpeople",
    "courses_enterpriseyearcompliance",
}


def test_after_a_new_record_the_rollups_sums_are_served_and_only_the_records_since_are_read(
    views, known_data, queries
):
    """Through the rollups each training figure is the rollup's sums as of the refresh plus the
    records since the watermark (and 学时达标 less / plus the people changed since): the sums are
    a part of their own (courses.statistics._rollup_half), so after a new record only the live
    half is computed; after an enterprise moves street they are summed again. What is served
    equals the live figures each time."""
    rollups.refresh()
    views()
    add_record(known_data["principal"], date(2026, 6, 15), "3")
    read = _tables_read(queries, views)
    assert "courses_trainingrecord" in read
    assert not read & ROLLUP_SUMS
    assert views() == _live(views)
    enterprise = known_data["principal"].enterprise
    _save(enterprise, street=known_data["other"].enterprise.street)
    assert ROLLUP_SUMS <= _tables_read(queries, views)
    assert views() == _live(views)


def test_a_refresh_committing_between_the_rollups_sums_and_their_live_half_is_not_mixed(
    views, known_data, monkeypatch
):
    """学时达标's live half takes the changed people's rollup rows away, 参训人数's counts the people
    the rollup does not hold: both read a rollup table, while the sums they are added to were read
    earlier or kept. A refresh committing in between (simulated: run just before those
    statements) must not mix two refreshes — a person made compliant, a person first trained
    since the refresh — the figure is computed from the records instead."""
    rollups.refresh()
    views()  # the rollups' sums kept as parts
    principal = known_data["principal"]
    add_record(principal, date(2026, 6, 15), "60")  # now 达标
    newcomer = PersonFactory(enterprise=principal.enterprise, category=PersonCategory.PRINCIPAL)
    add_record(newcomer, date(2026, 6, 16), "60")  # first trained since the refresh
    live_halves = {
        ("courses.statistics._RolledPeople", "new"),
        ("courses.statistics.compliance_summary", "changed"),
    }
    real, refreshed = statistics.fetch, []

    def fetch(key, build, **kwargs):
        if key[:2] in live_halves and key[:2] not in refreshed:
            refreshed.append(key[:2])
            rollups.refresh()
        return real(key, build, **kwargs)

    monkeypatch.setattr(statistics, "fetch", fetch)
    served = views()
    monkeypatch.undo()
    assert set(refreshed) == live_halves
    assert served == _live(views)


def test_each_part_depends_on_every_table_it_reads_even_through_a_remembered_read(
    views, known_data, monkeypatch
):
    """Within one computation the rollups' state and changed people are read once and reused
    (courses.rollups.snapshot): a part reusing them must depend on the tables their query read
    as if it had run it itself, or a new record would leave it served stale. (Just refreshed, no
    one changed since: only the changed people's query reads the records for 学时达标.)"""
    rollups.refresh()
    kept: list[dict] = []

    def store(key, version, result, *, parts=None, **_):
        kept.append({k: part.deps for k, part in (parts or {}).items()})

    monkeypatch.setattr(snapshots, "_store", store)
    views()
    shared = kept[:]
    kept.clear()
    monkeypatch.setattr(rollups, "snapshot", nullcontext)  # each part reads for itself
    views()
    assert [{k: set(d) for k, d in c.items()} for c in shared] == [
        {k: set(d) for k, d in c.items()} for c in kept
    ]
    assert any("courses_trainingrecord" in deps for c in shared for deps in c.values())


def test_a_part_is_keyed_by_every_field_of_its_arguments(enterprise):
    """Two scopes of the same region differ in the key if the region changed (its path is in
    the statistics' SQL as a value); an argument of an unknown type is not kept at all."""
    region = enterprise.street
    before = snapshots._args_key((Scope(Scope.Kind.REGION, region=region),), {})
    region.path += "x"
    after = snapshots._args_key((Scope(Scope.Kind.REGION, region=region),), {})
    assert before != after
    assert snapshots._args_key((1,), {}) != snapshots._args_key(("1",), {})
    with pytest.raises(snapshots._Unkeyed):
        snapshots._args_key((object(),), {})


def test_each_part_is_one_row_replaced_by_the_next_computation(views, known_data):
    """A part whose arguments change with the data (the returns merged with this computation's
    training figures) takes the same row again: the rows a snapshot reads stay as many."""
    views()
    rows = FigureSnapshot.objects.exclude(parent="").count()
    for day in (3, 4, 5):
        add_record(known_data["principal"], date(2026, 6, day), "1")
        views()
    assert FigureSnapshot.objects.exclude(parent="").count() == rows
