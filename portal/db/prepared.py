"""SQL built once per shape and kept in memory: the ORM builds and compiles a figure's queries
(expressions, joins, CASE over a rule table) in more time than the database takes to run them.

    prepared(key, build) -> (sql, params)     build()'s result, built once per key and database
    fetch(key, build, *, few_rows=False) -> list[tuple]   its rows; on PostgreSQL prepared
    prepared_cursor(connection)               a cursor whose statements PostgreSQL prepares

`key` must name everything build() depends on besides the code (the scope, the period, the rule
table's rows, the rollups' watermark …; `portal.snapshots.frozen` describes a value exactly): the
same key must always build the same SQL and parameters. Under tests (settings.PREPARED_SQL_CHECK)
every use builds again and compares, so a key that misses something the query depends on fails
the test that shows it. Kept per process, the last PREPARED_SIZE shapes.

`fetch` runs it. On PostgreSQL its parameters are written into the SQL as values (once per key)
and the statement is prepared on the connection (portal.db.postgresql's `prepared_cursor`): a
statement without parameters has one plan, made at its first execution on the connection and used
again until a table it reads changes its statistics (ANALYZE) — no parsing and no planning after
the first (学时达标's live half after a change: 2.1 → 0.5 ms at 100,000 records, its planning
alone 1.3 ms; BENCHMARKS.md). The key's values (the scope, the period, the rollups' watermark)
being in the SQL, a new watermark is a new statement, planned for what it reads. `few_rows`: the
statement is planned under portal.db.plans.few_rows. Elsewhere (SQLite) the statement is executed
with its parameters.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import nullcontext as _nothing

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation

from portal.db.plans import few_rows as few_rows_plan

PREPARED_SIZE = 512
_built: OrderedDict[tuple, tuple[str, tuple]] = OrderedDict()
_lock = threading.Lock()


class PreparedKeyError(AssertionError):
    """The same key built another query: the key misses something the query depends on."""


def prepared(key: tuple, build: Callable[[], tuple[str, Sequence]]) -> tuple[str, tuple]:
    full = (
        connection.alias,
        connection.vendor,
        timezone.get_current_timezone_name(),
        translation.get_language(),
        *key,
    )
    with _lock:
        kept = _built.get(full)
        if kept is not None:
            _built.move_to_end(full)
    check = getattr(settings, "PREPARED_SQL_CHECK", False)
    if kept is not None and not check:
        return kept
    sql, params = build()
    made = (sql, tuple(params))
    if kept is not None and kept != made:
        raise PreparedKeyError(f"{key[0]}: the key {key!r} built another query")
    with _lock:
        _built[full] = made
        while len(_built) > PREPARED_SIZE:
            _built.popitem(last=False)
    return made


_literal: OrderedDict[tuple, str] = OrderedDict()


def prepared_cursor(connection):
    """A cursor of `connection` whose every statement PostgreSQL prepares (the engine
    portal.db.postgresql: parsed once per connection, then planned once), for the hand-written
    statements every request runs (the permissions, the snapshots' reads, an autosave …); the
    connection's own cursor on another engine (SQLite, a plain backend)."""
    return getattr(connection, "prepared_cursor", connection.cursor)()


def fetch(
    key: tuple, build: Callable[[], tuple[str, Sequence]], *, few_rows: bool = False
) -> list[tuple]:
    sql, params = prepared(key, build)
    plan = few_rows_plan(connection) if few_rows else _nothing()
    if hasattr(connection, "prepared_cursor"):  # its values written in: one plan a connection
        sql, params = _literal_sql(sql, params), None
    with prepared_cursor(connection) as cursor, plan:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _literal_sql(sql: str, params: tuple) -> str:
    """The statement with its parameters written in as values (PostgreSQL's own quoting, by
    psycopg), once per statement and parameters."""
    # typed: 1, True and Decimal("1") are equal and hash alike, but are written differently
    full = (connection.alias, sql, tuple((type(p), p) for p in params))
    try:
        hash(full)
    except TypeError:  # a value that is not hashable (a list for an array): written each time
        return connection.ops.compose_sql(sql, params)
    with _lock:
        literal = _literal.get(full)
        if literal is not None:
            _literal.move_to_end(full)
            return literal
    literal = connection.ops.compose_sql(sql, params)
    with _lock:
        _literal[full] = literal
        while len(_literal) > PREPARED_SIZE:
            _literal.popitem(last=False)
    return literal
