"""Statements whose selective half touches few rows, planned with index lookups costed as they are
on SSD or a database held in memory.

    few_rows(connection)      context: on PostgreSQL, random_page_cost FEW_ROWS_PAGE_COST for the
                              statements inside it alone (portal.db.prepared.fetch(few_rows=True))

学时达标 after a change (courses.statistics.compliance_summary) takes the rollup rows of the people
changed since its refresh away and judges those people live — at most
courses.rollups.MAX_DELTA_PEOPLE, usually a handful. PostgreSQL estimates that set at dozens of
rows and, with its default random_page_cost of 4 (made for spinning disks), hashes every person
and every rollup row of the year instead of looking the changed ones up by index: 9.7 ms instead
of 1.7 ms at 100,000 records (BENCHMARKS.md). So with 参训人数's new people (the people of the
records written since the refresh that the rollup does not hold: the statement took 2.0 ms
hashing the year's rollup rows, 0.8 ms with lookups). Where the rows are many after all (the
refresh has not run for long), the planner's estimate says so and it hashes them anyway: the
setting only moves the balance for the few. The setting is not changed for the connection: a
range aggregate over half a table (the raw SQL of a custom period) is faster with the default,
22 ms against 58 ms with 1.1.

It is set and reset on the driver's connection (not a query of Django's: no query count changes,
as SQLite's store wait in portal.snapshots). Inside a transaction that fails, the rollback takes
the SET back (the RESET is not sent to an aborted transaction); outside one, the RESET follows
whatever happened. RESET returns to the connection's own value (the server's, or the DATABASES
options').
"""

from __future__ import annotations

from contextlib import contextmanager

FEW_ROWS_PAGE_COST = 1.1


@contextmanager
def few_rows(connection):
    if connection.vendor != "postgresql":
        yield
        return
    from psycopg.pq import TransactionStatus

    # as any query of Django's: refused in a broken atomic block, errors as Django's
    connection.validate_no_broken_transaction()
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors:
        raw.execute(f"SET random_page_cost = {FEW_ROWS_PAGE_COST}")
    try:
        yield
    finally:
        if not raw.closed and raw.info.transaction_status != TransactionStatus.INERROR:
            with connection.wrap_database_errors:
                raw.execute("RESET random_page_cost")
