"""portal.db.plans.execute_few_rows: the statement alone runs with index lookups costed for SSD or
memory (PostgreSQL); the connection keeps its own setting before, after, and after a failure."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from portal.db.plans import FEW_ROWS_PAGE_COST, execute_few_rows

POSTGRES = connection.vendor == "postgresql"


def _setting() -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('random_page_cost')")
        return cur.fetchone()[0]


def _few_rows(query: str, params) -> list:
    with connection.cursor() as cur:
        execute_few_rows(cur, query, params)
        return cur.fetchall()


@pytest.mark.django_db
def test_the_statement_and_its_parameters_as_cursor_execute_would():
    assert _few_rows("SELECT %s + 1, %s", [41, "学时达标"]) == [(42, "学时达标")]


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL's planner setting")
@pytest.mark.django_db(transaction=True)
def test_the_setting_is_the_statements_alone_even_when_it_fails():
    before = _setting()
    assert float(before) != FEW_ROWS_PAGE_COST  # the server's default (4): else this tests nothing
    assert _few_rows("SELECT current_setting('random_page_cost')", []) == [
        (str(FEW_ROWS_PAGE_COST),)
    ]
    assert _setting() == before
    with pytest.raises(DatabaseError):  # outside a transaction
        _few_rows("SELECT 1 / (%s - 1)", [1])
    assert _setting() == before
    with pytest.raises(DatabaseError), transaction.atomic():  # inside one
        _few_rows("SELECT 1 / (%s - 1)", [1])
    assert _setting() == before
