"""portal.db.prepared.fetch and portal.db.plans.few_rows: the rows of a statement built once per
shape; on PostgreSQL written with its values and prepared on the connection (planned once), a
few-rows statement planned with index lookups costed for SSD or memory while the connection keeps
its own setting before, after, and after a failure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from portal.db.plans import FEW_ROWS_PAGE_COST
from portal.db.prepared import fetch

POSTGRES = connection.vendor == "postgresql"

VALUES = [
    41,
    "学时达标 O'Brien 100% \\ %s",
    date(2026, 2, 28),
    Decimal("12.5"),
    None,
    datetime(2026, 11, 30, 8, 15, tzinfo=UTC),
]


def _setting() -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('random_page_cost')")
        return cur.fetchone()[0]


def _plain(sql: str, params) -> list:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _select(n: int) -> str:
    cast = "::text" if POSTGRES else ""
    return "SELECT " + ", ".join(f"%s{cast}" for _ in range(n))


@pytest.mark.django_db
def test_the_rows_are_those_of_the_statement_with_its_parameters():
    sql = _select(len(VALUES))
    rows = fetch(("test_db_plans.values",), lambda: (sql, VALUES))
    assert rows == _plain(sql, VALUES)
    assert fetch(("test_db_plans.values",), lambda: (sql, VALUES)) == rows  # kept, the same


@pytest.mark.django_db
def test_a_fetch_is_one_query_shown_with_its_sql_whatever_its_plan(queries):
    """(A prepared statement executed by name leaves psycopg no text: the captures, the debug log
    and the figure parts' table dependencies read the SQL given.)"""
    sql = "SELECT COUNT(*) FROM portal_region WHERE code <> %s"
    for _ in range(2):  # the second executes the prepared statement by its name
        with queries.capture() as ctx:
            fetch(("test_db_plans.one",), lambda: (sql, ["x"]), few_rows=True)
        assert [q["sql"] for q in ctx.captured_queries] == [
            "SELECT COUNT(*) FROM portal_region WHERE code <> 'x'"
        ]


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL's prepared statements")
@pytest.mark.django_db
def test_on_postgresql_the_statement_is_prepared_and_planned_once():
    sql = "SELECT COUNT(*) FROM portal_region WHERE code <> %s AND level = %s"
    for _ in range(3):
        fetch(("test_db_plans.prepared",), lambda: (sql, ["x'y", "district"]))
    found = _plain(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = %s",
        [connection.ops.compose_sql(sql, ["x'y", "district"])],
    )
    assert found == [(3, 0)]  # one plan, made once, used three times


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL's planner setting")
@pytest.mark.django_db(transaction=True)
def test_the_few_rows_setting_is_the_statements_alone_even_when_it_fails():
    before = _setting()
    assert float(before) != FEW_ROWS_PAGE_COST  # the server's default (4): else this tests nothing
    shown = fetch(
        ("test_db_plans.setting",),
        lambda: ("SELECT current_setting('random_page_cost')", []),
        few_rows=True,
    )
    assert shown == [(str(FEW_ROWS_PAGE_COST),)]
    assert _setting() == before
    failing = ("test_db_plans.failing",), lambda: ("SELECT 1 / (%s - 1)", [1])
    with pytest.raises(DatabaseError):  # outside a transaction
        fetch(*failing, few_rows=True)
    assert _setting() == before
    with pytest.raises(DatabaseError), transaction.atomic():  # inside one
        fetch(*failing, few_rows=True)
    assert _setting() == before


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL's arrays")
@pytest.mark.django_db
def test_a_value_that_cannot_be_kept_is_written_each_time():
    sql = "SELECT array_length(%s::int[], 1)"
    assert fetch(("test_db_plans.array",), lambda: (sql, [[1, 2, 3]])) == [(3,)]
