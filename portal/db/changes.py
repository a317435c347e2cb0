"""The data version: one number that grows with every committed change of any table a figure may
read, so that figures computed at version v are still right while the version is v
(portal.snapshots).

    version(connection) -> int                 the current version (one query)
    version_sql(connection) -> str             the same as a scalar subquery, for a larger query
    versions(connection) -> dict[str, int]     each source's own version (one query)
    source_of(table) -> str                    the source a table's changes count under
    touch(connection)                          move it by 1 by hand (a DERIVED table's writer)
    watched_tables() -> set[str]               the tables whose changes count (all but NOT_WATCHED
                                               and DERIVED)
    install(connection)                        create the triggers that are missing, drop the others
    compact(connection) -> int                 sum the rows into one per source (PostgreSQL)

It is kept by database triggers, not by Django signals, so that every way of writing counts: a
save, a queryset's update() or delete(), bulk_create, raw SQL (the exam engine, the rollups),
COPY, a data migration, a restore (a trigger is part of the schema):
- PostgreSQL: a statement-level trigger (INSERT, UPDATE, DELETE, TRUNCATE) inserts a row of
  weight 1, naming the table (`source`), into portal_datachange. Inserts never wait on each
  other, so two writers of watched tables never queue on the version (a counter row would be
  locked until each writer commits: an exam start would wait for a 30-second import). The row
  commits with the change or not at all, so the total of the rows a reader sees counts exactly
  the changes it sees.
- SQLite: row-level triggers add 1 to the table's row (SQLite has one writer at a time anyway).
Each table's total is its own version: a figure part (portal.snapshots.part) that read only the
drills is still right after a new training record. The total, and each table's, can only grow:
a snapshot stored at version v was computed from data at least as new as v, and is served only
to a reader that sees exactly v, i.e. nothing committed in between.

`install` runs after every migrate (and flush) at the last app's post_migrate; a table added by a
migration gets its trigger then, and creating any trigger moves EPOCH_SOURCE (every part depends
on it). On SQLite the triggers are dropped before a migrate (`drop_before_migrate`: SQLite checks
them when a migration renames a remade table), so a migrate's own writes count as that move. `NOT_WATCHED` lists the tables that no figure reads and that are
written all the time (an exam's autosave, study heartbeats, sessions, the task queue): a write
there leaves the version alone. `DERIVED` lists the training rollups: their writers move the
version themselves (`touch`), under the one source DERIVED_SOURCE.
tests/dashboard/test_snapshots.py checks that every table the dashboard and the annual report
read is watched or derived.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.db import router

from portal.db.prepared import prepared_cursor

TRIGGER = "portal_data_changed"
# App labels none of whose tables a figure reads, written all the time.
NOT_WATCHED_APPS = frozenset({"django_q", "sessions", "admin"})
# Models no figure reads, written on hot paths or by the version itself.
NOT_WATCHED = frozenset(
    {
        "portal.DataChange",
        "portal.FigureSnapshot",
        "portal.Heartbeat",
        "portal.ApiToken",
        "portal.Notice",
        "portal.Progress",
        "portal.ImportBatch",
        "portal.ImportedRow",
        "courses.LessonProgress",
        "courses.StudySession",
        "courses.PresenceCheck",
        "exams.AttemptQuestion",
        "exams.AttemptEvent",
        "exams.WrongAnswer",
        "drills.ReminderLog",
        "drills.CalendarToken",
        "certificates.ExpiryReminder",
    }
)


# Tables derived from watched ones (tests/courses/test_rollups.py checks the training rollups
# against the records after every kind of change), written by code that `touch`es the version
# itself, once, when what it wrote may change a figure: the rollups marked stale, a refresh (it
# repairs what no signal marked, and a figure computed while it ran may have mixed both states).
# No trigger: a refresh's writes then move the version by exactly 1, which lets the schedule
# skip the next refresh while the version has not moved (courses.rollups.unchanged_state).
DERIVED = frozenset(
    {
        "courses.TrainingRollupState",
        "courses.EnterpriseYearTraining",
        "courses.EnterpriseMonthTraining",
        "courses.PersonYearTraining",
        "courses.PersonYearCompliance",
        "courses.EnterpriseYearCompliance",
        "courses.EnterpriseYearPeople",
    }
)


DERIVED_SOURCE = "portal.derived"
# The rows of no one table: what `install` adds when it creates triggers (a new table, or SQLite
# after a migrate, which runs without them: its own writes were not counted), and the rows of the
# release before the per-table column. Every figure part depends on it.
EPOCH_SOURCE = ""


def derived_tables() -> set[str]:
    return {apps.get_model(label)._meta.db_table for label in DERIVED}


def source_of(table: str) -> str:
    """The source a table's changes count under: its own name, DERIVED_SOURCE for the rollups."""
    return DERIVED_SOURCE if table in derived_tables() else table


def _table() -> str:
    from portal.models import DataChange

    return DataChange._meta.db_table


_SAFE_SOURCE = re.compile(r"^[A-Za-z0-9_.]*$")


def _bump_sql(connection, source: str | None) -> str:
    """The statement that moves the version of `source` by 1: a new row (PostgreSQL; source None:
    the trigger's own table, TG_TABLE_NAME), the source's row + 1 (SQLite). The triggers run it,
    and `touch`."""
    table = connection.ops.quote_name(_table())
    if source is not None and not _SAFE_SOURCE.match(source):
        raise ValueError(f"not a table name: {source!r}")
    if connection.vendor == "sqlite":
        return (
            f"INSERT INTO {table} (source, weight) VALUES ('{source}', 1) "  # nosec B608 # checked
            "ON CONFLICT (source) DO UPDATE SET weight = weight + 1"
        )
    value = "TG_TABLE_NAME" if source is None else f"'{source}'"
    return f"INSERT INTO {table} (weight, source) VALUES (1, {value})"  # nosec B608 # checked


def version_sql(connection) -> str:
    """The current version as a scalar subquery."""
    return f"(SELECT COALESCE(SUM(weight), 0) FROM {connection.ops.quote_name(_table())})"  # nosec B608 # a model's table


def versions_sql(connection, columns: str = "source, SUM(weight)", where: str = "") -> str:
    """(source, version) rows: each source's own version (`columns`: what to select of them;
    `where`: a condition on the rows, e.g. on `source`)."""
    table = connection.ops.quote_name(_table())
    condition = f" WHERE {where}" if where else ""
    return f"SELECT {columns} FROM {table}{condition} GROUP BY source"  # nosec B608 # a model's table


def versions(connection) -> dict[str, int]:
    with connection.cursor() as cur:
        cur.execute(versions_sql(connection))
        return {source: int(n) for source, n in cur.fetchall()}


def versions_of(connection, sources: tuple[str, ...]) -> tuple[int, ...]:
    """The versions of `sources`, in their order (0 for a source with no rows yet)."""
    marks = ", ".join(["%s"] * len(sources))
    with prepared_cursor(connection) as cur:  # a kept value's check on every page
        cur.execute(versions_sql(connection, where=f"source IN ({marks})"), sources)
        found = {source: int(n) for source, n in cur.fetchall()}
    return tuple(found.get(source, 0) for source in sources)


def version(connection) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {version_sql(connection)}")  # nosec B608 # a model's table
        return int(cur.fetchone()[0])


def watched_tables(using: str = "default") -> set[str]:
    """The tables of every model (and many-to-many table) on `using`, but NOT_WATCHED's."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if (
            not meta.managed
            or meta.proxy
            or meta.app_label in NOT_WATCHED_APPS
            or meta.label in NOT_WATCHED
            or meta.label in DERIVED
            or not router.allow_migrate_model(using, model)
        ):
            continue
        tables.add(meta.db_table)
    return tables


def install(connection) -> None:
    """Create the missing triggers on the watched tables, drop those on the other tables. Reads
    what exists first: a flush runs it after every transactional test."""
    existing = set(connection.introspection.table_names())
    wanted = watched_tables(connection.alias) & existing
    if _table() not in existing:
        return
    created = 0
    if connection.vendor == "postgresql":
        created = _install_postgresql(connection, wanted)
    elif connection.vendor == "sqlite":
        created = _install_sqlite(connection, wanted)
    if created:
        with connection.cursor() as cur:
            cur.execute(_bump_sql(connection, EPOCH_SOURCE))


def _install_postgresql(connection, wanted: set[str]) -> int:
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE t.tgname = %s AND n.nspname = current_schema()",
            [TRIGGER],
        )
        have = {name for (name,) in cur.fetchall()}
        body = f" BEGIN {_bump_sql(connection, None)}; RETURN NULL; END "
        cur.execute(
            "SELECT p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE p.proname = %s AND n.nspname = current_schema()",
            [TRIGGER],
        )
        row = cur.fetchone()
        if row is None or row[0] != body:
            cur.execute(
                f"CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql "
                f"AS $${body}$$"
            )
        for table in sorted(wanted - have):
            cur.execute(
                f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {qn(table)} FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()"
            )
        for table in sorted(have - wanted):
            cur.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {qn(table)}")
    return len(wanted - have)


_SQLITE_EVENTS = ("insert", "update", "delete")


def _install_sqlite(connection, wanted: set[str]) -> int:
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        # The triggers' upsert needs one row per source (kept here, not in a migration: SQLite's
        # table rebuilds drop indexes no model declares).
        cur.execute(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {TRIGGER}_source ON {qn(_table())} (source)"
        )
        cur.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            [f"{TRIGGER}_%"],
        )
        have = dict(cur.fetchall())
        # A full-text search index (a virtual table) takes no trigger; no figure reads one.
        cur.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%%'"
        )
        wanted = wanted - {name for (name,) in cur.fetchall()}
        names = {
            f"{TRIGGER}_{event}_{table}": table for table in wanted for event in _SQLITE_EVENTS
        }
        created = 0
        for name, table in sorted(names.items()):
            event = name[len(TRIGGER) + 1 :].split("_", 1)[0].upper()
            sql = (
                f"CREATE TRIGGER {qn(name)} AFTER {event} ON {qn(table)} "
                f"FOR EACH ROW BEGIN {_bump_sql(connection, table)}; END"
            )
            if have.get(name) != sql:  # missing, or of an older body
                if name in have:
                    cur.execute(f"DROP TRIGGER {qn(name)}")
                cur.execute(sql)
                created += 1
        for name in sorted(set(have) - set(names)):
            cur.execute(f"DROP TRIGGER IF EXISTS {qn(name)}")
    return created


def touch(connection) -> None:
    """Move the version (and DERIVED_SOURCE's) by 1 by hand: for a write to a DERIVED table that
    may change a figure (the rollups marked stale, a refresh)."""
    with connection.cursor() as cur:
        cur.execute(_bump_sql(connection, DERIVED_SOURCE))


def drop_before_migrate(sender, using="default", **kwargs) -> None:
    """On SQLite, drop the triggers before a migrate (pre_migrate): a migration that remakes a
    table renames `new__x` to `x`, SQLite then checks every trigger, and the triggers name
    portal_datachange — remaking that table would fail. post_migrate installs them again and
    moves EPOCH_SOURCE (the migrate's own writes were not counted). PostgreSQL keeps them."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            [f"{TRIGGER}_%"],
        )
        for (name,) in cur.fetchall():
            cur.execute(f"DROP TRIGGER IF EXISTS {qn(name)}")


def install_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate is sent once per app: install once, at the last app's (every table exists)."""
    from django.db import connections

    from portal.roles import is_last_migrated_app

    if is_last_migrated_app(sender):
        install(connections[using])


def compact(connection) -> int:
    """Sum the version's rows into one per source (PostgreSQL; SQLite keeps one row per source).
    Every source's total is unchanged, so no snapshot or part is lost; rows of writers not yet
    committed are not seen and stay. Returns how many rows were summed."""
    if connection.vendor != "postgresql":
        return 0
    table = connection.ops.quote_name(_table())
    with connection.cursor() as cur:
        cur.execute(
            f"WITH d AS (DELETE FROM {table} RETURNING weight, source) "  # nosec B608 # a model's table
            f"INSERT INTO {table} (weight, source) SELECT SUM(weight), source FROM d "
            "GROUP BY source RETURNING (SELECT COUNT(*) FROM d)"
        )
        rows = cur.fetchall()
    return int(rows[0][0]) if rows else 0
