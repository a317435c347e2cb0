"""The one way the tests count SQL (used through the `queries` fixture of tests/conftest.py).

    def test_the_list_costs_the_same_for_more_rows(client, queries):
        small = len(queries.page(client, url))      # warm first, then the SQL of a second request
        ...
        with queries.capture() as ctx:               # anything else: len(ctx), ctx.captured_queries
            services.send_reminders()

`page` leaves out the session read, which the Redis session backend does not run, so a count is the
same on both CI databases. Counts that must not change are written as numbers with a comment naming
each query; counts that must not grow are compared at two data sizes.
"""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext


class QueryCounter:
    def capture(self) -> CaptureQueriesContext:
        return CaptureQueriesContext(connection)

    def page(self, client, url: str, *, warm: bool = True, status: int = 200) -> list[str]:
        """The SQL of one GET once warm (a first request fills per-process caches such as
        Wagtail's site root paths), without the session read."""
        if warm:
            assert client.get(url).status_code == status
        with self.capture() as ctx:
            assert client.get(url).status_code == status
        return [q["sql"] for q in ctx.captured_queries if "django_session" not in q["sql"]]
