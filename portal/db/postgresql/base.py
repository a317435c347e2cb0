"""The PostgreSQL engine the portal runs on: django-prometheus' metered engine (query counters,
portal.metrics) with a health check that costs no round trip while the connection is sound.

CONN_HEALTH_CHECKS makes Django send `SELECT 1` before the first query of every request on a
reused connection, so that a node survives a restarted database (tests/system/
test_fault_postgres_restart.py). On an idle connection the server sends nothing unprompted: when
it closes the connection (a restart, a fast shutdown, `pg_terminate_backend`, the backend killed)
the socket becomes readable (its FATAL message, then end of file). So the check first polls the
socket without waiting: nothing to read and the connection idle and not broken → sound, no query;
anything else → Django's `SELECT 1` as before, which closes a dead connection so that the request
reconnects. A server that vanished without closing the socket (a partition) is found by the
request's first query, as it would be between the check and that query anyway: the request answers
503 with Retry-After (portal.middleware.DatabaseUnavailableMiddleware) and the connection is closed
at its end. An autosave saves one round trip (BENCHMARKS.md, "Exams … issue 21, third pass").
"""

from __future__ import annotations

import select

from django.db import DatabaseError
from django.db.backends.postgresql import base as _server_binding
from django.db.backends.postgresql.operations import DatabaseOperations as _Operations
from django_prometheus.db.backends.postgresql import base
from django_prometheus.db.common import ExportingCursorWrapper

try:
    from psycopg.pq import TransactionStatus
except ImportError:  # psycopg2: Django's check unchanged
    TransactionStatus = None


def _quiet(connection) -> bool:
    """True when `connection` (psycopg 3) is open, idle outside a transaction and the server has
    sent nothing since its last answer: no reason to ask it whether it is still there."""
    if TransactionStatus is None or connection.closed or connection.broken:
        return False
    if connection.info.transaction_status != TransactionStatus.IDLE:
        return False
    poller = select.poll()
    poller.register(connection.pgconn.socket, select.POLLIN | select.POLLPRI)
    return not poller.poll(0)  # readable or hung up: ask (and find out) with SELECT 1


class DatabaseOperations(_Operations):
    def last_executed_query(self, cursor, sql, params):
        """The statement as Django's debug log and query captures show it: psycopg keeps no text
        of a statement it executed by its prepared name (`prepared_cursor`), so it is the SQL
        given, with its parameters written in."""
        found = super().last_executed_query(cursor, sql, params)
        if found is not None or not params:
            return found if found is not None else sql
        try:
            return self.compose_sql(sql, params)
        except (TypeError, ValueError, DatabaseError, _server_binding.Database.Error):  # unwritable
            return sql


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if connection.prepare_threshold is None:
            connection.prepare_threshold = ONLY_WHEN_ASKED
        return connection

    def prepared_cursor(self):
        """A cursor (Django's wrapper: query counts, debug log, django-prometheus' counters) whose
        statements are bound server-side and prepared: for the few hot statements written by
        hand whose parameters PostgreSQL can type from their context (a parameter in a SELECT
        list needs a cast). Other queries keep Django's client-side binding."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(_METERED_PREPARED[self.alias, self.vendor](self.connection))

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and _quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()


# Prepared statements only where asked for: Django turns psycopg's automatic preparing off (a
# connection pooler in transaction mode would lose them); `prepared_cursor` prepares its
# statements explicitly, so the connection's threshold is set out of reach instead of off.
ONLY_WHEN_ASKED = 2**31 - 1


class _PreparedCursor(_server_binding.ServerBindingCursor):
    """psycopg's server-side binding cursor whose every statement is prepared on the connection
    (once per statement text and parameter types; PostgreSQL then skips parsing and, after a few
    executions, planning)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True if prepare is None else prepare)


class _MeteredPrepared(dict):
    def __missing__(self, key):
        alias, vendor = key
        self[key] = ExportingCursorWrapper(_PreparedCursor, alias, vendor)
        return self[key]


_METERED_PREPARED = _MeteredPrepared()
