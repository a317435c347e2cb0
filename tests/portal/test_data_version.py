"""The data version (portal.db.changes): kept by database triggers on every table a figure may
read, so that any way of writing moves it, and nothing else does."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from courses.models import TrainingRecord
from exams.models import AttemptEvent
from portal.db import changes
from portal.models import DataChange, Notice
from tests.dashboard.factories import add_record
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _triggered_tables() -> set[str]:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = %s",
                [changes.TRIGGER],
            )
            return {name for (name,) in cur.fetchall()}
        cur.execute(
            "SELECT tbl_name, COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s "
            "GROUP BY tbl_name",
            [f"{changes.TRIGGER}_%"],
        )
        rows = cur.fetchall()
        assert {n for _, n in rows} == {3}  # insert, update, delete
        return {name for name, _ in rows}


def _virtual_tables() -> set[str]:
    if connection.vendor != "sqlite":
        return set()
    with connection.cursor() as cur:
        cur.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%%'")
        return {name for (name,) in cur.fetchall()}


def test_every_watched_table_has_its_trigger_and_no_other_table_has_one():
    existing = set(connection.introspection.table_names())
    watched = changes.watched_tables() & existing
    assert {"courses_trainingrecord", "drills_participation"} <= watched
    assert not {"exams_attemptquestion", "portal_datachange"} & watched
    assert _triggered_tables() == watched - _virtual_tables()


def test_install_puts_back_a_dropped_trigger_and_is_idempotent():
    table = TrainingRecord._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"DROP TRIGGER {changes.TRIGGER} ON {table}")
        else:
            cur.execute(f"DROP TRIGGER {changes.TRIGGER}_insert_{table}")
            cur.execute(f"DROP TRIGGER {changes.TRIGGER}_update_{table}")
            cur.execute(f"DROP TRIGGER {changes.TRIGGER}_delete_{table}")
    assert table not in _triggered_tables()
    changes.install(connection)
    changes.install(connection)
    assert table in _triggered_tables()


def test_a_table_no_longer_watched_loses_its_trigger(monkeypatch):
    monkeypatch.setattr(changes, "NOT_WATCHED", changes.NOT_WATCHED | {"courses.TrainingRecord"})
    changes.install(connection)
    assert "courses_trainingrecord" not in _triggered_tables()
    monkeypatch.undo()
    changes.install(connection)
    assert "courses_trainingrecord" in _triggered_tables()


def _grows(action) -> bool:
    before = changes.version(connection)
    action()
    return changes.version(connection) > before


def test_every_way_of_writing_moves_the_version(enterprise):
    person = PersonFactory(enterprise=enterprise)
    record = add_record(person, date(2026, 3, 1), "2")
    table = TrainingRecord._meta.db_table

    def raw():
        with connection.cursor() as cur:
            cur.execute(f"UPDATE {table} SET hours = hours + 1 WHERE id = %s", [record.pk])  # nosec B608

    def bulk():
        TrainingRecord.objects.bulk_create([TrainingRecord(**_fields(person)) for _ in range(2)])

    assert _grows(lambda: add_record(person, date(2026, 3, 2), "1"))  # INSERT
    assert _grows(lambda: TrainingRecord.objects.filter(pk=record.pk).update(hours=3))  # UPDATE
    assert _grows(raw)
    assert _grows(bulk)
    assert _grows(lambda: TrainingRecord.objects.filter(pk=record.pk).delete())  # DELETE
    assert _grows(lambda: person.delete())  # a cascade


def _fields(person) -> dict:
    return {
        "person": person,
        "enterprise": person.enterprise,
        "category": person.category,
        "date": date(2026, 4, 1),
        "hours": Decimal("1"),
        "kind": "topic",
        "source_kind": "external",
        "title": "培训",
    }


def test_writes_no_figure_reads_and_rolled_back_writes_leave_it(enterprise, supervisor):
    person = PersonFactory(enterprise=enterprise)
    assert not _grows(lambda: Notice.objects.create(user=supervisor, key="n", title="t", body=""))

    def rolled_back():
        with transaction.atomic():
            add_record(person, date(2026, 3, 1), "2")
            transaction.set_rollback(True)

    assert not _grows(rolled_back)
    assert not _grows(lambda: AttemptEvent.objects.none().exists())


def test_compacting_keeps_the_total_and_each_tables_version(enterprise):
    person = PersonFactory(enterprise=enterprise)
    for day in (1, 2, 3):
        add_record(person, date(2026, 3, day), "1")
    total, each = changes.version(connection), changes.versions(connection)
    assert each["courses_trainingrecord"] >= 3
    rows = DataChange.objects.count()
    summed = changes.compact(connection)
    assert changes.version(connection) == total
    assert changes.versions(connection) == each
    if connection.vendor == "postgresql":
        assert summed == rows > len(each)
    else:  # one row per table already
        assert (summed, rows) == (0, len(each))
    assert DataChange.objects.count() == len(each)


def test_each_table_has_its_own_version(enterprise):
    """A write moves its own table's version (and the total) only; the rollups' writers move
    DERIVED_SOURCE's: a figure part that read other tables stays current."""
    person = PersonFactory(enterprise=enterprise)
    before = changes.versions(connection)
    add_record(person, date(2026, 3, 1), "1")
    after = changes.versions(connection)
    moved = {s for s in after if after[s] != before.get(s, 0)}
    assert "courses_trainingrecord" in moved
    assert "drills_drill" not in moved
    assert changes.DERIVED_SOURCE not in moved
    changes.touch(connection)
    assert (
        changes.versions(connection)[changes.DERIVED_SOURCE]
        == before.get(changes.DERIVED_SOURCE, 0) + 1
    )
    assert changes.source_of("courses_enterpriseyeartraining") == changes.DERIVED_SOURCE
    assert changes.source_of("drills_drill") == "drills_drill"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's trigger check on a rename")
def test_on_sqlite_a_migrate_runs_without_the_triggers_and_moves_the_epoch_after():
    """SQLite checks every trigger when a migration renames a remade table, and the triggers
    name portal_datachange: a migration remaking it (an added NOT NULL column) failed with
    "no such table: main.portal_datachange". pre_migrate drops them; post_migrate installs them
    again and moves EPOCH_SOURCE, on which every figure part depends (the migrate's own writes
    were not counted)."""
    from django.db.models.signals import pre_migrate

    assert any(key[0] == "portal.data_version_off" for key, *_ in pre_migrate.receivers)
    before = changes.versions(connection).get(changes.EPOCH_SOURCE, 0)
    with_triggers = _triggered_tables()
    changes.drop_before_migrate(None, using=connection.alias)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            [f"{changes.TRIGGER}_%"],
        )
        assert cur.fetchone()[0] == 0
    changes.install(connection)
    assert _triggered_tables() == with_triggers
    assert changes.versions(connection)[changes.EPOCH_SOURCE] == before + 1
    changes.install(connection)  # nothing to create: the epoch stays
    assert changes.versions(connection)[changes.EPOCH_SOURCE] == before + 1
