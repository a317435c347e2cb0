"""SQL built once per shape and kept in memory: the ORM builds and compiles a figure's queries
(expressions, joins, CASE over a rule table) in more time than the database takes to run them.

    prepared(key, build) -> (sql, params)     build()'s result, built once per key and database

`key` must name everything build() depends on besides the code (the scope, the period, the rule
table's rows, the rollups' watermark …; `portal.snapshots.frozen` describes a value exactly): the
same key must always build the same SQL and parameters. Under tests (settings.PREPARED_SQL_CHECK)
every use builds again and compares, so a key that misses something the query depends on fails
the test that shows it. Kept per process, the last PREPARED_SIZE shapes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation

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
