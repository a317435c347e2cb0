"""Statements whose selective half touches few rows, run with index lookups costed as they are on
SSD or a database held in memory.

    execute_few_rows(cursor, query, params)     cursor.execute(query, params), on PostgreSQL with
                                                random_page_cost FEW_ROWS_PAGE_COST for it alone

学时达标 after a change (courses.statistics.compliance_summary) takes the rollup rows of the people
changed since its refresh away and judges those people live — at most courses.rollups.MAX_DELTA_PEOPLE, usually a handful.
PostgreSQL estimates that set at dozens of rows and, with its default random_page_cost of 4 (made
for spinning disks), hashes every person and every rollup row of the year instead of looking the
changed ones up by index: 9.7 ms instead of 1.7 ms at 100,000 records (BENCHMARKS.md). So with
参训人数's new people (the people of the records written since the refresh that the rollup does
not hold: the statement took 2.0 ms hashing the year's rollup rows, 0.8 ms with lookups). Where the rows
are many after all (the refresh has not run for long), the planner's estimate says so and it
hashes them anyway: the setting only moves the balance for the few. The
setting is not changed for the connection: a range aggregate over half a table (the raw SQL of a
custom period) is faster with the default, 22 ms against 58 ms with 1.1.

The statement is sent with the SET before it and the RESET after it in one round trip (Django's
client-side binding sends them as one simple query, a single implicit transaction outside
`atomic`): if the statement fails, the transaction it ran in takes the SET back with it. RESET
returns to the connection's own value (the server's, or the DATABASES options').
"""

from __future__ import annotations

FEW_ROWS_PAGE_COST = 1.1


def execute_few_rows(cursor, query: str, params) -> None:
    if cursor.db.vendor != "postgresql":
        cursor.execute(query, params)
        return
    cursor.execute(
        f"SET random_page_cost = {FEW_ROWS_PAGE_COST}; {query}; RESET random_page_cost", params
    )
    cursor.nextset()  # the SET's result, then the statement's rows
